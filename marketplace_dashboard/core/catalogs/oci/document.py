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

"""One OCI artifact as an entry: its *document*, appliance and verdict.

The document of an entry is the JSON envelope :func:`make_document`
writes: the registry the client read (its configured base URL), the
repository, the tag, the manifest's digest and the manifest itself.  It
is what the entry's trust is decided on, as a StratusLab entry's signed
XML is.

:func:`appliance_of` maps it onto the appliance model as EGI's tools read
EGI's annotations (``org.openstack.glance.*``, ``eu.egi.cloud.*``,
``org.opencontainers.image.*``): the image layer (``application/x-qemu-
disk``) gives the size, the endorsed SHA-256 (its digest) and the location
(its blob URL); the identifier is derived from the layer digest, so the
same bytes are the same entry whatever their tag.

:func:`evaluate`: an artifact without a cosign signature is ``untrusted``
with the reason :data:`UNSIGNED`, and the import policy's
``accept_unsigned_registries`` decides whether it may be imported.  The
client adds to the document of an artifact it returns its cosign
signature material (:func:`with_signature`, read by
:func:`~.cosign.lookup`) and the marketplace's configured public keys
(``cosign_public_keys``; never anything the registry sent): a signature
valid with one of the keys makes the entry ``verified``, a signature that
does not verify (or signs another manifest) ``invalid``, a signature with
no key configured ``untrusted``.
"""

import datetime
import hashlib
import json
import re
import urllib.parse

from marketplace_dashboard.core import identifier as identifier_mod
from marketplace_dashboard.core import model, signature
from marketplace_dashboard.core import verdict as verdict_mod
from marketplace_dashboard.core.catalogs.oci import cosign
from marketplace_dashboard.core.catalogs.oci import registry as registry_mod
from marketplace_dashboard.core.client.responses import load_json
from marketplace_dashboard.core.errors import MetadataError
from marketplace_dashboard.core.formats import format_date, parse_date
from marketplace_dashboard.core.i18n import _

__all__ = ['ANNOTATIONS', 'DISK_MEDIA_TYPES', 'MAX_DOCUMENT_BYTES',
           'PROVENANCE_DIGEST', 'PROVENANCE_REFERENCE', 'UNSIGNED',
           'appliance_of', 'disk_layer', 'entry_identifier', 'evaluate',
           'load_envelope', 'make_document', 'registry_email',
           'with_signature']

#: Glance properties of an imported artifact: its registry reference
#: (``host/repository:tag``) and its manifest's digest
PROVENANCE_REFERENCE = 'oci_reference'
PROVENANCE_DIGEST = 'oci_manifest_digest'
#: the reason of every OCI verdict
UNSIGNED = _('unsigned: trusted by registry only')
#: layer media types of a disk image
DISK_MEDIA_TYPES = ('application/x-qemu-disk',
                    'application/vnd.oci.image.layer.v1.tar',
                    'application/octet-stream')
MAX_DOCUMENT_BYTES = (registry_mod.MAX_MANIFEST_BYTES +
                      cosign.MAX_MATERIAL_BYTES + 8192)
#: annotation -> Appliance attribute
ANNOTATIONS = {
    'org.openstack.glance.os_distro': 'os',
    'org.openstack.glance.os_version': 'os_version',
    'org.openstack.glance.architecture': 'os_arch',
    'org.openstack.glance.disk_format': 'format',
    'eu.egi.cloud.description': 'description',
    'eu.egi.cloud.tag': 'alternative',
    'org.opencontainers.image.title': 'title',
    'org.opencontainers.image.revision': 'version',
    'org.opencontainers.image.source': 'creator',
}
_MAX_TEXT = 4096
_TAG_DATE_RE = re.compile(r'(?:^|-)(\d{4})(\d{2})(\d{2})(?:-|$)')
_EPOCH = '1970-01-01T00:00:00Z'


