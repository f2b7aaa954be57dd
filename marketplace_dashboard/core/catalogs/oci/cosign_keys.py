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

"""The public keys cosign signatures are verified with (keyed mode).

:func:`load_public_keys` reads the configured ``cosign_public_keys`` (PEM
files, as ``cosign generate-key-pair`` writes ``cosign.pub``): ECDSA on
P-256, P-384 or P-521, RSA of :data:`MIN_RSA_BITS` to :data:`MAX_RSA_BITS`
bits, Ed25519; :func:`encode_keys` gives them as a document carries them;
:func:`verifies` checks one signature with one key (ECDSA with SHA-256 --
cosign's default --, RSA PKCS#1 v1.5 or PSS with SHA-256, Ed25519).
"""

import base64
import hashlib

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from marketplace_dashboard.core.errors import ConfigurationError

__all__ = ['MAX_KEYS', 'MAX_KEY_FILE_BYTES', 'MAX_RSA_BITS', 'MIN_RSA_BITS',
           'algorithm', 'encode_keys', 'key_fingerprint', 'load_public_keys',
           'verifies']

#: configured keys of one marketplace
MAX_KEYS = 16
MAX_KEY_FILE_BYTES = 64 * 1024
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192
_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)


def _check_key(key, path):
    if isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, _CURVES):
            raise ConfigurationError(
                'cosign public key %s: the curve %s is not one of P-256, '
                'P-384 and P-521' % (path, key.curve.name))
    elif isinstance(key, rsa.RSAPublicKey):
        if not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS:
            raise ConfigurationError(
                'cosign public key %s: an RSA key of %d bits (%d to %d)'
                % (path, key.key_size, MIN_RSA_BITS, MAX_RSA_BITS))
    elif not isinstance(key, ed25519.Ed25519PublicKey):
        raise ConfigurationError(
            'cosign public key %s is neither an ECDSA, an RSA nor an '
            'Ed25519 key' % path)


def load_public_keys(paths):
    """The configured keys (``cosign_public_keys``: PEM files of public
    keys, as ``cosign generate-key-pair`` writes ``cosign.pub``) as
    :func:`encode_keys` gives them; :class:`ConfigurationError` when one is
    missing, unreadable or not a usable public key."""
    if paths is None:
        return []
    if isinstance(paths, str) or not isinstance(paths, (list, tuple)) or \
            not all(isinstance(p, str) and p for p in paths):
        raise ConfigurationError(
            'cosign_public_keys must be a list of paths of PEM public key '
            'files, not %r' % (paths,))
    if len(paths) > MAX_KEYS:
        raise ConfigurationError('cosign_public_keys: at most %d keys'
                                 % MAX_KEYS)
    keys = []
    for path in paths:
        try:
            with open(path, 'rb') as handle:
                data = handle.read(MAX_KEY_FILE_BYTES + 1)
        except OSError as exc:
            raise ConfigurationError('cannot read cosign public key %s: %s'
                                     % (path, exc.strerror or exc)) from None
        if len(data) > MAX_KEY_FILE_BYTES:
            raise ConfigurationError('cosign public key %s is too large'
                                     % path)
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise ConfigurationError(
                'cosign public key %s is not a PEM public key: %s'
                % (path, str(exc)[:200])) from None
        _check_key(key, path)
        keys.append(key)
    return encode_keys(keys)


def _der(key):
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def encode_keys(keys):
    """The public *keys* as a document carries them: base64 of their
    SubjectPublicKeyInfo, in order, without repeats."""
    found = []
    for key in keys:
        text = base64.b64encode(_der(key)).decode('ascii')
        if text not in found:
            found.append(text)
    return found


def key_fingerprint(key):
    """The SHA-256 of a public key's SubjectPublicKeyInfo (hex)."""
    return hashlib.sha256(_der(key)).hexdigest()


def algorithm(key):
    if isinstance(key, ec.EllipticCurvePublicKey):
        return 'ecdsa-%s-sha256' % key.curve.name
    if isinstance(key, rsa.RSAPublicKey):
        return 'rsa-%d-sha256' % key.key_size
    return 'ed25519'


def verifies(key, signature, payload):
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, payload, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            try:
                key.verify(signature, payload, padding.PKCS1v15(),
                           hashes.SHA256())
            except InvalidSignature:
                key.verify(signature, payload, padding.PSS(
                    mgf=padding.MGF1(hashes.SHA256()),
                    salt_length=padding.PSS.AUTO), hashes.SHA256())
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, payload)
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True
