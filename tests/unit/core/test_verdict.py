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


"""Verdicts, including the hostile corpus: each case gets its verdict and
none of them raises."""

import base64
import copy
import datetime
import json

from cryptography.hazmat.primitives import serialization
from lxml import etree
import pytest
import xmlsec

from marketplace_dashboard.core import formats, model, trust, xmlsafe
from marketplace_dashboard.core import verdict as verdicts
from tests import pki
from tests.unit.core import samples, test_xmlsafe

DS = '{http://www.w3.org/2000/09/xmldsig#}'
NOW = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
FUTURE = formats.format_date(NOW + datetime.timedelta(days=100)).encode()
PAST = formats.format_date(NOW - datetime.timedelta(days=1)).encode()
Level = verdicts.Level


def fresh(deprecated=False, valid=FUTURE):
    """An unsigned document, valid until *valid*."""
    data = samples.sample('03-unsigned-build-metadata-style.xml').replace(
        b'2014-03-05T14:12:57Z', valid)
    if deprecated:
        data = data.replace(b'</rdf:Description>',
                            b'<slterms:deprecated>old</slterms:deprecated>'
                            b'</rdf:Description>')
    return data


def sign(data, credential, **kwargs):
    from marketplace_dashboard.core import signature
    kwargs.setdefault('now', NOW - datetime.timedelta(hours=1))
    return signature.sign_document(data, credential.key, credential.cert,
                                   **kwargs)


def sign_as_is(data, credential):
    """Sign without refilling the endorsement (to forge bad bindings)."""
    root = etree.fromstring(data)
    for old in root.findall(DS + 'Signature'):
        root.remove(old)
    sig = xmlsec.template.create(root, xmlsec.Transform.C14N_COMMENTS,
                                 xmlsec.Transform.RSA_SHA256)
    root.append(sig)
    ref = xmlsec.template.add_reference(sig, xmlsec.Transform.SHA256,
                                        uri='')
    xmlsec.template.add_transform(ref, xmlsec.Transform.ENVELOPED)
    x509_data = xmlsec.template.add_x509_data(
        xmlsec.template.ensure_key_info(sig))
    xmlsec.template.x509_data_add_certificate(x509_data).text = \
        base64.b64encode(credential.cert.public_bytes(
            serialization.Encoding.DER)).decode()
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_memory(credential.key_pem(),
                                     xmlsec.constants.KeyDataFormatPem)
    ctx.sign(sig)
    return etree.tostring(root.getroottree(), xml_declaration=True,
                          encoding='UTF-8')


def mutate(data, func):
    root = etree.fromstring(data)
    func(root)
    return etree.tostring(root.getroottree(), xml_declaration=True,
                          encoding='UTF-8')


@pytest.fixture(scope='module')
def world():
    ca = pki.make_ca('Verdict CA', not_before=pki.days_ago(1000))
    jane = pki.make_endorser(ca, not_before=pki.days_ago(30))
    policy = trust.TrustPolicy(ca_certificates=[ca.cert])
    return ca, jane, policy


def evaluate(data, policy, **kwargs):
    result = verdicts.evaluate(data, policy, now=NOW, **kwargs)
    json.dumps(result.to_dict(include_appliance=True))
    return result


# --- the good cases -------------------------------------------------------

def test_verified(world):
    ca, jane, policy = world
    result = evaluate(sign(fresh(), jane), policy)
    assert result.level == Level.VERIFIED, result.reasons
    assert result.reasons == [] and result.warnings == []
    assert result.trusted and result.signature == 'valid'
    assert result.status == 'valid'
    assert result.identifier == 'BEE8-MMAw-Lk_IgsEExAy3d9R8h'
    assert result.endorser == 'jane.tester@example.org'
    assert result.valid_until == FUTURE.decode()
    data = result.to_dict()
    assert data['level'] == 'verified'
    assert data['certificate']['email'] == 'jane.tester@example.org'
    assert data['signature_method'].endswith('rsa-sha256')