def make_document(registry, repository, tag, manifest_digest, manifest,
                  token=False):
    """The document (bytes) of *repository*:*tag* read from *registry*
    (the configured base URL); *manifest* as the registry sent it;
    *token*: the registry asked for a bearer token (its blobs are then
    streamed by the dashboard host, never web-downloaded by Glance)."""
    value = load_json(manifest) if isinstance(manifest, bytes) else manifest
    envelope = {
        'oci': 1, 'registry': registry, 'repository': repository,
        'tag': tag, 'digest': manifest_digest, 'manifest': value,
    }
    if token:
        envelope['token'] = True
    return json.dumps(envelope, sort_keys=True,
                      separators=(',', ':')).encode()


def with_signature(document, material, keys):
    """*document* with the cosign signature *material* of its artifact
    (:func:`~.cosign.lookup`) and the configured *keys*
    (:func:`~.cosign_keys.encode_keys`; none: left out)."""
    value = _load(document)[0]
    value['cosign'] = material
    if keys:
        value['cosign_keys'] = list(keys)
    else:
        value.pop('cosign_keys', None)
    return json.dumps(value, sort_keys=True,
                      separators=(',', ':')).encode()


def registry_email(registry):
    """The endorser e-mail an entry of *registry* is listed under (an
    artifact has no endorser: the registry stands for it)."""
    host = urllib.parse.urlsplit(registry).hostname or 'registry'
    return 'registry@%s' % host


def entry_identifier(layer_digest):
    """The 27-character identifier of the entry whose image layer has
    *layer_digest*."""
    return identifier_mod.identifier_from_sha1(
        hashlib.sha1(layer_digest.encode()).hexdigest())  # noqa: S324


def load_envelope(document):
    """The envelope of an OCI entry *document* (a dict), checked."""
    return _load(document)[0]


def _load(document):
    if not isinstance(document, bytes) or \
            len(document) > MAX_DOCUMENT_BYTES:
        raise MetadataError('an OCI entry document must be at most %d bytes'
                            % MAX_DOCUMENT_BYTES)
    try:
        value = load_json(document)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MetadataError('not an OCI entry document: %s'
                            % str(exc)[:200]) from None
    if not isinstance(value, dict) or value.get('oci') != 1:
        raise MetadataError('not an OCI entry document')
    for key in ('registry', 'repository', 'tag', 'digest'):
        if not isinstance(value.get(key), str):
            raise MetadataError('OCI entry document without %s' % key)
    if not registry_mod.is_repository(value['repository']) or \
            not registry_mod.is_tag(value['tag']) or \
            not registry_mod.is_digest(value['digest']):
        raise MetadataError('OCI entry document with an invalid repository, '
                            'tag or digest')
    manifest = value.get('manifest')
    if not isinstance(manifest, dict) or manifest.get('schemaVersion') != 2:
        raise MetadataError('the manifest of %s:%s is not an image manifest '
                            '(schemaVersion 2)' % (value['repository'],
                                                   value['tag']))
    return value, manifest


def disk_layer(manifest):
    """The layer holding the disk image: the one ``application/x-qemu-
    disk`` layer, else the only layer of another disk media type."""
    layers = manifest.get('layers')
    if not isinstance(layers, list) or not layers or not all(
            isinstance(layer, dict) for layer in layers):
        raise MetadataError('the manifest has no layers')
    for media_type in DISK_MEDIA_TYPES:
        found = [layer for layer in layers
                 if layer.get('mediaType') == media_type]
        if len(found) == 1 or (found and media_type == DISK_MEDIA_TYPES[0]):
            layer = found[0]
            break
    else:
        raise MetadataError(
            'the manifest has no disk image layer (media type %s)'
            % DISK_MEDIA_TYPES[0])
    size = layer.get('size')
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise MetadataError('the image layer has no valid size')
    if not registry_mod.is_digest(layer.get('digest')):
        raise MetadataError('the image layer has no sha256 digest')
    return layer


def _text(value):
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:_MAX_TEXT] if value else None


def _created(annotations, tag):
    created = parse_date(_text(annotations.get(
        'org.opencontainers.image.created')) or '')
    if created is None:
        text = _text(annotations.get('org.opencontainers.image.created'))
        try:
            created = datetime.datetime.fromisoformat(text or '')
        except ValueError:
            created = None
        if created is not None and created.tzinfo is None:
            created = created.replace(tzinfo=datetime.UTC)
    if created is None:
        match = _TAG_DATE_RE.search(tag)
        if match:
            try:
                created = datetime.datetime(*map(int, match.groups()),
                                            tzinfo=datetime.UTC)
            except ValueError:
                created = None
    return format_date(created) if created is not None else _EPOCH


