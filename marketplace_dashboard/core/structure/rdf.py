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

"""The RDF/XML rules of the structure check (see
:mod:`marketplace_dashboard.core.structure`): node elements, property
elements and the values of the RDF syntax attributes."""

import re

from lxml import etree

from marketplace_dashboard.core import model
from marketplace_dashboard.core.structure.names import (
    XSD_SPACE,
    direct_text,
    element_name,
    elements,
    has_text,
    short,
)

__all__ = ['RdfRules']

q = model.q
_NCNAME_RE = re.compile(r'[^\W\d][\w.-]*')
# Characters a URI reference (RFC 3986/3987) never contains unescaped.
_NOT_URI_RE = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f]|%(?![0-9A-Fa-f]{2})')

# RDF/XML syntax names that are not properties (RDF/XML 1.0, 7.2.2-7.2.5).
_RDF_SYNTAX = frozenset(('RDF', 'Description', 'ID', 'about', 'parseType',
                         'resource', 'nodeID', 'datatype', 'aboutEach',
                         'aboutEachPrefix', 'bagID'))
_RDF_NODE_ATTRIBUTES = frozenset(('about', 'ID', 'nodeID', 'type'))


class RdfRules:
    """The RDF/XML rules, for a checker with ``rdf(element, message,
    what=None)`` (report) and ``draft``."""

    def node(self, element):
        """An RDF node element (rdf:Description or a typed node)."""
        identifiers = []
        for attribute, value in element.attrib.items():
            qname = etree.QName(attribute)
            if qname.namespace is None:
                self.rdf(element, 'unqualified attribute %s is not allowed '
                         'on node element %s' % (attribute,
                                                 element_name(element)),
                         what=attribute)
            elif qname.namespace == model.RDF:
                if qname.localname in ('about', 'ID', 'nodeID'):
                    identifiers.append(element_name(attribute, element))
                    self.rdf_value(element, qname.localname, value)
                elif qname.localname in _RDF_SYNTAX:
                    self.rdf(element, '%s is not allowed on node element %s'
                             % (element_name(attribute, element),
                                element_name(element)),
                             what=attribute)
        if len(identifiers) > 1:
            self.rdf(element, 'node element %s has both %s'
                     % (element_name(element), ' and '.join(identifiers)))
        if has_text(element):
            self.rdf(element, 'node element %s must contain property '
                     'elements only, not text (found %s)' % (
                         element_name(element), short(direct_text(
                             element).strip(XSD_SPACE))), what='text')
        for child in elements(element):
            self.property(child)

    def property(self, element):
        """An RDF property element."""
        name = element_name(element)
        qname = etree.QName(element)
        if qname.namespace is None:
            self.rdf(element, 'element %s has no namespace and cannot be an '
                     'RDF property' % name)
            return
        if qname.namespace == model.RDF and qname.localname in _RDF_SYNTAX:
            self.rdf(element, '%s cannot be used as a property' % name)
            return
        syntax, properties = {}, []
        for attribute, value in element.attrib.items():
            aname = etree.QName(attribute)
            if aname.namespace is None:
                self.rdf(element, 'unqualified attribute %s is not allowed '
                         'on property element %s (use a namespace prefix)'
                         % (attribute, name), what=attribute)
            elif aname.namespace == model.RDF and \
                    aname.localname in _RDF_SYNTAX:
                if aname.localname in ('about', 'aboutEach',
                                       'aboutEachPrefix', 'bagID', 'RDF',
                                       'Description'):
                    self.rdf(element, '%s is not allowed on property '
                             'element %s'
                             % (element_name(attribute, element), name),
                             what=attribute)
                else:
                    syntax[aname.localname] = value
                    self.rdf_value(element, aname.localname, value)
            elif aname.namespace != model.XML_NS:
                properties.append(element_name(attribute, element))
        children = elements(element)
        text = has_text(element)
        parse_type = syntax.get('parseType')
        if parse_type is not None:
            if parse_type != 'Resource':
                return  # refused by the schema rules
            others = ['rdf:' + n for n in sorted(
                set(syntax) - {'parseType', 'ID'})] + properties
            if others:
                self.rdf(element, '%s has rdf:parseType="Resource" and '
                         'cannot also have %s' % (name, ', '.join(others)))
            if text:
                self.rdf(element, '%s has rdf:parseType="Resource" and must '
                         'contain property elements only, not text' % name,
                         what='text')
            if self.draft and not children and \
                    element.tag == q('slreq', 'endorsement'):
                return
            for child in children:
                self.property(child)
            return
        if element.tag == q('slreq', 'endorsement') and self.draft and \
                not children:
            self.rdf(element, 'slreq:endorsement needs '
                     'rdf:parseType="Resource": the signer fills it with '
                     'dcterms:created and slreq:endorser')
            return
        empty = 'resource' in syntax or 'nodeID' in syntax or properties
        if empty:
            if 'resource' in syntax and 'nodeID' in syntax:
                self.rdf(element, '%s has both rdf:resource and rdf:nodeID'
                         % name)
            if children or text:
                self.rdf(element, '%s has %s and must be empty' % (
                    name, ', '.join(
                        ['rdf:' + s for s in ('resource', 'nodeID')
                         if s in syntax] + properties)))
            return
        if children and text:
            self.rdf(element, '%s mixes text and elements; nest properties '
                     'with rdf:parseType="Resource"' % name)
        elif len(children) > 1:
            self.rdf(element, '%s holds %d elements without '
                     'rdf:parseType="Resource": a property holds text or '
                     'one node element; add rdf:parseType="Resource" to '
                     'give it several properties' % (name, len(children)))
        elif children and 'datatype' in syntax:
            self.rdf(element, '%s has rdf:datatype and must contain text '
                     'only' % name)
        elif children:
            self.node(children[0])

    def rdf_value(self, element, local, value):
        if local in ('resource', 'datatype', 'about'):
            if _NOT_URI_RE.search(value):
                self.rdf(element, 'rdf:%s value %s is not a valid URI '
                         'reference' % (local, short(value)))
        elif local in ('ID', 'nodeID'):
            if not _NCNAME_RE.fullmatch(value):
                self.rdf(element, 'rdf:%s value %s is not a valid XML name'
                         % (local, short(value)))
