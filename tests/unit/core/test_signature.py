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


import base64
import datetime
import shutil
import subprocess

from cryptography.hazmat.primitives import serialization
from lxml import etree
import pytest

from marketplace_dashboard.core import model, signature
from marketplace_dashboard.core.errors import SigningError
from tests import pki
from tests.unit.core import samples

NOW = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
DS = '{http://www.w3.org/2000/09/xmldsig#}'


def sign(data, credential, **kwargs):
    kwargs.setdefault('now', NOW)
    return signature.sign_document(data, credential.key, credential.cert,
                                   **kwargs)


@pytest.mark.parametrize('name', samples.SIGNED)
def test_signed_samples_verify(name):
    result = signature.verify_signature(samples.sample(name))
    assert result.status == 'valid', result.reason
    assert result.uses_sha1
    assert result.canonicalization == signature.C14N_COMMENTS
    assert result.signed_root is not None
    assert result.signed_root.tag == model.q('rdf', 'RDF')
    assert result.certificate is not None


@pytest.mark.parametrize('name', samples.UNSIGNED)
def test_unsigned_samples_missing(name):
    result = signature.verify_signature(samples.sample(name))
    assert (result.status, result.reason) == ('missing', 'no signature')
    assert result.signed_root is None


def test_sign_and_verify_round_trip(endorser, unsigned):
    signed = sign(unsigned, endorser)
    assert signed.startswith(b'<?xml version="1.0" encoding="UTF-8" '
                             b'standalone="no"?><rdf:RDF')
    result = signature.verify_signature(signed)
    assert result.status == 'valid', result.reason
    assert not result.uses_sha1
    assert result.signature_method.endswith('#rsa-sha256')
    assert result.digest_method.endswith('#sha256')
    assert result.certificate == endorser.cert
    app = model.parse_appliance(signed)
    assert app.endorsement == model.Endorsement(
        email='jane.tester@example.org',
        subject='CN=Jane Tester,OU=Testing Department,'
                'O=StratusLab Project,C=EU',
        issuers=['CN=Test Root CA,OU=Testing Department,'
                 'O=StratusLab Project,C=EU'],
        created=NOW, created_text='2026-01-02T03:04:05Z')
    assert b'<created xmlns="http://purl.org/dc/terms/">' in signed
    assert b'<endorser xmlns="http://mp.stratuslab.eu/slreq#" ' \
           b'rdf:parseType="Resource">' in signed
    root = etree.fromstring(signed)
    assert len(root.findall('.//%sX509Certificate' % DS)) == 1
    assert root[-1].tag == DS + 'Signature'


