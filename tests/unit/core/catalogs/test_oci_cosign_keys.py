"""The public keys cosign signatures are checked with
(core/catalogs/oci/cosign_keys.py): reading ``cosign_public_keys``, the
keys' encoding and fingerprints, one signature checked with one key."""

import base64
import hashlib

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
import pytest

from marketplace_dashboard.core.catalogs.oci import OCIClient, cosign_keys
from marketplace_dashboard.core.errors import ConfigurationError
from tests.unit.core.catalogs.pemkeys import pem_file

PAYLOAD = b'{"critical": {}}'


def der(key):
    return key.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture(scope='module')
def signer():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope='module')
def rsa_key():
    return rsa.generate_private_key(65537, 2048)


def test_keys_are_read_encoded_once_each_in_order(tmp_path, signer):
    other = ed25519.Ed25519PrivateKey.generate()
    first = pem_file(tmp_path, signer, 'a.pub')
    second = pem_file(tmp_path, other, 'b.pub')
    assert cosign_keys.load_public_keys([first, second, first]) == [
        base64.b64encode(der(signer)).decode(),
        base64.b64encode(der(other)).decode()]
    assert cosign_keys.load_public_keys(None) == []


def test_fingerprint_and_algorithm_name(signer, rsa_key):
    assert cosign_keys.key_fingerprint(signer.public_key()) == \
        hashlib.sha256(der(signer)).hexdigest()
    assert cosign_keys.algorithm(signer.public_key()) == \
        'ecdsa-secp256r1-sha256'
    assert cosign_keys.algorithm(rsa_key.public_key()) == 'rsa-2048-sha256'
    assert cosign_keys.algorithm(
        ed25519.Ed25519PrivateKey.generate().public_key()) == 'ed25519'


def test_ecdsa_signature_checked(signer):
    signature = signer.sign(PAYLOAD, ec.ECDSA(hashes.SHA256()))
    assert cosign_keys.verifies(signer.public_key(), signature, PAYLOAD)
    assert not cosign_keys.verifies(signer.public_key(), signature,
                                    PAYLOAD + b' ')
    assert not cosign_keys.verifies(signer.public_key(), b'junk', PAYLOAD)


@pytest.mark.parametrize('pad', ['pkcs1', 'pss'])
def test_rsa_signature_in_either_padding(rsa_key, pad):
    scheme = padding.PKCS1v15() if pad == 'pkcs1' else padding.PSS(
        mgf=padding.MGF1(hashes.SHA256()),
        salt_length=padding.PSS.MAX_LENGTH)
    signature = rsa_key.sign(PAYLOAD, scheme, hashes.SHA256())
    assert cosign_keys.verifies(rsa_key.public_key(), signature, PAYLOAD)
    assert not cosign_keys.verifies(rsa_key.public_key(), signature,
                                    b'other')


def test_ed25519_signature_checked():
    key = ed25519.Ed25519PrivateKey.generate()
    assert cosign_keys.verifies(key.public_key(), key.sign(PAYLOAD),
                                PAYLOAD)
    assert not cosign_keys.verifies(key.public_key(), key.sign(b'x'),
                                    PAYLOAD)


def test_a_key_of_another_type_never_verifies():
    assert not cosign_keys.verifies(object(), b'sig', PAYLOAD)


@pytest.mark.parametrize('content, message', [
    (None, 'cannot read'),
    (b'not a key', 'not a PEM public key'),
    (b'x' * (cosign_keys.MAX_KEY_FILE_BYTES + 1), 'too large'),
    ('dsa', 'neither an ECDSA'),
    ('rsa1024', 'RSA key of 1024 bits'),
    ('secp256k1', 'not one of P-256'),
])
def test_unusable_keys_are_configuration_errors(tmp_path, content,
                                                message):
    path = tmp_path / 'key.pem'
    if content == 'dsa':
        from cryptography.hazmat.primitives.asymmetric import dsa
        path = pem_file(tmp_path, dsa.generate_private_key(2048))
    elif content == 'rsa1024':
        path = pem_file(tmp_path, rsa.generate_private_key(
            65537, 1024))  # noqa: S505 - refused
    elif content == 'secp256k1':
        path = pem_file(tmp_path, ec.generate_private_key(ec.SECP256K1()))
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigurationError, match=message):
        OCIClient({'url': 'https://registry.example.org/x',
                   'cosign_public_keys': [str(path)]})


@pytest.mark.parametrize('value', ['key.pem', [1], {}, ['']])
def test_cosign_public_keys_must_be_a_list_of_paths(value):
    with pytest.raises(ConfigurationError, match='list of paths'):
        cosign_keys.load_public_keys(value)


def test_at_most_max_keys(tmp_path, signer):
    path = pem_file(tmp_path, signer)
    with pytest.raises(ConfigurationError, match='at most 16 keys'):
        cosign_keys.load_public_keys([path] * (cosign_keys.MAX_KEYS + 1))
