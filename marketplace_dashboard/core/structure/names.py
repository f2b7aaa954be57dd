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

"""What the structure rules share: names of elements and attributes as a
message shows them, and the text and child elements of an element."""

from lxml import etree

from marketplace_dashboard.core import model

__all__ = [
    'PARSE_TYPE', 'XML_BASE', 'XML_LANG', 'XSD_SPACE', 'direct_text',
    'element_name', 'elements', 'has_text', 'short',
]

XML_BASE = '{%s}base' % model.XML_NS
XML_LANG = '{%s}lang' % model.XML_NS
PARSE_TYPE = model.q('rdf', 'parseType')
#: White space as XML Schema collapses it.
XSD_SPACE = ' \t\n\r'
_PREFIXES = {uri: prefix for prefix, uri in model.NAMESPACES.items()}
_PREFIXES[model.XML_NS] = 'xml'


def element_name(tag, context=None):
    """``prefix:local`` of an element, or of an attribute name *tag* on
    the element *context*: the usual prefix of a known namespace, else the
    document's."""
    if not isinstance(tag, str):
        tag, context = tag.tag, tag
    qname = etree.QName(tag)
    if qname.namespace is None:
        return qname.localname
    prefix = _PREFIXES.get(qname.namespace)
    if prefix is None and context is not None:
        prefixes = [p for p, uri in context.nsmap.items()
                    if uri == qname.namespace]
        if prefixes:
            prefix = sorted(prefixes, key=lambda p: p is None)[0]
            if prefix is None:
                return qname.localname
    if prefix is None:
        return tag
    return '%s:%s' % (prefix, qname.localname)


def elements(element):
    return [c for c in element if isinstance(c.tag, str)]


def direct_text(element):
    """The text directly inside *element* (not in child elements)."""
    parts = [element.text or '']
    parts.extend(child.tail or '' for child in element)
    return ''.join(parts)


def has_text(element):
    return bool(direct_text(element).strip(XSD_SPACE))


def short(value, limit=60):
    value = value if len(value) <= limit else value[:limit] + '...'
    return repr(value)