def appliance_of(document):
    """The :class:`~marketplace_dashboard.core.model.Appliance` of an OCI
    entry *document*; :class:`MetadataError` when it is unusable."""
    value, manifest = _load(document)
    layer = disk_layer(manifest)
    annotations = manifest.get('annotations')
    if not isinstance(annotations, dict):
        annotations = {}
    repository, tag = value['repository'], value['tag']
    app = model.Appliance(document=document,
                          document_sha256=hashlib.sha256(
                              document).hexdigest())
    app.identifier = entry_identifier(layer['digest'])
    app.bytes = layer['size']
    app.checksums = {'SHA-256': layer['digest'].partition(':')[2]}
    base = value['registry'].rstrip('/')
    app.locations = ['%s/v2/%s/blobs/%s' % (base, repository,
                                            layer['digest'])]
    app.about = '%s/%s:%s' % (urllib.parse.urlsplit(base).netloc,
                              repository, tag)
    for key, attribute in ANNOTATIONS.items():
        text = _text(annotations.get(key))
        if text is not None:
            setattr(app, attribute, text)
    if app.format is None and layer.get('mediaType') == DISK_MEDIA_TYPES[0]:
        app.format = 'qcow2'
    if app.title is None:
        app.title = '%s %s' % (repository.rpartition('/')[2], tag)
    app.download_auth = value.get('token') is True
    app.kind = 'machine'
    app.type = 'image'
    app.publisher = base
    created = _created(annotations, tag)
    app.endorsement = model.Endorsement(
        email=registry_email(base), created_text=created,
        created=parse_date(created))
    app.created = app.endorsement.created
    app.catalog_properties = {PROVENANCE_REFERENCE: app.about,
                      PROVENANCE_DIGEST: value['digest']}
    app.extra = [('oci:reference', app.about),
                 ('oci:manifest-digest', value['digest']),
                 ('oci:layer-digest', layer['digest'])]
    app.extra += sorted((key, _text(v) or '') for key, v in
                        annotations.items()
                        if key not in ANNOTATIONS and isinstance(key, str)
                        )[:64]
    return app


def evaluate(document, policy=None, now=None):
    """The verdict of an OCI entry *document*: ``invalid`` when it cannot
    be read or its cosign signature fails, ``verified`` when its cosign
    signature is valid with a configured key (``Verdict.public_key_sha256``
    names it), else ``untrusted`` -- :data:`UNSIGNED` when it has no
    signature, with ``Verdict.registry`` naming the registry for the
    import policy."""
    try:
        app = appliance_of(document)
        value = _load(document)[0]
    except MetadataError as exc:
        return verdict_mod.failure(str(exc), document)
    result = verdict_mod.Verdict(
        verdict_mod.Level.UNTRUSTED, reasons=[UNSIGNED],
        signature=signature.MISSING, status=verdict_mod.STATUS_VALID,
        appliance=app, document_sha256=app.document_sha256,
        registry=app.publisher)
    material = value.get('cosign')
    if material is None:
        return result  # not looked up
    keys = value.get('cosign_keys')
    found = cosign.judge(material, keys, value['digest'],
                         value['repository'])
    if found.state == 'missing':
        return result
    if found.state == 'error' and not keys:
        result.warnings = list(found.reasons)
        return result
    result.reasons = list(found.reasons)
    if found.state == 'verified':
        result.level = verdict_mod.Level.VERIFIED
        result.signature = signature.VALID
        result.trusted = True
        result.registry = None
        result.signature_method = 'cosign ' + found.algorithm
        result.public_key_sha256 = found.key_sha256
    elif found.state == 'invalid':
        result.level = verdict_mod.Level.INVALID
        result.signature = signature.INVALID
        result.registry = None
    elif found.state == 'error':
        # it may be signed: accept_unsigned_registries does not apply
        result.registry = None
    return result
