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


"""Trust policy hardening (issue 14, finding 7): certificate revocation
lists and the endorser certificate valid now."""

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
import pytest

from marketplace_dashboard.core import builder, revocation, trust
from marketplace_dashboard.core import verdict as verdicts
from marketplace_dashboard.core.errors import ConfigurationError
from marketplace_dashboard.core.signature import sign_document
from tests import pki

NOW = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
DAY = datetime.timedelta(days=1)


def _document():
    return builder.build_document(1024, {'SHA-1': '00' * 20}, os='Debian',
                                  valid_days=365)


def make_crl(ca, revoked=(), next_update=NOW + 7 * DAY, key=None):
    """A CRL of *ca* revoking the certificates *revoked*."""
    builder = (x509.CertificateRevocationListBuilder()
               .issuer_name(ca.cert.subject)
               .last_update(NOW - DAY).next_update(next_update))
    for cert in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(NOW - DAY).build())
    return builder.sign(key or ca.key, hashes.SHA256())


@pytest.fixture(scope='module')
def pkiset():
    root = pki.make_ca('CRL Root', not_before=pki.days_ago(1000))
    intermediate = pki.make_ca('CRL Intermediate', issuer=root,
                               not_before=pki.days_ago(900))
    jane = pki.make_endorser(intermediate, not_before=pki.days_ago(30))
    return root, intermediate, jane


def _policy(root, intermediate, crls=(), **kwargs):
    return trust.TrustPolicy(ca_certificates=[root.cert, intermediate.cert],
                             crls=list(crls), **kwargs)


def _trust(cert, policy):
    return trust.evaluate_trust(cert, policy, NOW - DAY, NOW)


def test_a_fresh_crl_without_the_endorser_trusts(pkiset):
    root, intermediate, jane = pkiset
    result = _trust(jane.cert, _policy(root, intermediate,
                                       [make_crl(intermediate)]))
    assert result.trusted, result.reasons


def test_a_revoked_endorser_is_not_trusted(pkiset):
    root, intermediate, jane = pkiset
    result = _trust(jane.cert, _policy(root, intermediate, [
        make_crl(intermediate, [jane.cert])]))
    assert not result.trusted
    assert result.reasons == [
        'the endorser certificate (serial %X) was revoked by '
        'CN=CRL Intermediate,OU=Testing Department,O=StratusLab Project,'
        'C=EU on %s' % (jane.cert.serial_number,
                        (NOW - DAY).strftime('%Y-%m-%dT%H:%M:%SZ'))]


def test_a_revoked_intermediate_is_not_trusted(pkiset):
    root, intermediate, jane = pkiset
    result = _trust(jane.cert, _policy(root, intermediate, [
        make_crl(intermediate), make_crl(root, [intermediate.cert])]))
    assert not result.trusted
    assert 'the CA certificate CN=CRL Intermediate' in result.reasons[0]
    assert 'was revoked by CN=CRL Root' in result.reasons[0]


def test_a_stale_crl_is_not_trusted_by_default(pkiset):
    root, intermediate, jane = pkiset
    crls = [make_crl(intermediate, next_update=NOW - DAY)]
    result = _trust(jane.cert, _policy(root, intermediate, crls))
    assert not result.trusted
    assert 'is stale' in result.reasons[0]
    assert 'install a fresh CRL' in result.reasons[0]
    allowed = _trust(jane.cert, _policy(root, intermediate, crls,
                                        allow_stale_crls=True))
    assert allowed.trusted
    assert any('is stale' in w for w in allowed.warnings)


def test_a_crl_not_signed_by_the_issuer_is_ignored(pkiset):
    root, intermediate, jane = pkiset
    forged = make_crl(intermediate, [jane.cert], key=pki.key('forger'))
    result = _trust(jane.cert, _policy(root, intermediate, [forged]))
    assert result.trusted, result.reasons
    assert 'is not signed by that CA and was ignored' in result.warnings[0]


def test_a_crl_of_another_issuer_does_not_count(pkiset):
    root, intermediate, jane = pkiset
    other = pki.make_ca('Other CRL CA')
    result = _trust(jane.cert, _policy(root, intermediate, [
        make_crl(other, [jane.cert], next_update=NOW - DAY)]))
    assert result.trusted and not result.warnings


def test_crls_apply_to_an_allow_list_policy(pkiset):
    root, intermediate, jane = pkiset
    policy = trust.TrustPolicy(trusted_endorsers=[jane.cert.subject
                                                  .rfc4514_string()],
                               ca_certificates=[intermediate.cert],
                               require_trusted_ca=False,
                               crls=[make_crl(intermediate, [jane.cert])])
    result = _trust(jane.cert, policy)
    assert any('was revoked' in r for r in result.reasons)


def test_crl_files_pem_bundle_and_der(tmp_path, pkiset):
    root, intermediate, jane = pkiset
    first, second = make_crl(root), make_crl(intermediate, [jane.cert])
    pem = tmp_path / 'crls.pem'
    pem.write_bytes(first.public_bytes(serialization.Encoding.PEM)
                    + second.public_bytes(serialization.Encoding.PEM))
    der = tmp_path / 'crl.der'
    der.write_bytes(second.public_bytes(serialization.Encoding.DER))
    assert len(revocation.load_crl_file(str(pem))) == 2
    assert len(revocation.load_crl_file(str(der))) == 1
    policy = trust.TrustPolicy.from_dict({
        'crl_files': [str(der)], 'allow_stale_crls': False,
        'require_valid_now': True})
    assert len(policy.crls) == 1 and policy.require_valid_now


@pytest.mark.parametrize('content, message', [
    (None, 'cannot read CRL file'),
    (b'not a crl', 'holds no readable PEM or DER'),
    (b'-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n',
     'holds no readable PEM or DER'),
])
def test_unusable_crl_files(tmp_path, content, message):
    path = tmp_path / 'bad.crl'
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigurationError, match=message):
        trust.TrustPolicy(crl_files=[str(path)])


def test_flags_must_be_booleans():
    with pytest.raises(ConfigurationError, match='require_valid_now must'):
        trust.TrustPolicy.from_dict({'require_valid_now': 'no'})


# -- the endorser certificate valid now ------------------------------------

def test_an_expired_key_with_a_back_dated_created_is_not_trusted(pkiset):
    # The finding: expired 400 days ago, signs today, created back-dated.
    root, intermediate, _jane = pkiset
    old = pki.make_endorser(intermediate, common_name='Expired Signer',
                            email='expired@example.org',
                            not_before=pki.days_ago(800),
                            not_after=pki.days_ago(400))
    data = sign_document(_document(), old.key, old.cert,
                         now=pki.days_ago(500))
    verdict = verdicts.evaluate(data, _policy(root, intermediate))
    assert verdict.signature == 'valid'
    assert verdict.level == verdicts.Level.UNTRUSTED
    assert not verdict.trusted
    assert any('not valid now' in r and 'require_valid_now' in r
               for r in verdict.reasons), verdict.reasons
    opted_out = verdicts.evaluate(data, _policy(root, intermediate,
                                                require_valid_now=False))
    assert opted_out.trusted, opted_out.reasons


def test_a_revoked_endorser_verdict_is_untrusted(pkiset):
    root, intermediate, jane = pkiset
    data = sign_document(_document(), jane.key, jane.cert)
    policy = _policy(root, intermediate, [make_crl(intermediate,
                                                   [jane.cert])])
    verdict = verdicts.evaluate(data, policy)
    assert verdict.level == verdicts.Level.UNTRUSTED
    assert any('was revoked' in r for r in verdict.reasons)
