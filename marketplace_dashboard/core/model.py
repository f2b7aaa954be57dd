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

"""The appliance metadata model (StratusLab format, spec section 2.2).

Parsing is namespace-aware (prefixes are not significant), so the Java
signer's default-namespace endorsement children parse like prefixed ones.
The model never fails on odd values: what cannot be read is left ``None``
and noted in ``Appliance.problems``; the constraint checks
(:mod:`marketplace_dashboard.core.constraints`) and the verdict decide what
is acceptable.
"""

import copy
import dataclasses
import datetime
import hashlib
import re

from lxml import etree

from marketplace_dashboard.core import xmlsafe
from marketplace_dashboard.core.errors import MetadataError
from marketplace_dashboard.core.formats import format_date, parse_date

__all__ = [
    'DCTERMS', 'DSIG', 'NAMESPACES', 'RDF', 'SLREQ', 'SLTERMS', 'XML_BASE',
    'XML_NS', 'Appliance', 'Endorsement', 'appliance_from_root',
    'description_of', 'parse_appliance', 'parse_appliances', 'q', 'text_of',
]

RDF = xmlsafe.RDF_NS
DCTERMS = 'http://purl.org/dc/terms/'
SLREQ = 'http://mp.stratuslab.eu/slreq#'
SLTERMS = 'http://mp.stratuslab.eu/slterms#'
DSIG = 'http://www.w3.org/2000/09/xmldsig#'
XML_NS = 'http://www.w3.org/XML/1998/namespace'
XML_BASE = 'http://mp.stratuslab.eu/'
NAMESPACES = {'rdf': RDF, 'dcterms': DCTERMS, 'slreq': SLREQ,
              'slterms': SLTERMS, 'ds': DSIG}


def q(prefix, local):
    """Clark notation of a name in one of :data:`NAMESPACES`."""
    return '{%s}%s' % (NAMESPACES[prefix], local)


def text_of(element):
    """Stripped text of an element (``''`` for ``<x/>``), None if absent.

    The whole signed value: comments and processing instructions inside
    the element are skipped, never taken as its end (see
    :func:`xmlsafe.text_content`).
    """
    if element is None:
        return None
    return xmlsafe.text_content(element).strip()


def _words(element):
    """The text pieces of a subtree joined by spaces (unknown elements);
    a comment or processing instruction does not split a piece."""
    if not len(element):
        return (element.text or '').strip()  # a leaf, the common case
    clean = element
    if next(element.iter(etree.Comment, etree.ProcessingInstruction),
            None) is not None:
        # copied only when there is something to strip (linear either way)
        clean = copy.deepcopy(element)
        etree.strip_tags(clean, etree.Comment, etree.ProcessingInstruction)
    return ' '.join(t.strip() for t in clean.itertext() if t.strip())


@dataclasses.dataclass
class Endorsement:
    email: str | None = None
    subject: str | None = None
    issuers: list = dataclasses.field(default_factory=list)
    created: datetime.datetime | None = None
    created_text: str | None = None

    @property
    def issuer(self):
        return self.issuers[0] if self.issuers else None


