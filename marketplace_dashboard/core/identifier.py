# Copyright 2026 The marketplace-dashboard Authors.
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Marketplace image identifiers (StratusLab format, spec section 1).

The identifier is the SHA-1 of the uncompressed image, read as an unsigned
big-endian integer and written in base 64 with the base64url alphabet, most
significant digit first, left-padded with ``A`` to 27 characters.
"""

import re

from marketplace_dashboard.core.errors import IdentifierError

__all__ = [
    'ALPHABET', 'IDENTIFIER_LENGTH', 'IDENTIFIER_RE', 'identifier_from_sha1',
    'identifier_to_int', 'is_consistent', 'is_identifier',
    'sha1_from_identifier', 'sha1_to_int',
]

ALPHABET = ('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
            '0123456789-_')
IDENTIFIER_LENGTH = 27
IDENTIFIER_RE = re.compile(r'^[A-Za-z0-9_-]{27}\Z')
_HEX_RE = re.compile(r'^[0-9A-Fa-f]+\Z')
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def is_identifier(value):
    """True when *value* is a syntactically valid identifier."""
    return isinstance(value, str) and bool(IDENTIFIER_RE.match(value))


def sha1_to_int(hexdigest):
    """Integer value of a hex SHA-1 checksum (case and leading zeros free).

    Raises :class:`IdentifierError` when it is not hex or above 160 bits.
    """
    text = (hexdigest or '').strip()
    if not _HEX_RE.match(text) or int(text, 16) >> 160:
        raise IdentifierError('%s is not a valid SHA-1 checksum' % text)
    return int(text, 16)


def identifier_to_int(identifier):
    """Integer value encoded by an identifier."""
    if not isinstance(identifier, str) or \
            len(identifier) != IDENTIFIER_LENGTH:
        raise IdentifierError(
            'invalid identifier %r: an identifier has exactly 27 characters'
            % (identifier,))
    value = 0
    for char in identifier:
        digit = _INDEX.get(char)
        if digit is None:
            raise IdentifierError(
                'invalid identifier %r: character %r is not allowed (only '
                'A-Z, a-z, 0-9, "-" and "_")' % (identifier, char))
        value = (value << 6) | digit
    if value >> 160:
        raise IdentifierError(
            'invalid identifier %r: it encodes more than 160 bits (the first '
            'character must be one of A to P)' % identifier)
    return value


def identifier_from_sha1(hexdigest):
    """27-character identifier of a hex SHA-1 digest."""
    value = sha1_to_int(hexdigest)
    chars = []
    for _ in range(IDENTIFIER_LENGTH):
        chars.append(ALPHABET[value & 63])
        value >>= 6
    return ''.join(reversed(chars))


def sha1_from_identifier(identifier):
    """40 lower-case hex digits of the SHA-1 an identifier encodes."""
    return '%040x' % identifier_to_int(identifier)


def is_consistent(identifier, hexdigest):
    """Identifier and SHA-1 checksum denote the same digest.

    Compared as integers, as StratusLab does, so upper-case hex or a leading
    zero are still consistent.  Invalid input is never consistent.
    """
    try:
        return identifier_to_int(identifier) == sha1_to_int(hexdigest)
    except IdentifierError:
        return False