def test_no_policy_is_untrusted(world):
    _ca, jane, _policy = world
    result = evaluate(sign(fresh(), jane), None)
    assert result.level == Level.UNTRUSTED
    assert result.reasons == ['no trust anchors configured']
    assert result.signature == 'valid' and not result.trusted


def test_precedence_deprecated_over_expired(world):
    _ca, jane, policy = world
    result = evaluate(sign(fresh(deprecated=True, valid=PAST), jane), policy)
    assert result.level == Level.DEPRECATED
    assert result.status == 'deprecated'
    assert result.reasons[0] == 'deprecated: old'
    assert result.reasons[1].startswith('expired on ')
    assert result.trusted


def test_expired(world):
    _ca, jane, policy = world
    result = evaluate(sign(fresh(valid=PAST), jane), policy)
    assert result.level == Level.EXPIRED and result.status == 'expired'
    assert result.reasons == ['expired on %s' % PAST.decode()]


def test_expired_over_untrusted(world):
    _ca, jane, _policy = world
    result = evaluate(sign(fresh(valid=PAST), jane), None)
    assert result.level == Level.EXPIRED
    assert result.reasons[-1] == 'no trust anchors configured'


def test_invalid_over_everything(world):
    _ca, jane, policy = world
    data = sign(fresh(deprecated=True, valid=PAST), jane).replace(
        b'ttylinux', b'evil')
    result = evaluate(data, policy)
    assert result.level == Level.INVALID and not result.trusted
    assert 'signature validation failed' in result.reasons[0]


def test_sha1_warn_and_refuse(world):
    _ca, jane, policy = world
    data = sign(fresh(), jane, digest='sha1')
    result = evaluate(data, policy)
    assert result.level == Level.VERIFIED and result.uses_sha1
    assert any('SHA-1' in w for w in result.warnings)
    refusing = trust.TrustPolicy(ca_certificates=policy.ca_certificates,
                                 sha1='refuse')
    result = evaluate(data, refusing)
    assert result.level == Level.INVALID and result.signature == 'invalid'
    assert 'SHA-1, which the trust policy refuses' in result.reasons[0]


def test_certificate_expired_now_valid_at_endorsement(world):
    ca, _jane, policy = world
    old = pki.make_endorser(ca, common_name='Old', email='old@example.org',
                            not_before=pki.days_ago(300),
                            not_after=pki.days_ago(50))
    data = sign(fresh(), old, now=pki.days_ago(100))
    policy = trust.TrustPolicy(ca_certificates=[ca.cert],
                               require_valid_now=False)
    result = evaluate(data, policy)
    assert result.level == Level.VERIFIED, result.reasons
    assert any('expired on' in w for w in result.warnings)


@pytest.mark.parametrize('name', samples.SIGNED)
def test_signed_samples(name):
    result = evaluate(samples.sample(name), None)
    assert result.signature == 'valid'
    assert result.level in (Level.EXPIRED, Level.DEPRECATED)
    assert 'no trust anchors configured' in result.reasons
    assert any('SHA-1' in w for w in result.warnings)
    expected = 'deprecated' if name.startswith(('04', '07')) else 'expired'
    assert result.status == expected


def test_sample_05_email_unconstrained_warning():
    result = evaluate(samples.sample('05-signed-ca-issued-no-san-email.xml'),
                      None)
    assert any('jim.tester@example.org is not confirmed' in w
               for w in result.warnings)


@pytest.mark.parametrize('name', samples.UNSIGNED)
def test_unsigned_samples(name):
    result = evaluate(samples.sample(name), None)
    assert result.level == Level.INVALID
    assert result.signature == 'missing'
    assert result.reasons[0] == 'no signature'
    assert result.appliance is not None


def test_evaluate_many_list(world):
    _ca, jane, policy = world
    docs = [sign(fresh(), jane), samples.sample(samples.UNSIGNED[0]),
            samples.sample(samples.SIGNED[1])]
    results = verdicts.evaluate_many(samples.metadata_list(*docs), policy,
                                     NOW)
    assert [r.level for r in results] == [Level.VERIFIED, Level.INVALID,
                                          Level.EXPIRED]