@dataclasses.dataclass
class Appliance:
    identifier: str | None = None
    about: str | None = None
    bytes: int | None = None
    checksums: dict = dataclasses.field(default_factory=dict)
    endorsement: Endorsement = dataclasses.field(default_factory=Endorsement)
    type: str | None = None
    kind: str | None = None
    os: str | None = None
    os_version: str | None = None
    os_arch: str | None = None
    version: str | None = None
    serial_number: int | None = None
    format: str | None = None
    compression: str | None = None
    hypervisor: str | None = None
    disks_bus: str | None = None
    locations: list = dataclasses.field(default_factory=list)
    title: str | None = None
    alternative: str | None = None
    description: str | None = None
    creator: str | None = None
    publisher: str | None = None
    created: datetime.datetime | None = None
    valid: datetime.datetime | None = None
    deprecated: bool = False
    deprecated_reason: str | None = None
    inbound_ports: list = dataclasses.field(default_factory=list)
    outbound_ports: list = dataclasses.field(default_factory=list)
    icmp: list = dataclasses.field(default_factory=list)
    extra: list = dataclasses.field(default_factory=list)
    #: Glance properties a catalogue type records beside ours (its own
    #: provenance: an image list's URL, a registry reference...); empty
    #: for StratusLab entries
    catalog_properties: dict = dataclasses.field(default_factory=dict)
    #: the locations need the catalogue's credentials (a registry's bearer
    #: token): Glance cannot fetch them itself, the import streams them
    #: with the catalogue client's ``download_session``
    download_auth: bool = False
    problems: list = dataclasses.field(default_factory=list)
    document: bytes = b''
    document_sha256: str = ''

    @property
    def sha1(self):
        return self.checksums.get('SHA-1')

    @property
    def key(self):
        """(identifier, endorser e-mail, endorsement created string)."""
        return (self.identifier, self.endorsement.email,
                self.endorsement.created_text)

    def is_expired(self, now=None):
        now = now or datetime.datetime.now(datetime.UTC)
        return self.valid is not None and self.valid < now

    def to_dict(self):
        """JSON-serialisable view (dates as ``yyyy-MM-ddTHH:mm:ssZ``)."""
        result = {}
        for field in dataclasses.fields(self):
            if field.name == 'document':
                continue
            result[field.name] = _jsonable(getattr(self, field.name))
        return result


def _jsonable(value):
    if isinstance(value, datetime.datetime):
        return format_date(value)
    if isinstance(value, Endorsement):
        return {'email': value.email, 'subject': value.subject,
                'issuers': list(value.issuers),
                'created': value.created_text}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


# Simple string properties of rdf:Description: element -> attribute.
_STRINGS = {
    q('dcterms', 'identifier'): 'identifier',
    q('dcterms', 'type'): 'type',
    q('slterms', 'kind'): 'kind',
    q('slterms', 'os'): 'os',
    q('slterms', 'os-version'): 'os_version',
    q('slterms', 'os-arch'): 'os_arch',
    q('slterms', 'version'): 'version',
    q('dcterms', 'format'): 'format',
    q('dcterms', 'compression'): 'compression',
    q('slterms', 'hypervisor'): 'hypervisor',
    q('slterms', 'disks-bus'): 'disks_bus',
    q('dcterms', 'title'): 'title',
    q('dcterms', 'alternative'): 'alternative',
    q('dcterms', 'description'): 'description',
    q('dcterms', 'creator'): 'creator',
    q('dcterms', 'publisher'): 'publisher',
}
_DATES = {q('dcterms', 'created'): 'created', q('dcterms', 'valid'): 'valid'}
_PORTS = {q('slterms', 'inbound-port'): ('inbound_ports', 65535),
          q('slterms', 'outbound-port'): ('outbound_ports', 65535),
          q('slterms', 'icmp'): ('icmp', 255)}

_BYTES = q('slreq', 'bytes')
_SERIAL = q('slterms', 'serial-number')
_CHECKSUM = q('slreq', 'checksum')
_ENDORSEMENT = q('slreq', 'endorsement')
_LOCATION = q('slterms', 'location')
_DEPRECATED = q('slterms', 'deprecated')
_ALGORITHM = q('slreq', 'algorithm')
_VALUE = q('slreq', 'value')
#: every property the model reads (others go to ``Appliance.extra``)
_KNOWN = frozenset(_STRINGS) | frozenset(_DATES) | frozenset(_PORTS) | {
    _BYTES, _SERIAL, _CHECKSUM, _ENDORSEMENT, _LOCATION, _DEPRECATED}


_DIGITS_RE = re.compile(r'[0-9]{1,20}')


def _int(text):
    text = (text or '').strip()
    return int(text) if _DIGITS_RE.fullmatch(text) else None


