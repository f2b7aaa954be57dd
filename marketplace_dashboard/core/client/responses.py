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

"""Reading what a marketplace answers: JSON with bounded nesting, the
error text of an error response, and printable one-line excerpts."""

import json
import re
import unicodedata

from marketplace_dashboard.core import xmlsafe
from marketplace_dashboard.core.errors import MarketplaceError

__all__ = [
    'ERROR_BYTES', 'MAX_JSON_DEPTH', 'load_json', 'printable', 'reason',
    'server_message',
]

ERROR_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32
# possessive: linear even on an unterminated string
_JSON_STRING_RE = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b'[]{}')


def load_json(body):
    """``json.loads`` of *body* (bytes), refusing nesting deeper than
    :data:`MAX_JSON_DEPTH` before parsing: the parser recurses once per
    level, and a hostile ``[[[[...`` would run it (and whatever the garbage
    collector finalizes meanwhile) at the edge of the recursion limit.
    """
    brackets = _JSON_STRING_RE.sub(b'', body).translate(None, _NOT_BRACKETS)
    for _ in range(MAX_JSON_DEPTH):
        shorter = brackets.replace(b'[]', b'').replace(b'{}', b'')
        if shorter == brackets:
            break
        brackets = shorter
    if brackets:
        raise ValueError('brackets unbalanced or nested more than %d '
                         'levels deep' % MAX_JSON_DEPTH)
    return json.loads(body.decode('utf-8'))


def _raw_error_text(body):
    """The text of an ``<error>`` element that is not well-formed XML.

    The original service does not escape its error text (spec 3.5), e.g.
    ``<error>unable to parse metadata: bad <tag> & stuff</error>``.
    """
    head = body[:ERROR_BYTES]
    start = head.find(b'<error>')
    end = head.rfind(b'</error>')
    if start < 0 or end < start:
        return None
    return head[start + len(b'<error>'):end].decode('utf-8', 'replace')


def printable(text):
    """*text* on one line, without control or format characters (terminal
    escapes, bidi overrides), at most 500 characters."""
    text = ''.join(' ' if unicodedata.category(c)[0] == 'C' else c
                   for c in text[:ERROR_BYTES])
    return ' '.join(text.split())[:500]


def server_message(response, body):
    """The error text of a StratusLab error response, if any."""
    ctype = response.headers.get('Content-Type', '').lower()
    text = None
    try:
        if 'json' in ctype:
            value = load_json(body)
            if isinstance(value, dict) and value:
                text = str(next(iter(value.values())))
        elif 'xml' in ctype:
            try:
                root = xmlsafe.parse_xml(body, max_bytes=ERROR_BYTES)
            except MarketplaceError:
                text = _raw_error_text(body)
            else:
                if root.tag == 'error':
                    text = ''.join(root.itertext())
        elif ctype.startswith('text/plain'):
            text = body.decode('utf-8', 'replace')
    except (ValueError, RecursionError, MarketplaceError):
        text = None
    if text:
        text = printable(text)
    return text or None


def reason(exc):
    """A short reason from a requests exception (innermost cause)."""
    seen = exc
    while True:
        inner = next((a for a in getattr(seen, 'args', ())
                      if isinstance(a, BaseException)), None)
        if inner is not None and inner is not seen:
            seen = inner
            continue
        cause = getattr(seen, 'reason', None)
        if isinstance(cause, BaseException) and cause is not seen:
            seen = cause
            continue
        break
    text = str(seen) or seen.__class__.__name__
    return ' '.join(text.split())[:300]