def test_evaluate_refuses_list_as_single_document():
    data = samples.metadata_list(samples.sample(samples.SIGNED[0]))
    result = verdicts.evaluate(data)
    assert result.level == Level.INVALID
    assert 'evaluate each entry' in result.reasons[0]


# --- the hostile corpus ---------------------------------------------------

def _moved_description(data):
    """Forged Description first; the signed one hidden inside it."""
    def move(root):
        original = root[0]
        evil = copy.deepcopy(original)
        evil.find(model.q('slterms', 'os')).text = 'evil'
        root.remove(original)
        root.insert(0, evil)
        etree.SubElement(evil, '{http://example.org/}x').append(original)
    return mutate(data, move)


def _duplicated_description(data):
    def dup(root):
        evil = copy.deepcopy(root[0])
        evil.find(model.q('slterms', 'os')).text = 'evil'
        root.insert(1, evil)
    return mutate(data, dup)


def _swap_cert(data, other):
    def swap(root):
        root.find('.//%sX509Certificate' % DS).text = base64.b64encode(
            other.cert.public_bytes(serialization.Encoding.DER)).decode()
    return mutate(data, swap)


def _second_signature(data):
    return mutate(data, lambda root: root.append(copy.deepcopy(root[-1])))


def _extra_cert(data):
    def add(root):
        x509_data = root.find('.//%sX509Data' % DS)
        x509_data.append(copy.deepcopy(x509_data[0]))
    return mutate(data, add)


def _empty_signature(data):
    def empty(root):
        for child in list(root[-1]):
            root[-1].remove(child)
    return mutate(data, empty)


def _wrong_email(data, jane):
    unsigned = data.replace(b'<email>jane.tester@example.org</email>',
                            b'<email>mallory@example.org</email>')
    return sign_as_is(unsigned, jane)


def _wrong_dn(data, jane):
    return sign_as_is(data.replace(b'<subject>CN=Jane Tester',
                                   b'<subject>CN=John Tester'), jane)


HOSTILE = {
    'xxe': (lambda w, d: test_xmlsafe.XXE, Level.INVALID, 'DOCTYPE'),
    'billion laughs': (lambda w, d: test_xmlsafe.BILLION_LAUGHS,
                       Level.INVALID, 'DOCTYPE'),
    'external dtd': (lambda w, d: test_xmlsafe.EXTERNAL_DTD, Level.INVALID,
                     'DOCTYPE'),
    'doctype on signed document': (
        lambda w, d: d.replace(b'?><rdf:RDF', b'?><!DOCTYPE rdf:RDF [<!ENTI'
                               b'TY e "x">]><rdf:RDF'),
        Level.INVALID, 'DOCTYPE'),
    'moved description': (lambda w, d: _moved_description(d), Level.INVALID,
                          'signature validation failed'),
    'duplicated description': (
        lambda w, d: _duplicated_description(d), Level.INVALID,
        'document must contain exactly one rdf:Description under rdf:RDF '
        '(found 2)'),
    'tampered field': (lambda w, d: d.replace(b'>raw<', b'>qcow2<'),
                       Level.INVALID, 'signature validation failed'),
    'tampered endorser': (
        lambda w, d: d.replace(b'jane.tester@', b'mallory@'),
        Level.INVALID, 'signature validation failed'),
    'certificate swapped': (
        lambda w, d: _swap_cert(d, pki.make_endorser(
            w[0], key_label='mallory')),
        Level.INVALID, 'signature validation failed'),
    'wrong email': (lambda w, d: _wrong_email(d, w[1]), Level.INVALID,
                    'endorser inconsistency (email): jane.tester@example.org'
                    ' != mallory@example.org'),
    'wrong dn': (lambda w, d: _wrong_dn(d, w[1]), Level.INVALID,
                 'endorser inconsistency (subject): CN=Jane Tester,'),
    'expired certificate': (
        lambda w, d: sign(fresh(), pki.make_endorser(
            w[0], common_name='Expired', not_before=pki.days_ago(60),
            not_after=pki.days_ago(30))),
        Level.UNTRUSTED, 'not valid at the endorsement time'),
    'not yet valid certificate': (
        lambda w, d: sign(fresh(), pki.make_endorser(
            w[0], common_name='Future', not_before=NOW +
            datetime.timedelta(days=5))),
        Level.UNTRUSTED, 'not valid at the endorsement time'),
    'self-signed certificate': (
        lambda w, d: sign(fresh(), pki.make_endorser(
            None, common_name='Self', key_label='self')),
        Level.UNTRUSTED, 'does not chain to a trusted CA'),
    'unsigned': (lambda w, d: fresh(), Level.INVALID, 'no signature'),
    'empty signature': (lambda w, d: _empty_signature(d), Level.INVALID,
                        'invalid signature element'),
    'oversize': (lambda w, d: d.replace(b'</rdf:Description>', b' ' *
                                        xmlsafe.DEFAULT_MAX_BYTES +
                                        b'</rdf:Description>'),
                 Level.INVALID, 'too large'),
    'non-xml': (lambda w, d: b'\x00\x01binary junk', Level.INVALID,
                'not well-formed'),
    'empty file': (lambda w, d: b'', Level.INVALID, 'empty'),
    'second signature': (lambda w, d: _second_signature(d), Level.INVALID,
                         '2 Signature elements'),
    'extra certificate': (lambda w, d: _extra_cert(d), Level.INVALID,
                          'exactly one X509Certificate'),
    'not metadata': (lambda w, d: b'<html><body/></html>', Level.INVALID,
                     'expected rdf:RDF'),
}