def _display_name(element):
    localname = element.tag.rpartition('}')[2]
    prefix = element.prefix
    return '%s:%s' % (prefix, localname) if prefix else localname


def description_of(root):
    """The single rdf:Description child of an rdf:RDF root."""
    if root.tag != xmlsafe.RDF_ROOT:
        raise MetadataError(
            'document root is <%s>, expected rdf:RDF'
            % etree.QName(root).localname)
    descriptions = root.findall(q('rdf', 'Description'))
    if len(descriptions) != 1:
        raise MetadataError(
            'document must contain exactly one rdf:Description under '
            'rdf:RDF (found %d)' % len(descriptions))
    return descriptions[0]


def _endorsement(element):
    endorsement = Endorsement()
    if element is None:
        return endorsement
    created = element.find(q('dcterms', 'created'))
    if created is not None:
        endorsement.created_text = text_of(created)
        endorsement.created = parse_date(endorsement.created_text)
    endorser = element.find(q('slreq', 'endorser'))
    if endorser is not None:
        endorsement.email = text_of(endorser.find(q('slreq', 'email')))
        endorsement.subject = text_of(endorser.find(q('slreq', 'subject')))
        endorsement.issuers = [text_of(e) for e in
                               endorser.findall(q('slreq', 'issuer'))]
    return endorsement


def appliance_from_root(root, document=b''):
    """Build an :class:`Appliance` from a parsed rdf:RDF root element."""
    description = description_of(root)
    app = Appliance(document=bytes(document),
                    document_sha256=hashlib.sha256(document).hexdigest())
    app.about = description.get(q('rdf', 'about'))
    seen = set()
    locations = set()  # beside the list: a list search is quadratic
    for child in description:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        tag = child.tag
        if tag not in _KNOWN:
            app.extra.append((_display_name(child), _words(child)))
            continue
        first = tag not in seen
        seen.add(tag)
        value = text_of(child)
        if tag in _STRINGS:
            if first:
                setattr(app, _STRINGS[tag], value)
        elif tag in _DATES:
            if first:
                setattr(app, _DATES[tag], parse_date(value))
        elif tag == _BYTES:
            app.bytes = _int(value)
            if app.bytes is None:
                app.problems.append('slreq:bytes (%s) is not a non-negative '
                                    'integer' % value)
        elif tag == _SERIAL:
            if first:
                app.serial_number = _int(value)
        elif tag == _CHECKSUM:
            algorithm = text_of(child.find(_ALGORITHM))
            digest = text_of(child.find(_VALUE))
            if algorithm and algorithm not in app.checksums:
                app.checksums[algorithm] = (digest or '').lower()
        elif tag == _ENDORSEMENT:
            if first:
                app.endorsement = _endorsement(child)
        elif tag == _LOCATION:
            if value and value not in locations:
                locations.add(value)
                app.locations.append(value)
        elif tag in _PORTS:
            attr, limit = _PORTS[tag]
            number = _int(value)
            if number is None or number > limit:
                app.problems.append('%s value (%s) is not an integer between '
                                    '0 and %d' % (_display_name(child),
                                                  value, limit))
            else:
                getattr(app, attr).append(number)
        else:  # _DEPRECATED
            app.deprecated = True
            if first:
                app.deprecated_reason = value
    return app


def parse_appliance(data, max_bytes=xmlsafe.DEFAULT_MAX_BYTES):
    """Parse one standalone metadata document (bytes) into an Appliance."""
    root = xmlsafe.parse_xml(data, max_bytes=max_bytes)
    return appliance_from_root(root, data)


def parse_appliances(data, max_bytes=xmlsafe.DEFAULT_MAX_BYTES):
    """Parse a single document or a ``<metadata>`` list into Appliances."""
    return [parse_appliance(doc, max_bytes=max_bytes)
            for doc in xmlsafe.split_documents(data, max_bytes=max_bytes)]
