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


"""Test PKI: CAs, endorser certificates and keys made with ``cryptography``.

Everything is generated at test time; nothing secret is stored in the tree.
RSA key generation is the slow part, so keys are cached per label for the
test session (certificates are cheap and made fresh for each call).

    ca = pki.make_ca()
    alice = pki.make_endorser(ca, email='alice@example.org')
    alice.write_pem(tmp_path / 'alice.pem')
    alice.write_pkcs12(tmp_path / 'alice.p12', b'secret')
"""

import dataclasses
import datetime
import functools

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UTC = datetime.UTC
DEFAULT_ORG = ('StratusLab Project', 'Testing Department')


@functools.cache
def key(label='default', size=2048):
    """An RSA private key, the same object for the same label."""
    return rsa.generate_private_key(public_exponent=65537, key_size=size)


def name(common_name, org=DEFAULT_ORG[0], unit=DEFAULT_ORG[1], country='EU',
         email_attribute=None):
    """x509.Name printed by Java as ``CN=..,OU=..,O=..,C=..``."""
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, country),
                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                  x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
                  x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if email_attribute:
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS,
                                             email_attribute))
    return x509.Name(attributes)


@dataclasses.dataclass
class Credential:
    """A private key and its certificate (plus the chain above it)."""
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    chain: list = dataclasses.field(default_factory=list)

    @property
    def name(self):
        return self.cert.subject

    def cert_pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self):
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())

    def write_pem(self, path, with_key=False):
        """Write the certificate (and optionally the key) as PEM."""
        data = self.cert_pem() + (self.key_pem() if with_key else b'')
        path.write_bytes(data)
        return path

    def write_key(self, path):
        path.write_bytes(self.key_pem())
        return path

    def pkcs12(self, password=b'XYZXYZ', friendly_name=b'endorser'):
        encryption = (serialization.BestAvailableEncryption(password)
                      if password else serialization.NoEncryption())
        return pkcs12.serialize_key_and_certificates(
            friendly_name, self.key, self.cert,
            [c.cert for c in self.chain] or None, encryption)

    def write_pkcs12(self, path, password=b'XYZXYZ'):
        path.write_bytes(self.pkcs12(password))
        return path


def _builder(subject, issuer, public_key, not_before, not_after, serial):
    return (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(issuer)
            .public_key(public_key)
            .serial_number(serial or x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(
                public_key), critical=False))


def _window(not_before, not_after, days):
    now = datetime.datetime.now(UTC).replace(microsecond=0)
    not_before = not_before or now - datetime.timedelta(days=1)
    not_after = not_after or not_before + datetime.timedelta(days=days)
    return not_before, not_after


def make_ca(common_name='Test Root CA', issuer=None, key_label=None,
            not_before=None, not_after=None, path_length=None,
            hash_algorithm=None):
    """A CA certificate: self-signed root, or intermediate under *issuer*."""
    ca_key = key(key_label or 'ca:' + common_name)
    not_before, not_after = _window(not_before, not_after, 3650)
    subject = name(common_name)
    builder = _builder(subject, issuer.cert.subject if issuer else subject,
                       ca_key.public_key(), not_before, not_after, None)
    builder = builder.add_extension(
        x509.BasicConstraints(ca=True, path_length=path_length),
        critical=True)
    builder = builder.add_extension(x509.KeyUsage(
        digital_signature=False, content_commitment=False,
        key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=True, crl_sign=True,
        encipher_only=False, decipher_only=False), critical=True)
    signer = issuer.key if issuer else ca_key
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer.key.public_key()), critical=False)
    cert = builder.sign(signer, hash_algorithm or hashes.SHA256())
    chain = ([issuer] + issuer.chain) if issuer else []
    return Credential(ca_key, cert, chain)


def make_endorser(issuer=None, common_name='Jane Tester',
                  email='jane.tester@example.org', key_label=None,
                  not_before=None, not_after=None, days=365, serial=None,
                  email_attribute=None, subject=None,
                  hash_algorithm=None, client_auth=False):
    """An endorser (end-entity) certificate.

    *issuer* None makes it self-signed.  *email* None leaves out the
    subjectAltName (like sample 05's Jim Tester).  *not_before* /
    *not_after* make expired or not-yet-valid certificates.
    """
    ee_key = key(key_label or 'ee:' + common_name)
    not_before, not_after = _window(not_before, not_after, days)
    subject = subject or name(common_name, email_attribute=email_attribute)
    builder = _builder(subject, issuer.cert.subject if issuer else subject,
                       ee_key.public_key(), not_before, not_after, serial)
    builder = builder.add_extension(
        x509.BasicConstraints(ca=False, path_length=None), critical=True)
    builder = builder.add_extension(x509.KeyUsage(
        digital_signature=True, content_commitment=True,
        key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False), critical=True)
    if email:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.RFC822Name(email)]), critical=False)
    if client_auth:
        builder = builder.add_extension(x509.ExtendedKeyUsage(
            [ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer.key.public_key()), critical=False)
    cert = builder.sign(issuer.key if issuer else ee_key,
                        hash_algorithm or hashes.SHA256())
    chain = ([issuer] + issuer.chain) if issuer else []
    return Credential(ee_key, cert, chain)


def days_ago(days, now=None):
    return (now or datetime.datetime.now(UTC)).replace(microsecond=0) - \
        datetime.timedelta(days=days)
