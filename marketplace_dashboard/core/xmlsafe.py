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

"""Safe XML parsing for untrusted metadata documents.

Every document comes from the network or from a user, so parsing never
resolves entities, never loads a DTD, never touches the network and is
bounded in size.  Documents carrying a DOCTYPE are refused outright: the
StratusLab format never uses one, and refusing it removes the whole family
of entity attacks (XXE, billion laughs, external DTDs) instead of relying on
the parser to defuse each of them.

The shape of a document is bounded too (:data:`MAX_DEPTH`,
:data:`MAX_ATTRIBUTES`, :data:`MAX_NAMESPACES`, :data:`BYTES_PER_ELEMENT`),
in one linear pass right after the parse: a metadata document nests six
levels deep, carries a handful of attributes and namespaces and spends
some hundred bytes per element, while canonicalization (libxml2's C14N,
under the signature check) sorts attributes and namespaces by insertion
into a list, which is quadratic in their number on one element, and walks
the ancestors and in-scope namespaces of every element.  Refusing such
shapes up front keeps every later step linear in the size of the document,
with a cost per byte within a small factor of an honest document's.
"""

import copy

from lxml import etree

from marketplace_dashboard.core.errors import DocumentTooLarge, MetadataError

__all__ = [
    'BYTES_PER_ELEMENT', 'DEFAULT_MAX_BYTES', 'DEFAULT_MAX_LIST_BYTES',
    'MAX_ATTRIBUTES', 'MAX_DEPTH', 'MAX_NAMESPACES', 'METADATA_LIST',
    'MIN_ELEMENTS', 'RDF_NS', 'RDF_ROOT', 'check_shape', 'parse_xml',
    'root_tag', 'split_documents', 'split_parsed', 'standalone_document',
    'text_content',
]

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_LIST_BYTES = 64 * 1024 * 1024
_PEEK_CHUNK = 64 * 1024
#: elements nested deeper are refused (a signed entry nests six levels,
#: a ``<metadata>`` list adds one; canonicalization walks the ancestors
#: of every element)
MAX_DEPTH = 16
#: attributes one element may carry
MAX_ATTRIBUTES = 32
#: namespace declarations in scope at any element (its own and its
#: ancestors')
MAX_NAMESPACES = 64
#: a document may hold one element per this many bytes (a mirror list, the
#: densest honest part of an entry, spends some 45), and at least
#: :data:`MIN_ELEMENTS` elements whatever its size
BYTES_PER_ELEMENT = 24
MIN_ELEMENTS = 10000

RDF_NS = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#'
RDF_ROOT = '{%s}RDF' % RDF_NS
METADATA_LIST = 'metadata'
_DOCTYPE_REFUSED = ('document contains a DOCTYPE declaration; DTDs and '
                    'entities are refused in metadata documents for security '
                    'reasons')


def _parser():
    # A new parser per call: lxml parsers are not thread-safe.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False,
        dtd_validation=False, huge_tree=False, remove_blank_text=False,
        remove_comments=False, remove_pis=False, collect_ids=False)


def _human_size(size):
    if size >= 1024 * 1024:
        return '%.1f MiB' % (size / 1024 / 1024)
    return '%d bytes' % size


def _too_large(size, limit):
    return DocumentTooLarge('document is too large (%s, the limit is %s)'
                            % (_human_size(size), _human_size(limit)))


def root_tag(data):
    """Tag of the root element of *data* from the bytes before and at its
    start tag only (a pull parser, fed in chunks), or None when that part
    is not well-formed (the full parse then says why)."""
    parser = etree.XMLPullParser(
        events=('start',), resolve_entities=False, no_network=True,
        load_dtd=False, huge_tree=False)
    view = memoryview(data)
    try:
        for offset in range(0, len(view), _PEEK_CHUNK):
            parser.feed(bytes(view[offset:offset + _PEEK_CHUNK]))
            for _event, element in parser.read_events():
                return element.tag
    except etree.XMLSyntaxError:
        return None
    return None


def parse_xml(data, max_bytes=DEFAULT_MAX_BYTES):
    """Parse untrusted XML *data* (bytes) and return the root element.

    Raises :class:`DocumentTooLarge` above *max_bytes* and
    :class:`MetadataError` for anything that is not a plain, well-formed
    XML document without DOCTYPE.
    """
    if isinstance(data, str):
        data = data.encode('utf-8')
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise MetadataError('metadata must be given as bytes, not %s'
                            % type(data).__name__)
    data = bytes(data)
    if max_bytes is not None and len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    if not data.strip():
        raise MetadataError('document is empty, expected XML metadata')
    if b'<!DOCTYPE' in data:
        raise MetadataError(_DOCTYPE_REFUSED)
    _check_declarations(data)
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser=_parser()))
    except etree.XMLSyntaxError as exc:
        msg = str(exc) or 'syntax error'
        raise MetadataError('document is not well-formed XML: %s' % msg) \
            from None
    except ValueError as exc:
        raise MetadataError('document cannot be parsed as XML: %s' % exc) \
            from None
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or \
            docinfo.externalDTD is not None:
        raise MetadataError(_DOCTYPE_REFUSED)
    root = tree.getroot()
    for node in root.iter(etree.Entity):
        raise MetadataError('document uses entity references (&%s;), which '
                            'are not allowed' % node.name)
    check_shape(root, len(data))
    return root


