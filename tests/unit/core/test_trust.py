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

import pytest

from marketplace_dashboard.core import binding, trust
from marketplace_dashboard.core.errors import ConfigurationError
from tests import pki

NOW = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
JANE_DN = 'CN=Jane Tester,OU=Testing Department,O=StratusLab Project,C=EU'


def _subject(cert):
    return binding.certificate_identity(cert)[1]


@pytest.fixture(scope='module')
def chain():
    root = pki.make_ca('Trust Root')
    intermediate = pki.make_ca('Trust Intermediate', issuer=root)
    return root, intermediate


def test_no_anchors_is_untrusted(endorser):
    result = trust.evaluate_trust(endorser.cert, trust.TrustPolicy(), NOW,
                                  NOW)
    assert not result.trusted
    assert result.reasons == ['no trust anchors configured']
    assert result.chain_ok is None


def test_ca_chain_ok(tmp_path, ca, endorser):
    bundle = ca.write_pem(tmp_path / 'ca.pem')
    policy = trust.TrustPolicy.from_dict({'ca_files': [str(bundle)]})
    result = trust.evaluate_trust(endorser.cert, policy, NOW, NOW)
    assert result.trusted, result.reasons
    assert result.chain_ok
    assert result.chain == [JANE_DN, _subject(ca.cert)]


def test_chain_through_intermediate(tmp_path, chain):
    root, intermediate = chain
    ee = pki.make_endorser(intermediate, email=None)  # no SAN at all
    bundle = tmp_path / 'bundle.pem'
    bundle.write_bytes(root.cert_pem() + intermediate.cert_pem())
    result = trust.evaluate_trust(ee.cert, trust.TrustPolicy(
        ca_files=[str(bundle)]), NOW, NOW)
    assert result.trusted, result.reasons
    # every CA of the bundle is an anchor: the path ends at the nearest
    assert result.chain == [_subject(ee.cert), _subject(intermediate.cert)]
    # the intermediate is not in the document, so the root alone fails
    result = trust.evaluate_trust(ee.cert, trust.TrustPolicy(
        ca_certificates=[root.cert]), NOW, NOW)
    assert not result.trusted
    assert 'does not chain to a trusted CA' in result.reasons[0]


def test_unknown_ca(ca):
    other = pki.make_ca('Other CA')
    ee = pki.make_endorser(other, common_name='Mallory')
    result = trust.evaluate_trust(
        ee.cert, trust.TrustPolicy(ca_certificates=[ca.cert]), NOW, NOW)
    assert not result.trusted and result.chain_ok is False
    assert 'does not chain to a trusted CA' in result.reasons[0]
    assert result.chain == []


def test_self_signed_not_chained(ca):
    selfsigned = pki.make_endorser(None, common_name='Self')
    result = trust.evaluate_trust(
        selfsigned.cert, trust.TrustPolicy(ca_certificates=[ca.cert]), NOW,
        NOW)
    assert not result.trusted


def test_ca_without_ca_flag_is_not_an_anchor_for_others(ca, endorser):
    # An end-entity certificate used as "CA" must not issue anything.
    fake = pki.Credential(endorser.key, endorser.cert)
    victim = pki.make_endorser(fake, common_name='Victim', email=None)
    result = trust.evaluate_trust(
        victim.cert, trust.TrustPolicy(ca_certificates=[endorser.cert]),
        NOW, NOW)
    assert not result.trusted


def test_allow_list_by_email(endorser):
    policy = trust.TrustPolicy(trusted_endorsers=['Jane.Tester@example.org'])
    assert trust.evaluate_trust(endorser.cert, policy, NOW, NOW).trusted
    policy = trust.TrustPolicy(trusted_endorsers=['bob@example.org'])
    result = trust.evaluate_trust(endorser.cert, policy, NOW, NOW)
    assert not result.trusted
    assert result.reasons == [
        'endorser jane.tester@example.org (%s) is not in the trusted '
        'endorsers list' % JANE_DN]


def test_allow_list_email_needs_san(ca):
    jim = pki.make_endorser(ca, common_name='Jim Tester', email=None)
    policy = trust.TrustPolicy(trusted_endorsers=['jim.tester@example.org'])
    assert not trust.evaluate_trust(jim.cert, policy, NOW, NOW).trusted


def test_allow_list_by_dn(ca):
    jim = pki.make_endorser(ca, common_name='Jim Tester', email=None)
    dn = 'CN=Jim Tester, OU=Testing Department, O=StratusLab Project, C=EU'
    assert trust.evaluate_trust(jim.cert, trust.TrustPolicy(
        trusted_endorsers=[dn]), NOW, NOW).trusted
    assert not trust.evaluate_trust(jim.cert, trust.TrustPolicy(
        trusted_endorsers=[JANE_DN]), NOW, NOW).trusted


def test_ca_and_allow_list_both_required(ca, endorser):
    policy = trust.TrustPolicy(ca_certificates=[ca.cert],
                               trusted_endorsers=['bob@example.org'])
    result = trust.evaluate_trust(endorser.cert, policy, NOW, NOW)
    assert not result.trusted and result.chain_ok
    policy = trust.TrustPolicy(ca_certificates=[ca.cert],
                               trusted_endorsers=[JANE_DN])
    assert trust.evaluate_trust(endorser.cert, policy, NOW, NOW).trusted


