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

"""The XML Schema rules of the structure check (see
:mod:`marketplace_dashboard.core.structure`): the document's layout, the
sequences of the complex types and the value of every simple-typed
element the schemas declare."""

import re

from lxml import etree

from marketplace_dashboard.core import model, xmlsafe
from marketplace_dashboard.core.formats import EMAIL_PATTERN, is_email
from marketplace_dashboard.core.structure.names import (
    PARSE_TYPE,
    XML_BASE,
    XML_LANG,
    XSD_SPACE,
    direct_text,
    element_name,
    elements,
    has_text,
    short,
)

__all__ = ['SchemaRules']

q = model.q
_XSI = 'http://www.w3.org/2001/XMLSchema-instance'
_ABOUT_RE = re.compile(r'#[A-Za-z0-9_-]{27}')
_HEX_RE = re.compile(r'[A-Fa-f0-9]+')
_NON_NEGATIVE_RE = re.compile(r'\+?[0-9]+|-0+')
_INTEGER_RE = re.compile(r'[+-]?[0-9]+')

# Dublin Core terms declared by dcterms.xsd (type dc:SimpleLiteral).
_DCTERMS = frozenset((
    'title creator subject description publisher contributor date type '
    'format identifier source language relation coverage rights '
    'alternative tableOfContents abstract created valid available issued '
    'modified dateAccepted dateCopyrighted dateSubmitted extent medium '
    'isVersionOf hasVersion isReplacedBy replaces isRequiredBy requires '
    'isPartOf hasPart isReferencedBy references isFormatOf hasFormat '
    'conformsTo spatial temporal audience accrualMethod accrualPeriodicity '
    'accrualPolicy instructionalMethod provenance rightsHolder mediator '
    'educationLevel accessRights license bibliographicCitation').split())

class SchemaRules:
    """The schema rules, for a checker with ``schema(element, message,
    what=None)`` (report) and ``draft``."""

    def document(self, root):
        for attribute in root.attrib:
            if attribute != XML_BASE:
                self.schema(root, 'attribute %s is not allowed on rdf:RDF'
                            % element_name(attribute, root))
        self.element_only(root)
        children = elements(root)
        if not children:
            self.schema(root, 'rdf:RDF must contain an rdf:Description')
        starts = bool(children) and children[0].tag == q('rdf',
                                                         'Description')
        for index, child in enumerate(children):
            if index == 0 and starts:
                continue
            if index == 1 and starts and \
                    etree.QName(child).namespace == model.DSIG:
                continue
            self.schema(child, 'rdf:RDF must contain one rdf:Description '
                        'followed by at most one XML signature element; '
                        'found %s%s' % (element_name(child),
                                        ' first' if index == 0 else ''))
        if starts:
            self.description(children[0])

    def element_only(self, element):
        if has_text(element):
            self.schema(element, '%s must contain only elements, not text '
                        '(found %s)' % (element_name(element), short(
                            direct_text(element).strip(XSD_SPACE))),
                        what='text')

    def description(self, description):
        about = description.get(q('rdf', 'about'))
        if about is None:
            self.schema(description, 'rdf:Description must have an '
                        'rdf:about attribute')
        elif not _ABOUT_RE.fullmatch(about):
            self.schema(description, 'rdf:about value %s is not "#" '
                        'followed by a 27-character identifier'
                        % short(about))
        for attribute in description.attrib:
            if attribute != q('rdf', 'about'):
                self.schema(description, 'attribute %s is not allowed on '
                            'rdf:Description'
                            % element_name(attribute, description),
                            what=attribute)
        self.element_only(description)
        children = elements(description)
        self.sequence(description, children, (
            (q('rdf', 'type'), 0, 1), (q('dcterms', 'identifier'), 1, 1),
            (q('slreq', 'bytes'), 1, 1), (q('slreq', 'checksum'), 1, None),
            (q('slreq', 'endorsement'), 1, 1)), open_end=True,
            hint='its first children must be dcterms:identifier, '
                 'slreq:bytes, one or more slreq:checksum and '
                 'slreq:endorsement, in this order')
        for child in children:
            self.element(child)

    def sequence(self, parent, children, particles, open_end=False,
                 hint=None):
        """Check *children* against ``(tag, min, max)`` *particles*."""
        index = 0
        for tag, low, high in particles:
            count = 0
            while index < len(children) and children[index].tag == tag and \
                    (high is None or count < high):
                index += 1
                count += 1
            if count < low:
                if index < len(children):
                    message = '%s: found %s where %s is expected' % (
                        element_name(parent), element_name(children[index]),
                        element_name(tag))
                    where = children[index]
                else:
                    message = '%s: %s is missing' % (
                        element_name(parent), element_name(tag))
                    where = parent
                self.schema(where, message + ('; %s' % hint if hint
                                              else ''))
                return
        if not open_end and index < len(children):
            self.schema(children[index], '%s: unexpected element %s%s' % (
                element_name(parent), element_name(children[index]),
                '; %s' % hint if hint else ''))

    def element(self, element):
        """Validate *element* by its global declaration, laxly when the
        schemas do not declare it (its attributes and children may be)."""
        tag = element.tag
        qname = etree.QName(tag)
        if tag in _SIMPLE:
            self.simple(element, _SIMPLE[tag])
        elif qname.namespace == model.DCTERMS and \
                qname.localname in _DCTERMS:
            self.literal(element)
        elif tag == q('slreq', 'checksum'):
            self.checksum(element)
        elif tag == q('slreq', 'endorsement'):
            self.endorsement(element)
        elif tag == q('slreq', 'endorser'):
            self.endorser(element)
        else:
            self.parse_type(element)
            for child in elements(element):
                self.element(child)

    def parse_type(self, element):
        value = element.get(PARSE_TYPE)
        if value is not None and value != 'Resource':
            self.schema(element, 'rdf:parseType %s on %s is not allowed '
                        '(the only allowed value is Resource)'
                        % (short(value), element_name(element)))

    def no_children(self, element):
        children = elements(element)
        if children:
            self.schema(children[0], '%s must contain text only, not '
                        'elements (found %s)' % (
                            element_name(element),
                            element_name(children[0])))
        return not children

    def simple(self, element, check, allowed=()):
        for attribute in element.attrib:
            if attribute not in allowed and \
                    etree.QName(attribute).namespace != _XSI:
                self.schema(element, 'attribute %s is not allowed on %s'
                            % (element_name(attribute, element),
                               element_name(element)),
                            what=attribute)
        if self.no_children(element) and check is not None:
            problem = check(xmlsafe.text_content(element))
            if problem:
                self.schema(element, '%s value %s %s' % (
                    element_name(element), short(xmlsafe.text_content(
                        element)), problem))

    def literal(self, element):
        """A Dublin Core term: text, ``xml:lang`` only."""
        self.simple(element, None, allowed=(XML_LANG,))

    def complex(self, element):
        for attribute in element.attrib:
            if attribute != PARSE_TYPE:
                self.schema(element, 'attribute %s is not allowed on %s '
                            '(only rdf:parseType)'
                            % (element_name(attribute, element),
                               element_name(element)),
                            what=attribute)
        self.parse_type(element)
        self.element_only(element)
        return elements(element)

    def checksum(self, element):
        children = self.complex(element)
        self.sequence(element, children, (
            (q('slreq', 'algorithm'), 1, 1), (q('slreq', 'value'), 1, 1)),
            hint='a checksum holds slreq:algorithm then slreq:value')
        for child in children:
            if child.tag == q('slreq', 'algorithm'):
                self.simple(child, None)
            elif child.tag == q('slreq', 'value'):
                self.simple(child, _hex)

    def endorsement(self, element):
        children = self.complex(element)
        if self.draft and not children:
            return  # a draft's endorsement is filled by the signer
        self.sequence(element, children, (
            (q('dcterms', 'created'), 1, 1), (q('slreq', 'endorser'), 1, 1)),
            hint='an endorsement holds dcterms:created then slreq:endorser')
        for child in children:
            self.element(child)

    def endorser(self, element):
        children = self.complex(element)
        self.sequence(element, children, (
            (q('slreq', 'email'), 1, 1), (q('slreq', 'subject'), 1, 1),
            (q('slreq', 'issuer'), 1, None)),
            hint='an endorser holds slreq:email, slreq:subject and one or '
                 'more slreq:issuer, in this order')
        for child in children:
            self.element(child)


