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

"""Build and edit metadata documents (the creator side).

:func:`build_document` emits the unsigned template of
``stratus-build-metadata`` (spec section 4.1); the editing helpers
(:func:`add_location`, :func:`mark_deprecated`, :func:`make_draft`) work on
documents parsed with :mod:`core.xmlsafe` and keep every element they do
not touch, unknown ones included.  Signing is :mod:`core.signature`'s job;
checking a draft before it is signed, :mod:`core.draft_check`'s.
"""

import datetime
import re
import urllib.parse

from lxml import etree

from marketplace_dashboard.core import formats, model, xmlsafe
from marketplace_dashboard.core import identifier as identifier_mod
from marketplace_dashboard.core.errors import MetadataError
from marketplace_dashboard.core.model import q

__all__ = [
    'DEFAULT_REASON', 'DEFAULT_VALID_DAYS', 'IMPORTABLE_SCHEMES',
    'XML_DECLARATION', 'add_location', 'build_document', 'check_location',
    'check_reason', 'check_text', 'default_filename', 'make_draft',
    'mark_deprecated', 'serialize',
]

#: ``dcterms:valid`` = build time + 178 days, as the original client.
DEFAULT_VALID_DAYS = 178
DEFAULT_REASON = 'This image has been deprecated'
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
IMPORTABLE_SCHEMES = ('http', 'https')
_SCHEME_RE = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:.')
_NOT_XML_CHAR = re.compile('[^\t\n\r\x20-\ud7ff\ue000-\ufffd'
                           '\U00010000-\U0010ffff]')
_NSMAP = {prefix: model.NAMESPACES[prefix]
          for prefix in ('rdf', 'dcterms', 'slterms', 'slreq')}
_INDENT = '    '


def check_location(uri):
    """Validate a ``slterms:location`` value; return a list of warnings.

    Any absolute URI is accepted (``pdisk:…`` and ``ftp://…`` exist in
    real marketplaces), but only http(s) URLs can be imported by the
    dashboard, hence a warning for the others.  Raises
    :class:`MetadataError` for empty values, whitespace or control
    characters, or a missing URI scheme.
    """
    if not isinstance(uri, str) or not uri:
        raise MetadataError('a location must be a non-empty URI')
    bad = [c for c in uri if c.isspace() or ord(c) < 32 or
           0x7f <= ord(c) < 0xa0]
    if bad:
        raise MetadataError('location %r contains whitespace or control '
                            'characters; percent-encode them' % uri)
    if not _SCHEME_RE.match(uri):
        raise MetadataError('location %r is not an absolute URI (expected '
                            'for example https://host/path/image.img.gz)'
                            % uri)
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme.lower() not in IMPORTABLE_SCHEMES or not parts.netloc:
        return ['location %s is not an http(s) URL; it is kept, but only '
                'http(s) locations can be imported into Glance' % uri]
    return []


def default_filename(os='', os_version='', os_arch='', image_type='base',
                     image_version=''):
    """``<os>-<os-version>-<os-arch>-<type>-<image-version>.xml``.

    Empty parts are left out (``base.xml`` without options, never
    ``---base-.xml``), ``metadata.xml`` when all are empty.  Raises
    :class:`MetadataError` when a part would make it a path (``/``, NUL)
    or a name starting with ``-`` (an option to other commands) or ``.``
    (hidden/relative); give an explicit output file then.
    """
    parts = [part for part in (os, os_version, os_arch, image_type,
                               image_version) if part]
    name = '-'.join(parts) + '.xml' if parts else 'metadata.xml'
    if '/' in name or '\\' in name or '\0' in name:
        raise MetadataError(
            'cannot derive a file name from %r (it contains a path '
            'separator); choose the output file with -o' % name)
    if name.startswith(('.', '-')):
        raise MetadataError(
            'cannot derive a file name from %r (it would start with %r); '
            'choose the output file with -o' % (name, name[0]))
    return name