@pytest.fixture(scope='module')
def old_ca():
    return pki.make_ca('Old CA', not_before=pki.days_ago(1000))


def test_expired_now_but_valid_at_endorsement(old_ca):
    ca = old_ca
    old = pki.make_endorser(ca, common_name='Old Timer', email=None,
                            not_before=pki.days_ago(400),
                            not_after=pki.days_ago(35))
    policy = trust.TrustPolicy(ca_certificates=[ca.cert],
                               require_valid_now=False)
    result = trust.evaluate_trust(old.cert, policy, pki.days_ago(100), NOW)
    assert result.trusted, result.reasons
    assert result.valid_at_endorsement and result.expired_now
    assert len(result.warnings) == 1
    assert 'expired on' in result.warnings[0]


def test_expired_at_endorsement(old_ca):
    ca = old_ca
    old = pki.make_endorser(ca, common_name='Old Timer', email=None,
                            not_before=pki.days_ago(400),
                            not_after=pki.days_ago(35))
    policy = trust.TrustPolicy(ca_certificates=[ca.cert])
    result = trust.evaluate_trust(old.cert, policy, pki.days_ago(10), NOW)
    assert not result.trusted
    assert 'not valid at the endorsement time' in result.reasons[0]


def test_not_yet_valid_at_endorsement(ca):
    future = pki.make_endorser(
        ca, common_name='Future', email=None,
        not_before=NOW + datetime.timedelta(days=10),
        not_after=NOW + datetime.timedelta(days=100))
    result = trust.evaluate_trust(future.cert, trust.TrustPolicy(
        ca_certificates=[ca.cert]), NOW, NOW)
    assert not result.trusted
    assert 'not valid at the endorsement time' in result.reasons[0]


def test_from_dict_validation(tmp_path):
    with pytest.raises(ConfigurationError) as exc:
        trust.TrustPolicy.from_dict({'sha1': 'maybe'})
    assert 'sha1' in str(exc.value)
    with pytest.raises(ConfigurationError) as exc:
        trust.TrustPolicy.from_dict({'ca_file': 'x'})
    assert 'unknown trust policy setting' in str(exc.value)
    with pytest.raises(ConfigurationError) as exc:
        trust.TrustPolicy.from_dict({'ca_files': [str(tmp_path / 'no')]})
    assert 'cannot read CA file' in str(exc.value)
    junk = tmp_path / 'junk.pem'
    junk.write_text('junk')
    with pytest.raises(ConfigurationError) as exc:
        trust.TrustPolicy.from_dict({'ca_files': str(junk)})
    assert 'no readable PEM' in str(exc.value)


def test_from_dict_defaults():
    policy = trust.TrustPolicy.from_dict({})
    assert policy.sha1 == 'warn' and not policy.has_anchors
    policy = trust.TrustPolicy.from_dict({'require_trusted_ca': True})
    assert policy.has_anchors


def test_require_trusted_ca_without_bundle(endorser):
    policy = trust.TrustPolicy(require_trusted_ca=True,
                               trusted_endorsers=[JANE_DN])
    result = trust.evaluate_trust(endorser.cert, policy, NOW, NOW)
    assert not result.trusted
    assert 'no trusted CA certificates' in result.reasons[0]


def test_a_verified_chain_is_reused_within_its_validity(monkeypatch, ca):
    ee = pki.make_endorser(ca, common_name='Chain Cache', email=None,
                           not_before=pki.days_ago(200),
                           not_after=pki.days_ago(-100))
    policy = trust.TrustPolicy(ca_certificates=[ca.cert])
    builds = []
    real = trust.verification.PolicyBuilder
    monkeypatch.setattr(trust.verification, 'PolicyBuilder',
                        lambda: builds.append(1) or real())
    for days in (150, 100, 10):  # documents signed on different days
        result = trust.evaluate_trust(ee.cert, policy, pki.days_ago(days),
                                      NOW)
        assert result.trusted, result.reasons
        assert result.chain == [_subject(ee.cert), _subject(ca.cert)]
    assert len(builds) == 1
    # outside the window the chain is verified again, and refused
    reason, chain = trust._verify_chain(ee.cert, policy, pki.days_ago(300))
    assert reason and not chain and len(builds) == 2
    # another set of trusted CAs is another question
    other = pki.make_ca('Other Cache CA')
    foreign = trust.evaluate_trust(
        ee.cert, trust.TrustPolicy(ca_certificates=[other.cert]),
        pki.days_ago(100), NOW)
    assert not foreign.trusted and len(builds) == 3
    assert 'does not chain to a trusted CA' in ' '.join(foreign.reasons)


def test_a_refused_chain_is_never_remembered(monkeypatch, ca):
    other = pki.make_ca('Refusing CA')
    ee = pki.make_endorser(other, common_name='Never Cached', email=None)
    policy = trust.TrustPolicy(ca_certificates=[ca.cert])
    for _ in range(2):
        result = trust.evaluate_trust(ee.cert, policy, NOW, NOW)
        assert not result.trusted
    assert not any(key[1] == ee.cert for key in trust._CHAINS)