def _non_negative(value):
    if not _NON_NEGATIVE_RE.fullmatch(value.strip(XSD_SPACE)):
        return 'is not a non-negative integer (xs:nonNegativeInteger)'
    return None


def _integer_range(low, high):
    def check(value):
        value = value.strip(XSD_SPACE)
        # past 20 digits it is out of range: int() of a huge one is
        # quadratic (and refused by Python past 4,300 digits)
        if not _INTEGER_RE.fullmatch(value) or \
                len(value.lstrip('+-').lstrip('0')) > 20 or \
                not low <= int(value) <= high:
            return 'is not an integer between %d and %d' % (low, high)
        return None
    return check


def _hex(value):
    if not _HEX_RE.fullmatch(value):
        return 'is not hexadecimal (pattern [A-Fa-f0-9]+)'
    return None


def _email(value):
    if not is_email(value):
        return 'is not an e-mail address (pattern %s)' % EMAIL_PATTERN
    return None


# Simple-typed global elements: tag -> value check (None: any text).
_SIMPLE = {
    q('rdf', 'type'): None,
    q('slreq', 'bytes'): _non_negative,
    q('slreq', 'email'): _email,
    q('slreq', 'subject'): None,
    q('slreq', 'issuer'): None,
    q('slterms', 'serial-number'): _non_negative,
    q('slterms', 'version'): None,
    q('slterms', 'hypervisor'): None,
    q('slterms', 'inbound-port'): _integer_range(0, 65535),
    q('slterms', 'outbound-port'): _integer_range(0, 65535),
    q('slterms', 'icmp'): _integer_range(0, 255),
    q('slterms', 'location'): None,  # xs:anyURI; see builder.check_location
    q('slterms', 'deprecated'): None,
    q('slterms', 'os'): None,
    q('slterms', 'os-arch'): None,
    q('slterms', 'os-version'): None,
}