def check_text(value, name):
    """Refuse a value XML cannot carry (raises :class:`MetadataError`).

    XML 1.0 text may only hold tab, newline, carriage return and the
    printable Unicode characters: no other control characters, no
    surrogates, no U+FFFE/U+FFFF.  *name* is the element, e.g.
    ``'slterms:deprecated'``.
    """
    if not isinstance(value, str):
        raise MetadataError('%s value must be text, not %s'
                            % (name, type(value).__name__))
    bad = _NOT_XML_CHAR.search(value)
    if bad:
        raise MetadataError(
            '%s value %r contains characters that XML does not allow '
            '(control characters, here U+%04X); remove them'
            % (name, value, ord(bad.group())))
    return value


def _set_text(element, text, name):
    """Make *text* the whole content of *element* (checked first)."""
    check_text(text, name)
    for child in list(element):
        element.remove(child)
    element.text = text


def _sub(parent, prefix, local, text=None):
    if text is not None:
        check_text(text, '%s:%s' % (prefix, local))
    element = etree.SubElement(parent, q(prefix, local))
    if text is not None:
        element.text = text
    return element


def build_document(size, checksums, os='', os_version='', os_arch='',
                   image_version='', image_type='base', kind='machine',
                   image_format='raw', hypervisor='kvm', disks_bus='ide',
                   locations=(), compression='', title='', tag='',
                   comment='', author='', publisher='StratusLab',
                   valid_days=DEFAULT_VALID_DAYS, now=None):
    """Unsigned metadata document (bytes) in the client template shape.

    *checksums* maps ``MD5``/``SHA-1``/``SHA-256``/``SHA-512`` to hex;
    ``SHA-1`` is required (it gives the identifier).  The endorsement is
    left empty for the signer; empty options become empty elements, as the
    original template wrote them.
    """
    if 'SHA-1' not in checksums:
        raise MetadataError('the SHA-1 checksum is required: it gives the '
                            'image identifier')
    if size < 0:
        raise MetadataError('image size cannot be negative')
    if valid_days < 0:
        raise MetadataError('the validity period cannot be negative')
    for location in locations:
        check_location(location)
    ident = identifier_mod.identifier_from_sha1(checksums['SHA-1'])
    now = (now or datetime.datetime.now(datetime.UTC)).replace(microsecond=0)
    valid = now + datetime.timedelta(days=valid_days)

    root = etree.Element(q('rdf', 'RDF'), nsmap=_NSMAP)
    root.set('{%s}base' % model.XML_NS, model.XML_BASE)
    desc = _sub(root, 'rdf', 'Description')
    desc.set(q('rdf', 'about'), '#' + ident)
    _sub(desc, 'dcterms', 'identifier', ident)
    _sub(desc, 'slreq', 'bytes', str(size))
    for algorithm in ('MD5', 'SHA-1', 'SHA-256', 'SHA-512'):
        if algorithm not in checksums:
            continue
        checksum = _sub(desc, 'slreq', 'checksum')
        checksum.set(q('rdf', 'parseType'), 'Resource')
        _sub(checksum, 'slreq', 'algorithm', algorithm)
        _sub(checksum, 'slreq', 'value', checksums[algorithm].lower())
    _sub(desc, 'slreq', 'endorsement').set(q('rdf', 'parseType'), 'Resource')
    for prefix, local, value in (
            ('dcterms', 'type', image_type),
            ('slterms', 'kind', kind),
            ('slterms', 'os', os),
            ('slterms', 'os-version', os_version),
            ('slterms', 'os-arch', os_arch),
            ('slterms', 'version', image_version),
            ('dcterms', 'compression', compression or '')):
        _sub(desc, prefix, local, value or '')
    for location in locations:
        _sub(desc, 'slterms', 'location', location)
    for prefix, local, value in (
            ('dcterms', 'format', image_format),
            ('dcterms', 'creator', author),
            ('dcterms', 'created', formats.format_date(now)),
            ('dcterms', 'valid', formats.format_date(valid)),
            ('dcterms', 'title', title),
            ('dcterms', 'alternative', tag),
            ('dcterms', 'description', comment),
            ('slterms', 'hypervisor', hypervisor),
            ('slterms', 'disks-bus', disks_bus),
            ('dcterms', 'publisher', publisher)):
        _sub(desc, prefix, local, value or '')
    etree.indent(root, space=_INDENT)
    return XML_DECLARATION + etree.tostring(root, encoding='UTF-8') + b'\n'


