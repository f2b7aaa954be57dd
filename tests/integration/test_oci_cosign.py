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

"""cosign signatures on real parts: an artifact pushed by ``oras`` into
Debian's docker-registry on loopback, its signature manifest made here as
cosign makes it (simple signing payload signed with ECDSA P-256, pushed
as a layer with cosign's media type and annotation, tagged
``sha256-<hex>.sig``) through the registry's API; with the right key the
entry is verified and imported into the real Glance, verified by the
layer digest, its registry not in ``accept_unsigned_registries``; with
another key it is invalid and refused."""

import base64
import hashlib
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
import pytest

from marketplace_dashboard.core.catalogs import oci
from marketplace_dashboard.core.catalogs.oci import cosign, document
from marketplace_dashboard.core.client.query import SearchQuery
from marketplace_dashboard.core.errors import ImportRefused
from marketplace_dashboard.core.imports import Importer, ImportPolicy
from stack.registry import Registry
from tests.integration.test_oci_registry_import import _images, _push


@pytest.fixture(scope='module')
def reg(stack, tmp_path_factory):
    # the stack's marker: Stack.stop() ends it if this module does not
    started = Registry(tmp_path_factory.mktemp('registry'),
                       marker=stack.base)
    started.start()
    yield started
    started.stop()


@pytest.fixture(scope='module')
def qcow2_dir(tmp_path_factory):
    return tmp_path_factory.mktemp('qcow2')


def _sign(registry, pushed, key):
    payload = json.dumps({
        'critical': {
            'identity': {'docker-reference': '%s/%s' % (
                registry.host, pushed.repository)},
            'image': {'docker-manifest-digest': pushed.manifest_digest},
            'type': 'cosign container image signature'},
        'optional': None}).encode()
    signature = key.sign(payload, ec.ECDSA(hashes.SHA256()))
    blob = registry.push_blob(pushed.repository, payload)
    config = registry.push_blob(pushed.repository, b'{}')
    manifest = json.dumps({
        'schemaVersion': 2,
        'mediaType': 'application/vnd.oci.image.manifest.v1+json',
        'config': {'mediaType': 'application/vnd.oci.image.config.v1+json',
                   'size': 2, 'digest': config},
        'layers': [{
            'mediaType': cosign.SIGNATURE_MEDIA_TYPE,
            'size': len(payload), 'digest': blob,
            'annotations': {cosign.SIGNATURE_ANNOTATION:
                            base64.b64encode(signature).decode()}}],
    }).encode()
    registry.put_manifest(pushed.repository,
                          cosign.signature_tag(pushed.manifest_digest),
                          manifest)


def _pem(tmp_path, key, name):
    path = tmp_path / name
    path.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo))
    return str(path)


def _verdict(registry, pushed, pem):
    catalog = oci.OCIClient({'name': 'egi', 'url': registry.base_url +
                             '/egi_vm_images', 'cosign_public_keys': [pem]})
    identifier = document.entry_identifier(pushed.layer_digest)
    [row] = [r for r in catalog.search(SearchQuery(length=100)).rows
             if r.identifier == identifier]
    _, verdict = catalog.verified_entry(*row.key, None)
    return verdict


def _policy(registry, **settings):
    # the registry is NOT among accept_unsigned_registries
    return ImportPolicy.from_dict(dict({
        'settle': 1.5,
        'download_filter': {'allowed_hosts': ['127.0.0.1'],
                            'allowed_ports': [registry.port]}}, **settings))


@pytest.fixture(scope='module')
def signer():
    return ec.generate_private_key(ec.SECP256R1())


def test_a_signed_artifact_is_verified_and_imported(stack, reg, qcow2_dir,
                                                    signer, tmp_path):
    registry = reg
    pushed, data = _push(registry, qcow2_dir)
    _sign(registry, pushed, signer)
    verdict = _verdict(registry, pushed, _pem(tmp_path, signer, 'c.pub'))
    assert verdict.level.value == 'verified', verdict.reasons
    der = signer.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    assert verdict.public_key_sha256 == hashlib.sha256(der).hexdigest()
    images = _images(stack)
    engine = Importer(images, policy=_policy(registry))
    status = engine.start(verdict, marketplace_url='%s/egi_vm_images' %
                          registry.base_url)
    assert status.method == 'glance-direct'
    engine.transfer(status.image_id)
    final = engine.wait(status.image_id, timeout=120, interval=0.5)
    assert final.state == 'active' and final.verified, final.reasons
    image = images.get(status.image_id)
    assert image['size'] == len(data)
    assert image['marketplace_sha256'] == hashlib.sha256(data).hexdigest()
    assert 'sha256:' + image['marketplace_sha256'] == pushed.layer_digest
    assert image['marketplace_verdict'] == 'verified'
    assert image['oci_manifest_digest'] == pushed.manifest_digest


def test_another_key_is_invalid_and_refused(stack, reg, qcow2_dir, signer,
                                            tmp_path):
    registry = reg
    pushed, _ = _push(registry, qcow2_dir)
    _sign(registry, pushed, signer)
    other = ec.generate_private_key(ec.SECP256R1())
    verdict = _verdict(registry, pushed, _pem(tmp_path, other, 'o.pub'))
    assert verdict.level.value == 'invalid'
    assert 'does not verify with any configured cosign public key' in \
        verdict.reasons[0]
    engine = Importer(_images(stack), policy=_policy(
        registry, accept_unsigned_registries=[registry.base_url],
        allow_untrusted=True))
    with pytest.raises(ImportRefused, match='invalid'):
        engine.start(verdict)
    assert [i for i in _images(stack).find(
        marketplace_identifier=verdict.appliance.identifier)
        if i.get('status') != 'deleted'] == []
