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


"""StratusLab metadata constraints (spec section 2.3), messages verbatim.

The reference validator stops at the first failure; this one reports every
failure, in the reference order, with the reference messages (including
its quirks: "slterms:checksum" for the slreq element, and the dcterms:valid
value printed in the dcterms:created message).

:func:`check_entry` is what makes an entry acceptable, for ``verify`` (the
verdict) and for the service's upload alike: these constraints, what the
model could not read (``slreq:bytes`` that is not a non-negative integer
below 10^20, ports out of range) and checksum values that are not the
hexadecimal digest of their algorithm.
"""

import hashlib
import re

from marketplace_dashboard.core import formats, model, xmlsafe
from marketplace_dashboard.core import identifier as identifiers
from marketplace_dashboard.core.errors import IdentifierError
from marketplace_dashboard.core.i18n import _

__all__ = ['check_checksums', 'check_constraints', 'check_entry']

q = model.q
_AT_MOST_ONE = ('serial-number', 'version', 'deprecated', 'os', 'os-arch',
                'os-version')
#: hexadecimal digits of the digest of each known checksum algorithm
_DIGEST_LENGTHS = {name: 2 * hashlib.new(spelling).digest_size
                   for name, spelling in formats.ALGORITHMS.items()}
_HEX_RE = re.compile(r'[0-9a-fA-F]+')
_NOT_SHA1 = _('%(value)s is not a valid SHA-1 checksum')


def _string(elements):
    """XPath string value of a node-set: text of the first node or ''."""
    for element in elements:
        return xmlsafe.text_content(element)
    return ''


def _date_error(value):
    """None if *value* is empty or a strict date, else the failure kind."""
    if not value:
        return None
    if not formats.DATE_RE.match(value):
        return 'pattern'
    if formats.parse_date(value) is None:
        return 'parse'
    return None


def check_constraints(root):
    """Constraint failures of a parsed rdf:RDF document (list of str)."""
    errors = []
    if root.get('{%s}base' % model.XML_NS) != model.XML_BASE or \
            root.tag != q('rdf', 'RDF'):
        errors.append(_('root element must have xml:base attribute with '
                        'value %(base)s') % {'base': model.XML_BASE})
    descriptions = (root.findall(q('rdf', 'Description'))
                    if root.tag == q('rdf', 'RDF') else [])

    def find(*path):
        found = descriptions
        for tag in path:
            found = [c for e in found for c in e.findall(tag)]
        return found

    types = find(q('dcterms', 'type'))
    if len(types) != 1:
        errors.append(_('description must have exactly 1 dcterms:type '
                        'element'))
    if any(isinstance(c.tag, str) for t in types for c in t):
        errors.append(_('dcterms:type cannot have child elements'))
    sha1_algorithms = [a for a in find(q('slreq', 'checksum'),
                                       q('slreq', 'algorithm'))
                       if xmlsafe.text_content(a) == 'SHA-1']
    sha1 = [a.getparent() for a in sha1_algorithms]
    if len(sha1_algorithms) != 1:
        errors.append(_('description must have exactly 1 slterms:checksum '
                        'element using SHA-1 algorithm'))
    for name in _AT_MOST_ONE:
        if len(find(q('slterms', name))) > 1:
            errors.append(_('description must have at most 1 '
                            'slterms:%(name)s element') % {'name': name})
    about = ''
    for description in descriptions[:1]:
        about = description.get(q('rdf', 'about'), '')
    ident = _string(find(q('dcterms', 'identifier')))
    if about != '#' + ident:
        errors.append(_('rdf:about attribute (%(about)s) and '
                        'dcterms:identifier (%(identifier)s) are not '
                        'consistent') % {'about': about, 'identifier': ident})
    errors.extend(_checksum_errors(ident, sha1))
    valid = _string(find(q('dcterms', 'valid')))
    created = _string(find(q('slreq', 'endorsement'),
                           q('dcterms', 'created')))
    for name, value in (('valid', valid), ('created', created)):
        kind = _date_error(value)
        if kind == 'pattern':
            # sic: the reference prints the dcterms:valid value for both.
            errors.append(_('dcterms:%(name)s value (%(value)s) is not a '
                            'valid date') % {'name': name, 'value': valid})
        elif kind == 'parse':
            errors.append(_('Unparseable date: "%(value)s"')
                          % {'value': value})
    return errors


def _checksum_errors(ident, sha1_checksums):
    if len(sha1_checksums) != 1:
        return []  # already reported
    hex_value = _string(sha1_checksums[0].findall(q('slreq', 'value')))
    try:
        from_identifier = identifiers.identifier_to_int(ident)
    except IdentifierError as exc:
        return [str(exc)]
    try:
        checksum = int(hex_value.strip(), 16)
    except ValueError:
        return [_NOT_SHA1 % {'value': _shown(hex_value)}]
    if checksum.bit_length() > 160:
        # cannot match, and printing it in decimal is quadratic (Python
        # refuses past 4,300 digits)
        return [_NOT_SHA1 % {'value': _shown(hex_value)}]
    if checksum != from_identifier:
        return [_('checksum from identifier (%(identifier)s) and SHA-1 '
                  'checksum (%(checksum)s) are not consistent')
                % {'identifier': from_identifier, 'checksum': checksum}]
    return []


def _shown(value, limit=128):
    """*value* for a message: attacker-sized ones are cut."""
    if len(value) <= limit:
        return value
    return _('%(start)s... (%(length)s characters)') % {
        'start': value[:limit // 2], 'length': len(value)}


def check_checksums(appliance):
    """Checksum values that are not hexadecimal, or not as long as the
    digest of their (known) algorithm (list of str)."""
    errors = []
    for algorithm, value in appliance.checksums.items():
        length = _DIGEST_LENGTHS.get(algorithm)
        if not _HEX_RE.fullmatch(value or ''):
            errors.append(_('%(algorithm)s checksum (%(value)s) is not '
                            'hexadecimal') % {'algorithm': _shown(algorithm),
                                              'value': _shown(value)})
        elif length is not None and len(value) != length:
            errors.append(_('%(algorithm)s checksum (%(value)s) must have '
                            '%(length)s hexadecimal digits, not %(actual)s')
                          % {'algorithm': algorithm, 'value': _shown(value),
                             'length': length, 'actual': len(value)})
    return errors


def check_entry(root, appliance):
    """Every reason why the entry of *root* (parsed ``rdf:RDF``), read
    into *appliance* (:class:`model.Appliance`), is not acceptable, apart
    from its signature, binding and trust: the constraints, the values the
    model could not read, the checksums (list of str, empty if none)."""
    return (check_constraints(root) + list(appliance.problems)
            + check_checksums(appliance))