def serialize(root):
    """Bytes of an edited document (comments around the root kept)."""
    return etree.tostring(root.getroottree(), encoding='UTF-8',
                          xml_declaration=True, standalone=False)


def _strip_signatures(root):
    for signature in root.iter(q('ds', 'Signature')):
        parent = signature.getparent()
        _remove(signature)
        if parent is root and len(root) and root[-1].tail:
            root[-1].tail = '\n'


def _remove(element):
    """Remove *element* and keep the text that followed it."""
    parent = element.getparent()
    tail = element.tail
    previous = element.getprevious()
    if tail and tail.strip():
        if previous is not None:
            previous.tail = (previous.tail or '') + tail
        else:
            parent.text = (parent.text or '') + tail
    parent.remove(element)


def make_draft(root):
    """Turn a document into an unsigned draft, in place.

    Removes every xmldsig Signature and empties the endorsement (the
    endorser claims nothing without a signature), so that no edited
    document claims to be signed.  Returns *root*.
    """
    _strip_signatures(root)
    description = model.description_of(root)
    endorsements = description.findall(q('slreq', 'endorsement'))
    for extra in endorsements[:-1]:
        _remove(extra)
    if endorsements:
        endorsement = endorsements[-1]
        tail = endorsement.tail
        endorsement.clear()
        endorsement.tail = tail
    else:
        endorsement = etree.Element(q('slreq', 'endorsement'))
        checksums = description.findall(q('slreq', 'checksum'))
        anchor = checksums[-1] if checksums else \
            description.find(q('slreq', 'bytes'))
        if anchor is None:
            description.insert(0, endorsement)
        else:
            anchor.addnext(endorsement)
            endorsement.tail = anchor.tail
    endorsement.set(q('rdf', 'parseType'), 'Resource')
    return root


def _insert_after_last(description, tag, element):
    """Put *element* after the last *tag* child (else after the last
    child), indented like its predecessor."""
    siblings = description.findall(tag)
    children = [c for c in description if isinstance(c.tag, str)]
    anchor = siblings[-1] if siblings else (children[-1] if children
                                            else None)
    if anchor is None:
        description.append(element)
        return
    anchor.addnext(element)
    element.tail = anchor.tail
    anchor.tail = _indent_before(anchor)


def _indent_before(element):
    previous = element.getprevious()
    space = element.getparent().text if previous is None else previous.tail
    if space and not space.strip():
        return '\n' + space.rsplit('\n', 1)[-1]
    return '\n' + _INDENT * 2


def add_location(data, uri):
    """Document *data* with one more ``slterms:location``, as a draft.

    Returns ``(root, warnings)``; the result is unsigned (see
    :func:`make_draft`).  Raises :class:`MetadataError` when *uri* is not
    an acceptable URI or is already listed.
    """
    warnings = check_location(uri)
    root = xmlsafe.parse_xml(data)
    description = model.description_of(root)
    existing = [model.text_of(e) for e in
                description.findall(q('slterms', 'location'))]
    if uri in existing:
        raise MetadataError('location %s is already in the document' % uri)
    location = etree.Element(q('slterms', 'location'))
    location.text = uri
    _insert_after_last(description, q('slterms', 'location'), location)
    make_draft(root)
    return root, warnings


def check_reason(reason):
    """Refuse a deprecation reason XML cannot carry (see
    :func:`check_text`); returns it."""
    return check_text(reason, 'slterms:deprecated')


def mark_deprecated(root, reason=DEFAULT_REASON):
    """Set ``slterms:deprecated`` to *reason* (replacing any), as a draft.

    Works in place on a parsed document and returns it unsigned; raises
    :class:`MetadataError` (document unchanged) when *reason* contains
    characters XML does not allow.
    """
    check_reason(reason)
    description = model.description_of(root)
    existing = description.findall(q('slterms', 'deprecated'))
    if existing:
        # Replace the whole content: comments inside the old reason (which
        # its signature did not cover) must not survive next to the new one.
        _set_text(existing[0], reason, 'slterms:deprecated')
        for extra in existing[1:]:
            _remove(extra)
    else:
        element = etree.Element(q('slterms', 'deprecated'))
        _set_text(element, reason, 'slterms:deprecated')
        _insert_after_last(description, q('slterms', 'deprecated'), element)
    return make_draft(root)
