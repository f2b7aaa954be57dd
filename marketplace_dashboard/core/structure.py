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


"""Structure checks: the XML Schema and RDF steps of the original validator.

Besides the signature and the constraints, StratusLab's
``stratus-validate-metadata`` validates documents against its XML Schema
(``image-metadata.xsd``, ``slreq.xsd``, ``slterms.xsd`` and the Dublin
Core schemas) and parses them, without their Signature, as RDF/XML (spec
section 2.3, items 2 and 4; the rules marked S in section 2.2).  The
marketplace service runs neither, so entries that break them exist; they
are checked for drafts (``verify --draft``) so that what we publish passes
the original tools.

:func:`check_structure` implements those rules directly (no schema
processor, no RDF parser, no network): messages of the schema rules start
with ``XML schema validation exception: `` as the original's, those of the
RDF/XML rules with ``RDF/XML validation exception: ``; each ends with the
line of the offending element.

Schema rules: ``rdf:RDF`` holds one ``rdf:Description`` and then at most
one xmldsig element, and no other attribute than ``xml:base``; the
Description has ``rdf:about`` = ``#`` + 27 identifier characters and no
other attribute, and starts with (an optional ``rdf:type``)
``dcterms:identifier``, ``slreq:bytes``, one or more ``slreq:checksum``,
``slreq:endorsement``; after that anything goes, but every element the
schemas declare is checked wherever it appears: ``slreq:bytes`` and
``slterms:serial-number`` are non-negative integers, ports 0-65535, ICMP
types 0-255, checksums hold ``slreq:algorithm`` then a hexadecimal
``slreq:value``, the endorsement ``dcterms:created`` then
``slreq:endorser`` (``slreq:email`` matching
``[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+``, ``slreq:subject``, one or more
``slreq:issuer``), Dublin Core terms are text with at most ``xml:lang``,
the StratusLab simple elements text without attributes;
``rdf:parseType`` may only be ``Resource``.

RDF/XML rules: attributes are namespace-qualified; a property element
holds text, or a single node element, or (with
``rdf:parseType="Resource"``) property elements, never text mixed with
elements; with ``rdf:resource``, ``rdf:nodeID`` or property attributes it
is empty; node elements hold property elements only; ``rdf:resource`` and
``rdf:datatype`` are URI references, ``rdf:ID`` and ``rdf:nodeID`` names.
"""

import re

from lxml import etree

from marketplace_dashboard.core import model, xmlsafe
from marketplace_dashboard.core.formats import EMAIL_PATTERN, is_email

SCHEMA_ERROR = 'XML schema validation exception: '
RDF_ERROR = 'RDF/XML validation exception: '

q = model.q
_XSI = 'http://www.w3.org/2001/XMLSchema-instance'
_XML_BASE = '{%s}base' % model.XML_NS
_XML_LANG = '{%s}lang' % model.XML_NS
_PARSE_TYPE = q('rdf', 'parseType')
_PREFIXES = {uri: prefix for prefix, uri in model.NAMESPACES.items()}
_PREFIXES[model.XML_NS] = 'xml'

_ABOUT_RE = re.compile(r'#[A-Za-z0-9_-]{27}')
_HEX_RE = re.compile(r'[A-Fa-f0-9]+')
_NON_NEGATIVE_RE = re.compile(r'\+?[0-9]+|-0+')
_INTEGER_RE = re.compile(r'[+-]?[0-9]+')
_NCNAME_RE = re.compile(r'[^\W\d][\w.-]*')
# Characters a URI reference (RFC 3986/3987) never contains unescaped.
_NOT_URI_RE = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f]|%(?![0-9A-Fa-f]{2})')
_XSD_SPACE = ' \t\n\r'

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
# RDF/XML syntax names that are not properties (RDF/XML 1.0, 7.2.2-7.2.5).
_RDF_SYNTAX = frozenset(('RDF', 'Description', 'ID', 'about', 'parseType',
                         'resource', 'nodeID', 'datatype', 'aboutEach',
                         'aboutEachPrefix', 'bagID'))
_RDF_NODE_ATTRIBUTES = frozenset(('about', 'ID', 'nodeID', 'type'))


def _name(tag, context=None):
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


def _elements(element):
    return [c for c in element if isinstance(c.tag, str)]


def _direct_text(element):
    """The text directly inside *element* (not in child elements)."""
    parts = [element.text or '']
    parts.extend(child.tail or '' for child in element)
    return ''.join(parts)


def _has_text(element):
    return bool(_direct_text(element).strip(_XSD_SPACE))


def _short(value, limit=60):
    value = value if len(value) <= limit else value[:limit] + '...'
    return repr(value)


