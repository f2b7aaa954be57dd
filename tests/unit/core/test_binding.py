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


import datetime

from cryptography import x509
from cryptography.x509.oid import NameOID
import pytest

from marketplace_dashboard.core import binding, model
from tests import pki
from tests.unit.core import samples


def test_java_dn_order_and_format(ca, endorser):
    assert binding.java_dn(endorser.cert.subject) == (
        'CN=Jane Tester,OU=Testing Department,O=StratusLab Project,C=EU')
    assert binding.java_dn(endorser.cert.issuer) == (
        'CN=Test Root CA,OU=Testing Department,O=StratusLab Project,C=EU')


def test_java_dn_unknown_attribute_as_hex_der():
    name = pki.name('Jane Tester', email_attribute='jane@example.org')
    # IA5String (0x16), length 16, then the ASCII bytes.
    assert binding.java_dn(name) == (
        '1.2.840.113549.1.9.1=#1610' + b'jane@example.org'.hex() +
        ',CN=Jane Tester,OU=Testing Department,O=StratusLab Project,C=EU')


def test_java_dn_escaping_and_multivalued():
    name = x509.Name([
        x509.RelativeDistinguishedName([x509.NameAttribute(
            NameOID.DOMAIN_COMPONENT, 'ch')]),
        x509.RelativeDistinguishedName([
            x509.NameAttribute(NameOID.COMMON_NAME, 'Doe, John'),
            x509.NameAttribute(NameOID.USER_ID, 'jd')]),
        x509.RelativeDistinguishedName([x509.NameAttribute(
            NameOID.ORGANIZATION_NAME, '#1 a+b ')]),
    ])
    assert binding.java_dn(name) == (
        'O=\\#1 a\\+b\\ ,CN=Doe\\, John+UID=jd,DC=ch')


def test_identity(endorser):
    assert binding.certificate_identity(endorser.cert) == (
        'jane.tester@example.org',
        'CN=Jane Tester,OU=Testing Department,O=StratusLab Project,C=EU',
        'CN=Test Root CA,OU=Testing Department,O=StratusLab Project,C=EU')


def _appliance(email, subject, issuer):
    app = model.Appliance()
    app.endorsement = model.Endorsement(email=email, subject=subject,
                                        issuers=[issuer] if issuer else [])
    return app


def test_binding_ok_and_mismatches(endorser):
    email, subject, issuer = binding.certificate_identity(endorser.cert)
    assert binding.check_binding(endorser.cert,
                                 _appliance(email, subject, issuer)) == []
    assert binding.check_binding(
        endorser.cert, _appliance('eve@example.org', subject, issuer)) == [
        'endorser inconsistency (email): jane.tester@example.org != '
        'eve@example.org']
    assert binding.check_binding(
        endorser.cert, _appliance(email, 'CN=Eve', None)) == [
        'endorser inconsistency (subject): %s != CN=Eve' % subject,
        'endorser inconsistency (issuer): %s != null' % issuer]
    assert binding.binding_warnings(endorser.cert, _appliance(
        email, subject, issuer)) == []


def test_no_san_email_leaves_document_email_unconstrained(ca):
    jim = pki.make_endorser(ca, common_name='Jim Tester', email=None)
    _email, subject, issuer = binding.certificate_identity(jim.cert)
    app = _appliance('anyone@example.org', subject, issuer)
    assert binding.certificate_email(jim.cert) is None
    assert binding.check_binding(jim.cert, app) == []
    warnings = binding.binding_warnings(jim.cert, app)
    assert len(warnings) == 1
    assert 'anyone@example.org is not confirmed' in warnings[0]


@pytest.mark.parametrize('name', samples.SIGNED)
def test_samples_bind(name):
    from marketplace_dashboard.core import signature
    data = samples.sample(name)
    result = signature.verify_signature(data)
    assert binding.check_binding(result.certificate,
                                 model.parse_appliance(data)) == []


def test_pki_validity_window(ca):
    old = pki.make_endorser(ca, not_before=pki.days_ago(30),
                            not_after=pki.days_ago(10))
    assert old.cert.not_valid_after_utc < datetime.datetime.now(
        datetime.UTC)


def test_pki_files(tmp_path, ca):
    from cryptography.hazmat.primitives.serialization import pkcs12
    inter = pki.make_ca('Test Intermediate', issuer=ca)
    jane = pki.make_endorser(inter)
    p12 = pkcs12.load_key_and_certificates(
        jane.write_pkcs12(tmp_path / 'jane.p12', b'XYZXYZ').read_bytes(),
        b'XYZXYZ')
    assert p12[1] == jane.cert
    assert [c.subject for c in p12[2]] == [inter.cert.subject,
                                           ca.cert.subject]
    pem = jane.write_pem(tmp_path / 'jane.pem', with_key=True).read_bytes()
    assert b'BEGIN CERTIFICATE' in pem and b'BEGIN PRIVATE KEY' in pem
    assert binding.java_dn(jane.cert.issuer).startswith(
        'CN=Test Intermediate,')
