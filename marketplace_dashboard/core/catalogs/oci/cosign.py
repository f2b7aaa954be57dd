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

"""cosign signatures of OCI artifacts, verified with configured public
keys (cosign's keyed mode: no Rekor, no Fulcio, no network but the
registry).

cosign stores the signature of the artifact whose manifest digest is
``sha256:<hex>`` as an image manifest tagged ``sha256-<hex>.sig`` in the
same repository; each of its layers (media type
:data:`SIGNATURE_MEDIA_TYPE`) is a "simple signing" JSON payload naming
the artifact (``critical.image.docker-manifest-digest``,
``critical.identity.docker-reference``), and its annotation
:data:`SIGNATURE_ANNOTATION` is the base64 signature of the payload's
bytes.

:func:`lookup` reads that material from the registry (bounded:
:data:`MAX_SIGNATURE_MANIFEST_BYTES`, :data:`MAX_PAYLOAD_BYTES` in all,
:data:`MAX_LAYERS`); :func:`judge` decides on it with the configured keys
(:func:`.cosign_keys.load_public_keys`): a layer counts when its
payload has the layer's digest, its signature verifies with one of the
keys (:func:`.cosign_keys.verifies`), its type is cosign's, it names
the artifact's manifest digest and its ``docker-reference`` names the
artifact's repository (:func:`same_repository`: the host is not
compared).
"""

import base64
import binascii
import dataclasses
import hashlib
import re

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from marketplace_dashboard.core.catalogs.oci import cosign_keys
from marketplace_dashboard.core.catalogs.oci.cosign_keys import MAX_KEYS
from marketplace_dashboard.core.client.responses import load_json, printable
from marketplace_dashboard.core.errors import (
    MarketplaceClientError,
    MarketplaceHTTPError,
    MarketplaceResponseError,
)
from marketplace_dashboard.core.i18n import _

__all__ = ['MAX_LAYERS', 'MAX_MATERIAL_BYTES', 'MAX_PAYLOAD_BYTES',
           'MAX_SIGNATURE_MANIFEST_BYTES', 'PAYLOAD_TYPE',
           'SIGNATURE_ANNOTATION', 'SIGNATURE_MEDIA_TYPE', 'Judgement',
           'is_signature_tag', 'judge', 'lookup', 'same_repository',
           'signature_tag']

