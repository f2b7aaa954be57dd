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

"""Stored documents as the service serves them: the UTF-8 check of an
upload, the document without its XML declaration (spliced into the
``<metadata>`` listing), and its RDF/JSON view."""

import itertools
import re
import urllib.parse

from lxml import etree

from marketplace_dashboard.core import xmlsafe

__all__ = [
    'RDF_ATTR', 'XML_BASE_ATTR', 'encoding_problem', 'literal_text',
    'rdf_json', 'strip_declaration',
]

_DECL_RE = re.compile(rb'^\s*<\?xml[^>]*\?>\s*')
_ENCODING_RE = re.compile(rb'^\s*<\?xml[^>]*encoding=["\']([^"\']+)["\']')
_UTF8_BOM = b'\xef\xbb\xbf'
# UTF-32 first: its little-endian BOM starts with the UTF-16 one.
_FOREIGN_BOMS = ((b'\x00\x00\xfe\xff', 'UTF-32'),
                 (b'\xff\xfe\x00\x00', 'UTF-32'),
                 (b'\xfe\xff', 'UTF-16'), (b'\xff\xfe', 'UTF-16'))
RDF_ATTR = '{%s}%%s' % xmlsafe.RDF_NS
XML_BASE_ATTR = '{http://www.w3.org/XML/1998/namespace}base'


def encoding_problem(document):
    """Why *document* (bytes) is not a UTF-8 XML document, or ``None``.

    Stored documents are spliced into the UTF-8 ``<metadata>`` listing,
    so only UTF-8 (or its ASCII subset) is accepted: no UTF-16/32 byte
    order mark, no NUL byte (UTF-16/32 without a BOM), bytes that decode
    as UTF-8 and no XML declaration naming another encoding.
    """
    for bom, name in _FOREIGN_BOMS:
        if document.startswith(bom):
            return 'found a %s byte order mark' % name
    if b'\x00' in document:
        return 'found NUL bytes, as in UTF-16 or UTF-32'
    if document.startswith(_UTF8_BOM):
        document = document[len(_UTF8_BOM):]
    try:
        document.decode('utf-8')
    except UnicodeDecodeError as exc:
        return 'byte %d is not valid UTF-8' % exc.start
    match = _ENCODING_RE.match(document)
    if match and match.group(1).lower() not in (b'utf-8', b'utf8',
                                                b'us-ascii', b'ascii'):
        return 'the XML declaration names %s' % match.group(1).decode()
    return None


def strip_declaration(document):
    """The stored document without its XML declaration (and BOM)."""
    if document.startswith(_UTF8_BOM):
        document = document[len(_UTF8_BOM):]
    return _DECL_RE.sub(b'', document, count=1)


def literal_text(element):
    """The text content of *element* without its comments and processing
    instructions (``element.text`` stops at the first of them)."""
    parts = [element.text or '']
    for child in element:
        if not isinstance(child.tag, str):
            parts.append(child.tail or '')
    return ''.join(parts)


def rdf_json(document):
    """RDF/JSON (Talis) of a stored entry, as the original service gives.

    Properties of ``rdf:Description`` become ``{"type": "literal"}``
    values, ``rdf:parseType="Resource"`` blocks blank nodes and
    ``rdf:resource`` URIs; the signature is left out.
    """
    root = xmlsafe.parse_xml(document)
    base = root.get(XML_BASE_ATTR) or 'http://mp.stratuslab.eu/'
    graph = {}
    blank = itertools.count()

    def value_of(element):
        if element.get(RDF_ATTR % 'parseType') == 'Resource':
            name = '_:b%d' % next(blank)
            graph[name] = properties(element)
            return {'type': 'bnode', 'value': name}
        resource = element.get(RDF_ATTR % 'resource')
        if resource is not None:
            return {'type': 'uri',
                    'value': urllib.parse.urljoin(base, resource)}
        return {'type': 'literal', 'value': literal_text(element)}

    def properties(element):
        result = {}
        for child in element:
            if not isinstance(child.tag, str):
                continue
            qname = etree.QName(child)
            result.setdefault((qname.namespace or '') + qname.localname,
                              []).append(value_of(child))
        return result

    for description in root.iterchildren(RDF_ATTR % 'Description'):
        about = urllib.parse.urljoin(
            base, description.get(RDF_ATTR % 'about') or '')
        graph[about] = properties(description)
    return graph
