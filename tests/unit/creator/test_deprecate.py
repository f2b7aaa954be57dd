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

"""``marketplace-metadata deprecate``: what it refuses to do."""

import pytest

from marketplace_dashboard.cli import creator, deprecate
from marketplace_dashboard.core import (
    builder,
    client,
    identifier,
    model,
    signature,
    xmlsafe,
)
from marketplace_dashboard.core.errors import CommandError, MetadataError
from tests import pki
from tests.unit.core import samples

IDENT = 'MMZu9WvwKIro-rtBQfDk4PsKO7_'
EMAIL = 'jane.creator@example.org'
SHA1 = 'c319bbd5afc0a22ba3eaed0507c39383ec28eeff'
SHA1_IDENT = identifier.identifier_from_sha1(SHA1)


@pytest.fixture
def no_network(monkeypatch):
    def refuse(args):
        raise AssertionError('deprecate contacted %s' % args.endpoint)

    monkeypatch.setattr(creator, 'make_client', refuse)


@pytest.mark.parametrize('reason', ['bad\x01reason', 'nul\x00', 'esc\x1b[0m',
                                    'x\ufffe', 'surrogate \udc80'])
def test_reason_with_control_characters_is_refused_early(cli, sign_args,
                                                         no_network, reason):
    result = cli('deprecate', IDENT, '--endpoint', 'https://mp.invalid/m',
                 '--email', EMAIL, '--reason', reason, *sign_args)
    assert result.status == 1, result
    assert result.err.startswith('Error: slterms:deprecated value ')
    assert 'characters that XML does not allow' in result.err
    assert 'Traceback' not in result.err and result.out == ''


def test_reason_is_checked_before_the_key(cli, no_network, tmp_path):
    result = cli('deprecate', IDENT, '--endpoint', 'https://mp.invalid/m',
                 '--email', EMAIL, '--reason', 'bad\x07',
                 '--p12', tmp_path / 'missing.p12')
    assert result.status == 1
    assert 'characters that XML does not allow' in result.err


@pytest.mark.parametrize('reason', ['', 'multi\nline\treason', 'é ☃ 𝄞'])
def test_acceptable_reasons(reason):
    assert builder.check_reason(reason) == reason
    root = xmlsafe.parse_xml(samples.sample('06-signed-testca.xml'))
    builder.mark_deprecated(root, reason)
    app = model.parse_appliance(builder.serialize(root))
    assert app.deprecated and app.deprecated_reason == reason.strip()


def test_mark_deprecated_leaves_the_document_alone_on_bad_reason():
    data = samples.sample('07-signed-deprecated.xml')
    root = xmlsafe.parse_xml(data)
    with pytest.raises(MetadataError, match='U\\+0001'):
        builder.mark_deprecated(root, 'bad\x01')
    assert builder.serialize(root) == builder.serialize(
        xmlsafe.parse_xml(data))


# --- only the endorser re-signs -------------------------------------------

def signed_entry(credential, email=None, **kwargs):
    """A built entry of IDENT-like content signed by *credential*."""
    data = builder.build_document(
        100, {'SHA-1': SHA1}, os='ttylinux', locations=['https://h/i.img'])
    return signature.sign_document(data, credential.key, credential.cert,
                                   email=email, **kwargs)


def test_own_entry_is_accepted(jane):
    data = signed_entry(jane)
    root, app = deprecate.verified_entry(data, SHA1_IDENT, EMAIL, jane.cert)
    assert app.endorsement.email == EMAIL
    assert root.tag == model.q('rdf', 'RDF')


def test_renewed_certificate_is_accepted(ca, jane):
    # same subject and issuer, new key
    renewed = pki.make_endorser(ca, 'Jane Creator', EMAIL,
                                key_label='jane-renewed')
    assert renewed.cert.public_key() != jane.cert.public_key()
    deprecate.verified_entry(signed_entry(jane), SHA1_IDENT, EMAIL,
                             renewed.cert)
    # same key, certificate re-issued under another name
    reissued = pki.make_endorser(pki.make_ca('Other CA'), 'Jane C.', EMAIL,
                                 key_label='ee:Jane Creator')
    deprecate.verified_entry(signed_entry(jane), SHA1_IDENT, EMAIL,
                             reissued.cert)