@pytest.mark.parametrize('digest,method', [
    ('sha1', 'http://www.w3.org/2000/09/xmldsig#rsa-sha1'),
    ('sha384', 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384'),
    ('sha512', 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512'),
])
def test_sign_digests(endorser, unsigned, digest, method):
    result = signature.verify_signature(sign(unsigned, endorser,
                                             digest=digest))
    assert result.status == 'valid'
    assert result.signature_method == method
    assert result.uses_sha1 == (digest == 'sha1')


def test_sign_rejects_unknown_digest(endorser, unsigned):
    with pytest.raises(SigningError) as exc:
        sign(unsigned, endorser, digest='md5')
    assert 'unsupported digest' in str(exc.value)


def test_resign_replaces_endorsement_and_signature(ca, endorser):
    signed = samples.sample('04-signed-selfsigned-full.xml')
    bob = pki.make_endorser(ca, common_name='Bob', email='bob@example.org')
    resigned = sign(signed, bob)
    root = etree.fromstring(resigned)
    assert len(list(root.iter(DS + 'Signature'))) == 1
    assert len(list(root.iter(model.q('slreq', 'endorsement')))) == 1
    assert signature.verify_signature(resigned).status == 'valid'
    app = model.parse_appliance(resigned)
    assert app.endorsement.email == 'bob@example.org'
    # everything else is untouched
    assert app.extra == model.parse_appliance(signed).extra


def test_sign_keeps_last_of_several_endorsements(endorser, unsigned):
    data = unsigned.replace(
        b'<slreq:endorsement rdf:parseType="Resource"/>',
        b'<slreq:endorsement rdf:parseType="Resource"><x/></slreq:endorsement>'
        b'<slreq:endorsement rdf:parseType="Resource"/>')
    root = etree.fromstring(sign(data, endorser))
    assert len(list(root.iter(model.q('slreq', 'endorsement')))) == 1


def test_sign_needs_an_endorsement(endorser):
    data = samples.sample('01-unsigned-minimal.xml')
    root = etree.fromstring(data)
    for e in root.iter(model.q('slreq', 'endorsement')):
        e.getparent().remove(e)
    with pytest.raises(SigningError) as exc:
        sign(etree.tostring(root), endorser)
    assert str(exc.value) == ('document must contain exactly 1 '
                              'slreq:endorsement element')


def test_email_from_certificate_wins(endorser, unsigned):
    app = model.parse_appliance(sign(unsigned, endorser,
                                     email='other@example.org'))
    assert app.endorsement.email == 'jane.tester@example.org'


def test_email_required_without_san(ca, unsigned):
    jim = pki.make_endorser(ca, common_name='Jim Tester', email=None)
    with pytest.raises(SigningError) as exc:
        sign(unsigned, jim)
    assert str(exc.value) == ('cannot generate slreq:endorsement; email '
                              'address not in cert or not provided')
    with pytest.raises(SigningError) as exc:
        sign(unsigned, jim, email='jim@@example.org')
    assert str(exc.value) == 'invalid email address: jim@@example.org'
    app = model.parse_appliance(sign(unsigned, jim,
                                     email='jim@example.org'))
    assert app.endorsement.email == 'jim@example.org'


def test_key_must_match_certificate(ca, endorser, unsigned):
    other = pki.make_endorser(ca, common_name='Other', key_label='other')
    with pytest.raises(SigningError) as exc:
        signature.sign_document(unsigned, other.key, endorser.cert)
    assert 'does not belong to the certificate' in str(exc.value)


def test_sign_refuses_hostile_input(endorser):
    with pytest.raises(SigningError) as exc:
        sign(b'<!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>', endorser)
    assert 'DOCTYPE' in str(exc.value)


def test_independent_check_with_xmlsec1(tmp_path, endorser, unsigned):
    """The xmlsec1 command (CI installs it) accepts what we sign."""
    xmlsec1 = shutil.which('xmlsec1')
    assert xmlsec1, 'xmlsec1 is required (apt-get install xmlsec1)'
    cert = endorser.write_pem(tmp_path / 'cert.pem')
    for digest in ('sha256', 'sha1'):
        path = tmp_path / ('signed-%s.xml' % digest)
        path.write_bytes(sign(unsigned, endorser, digest=digest))
        proc = subprocess.run(
            [xmlsec1, '--verify', '--insecure', '--pubkey-cert-pem',
             str(cert), '--enabled-reference-uris', 'empty', str(path)],
            capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert 'OK' in proc.stdout + proc.stderr
    tampered = tmp_path / 'tampered.xml'
    tampered.write_bytes(path.read_bytes().replace(b'ttylinux', b'evil'))
    proc = subprocess.run(
        [xmlsec1, '--verify', '--insecure', '--pubkey-cert-pem', str(cert),
         '--enabled-reference-uris', 'empty', str(tampered)],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0


# --- hostile documents at the signature level -----------------------------

def _signed(endorser, unsigned):
    return sign(unsigned, endorser)


def _mutate(data, func):
    root = etree.fromstring(data)
    func(root)
    return etree.tostring(root.getroottree(), xml_declaration=True,
                          encoding='UTF-8')


def _assert_invalid(data, *fragments):
    result = signature.verify_signature(data)
    assert result.status == 'invalid'
    assert result.signed_root is None
    for fragment in fragments:
        assert fragment in result.reason
    return result


def test_tampered_field(endorser, unsigned):
    data = _signed(endorser, unsigned).replace(b'>ttylinux<', b'>evil<')
    _assert_invalid(data, 'signature validation failed')


def test_tampered_comment_is_not_signed(endorser, unsigned):
    # URI="" excludes comments from the digest (XML-DSig), as for Java.
    data = _signed(endorser, unsigned).replace(
        b'<dcterms:format>', b'<!-- hi --><dcterms:format>')
    assert signature.verify_signature(data).status == 'valid'


def test_certificate_swapped(ca, endorser, unsigned):
    mallory = pki.make_endorser(ca, common_name='Jane Tester',
                                key_label='mallory')
    der = mallory.cert.public_bytes(serialization.Encoding.DER)

    def swap(root):
        root.find('.//%sX509Certificate' % DS).text = \
            base64.b64encode(der).decode()
    _assert_invalid(_mutate(_signed(endorser, unsigned), swap),
                    'signature validation failed')


def test_extra_certificate(ca, endorser, unsigned):
    def add(root):
        data = root.find('.//%sX509Data' % DS)
        etree.SubElement(data, DS + 'X509Certificate').text = \
            data[0].text
    _assert_invalid(_mutate(_signed(endorser, unsigned), add),
                    'exactly one X509Certificate')


def test_key_value_refused(endorser, unsigned):
    def add(root):
        etree.SubElement(root.find('.//%sKeyInfo' % DS), DS + 'KeyValue')
    _assert_invalid(_mutate(_signed(endorser, unsigned), add),
                    'KeyInfo must contain exactly one X509Data')


def test_second_signature(endorser, unsigned):
    import copy

    def dup(root):
        root.append(copy.deepcopy(root[-1]))
    _assert_invalid(_mutate(_signed(endorser, unsigned), dup),
                    '2 Signature elements')


def test_signature_not_last(endorser, unsigned):
    def move(root):
        root.insert(0, root[-1])
    _assert_invalid(_mutate(_signed(endorser, unsigned), move),
                    'last child of rdf:RDF')


def test_empty_signature(endorser, unsigned):
    def empty(root):
        for child in list(root[-1]):
            root[-1].remove(child)
    result = _assert_invalid(_mutate(_signed(endorser, unsigned), empty),
                             'invalid signature element')
    assert result.certificate is None


def test_duplicated_description(endorser, unsigned):
    import copy

    def dup(root):
        evil = copy.deepcopy(root[0])
        evil.find(model.q('slterms', 'os')).text = 'evil'
        root.insert(0, evil)
    _assert_invalid(_mutate(_signed(endorser, unsigned), dup),
                    'signature validation failed')


def test_wrapped_document(endorser, unsigned):
    """Original signed rdf:RDF moved inside an attacker's document."""
    signed = etree.fromstring(_signed(endorser, unsigned))
    outer = etree.fromstring(unsigned)
    outer[0].find(model.q('slterms', 'os')).text = 'evil'
    outer[0].append(signed)
    _assert_invalid(etree.tostring(outer), 'last child of rdf:RDF')


@pytest.mark.parametrize('path,attribute,value,message', [
    ('Reference', 'URI', '#x', 'URI=""'),
    ('Transform', 'Algorithm', 'http://www.w3.org/TR/1999/REC-xslt-19991116',
     'only the enveloped-signature transform'),
    ('SignatureMethod', 'Algorithm',
     'http://www.w3.org/2001/04/xmldsig-more#rsa-md5', 'not allowed'),
    ('SignatureMethod', 'Algorithm',
     'http://www.w3.org/2000/09/xmldsig#hmac-sha1', 'not allowed'),
    ('DigestMethod', 'Algorithm',
     'http://www.w3.org/2001/04/xmldsig-more#md5', 'not allowed'),
    ('CanonicalizationMethod', 'Algorithm',
     'http://www.w3.org/2001/10/xml-exc-c14n#', 'only inclusive C14N'),
])
def test_disallowed_algorithms(endorser, unsigned, path, attribute, value,
                               message):
    def change(root):
        root.find('.//%s%s' % (DS, path)).set(attribute, value)
    _assert_invalid(_mutate(_signed(endorser, unsigned), change), message)


def test_garbage_certificate(endorser, unsigned):
    def garbage(root):
        root.find('.//%sX509Certificate' % DS).text = 'bm90IGEgY2VydA=='
    _assert_invalid(_mutate(_signed(endorser, unsigned), garbage),
                    'cannot be read')


def test_certificate_key_of_unknown_algorithm(endorser, unsigned):
    rsa = bytes.fromhex('2a864886f70d010101')   # OID rsaEncryption

    def unknown_key(root):
        element = root.find('.//%sX509Certificate' % DS)
        der = base64.b64decode(''.join(element.text.split()))
        assert der.count(rsa) == 1
        element.text = base64.b64encode(
            der.replace(rsa, bytes.fromhex('2a864886f70d010108'))).decode()
    _assert_invalid(_mutate(_signed(endorser, unsigned), unknown_key),
                    'the certificate key cannot be read')


def test_malformed_input_is_invalid_not_raised():
    result = signature.verify_signature(b'not xml')
    assert result.status == 'invalid'
    assert 'not well-formed' in result.reason