class _Checker:
    def __init__(self, draft):
        self.draft = draft
        self.errors = []
        # (element, what) the schema rules reported, so that the RDF rules
        # do not report the same text or attribute a second time.
        self.reported = set()

    def schema(self, element, message, what=None):
        self.errors.append('%s%s (line %s)' % (SCHEMA_ERROR, message,
                                               element.sourceline))
        if what is not None:
            self.reported.add((element, what))

    def rdf(self, element, message, what=None):
        if what is not None and (element, what) in self.reported:
            return
        self.errors.append('%s%s (line %s)' % (RDF_ERROR, message,
                                               element.sourceline))

    # -- XML Schema ---------------------------------------------------------

    def document(self, root):
        for attribute in root.attrib:
            if attribute != _XML_BASE:
                self.schema(root, 'attribute %s is not allowed on rdf:RDF'
                            % _name(attribute, root))
        self.element_only(root)
        children = _elements(root)
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
                        'found %s%s' % (_name(child),
                                        ' first' if index == 0 else ''))
        if starts:
            self.description(children[0])

    def element_only(self, element):
        if _has_text(element):
            self.schema(element, '%s must contain only elements, not text '
                        '(found %s)' % (_name(element), _short(
                            _direct_text(element).strip(_XSD_SPACE))),
                        what='text')

    def description(self, description):
        about = description.get(q('rdf', 'about'))
        if about is None:
            self.schema(description, 'rdf:Description must have an '
                        'rdf:about attribute')
        elif not _ABOUT_RE.fullmatch(about):
            self.schema(description, 'rdf:about value %s is not "#" '
                        'followed by a 27-character identifier'
                        % _short(about))
        for attribute in description.attrib:
            if attribute != q('rdf', 'about'):
                self.schema(description, 'attribute %s is not allowed on '
                            'rdf:Description' % _name(attribute,
                                                      description),
                            what=attribute)
        self.element_only(description)
        children = _elements(description)
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
                        _name(parent), _name(children[index]),
                        _name(tag))
                    where = children[index]
                else:
                    message = '%s: %s is missing' % (_name(parent),
                                                      _name(tag))
                    where = parent
                self.schema(where, message + ('; %s' % hint if hint
                                              else ''))
                return
        if not open_end and index < len(children):
            self.schema(children[index], '%s: unexpected element %s%s' % (
                _name(parent), _name(children[index]),
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
            for child in _elements(element):
                self.element(child)

    def parse_type(self, element):
        value = element.get(_PARSE_TYPE)
        if value is not None and value != 'Resource':
            self.schema(element, 'rdf:parseType %s on %s is not allowed '
                        '(the only allowed value is Resource)'
                        % (_short(value), _name(element)))

    def no_children(self, element):
        children = _elements(element)
        if children:
            self.schema(children[0], '%s must contain text only, not '
                        'elements (found %s)' % (_name(element),
                                                 _name(children[0])))
        return not children

    def simple(self, element, check, allowed=()):
        for attribute in element.attrib:
            if attribute not in allowed and \
                    etree.QName(attribute).namespace != _XSI:
                self.schema(element, 'attribute %s is not allowed on %s'
                            % (_name(attribute, element), _name(element)),
                            what=attribute)
        if self.no_children(element) and check is not None:
            problem = check(xmlsafe.text_content(element))
            if problem:
                self.schema(element, '%s value %s %s' % (
                    _name(element), _short(xmlsafe.text_content(
                        element)), problem))

    def literal(self, element):
        """A Dublin Core term: text, ``xml:lang`` only."""
        self.simple(element, None, allowed=(_XML_LANG,))

    def complex(self, element):
        for attribute in element.attrib:
            if attribute != _PARSE_TYPE:
                self.schema(element, 'attribute %s is not allowed on %s '
                            '(only rdf:parseType)'
                            % (_name(attribute, element), _name(element)),
                            what=attribute)
        self.parse_type(element)
        self.element_only(element)
        return _elements(element)

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

    # -- RDF/XML ------------------------------------------------------------

    def node(self, element):
        """An RDF node element (rdf:Description or a typed node)."""
        identifiers = []
        for attribute, value in element.attrib.items():
            qname = etree.QName(attribute)
            if qname.namespace is None:
                self.rdf(element, 'unqualified attribute %s is not allowed '
                         'on node element %s' % (attribute,
                                                 _name(element)),
                         what=attribute)
            elif qname.namespace == model.RDF:
                if qname.localname in ('about', 'ID', 'nodeID'):
                    identifiers.append(_name(attribute, element))
                    self.rdf_value(element, qname.localname, value)
                elif qname.localname in _RDF_SYNTAX:
                    self.rdf(element, '%s is not allowed on node element %s'
                             % (_name(attribute, element), _name(element)),
                             what=attribute)
        if len(identifiers) > 1:
            self.rdf(element, 'node element %s has both %s'
                     % (_name(element), ' and '.join(identifiers)))
        if _has_text(element):
            self.rdf(element, 'node element %s must contain property '
                     'elements only, not text (found %s)' % (
                         _name(element), _short(_direct_text(
                             element).strip(_XSD_SPACE))), what='text')
        for child in _elements(element):
            self.property(child)

    def property(self, element):
        """An RDF property element."""
        name = _name(element)
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
                             'element %s' % (_name(attribute, element), name),
                             what=attribute)
                else:
                    syntax[aname.localname] = value
                    self.rdf_value(element, aname.localname, value)
            elif aname.namespace != model.XML_NS:
                properties.append(_name(attribute, element))
        children = _elements(element)
        text = _has_text(element)
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
                         'reference' % (local, _short(value)))
        elif local in ('ID', 'nodeID'):
            if not _NCNAME_RE.fullmatch(value):
                self.rdf(element, 'rdf:%s value %s is not a valid XML name'
                         % (local, _short(value)))


def _non_negative(value):
    if not _NON_NEGATIVE_RE.fullmatch(value.strip(_XSD_SPACE)):
        return 'is not a non-negative integer (xs:nonNegativeInteger)'
    return None


def _integer_range(low, high):
    def check(value):
        value = value.strip(_XSD_SPACE)
        if not _INTEGER_RE.fullmatch(value) or \
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


def check_structure(root, draft=False):
    """Schema and RDF/XML failures of a parsed document (list of str).

    *root* is the root element (``rdf:RDF``; anything else gives one
    message).  With *draft*, an empty ``slreq:endorsement`` (the signer
    fills it) is accepted.  Signature elements are not looked into.
    """
    checker = _Checker(draft)
    if root.tag != xmlsafe.RDF_ROOT:
        checker.schema(root, 'the document element must be rdf:RDF, not %s'
                       % _name(root))
        return checker.errors
    checker.document(root)
    description = root.find(q('rdf', 'Description'))
    if description is not None:
        checker.node(description)
    return checker.errors
