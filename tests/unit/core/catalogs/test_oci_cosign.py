"""cosign signatures of OCI artifacts (core/catalogs/oci/cosign.py), read
from a loopback registry answering as a registry does, signed here with
cryptography as cosign signs (simple signing payload, base64 signature
in the layer's annotation), and the verdicts they give."""

import base64
import hashlib
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
import pytest

from marketplace_dashboard.core.cache import MemoryCache
from marketplace_dashboard.core.catalogs.oci import (
    OCIClient,
    cosign,
    cosign_keys,
    document,
)
from marketplace_dashboard.core.client.query import SearchQuery
from marketplace_dashboard.core.errors import ImportRefused
from marketplace_dashboard.core.imports.policy import (
    ImportPolicy,
    check_policy,
)
from tests.unit.core.catalogs.fakeregistry import FakeRegistry, recorded
from tests.unit.core.catalogs.pemkeys import pem_file

UBUNTU = 'egi_vm_images/ubuntu-22.04'
TAG = '22.04-20261201-0123abcd'
MANIFEST = recorded('manifest-ubuntu.json')
DIGEST = 'sha256:' + hashlib.sha256(MANIFEST).hexdigest()


def payload(digest=DIGEST, reference=None, kind=cosign.PAYLOAD_TYPE):
    return json.dumps({
        'critical': {
            'identity': {'docker-reference': reference or
                         '127.0.0.1:5000/' + UBUNTU},
            'image': {'docker-manifest-digest': digest},
            'type': kind},
        'optional': {'creator': 'test'}}).encode()


def sign(key, data):
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data)


def push_signature(server, layers, repository=UBUNTU, digest=DIGEST):
    """*layers*: ``[(payload bytes, signature text)]``; the signature
    manifest tagged ``sha256-<hex>.sig`` and its blobs."""
    descriptors = []
    for body, text in layers:
        blob = 'sha256:' + hashlib.sha256(body).hexdigest()
        server.routes['/v2/%s/blobs/%s' % (repository, blob)] = (
            200, {'Content-Type': 'application/octet-stream'}, body)
        descriptors.append({
            'mediaType': cosign.SIGNATURE_MEDIA_TYPE, 'size': len(body),
            'digest': blob,
            'annotations': {cosign.SIGNATURE_ANNOTATION: text}})
    manifest = json.dumps({
        'schemaVersion': 2,
        'mediaType': 'application/vnd.oci.image.manifest.v1+json',
        'config': {'mediaType': 'application/vnd.oci.image.config.v1+json',
                   'size': 2, 'digest': 'sha256:' + 'c' * 64},
        'layers': descriptors}).encode()
    server.manifest(repository, cosign.signature_tag(digest), manifest)


def b64(data):
    return base64.b64encode(data).decode()


@pytest.fixture(scope='module')
def signer():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope='module')
def other():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def fake():
    with FakeRegistry() as server:
        server.json('/v2/_catalog?n=100', {'repositories': [UBUNTU]})
        server.json('/v2/%s/tags/list?n=100' % UBUNTU, {
            'name': UBUNTU,
            'tags': [TAG, cosign.signature_tag(DIGEST)]})
        server.manifest(UBUNTU, TAG, MANIFEST)
        yield server


def verdict_of(fake, keys=(), **kw):
    settings = {'url': fake.base_url + '/egi_vm_images'}
    if keys:
        settings['cosign_public_keys'] = list(keys)
    client = OCIClient(settings, **kw)
    page, documents = client.search_documents(SearchQuery())
    assert len(documents) == 1
    return document.evaluate(documents[0])


def test_a_valid_ecdsa_signature_is_verified(fake, signer, tmp_path):
    body = payload()
    push_signature(fake, [(body, b64(sign(signer, body)))])
    result = verdict_of(fake, [pem_file(tmp_path, signer)])
    assert result.level.value == 'verified'
    assert result.reasons == [] and result.trusted
    assert result.signature == 'valid'
    assert result.registry is None
    der = signer.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    assert result.public_key_sha256 == hashlib.sha256(der).hexdigest()
    assert result.to_dict()['public_key_sha256'] == result.public_key_sha256
    assert result.signature_method == 'cosign ecdsa-secp256r1-sha256'
    # a signed artifact needs no unsigned exception to be imported
    assert check_policy(result, ImportPolicy()) == 'verified'