def _check_declarations(data):
    """Refuse, before the parse, an element declaring more than
    :data:`MAX_NAMESPACES` namespaces: walking the declarations of one
    element with lxml is quadratic in their number.  A start tag lies
    between a ``<`` and the next one (attribute values cannot hold ``<``),
    so the ``xmlns`` of a segment bound the declarations of its element.
    """
    for segment in data.split(b'<'):
        if segment.count(b'xmlns') > MAX_NAMESPACES:
            raise MetadataError('an element declares more than %d '
                                'namespaces (at most %d may be in scope)'
                                % (MAX_NAMESPACES, MAX_NAMESPACES))


def check_shape(root, size=0):
    """Refuse (:class:`MetadataError`) a tree nested deeper than
    :data:`MAX_DEPTH`, with an element carrying more than
    :data:`MAX_ATTRIBUTES` attributes or more than :data:`MAX_NAMESPACES`
    namespaces in scope, or with more elements than *size* bytes allow
    (:data:`BYTES_PER_ELEMENT`, :data:`MIN_ELEMENTS`).  One pass, linear
    in the number of nodes, stopping at the first excess."""
    declared = 0
    scopes = [0]
    budget = max(MIN_ELEMENTS, size // BYTES_PER_ELEMENT)
    for event, item in etree.iterwalk(root, events=('start', 'end',
                                                    'start-ns')):
        if event == 'start-ns':
            declared += 1
            continue
        if event == 'end':
            scopes.pop()
            continue
        in_scope = scopes[-1] + declared
        declared = 0
        scopes.append(in_scope)
        budget -= 1
        if budget < 0:
            raise MetadataError(
                'document has more than %d elements (at most one per %d '
                'bytes)' % (max(MIN_ELEMENTS, size // BYTES_PER_ELEMENT),
                            BYTES_PER_ELEMENT))
        if len(scopes) - 1 > MAX_DEPTH:
            raise MetadataError('document nests elements more than %d '
                                'levels deep' % MAX_DEPTH)
        if len(item.attrib) > MAX_ATTRIBUTES:
            raise MetadataError('element %s has %d attributes (at most %d '
                                'are allowed)' % (etree.QName(item).localname,
                                                  len(item.attrib),
                                                  MAX_ATTRIBUTES))
        if in_scope > MAX_NAMESPACES:
            raise MetadataError('element %s has %d namespace declarations '
                                'in scope (at most %d are allowed)'
                                % (etree.QName(item).localname, in_scope,
                                   MAX_NAMESPACES))


def text_content(element):
    """The character content of *element*, exactly as it is signed.

    All the text of the element and its descendants, in document order,
    leaving out comments and processing instructions (what Java's
    ``getTextContent()`` and XPath's ``string()`` return).  An enveloped
    signature with ``Reference URI=""`` does not cover comments, so anybody
    can add ``<!---->`` to a signed document without breaking its
    signature; ``element.text`` stops at the first comment or processing
    instruction and would report a value nobody signed.  Read the value of
    a metadata element with this function, never with ``.text``.
    """
    return ''.join(element.itertext())


def split_documents(data, max_bytes=DEFAULT_MAX_BYTES,
                    max_list_bytes=DEFAULT_MAX_LIST_BYTES):
    """Split *data* into standalone metadata documents (list of bytes):
    the documents of :func:`split_parsed`."""
    return [document for document, _root in
            split_parsed(data, max_bytes, max_list_bytes)]


def split_parsed(data, max_bytes=DEFAULT_MAX_BYTES,
                 max_list_bytes=DEFAULT_MAX_LIST_BYTES):
    """Split *data* into standalone metadata documents, as a list of
    ``(bytes, root)``: *root* is the document already parsed (a single
    document, parsed once here) or None (an entry of a list, whose
    standalone serialisation is still to be parsed).

    A single ``rdf:RDF`` document gives ``[data]`` unchanged.  A
    ``<metadata>`` list gives each ``rdf:RDF`` child serialised as its own
    document, so that its enveloped signature (over the whole document)
    verifies.  Each entry is limited to *max_bytes*, the list as a whole to
    *max_list_bytes*; a single document above *max_bytes* is refused from
    its first bytes, without parsing it.
    """
    if isinstance(data, (bytes, bytearray, memoryview)) and \
            max_bytes is not None and len(data) > max_bytes and \
            b'<!DOCTYPE' not in data and root_tag(data) == RDF_ROOT:
        # One entry larger than an entry may be: refused before the full
        # parse, which costs some twenty times the document size.
        raise _too_large(len(data), max_bytes)
    root = parse_xml(data, max_bytes=max_list_bytes)
    if root.tag == RDF_ROOT:
        if max_bytes is not None and len(data) > max_bytes:
            raise _too_large(len(data), max_bytes)
        return [(bytes(data), root)]
    if etree.QName(root).localname != METADATA_LIST:
        raise MetadataError(
            'document root is <%s>, expected rdf:RDF (one metadata entry) or '
            '<metadata> (a list of entries)' % etree.QName(root).localname)
    documents = []
    for child in root:
        if not isinstance(child.tag, str):
            continue
        if child.tag != RDF_ROOT:
            raise MetadataError(
                'metadata list contains <%s>; only rdf:RDF entries are '
                'allowed' % etree.QName(child).localname)
        document = standalone_document(child)
        if max_bytes is not None and len(document) > max_bytes:
            raise DocumentTooLarge(
                'metadata list entry %d is too large (%s, the limit is %s)'
                % (len(documents) + 1, _human_size(len(document)),
                   _human_size(max_bytes)))
        documents.append((document, None))
    return documents


def standalone_document(element):
    """Serialise *element* (and its subtree) as a standalone document.

    lxml keeps the namespace declarations the subtree needs and nothing of
    its former parent, which is what the original signer saw.
    """
    clone = copy.deepcopy(element)
    clone.tail = None
    return etree.tostring(etree.ElementTree(clone), xml_declaration=True,
                          encoding='UTF-8')