@pytest.mark.parametrize('foreign', ['mallory', 'same name, other issuer'])
def test_foreign_signer_is_refused(ca, jane, foreign):
    if foreign == 'mallory':
        # No subjectAltName: the signer would happily write Jane's e-mail.
        other = pki.make_endorser(ca, 'Mallory', email=None)
    else:
        other = pki.make_endorser(pki.make_ca('Rogue CA'), 'Jane Creator',
                                  email=None, key_label='rogue-jane')
    with pytest.raises(CommandError) as info:
        deprecate.verified_entry(signed_entry(jane), SHA1_IDENT, EMAIL,
                                 other.cert)
    message = str(info.value)
    assert message.startswith('refusing to deprecate entry %s/%s: it was '
                              'signed with the certificate of CN=Jane '
                              'Creator' % (SHA1_IDENT, EMAIL)), message
    assert 'only its endorser can deprecate it' in message


def test_broken_binding_is_refused(jane):
    # Jane's signature over an endorsement claiming another subject.
    from tests.unit.core.test_verdict import sign_as_is
    data = signed_entry(jane).replace(b'<subject>CN=Jane Creator',
                                      b'<subject>CN=John Creator')
    data = sign_as_is(data, jane)
    with pytest.raises(CommandError, match='does not match its signing '
                       'certificate .endorser inconsistency .subject.'):
        deprecate.verified_entry(data, SHA1_IDENT, EMAIL, jane.cert)


def test_created_must_match(jane):
    data = signed_entry(jane)
    created = model.parse_appliance(data).endorsement.created_text
    deprecate.verified_entry(data, SHA1_IDENT, EMAIL, jane.cert, created)
    with pytest.raises(CommandError, match='instead of the one endorsed at '
                       '2011-01-01T00:00:00Z'):
        deprecate.verified_entry(data, SHA1_IDENT, EMAIL, jane.cert,
                                 '2011-01-01T00:00:00Z')


def test_other_email_in_signer_certificate_is_refused(jane):
    # Jane's key, but a certificate naming another address: the new entry
    # would belong to another endorser and deprecate nothing.
    other = pki.make_endorser(pki.make_ca('Mail CA'), 'Jane Creator',
                              'jane@elsewhere.example.org',
                              key_label='ee:Jane Creator')
    with pytest.raises(CommandError, match='carries the e-mail '
                       'jane@elsewhere.example.org'):
        deprecate.verified_entry(signed_entry(jane), SHA1_IDENT, EMAIL,
                                 other.cert)


def test_cli_refuses_to_deprecate_someone_elses_entry(cli, ca, jane, creds,
                                                      marketplace, tmp_path):
    endpoint = marketplace()
    path = tmp_path / 'entry.xml'
    path.write_bytes(signed_entry(jane))
    assert cli('upload', path, '--endpoint', endpoint).status == 0
    mallory = pki.make_endorser(ca, 'Mallory', email=None)
    key = mallory.write_key(tmp_path / 'mallory.key')
    cert = mallory.write_pem(tmp_path / 'mallory.pem')
    result = cli('deprecate', SHA1_IDENT, '--endpoint', endpoint,
                 '--email', EMAIL, '--key', key, '--cert', cert)
    assert result.status == 1, result
    assert result.err.startswith('Error: refusing to deprecate entry ')
    assert 'Traceback' not in result.err
    mp = client.MarketplaceClient({'url': endpoint})
    try:
        latest = model.parse_appliance(mp.latest_entry(SHA1_IDENT, EMAIL))
    finally:
        mp.close()
    assert not latest.deprecated
    assert latest.key == model.parse_appliance(path.read_bytes()).key