@pytest.mark.parametrize('make_key', [
    lambda: rsa.generate_private_key(65537, 2048),
    ed25519.Ed25519PrivateKey.generate,
])
def test_rsa_and_ed25519_keys(fake, tmp_path, make_key):
    key = make_key()
    body = payload()
    push_signature(fake, [(body, b64(sign(key, body)))])
    assert verdict_of(fake, [pem_file(tmp_path, key)]).level == 'verified'


def test_one_good_layer_among_others_is_enough(fake, signer, other,
                                               tmp_path):
    body = payload()
    push_signature(fake, [(body, b64(sign(other, body))),
                          (body, b64(sign(signer, body)))])
    assert verdict_of(fake, [pem_file(tmp_path, signer)]).level == 'verified'


def test_a_wrong_key_is_invalid_and_never_imported(fake, signer, other,
                                                   tmp_path):
    body = payload()
    push_signature(fake, [(body, b64(sign(other, body)))])
    result = verdict_of(fake, [pem_file(tmp_path, signer)])
    assert result.level.value == 'invalid'
    assert result.signature == 'invalid'
    assert 'does not verify with any configured cosign public key' in \
        result.reasons[0]
    policy = ImportPolicy(accept_unsigned_registries=(fake.base_url,),
                          allow_untrusted=True)
    with pytest.raises(ImportRefused, match='invalid'):
        check_policy(result, policy)


def test_a_tampered_payload_is_invalid(fake, signer, tmp_path):
    body = payload()
    push_signature(fake, [(body, b64(sign(signer, body)))])
    # the registry now serves other bytes under the payload's digest
    blob = 'sha256:' + hashlib.sha256(body).hexdigest()
    path = '/v2/%s/blobs/%s' % (UBUNTU, blob)
    fake.routes[path] = (200, {}, body.replace(b'test', b'evil'))
    result = verdict_of(fake, [pem_file(tmp_path, signer)])
    assert result.level.value == 'invalid'
    assert 'tampered' in result.reasons[0]


def test_a_payload_naming_another_digest_is_invalid(fake, signer, tmp_path):
    body = payload(digest='sha256:' + 'd' * 64)
    push_signature(fake, [(body, b64(sign(signer, body)))])
    result = verdict_of(fake, [pem_file(tmp_path, signer)])
    assert result.level.value == 'invalid'
    assert 'sha256:' + 'd' * 64 in result.reasons[0]
    assert DIGEST in result.reasons[0]


def test_a_payload_of_another_type_is_invalid(fake, signer, tmp_path):
    body = payload(kind='something else')
    push_signature(fake, [(body, b64(sign(signer, body)))])
    result = verdict_of(fake, [pem_file(tmp_path, signer)])
    assert result.level.value == 'invalid'
    assert 'not a cosign container image signature' in result.reasons[0]


@pytest.mark.parametrize('reference, same', [
    ('registry.egi.eu/egi_vm_images/ubuntu-22.04', True),
    ('127.0.0.1:5000/egi_vm_images/ubuntu-22.04:22.04', True),
    ('localhost/egi_vm_images/ubuntu-22.04@sha256:' + 'e' * 64, True),
    ('mirror.example.org/proxy/egi_vm_images/ubuntu-22.04', True),
    ('ubuntu-22.04', True),
    ('registry.egi.eu/egi_vm_images/centos-7', False),
    ('registry.egi.eu/egi_vm_images/xubuntu-22.04', False),
    ('', False),
])
def test_the_docker_reference_rule(reference, same):
    assert cosign.same_repository(reference, UBUNTU) is same


def test_a_signature_for_another_repository_is_invalid(fake, signer,
                                                       tmp_path):
    body = payload(reference='registry.egi.eu/egi_vm_images/centos-7')
    push_signature(fake, [(body, b64(sign(signer, body)))])
    result = verdict_of(fake, [pem_file(tmp_path, signer)])
    assert result.level.value == 'invalid'
    assert 'centos-7' in result.reasons[0]


def test_no_signature_is_unsigned_as_before(fake, signer, tmp_path):
    result = verdict_of(fake, [pem_file(tmp_path, signer)])
    assert result.level.value == 'untrusted'
    assert result.reasons == [document.UNSIGNED]
    assert result.registry == fake.base_url
    # the .sig tag of the listing is not read as an artifact; the lookup
    # is a 404
    paths = [path for path, _ in fake.hits]
    assert paths.count('/v2/%s/manifests/%s' % (
        UBUNTU, cosign.signature_tag(DIGEST))) == 1


