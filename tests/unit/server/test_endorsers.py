"""The service protects its endorsers (issue 14, finding 2): a pair is
bound to the certificate that first endorsed it, certificates without an
e-mail need a trust policy, and no endorsement date from the future."""

import datetime
import os

from marketplace_dashboard.core import builder
from marketplace_dashboard.core.model import parse_appliance
from marketplace_dashboard.core.signature import sign_document
from tests import pki
from tests.unit.server.conftest import ago, make_doc, sha1_of
from tests.unit.server.web import error_text, keys, listing, post, sample

UTC = datetime.UTC


def _signed(cred, seed, created=None, email=None):
    """A document built now, endorsed at *created*."""
    return sign_document(
        builder.build_document(1024, {'SHA-1': sha1_of(seed)}), cred.key,
        cred.cert, email=email, now=created)


def _mallory():
    """A self-signed certificate claiming Jane's e-mail."""
    return pki.make_endorser(None, 'Mallory', email='jane@example.org',
                             key_label='mallory')


def test_takeover_by_another_certificate_refused(live, jane):
    srv = live()
    assert post(srv, make_doc(jane, 1, created=ago(days=1))) \
        .status_code == 201
    before = keys(listing(srv))
    # newer, far in the future to lock Jane out, with an evil location
    evil = make_doc(_mallory(), 1, created=ago(seconds=5),
                    locations=['http://evil.example/x.img'])
    response = post(srv, evil)
    assert response.status_code == 403, response.text
    assert error_text(response).startswith(
        'endorser not allowed: endorser jane@example.org of ')
    assert 'bound to the certificate of its first entry' in \
        error_text(response)
    assert keys(listing(srv)) == before
    # Jane still endorses, and Mallory's own pairs are hers
    assert post(srv, make_doc(jane, 1)).status_code == 201
    assert post(srv, make_doc(_mallory(), 2)).status_code == 201


def test_binding_recovered_when_the_index_is_rebuilt(live, jane, tmp_path):
    data_dir = tmp_path / 'data'
    srv = live(data_dir)
    assert post(srv, make_doc(jane, 1, created=ago(days=1))) \
        .status_code == 201
    srv.stop()
    os.unlink(data_dir / 'index.sqlite3')
    srv = live(data_dir)
    response = post(srv, make_doc(_mallory(), 1))
    assert response.status_code == 403, response.text


def test_renewed_certificate_needs_a_checked_chain(live, jane, ca, tmp_path):
    renewed = pki.make_endorser(ca, 'Jane Tester', 'jane@example.org',
                                key_label='jane-renewed',
                                not_before=pki.days_ago(10))
    assert renewed.cert.subject == jane.cert.subject
    plain = live(tmp_path / 'plain')
    assert post(plain, make_doc(jane, 1, created=ago(days=1))) \
        .status_code == 201
    # the same names prove nothing without a CA chain: anyone can write
    # them into a certificate
    assert post(plain, make_doc(renewed, 1)).status_code == 403
    policy = live(tmp_path / 'policy',
                  ca_files=[str(ca.write_pem(tmp_path / 'ca.pem'))])
    assert post(policy, make_doc(jane, 1, created=ago(days=1))) \
        .status_code == 201
    assert post(policy, make_doc(renewed, 1)).status_code == 201


def test_certificate_without_email_needs_a_policy(live, ca, tmp_path):
    nosan = pki.make_endorser(ca, 'No San', email=None,
                              not_before=pki.days_ago(10))
    doc = _signed(nosan, 1, email='jane@example.org')
    assert parse_appliance(doc).endorsement.email == 'jane@example.org'
    response = post(live(tmp_path / 'default'), doc)
    assert response.status_code == 403, response.text
    assert error_text(response).startswith('endorser e-mail not confirmed')
    assert '--allow-unconfirmed-email' in error_text(response)
    allowed = live(tmp_path / 'allowed', allow_unconfirmed_email=True)
    assert post(allowed, doc).status_code == 201
    # with a trust policy, the policy decides
    policy = live(tmp_path / 'policy',
                  ca_files=[str(ca.write_pem(tmp_path / 'ca.pem'))])
    assert post(policy, doc).status_code == 201
    # the StratusLab samples: accepted only when the operator allows it
    assert post(live(tmp_path / 'samples'),
                sample('05-signed-ca-issued-no-san-email.xml')) \
        .status_code == 403


def test_endorsement_dates_from_the_future_refused(live, jane, tmp_path):
    srv = live(tmp_path / 'default')
    future = datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    response = post(srv, _signed(jane, 1, created=future))
    assert response.status_code == 400, response.text
    assert error_text(response) == (
        'invalid metadata: the endorsement date 9999-12-31T23:59:59Z is in '
        "the future (more than 86400 seconds ahead of this marketplace's "
        'clock)')
    # within the default skew of a day
    assert post(srv, make_doc(jane, 2, created=ago(seconds=-3600))) \
        .status_code == 201
    strict = live(tmp_path / 'strict', created_skew=60)
    assert post(strict, make_doc(jane, 2, created=ago(seconds=-3600))) \
        .status_code == 400
    # nothing locked the pair: Jane's next entry is accepted
    assert post(srv, make_doc(jane, 1)).status_code == 201