SIGNATURE_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json'
SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature'
PAYLOAD_TYPE = 'cosign container image signature'
#: a signature manifest larger than this is refused
MAX_SIGNATURE_MANIFEST_BYTES = 64 * 1024
#: the payloads of one signature manifest, in all
MAX_PAYLOAD_BYTES = 64 * 1024
#: signature layers read at most (one per signer)
MAX_LAYERS = 16
#: the base64 of one layer's signature (an RSA-8192 one is 1,366)
MAX_SIGNATURE_TEXT = 4096
#: what a document's signature material may hold (keys included)
MAX_MATERIAL_BYTES = (MAX_LAYERS * (MAX_SIGNATURE_TEXT + 512) +
                      MAX_PAYLOAD_BYTES * 4 // 3 + MAX_KEYS * 2048 + 16384)
_ARTIFACT_TAG_RE = re.compile(r'sha256-[0-9a-f]{64}\.(?:sig|att|sbom)\Z')
_HOST_RE = re.compile(r'[^/]*[.:][^/]*\Z|localhost\Z')


def signature_tag(digest):
    """The tag of the cosign signature of the manifest *digest*."""
    return digest.replace(':', '-', 1) + '.sig'


def is_signature_tag(tag):
    """Whether *tag* is one of cosign's (signature, attestation, SBOM):
    never an artifact of the listing."""
    return bool(_ARTIFACT_TAG_RE.match(tag))


# -- reading ---------------------------------------------------------------

def lookup(registry, repository, digest):
    """The signature material of *repository*@*digest* on *registry* (a
    :class:`~.registry.RegistryClient`), a JSON-ready dict:
    ``{'status': 'missing'}`` (no ``.sig`` tag), ``{'status': 'error',
    'reason'}`` (the lookup failed), ``{'status': 'malformed', 'reason'}``
    (a ``.sig`` that is not a usable signature manifest) or
    ``{'status': 'present', 'layers': [...]}``, each layer ``{'digest',
    'signature', 'payload'}`` (base64) or with an ``error``."""
    tag = signature_tag(digest)
    try:
        body, _digest = registry.manifest(repository, tag,
                                          MAX_SIGNATURE_MANIFEST_BYTES)
    except MarketplaceHTTPError as exc:
        if exc.status == 404:
            return {'status': 'missing'}
        return {'status': 'error', 'reason': str(exc)[:500]}
    except MarketplaceResponseError as exc:
        return {'status': 'malformed', 'reason': str(exc)[:500]}
    except MarketplaceClientError as exc:
        return {'status': 'error', 'reason': str(exc)[:500]}
    try:
        manifest = load_json(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        manifest = None
    layers = manifest.get('layers') if isinstance(manifest, dict) else None
    if not isinstance(layers, list) or not all(isinstance(x, dict)
                                               for x in layers):
        return {'status': 'malformed',
                'reason': '%s:%s is not an image manifest with layers'
                          % (repository, tag)}
    found = []
    budget = MAX_PAYLOAD_BYTES
    for layer in [x for x in layers if x.get('mediaType') ==
                  SIGNATURE_MEDIA_TYPE][:MAX_LAYERS]:
        found.append(_layer(registry, repository, layer, budget))
        budget -= found[-1].pop('bytes', 0)
    return {'status': 'present', 'layers': found}


def _layer(registry, repository, layer, budget):
    annotations = layer.get('annotations')
    text = annotations.get(SIGNATURE_ANNOTATION) \
        if isinstance(annotations, dict) else None
    entry = {'digest': layer.get('digest') if isinstance(
        layer.get('digest'), str) else '', 'signature': ''}
    if not isinstance(text, str) or len(text) > MAX_SIGNATURE_TEXT:
        entry['error'] = 'no %s annotation' % SIGNATURE_ANNOTATION
        return entry
    entry['signature'] = text
    size = layer.get('size')
    if isinstance(size, bool) or not isinstance(size, int) or \
            not 0 <= size <= budget:
        entry['error'] = 'the payload is larger than %d bytes' % budget
        return entry
    try:
        payload = registry.blob(repository, entry['digest'], size)
    except MarketplaceClientError as exc:
        entry['error'] = 'its payload could not be read: %s' % (
            printable(str(exc))[:300])
        return entry
    entry['payload'] = base64.b64encode(payload).decode('ascii')
    entry['bytes'] = len(payload)
    return entry


# -- judging ---------------------------------------------------------------

@dataclasses.dataclass
class Judgement:
    """What :func:`judge` found: *state* ``verified`` (by the key of
    *key_sha256*, with *algorithm*), ``invalid`` (*reasons*), ``no-keys``
    (signed, but no key is configured), ``error`` (the lookup failed)."""

    state: str
    reasons: list = dataclasses.field(default_factory=list)
    key_sha256: str | None = None
    algorithm: str | None = None


def same_repository(reference, repository):
    """Whether a payload's ``docker-reference`` names *repository*: its
    tag or digest and its host (a first component with a ``.`` or ``:``,
    or ``localhost``) are set aside, and of the two repository paths the
    shorter must be the end of the longer, at a ``/`` (a registry is
    reached under several names, and a mirror may add a prefix)."""
    if not isinstance(reference, str) or not reference:
        return False
    name = reference.split('@', 1)[0]
    head, _, last = name.rpartition('/')
    last = last.split(':', 1)[0]
    name = '%s/%s' % (head, last) if head else last
    first, _, rest = name.partition('/')
    if rest and _HOST_RE.match(first):
        name = rest
    shorter, longer = sorted((name, repository), key=len)
    return longer == shorter or longer.endswith('/' + shorter)


def _decode(text):
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _payload_errors(payload, digest, repository):
    try:
        value = load_json(payload)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return [_('its payload is not JSON')]
    critical = value.get('critical') if isinstance(value, dict) else None
    if not isinstance(critical, dict) or \
            critical.get('type') != PAYLOAD_TYPE:
        return [_('its payload is not a cosign container image signature')]
    image = critical.get('image')
    signed = image.get('docker-manifest-digest') \
        if isinstance(image, dict) else None
    errors = []
    if signed != digest:
        errors.append(_('it signs %(signed)s, not the manifest of this '
                        'artifact (%(digest)s)')
                      % {'signed': printable(str(signed))[:100],
                         'digest': digest})
    identity = critical.get('identity')
    reference = identity.get('docker-reference') \
        if isinstance(identity, dict) else None
    if not same_repository(reference, repository):
        errors.append(_('it was made for %(reference)s, not for the '
                        'repository %(repository)s')
                      % {'reference': printable(str(reference))[:200],
                         'repository': repository})
    return errors


def _judge_layer(layer, keys, digest, repository):
    """``(key, [])`` when *layer* verifies, else ``(None, reasons)``."""
    if layer.get('error'):
        return None, [layer['error']]
    signature = _decode(layer.get('signature') or '')
    if not signature:
        return None, [_('its signature is not base64')]
    payload = _decode(layer.get('payload') or '')
    if payload is None:
        return None, [_('its payload could not be read')]
    if 'sha256:' + hashlib.sha256(payload).hexdigest() != layer.get(
            'digest'):
        return None, [_('its payload does not have the digest of its '
                        'layer (tampered)')]
    for key in keys:
        if cosign_keys.verifies(key, signature, payload):
            errors = _payload_errors(payload, digest, repository)
            return (None, errors) if errors else (key, [])
    return None, [_('its signature does not verify with any configured '
                    'cosign public key')]


def _load_keys(encoded):
    keys = []
    for text in encoded or ():
        der = _decode(text) if isinstance(text, str) else None
        try:
            keys.append(serialization.load_der_public_key(der or b''))
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue
    return keys


def judge(material, keys, digest, repository):
    """The :class:`Judgement` of the signature *material* (of
    :func:`lookup`) of the artifact *repository*@*digest* with the
    configured *keys* (:func:`.cosign_keys.encode_keys`)."""
    status = material.get('status') if isinstance(material, dict) else None
    if status == 'missing':
        return Judgement('missing')
    if status == 'error':
        return Judgement('error', [
            _('its cosign signature could not be looked up: %(reason)s')
            % {'reason': printable(str(material.get('reason')))[:500]}])
    keys = _load_keys(keys)
    if not keys:
        return Judgement('no-keys', [
            _('signed, but no cosign public key is configured')])
    if status != 'present':
        return Judgement('invalid', [
            _('its cosign signature is unusable: %(reason)s')
            % {'reason': printable(str(material.get('reason')))[:500]}])
    layers = material.get('layers')
    if not isinstance(layers, list) or not layers:
        return Judgement('invalid', [_('its cosign signature manifest has '
                                       'no signature layer')])
    reasons = []
    for number, layer in enumerate(layers, 1):
        key, errors = _judge_layer(layer if isinstance(layer, dict)
                                   else {}, keys, digest, repository)
        if key is not None:
            return Judgement('verified',
                             key_sha256=cosign_keys.key_fingerprint(key),
                             algorithm=cosign_keys.algorithm(key))
        reasons.extend(_('cosign signature %(number)s: %(reason)s')
                       % {'number': number, 'reason': error}
                       for error in errors)
    return Judgement('invalid', reasons)