def test_a_signature_without_keys_is_untrusted(fake, signer):
    body = payload()
    push_signature(fake, [(body, b64(sign(signer, body)))])
    result = verdict_of(fake)
    assert result.level.value == 'untrusted'
    assert result.reasons == [
        'signed, but no cosign public key is configured']
    # trusted by registry only, as an unsigned artifact
    assert result.registry == fake.base_url
    assert check_policy(result, ImportPolicy(
        accept_unsigned_registries=(fake.base_url,))) == 'untrusted'


def test_an_oversized_signature_manifest_is_invalid(fake, signer, tmp_path):
    fake.manifest(UBUNTU, cosign.signature_tag(DIGEST), json.dumps({
        'schemaVersion': 2, 'layers': [],
        'annotations': {'x': 'y' * (cosign.MAX_SIGNATURE_MANIFEST_BYTES)}
    }).encode())
    result = verdict_of(fake, [pem_file(tmp_path, signer)])
    assert result.level.value == 'invalid'
    assert 'unusable' in result.reasons[0]


def test_an_oversized_payload_is_not_read(fake, signer, tmp_path):
    body = payload()
    push_signature(fake, [(body, b64(sign(signer, body)))])
    route = '/v2/%s/manifests/%s' % (UBUNTU, cosign.signature_tag(DIGEST))
    manifest = json.loads(fake.routes[route][2])
    manifest['layers'][0]['size'] = cosign.MAX_PAYLOAD_BYTES + 1
    fake.manifest(UBUNTU, cosign.signature_tag(DIGEST),
                  json.dumps(manifest).encode())
    result = verdict_of(fake, [pem_file(tmp_path, signer)])
    assert result.level.value == 'invalid'
    assert 'larger than' in result.reasons[0]
    assert not any('/blobs/' in path for path, _ in fake.hits)


def test_bad_base64_is_invalid(fake, signer, tmp_path):
    body = payload()
    push_signature(fake, [(body, 'not*base64!')])
    result = verdict_of(fake, [pem_file(tmp_path, signer)])
    assert result.level.value == 'invalid'
    assert 'not base64' in result.reasons[0]


def test_a_failed_lookup_is_a_reason_not_a_crash(fake, signer, tmp_path):
    fake.routes['/v2/%s/manifests/%s' % (
        UBUNTU, cosign.signature_tag(DIGEST))] = (500, {}, b'oops')
    with_keys = verdict_of(fake, [pem_file(tmp_path, signer)])
    assert with_keys.level.value == 'untrusted'
    assert 'could not be looked up' in with_keys.reasons[0]
    assert with_keys.registry is None  # not "unsigned": no exception
    without = verdict_of(fake)
    assert without.reasons == [document.UNSIGNED]
    assert 'could not be looked up' in without.warnings[0]


def test_the_material_is_cached_for_the_page_only(fake, signer, tmp_path):
    body = payload()
    push_signature(fake, [(body, b64(sign(signer, body)))])
    cache = MemoryCache()
    verdict_of(fake, [pem_file(tmp_path, signer)], cache=cache)
    hits = len(fake.hits)
    assert verdict_of(fake, [pem_file(tmp_path, signer)],
                      cache=cache).level == 'verified'
    assert len(fake.hits) == hits
    # another key set: the same material, judged again
    other_key = ec.generate_private_key(ec.SECP256R1())
    assert verdict_of(fake, [pem_file(tmp_path, other_key, 'other.pub')],
                      cache=cache).level == 'invalid'
    assert len(fake.hits) == hits


def test_an_empty_page_looks_nothing_up(fake):
    client = OCIClient({'url': fake.base_url + '/egi_vm_images'})
    client.search_documents(SearchQuery(os='nothing'))
    assert not any('.sig' in path for path, _ in fake.hits)


def test_the_keys_come_from_the_configuration_only(fake, signer, other,
                                                   tmp_path):
    # a registry cannot put its own key in the document
    body = payload()
    push_signature(fake, [(body, b64(sign(other, body)))])
    client = OCIClient({'url': fake.base_url + '/egi_vm_images',
                        'cosign_public_keys': [pem_file(tmp_path, signer)]})
    data = client.search_documents()[1][0]
    assert json.loads(data)['cosign_keys'] == cosign_keys.encode_keys(
        [signer.public_key()])