@pytest.mark.parametrize('case', sorted(HOSTILE))
def test_hostile_corpus(world, case):
    make, level, fragment = HOSTILE[case]
    assert fragment, 'an empty fragment matches any reason'
    _ca, jane, policy = world
    data = make(world, sign(fresh(), jane))
    result = evaluate(data, policy)
    assert result.level == level, result.reasons
    assert not result.trusted
    assert any(fragment in r for r in result.reasons), result.reasons
    if level == Level.INVALID and case not in ('unsigned', 'not metadata'):
        assert result.signature == 'invalid'
    many = verdicts.evaluate_many(data, policy, NOW)
    assert [v.level for v in many] == [level]


def test_moved_description_never_reports_forged_content(world):
    _ca, jane, policy = world
    result = evaluate(_moved_description(sign(fresh(), jane)), policy)
    assert result.level == Level.INVALID and result.signature == 'invalid'


def test_hostile_list_entries(world):
    _ca, jane, policy = world
    good = sign(fresh(), jane)
    data = samples.metadata_list(good, _second_signature(good),
                                 good.replace(b'>raw<', b'>qcow2<'))
    results = verdicts.evaluate_many(data, policy, NOW)
    assert [r.level for r in results] == [Level.VERIFIED, Level.INVALID,
                                          Level.INVALID]


def test_a_single_document_is_parsed_once(world, monkeypatch):
    _ca, jane, policy = world
    data = sign(fresh(), jane)
    parses = []
    real = xmlsafe.parse_xml
    monkeypatch.setattr(xmlsafe, 'parse_xml',
                        lambda *a, **k: parses.append(1) or real(*a, **k))
    [result] = verdicts.evaluate_many(data, policy, NOW)
    assert result.level == Level.VERIFIED, result.reasons
    assert len(parses) == 1


def test_what_is_loaded_once_per_certificate_never_hides_tampering(world):
    # The certificate, its xmlsec key and its facts are kept between
    # documents of one endorser: a tampered document that follows a good
    # one with the same certificate is still refused.
    _ca, jane, policy = world
    good = sign(fresh(), jane)
    tampered = good.replace(b'>ttylinux<', b'>evil<')
    assert tampered != good
    first, second, third = (evaluate(d, policy)
                            for d in (good, tampered, good))
    assert first.level == third.level == Level.VERIFIED
    assert second.level == Level.INVALID
    assert 'signature validation failed' in ' '.join(second.reasons)
    first.certificate['email'] = 'changed by a caller'
    assert third.certificate['email'] == 'jane.tester@example.org'
