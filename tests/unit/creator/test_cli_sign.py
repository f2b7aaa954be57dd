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

"""``marketplace-metadata sign``."""

import io
import os

from cryptography.hazmat.primitives import serialization
import pytest

from marketplace_dashboard.core import (
    binding,
    builder,
    formats,
    model,
    signature,
)
from tests import pki
from tests.unit.creator.conftest import PASSWORD, xmlsec1_verify

SHA1 = 'c319bbd5afc0a22ba3eaed0507c39383ec28eeff'
RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1'


@pytest.fixture
def draft(tmp_path):
    path = tmp_path / 'image.xml'
    path.write_bytes(builder.build_document(
        100, {'SHA-1': SHA1}, os='ttylinux', locations=['https://h/i.img']))
    return path


@pytest.fixture(autouse=True)
def no_password_env(monkeypatch):
    monkeypatch.delenv('MARKETPLACE_P12_PASSWORD', raising=False)
    # Tests run without a terminal: no prompt unless a test fakes one.
    monkeypatch.setattr('sys.stdin', io.StringIO())


def check_signed(path, cred, signature_method=RSA_SHA256):
    data = path.read_bytes()
    result = signature.verify_signature(data)
    assert result.valid, result.reason
    assert result.signature_method == signature_method
    assert result.certificate == cred.cert
    app = model.parse_appliance(data)
    email, subject, issuer = binding.certificate_identity(cred.cert)
    assert app.endorsement.email == email
    assert app.endorsement.subject == subject
    assert app.endorsement.issuers == [issuer]
    assert app.endorsement.created is not None
    assert binding.check_binding(cred.cert, app) == []
    ok, errors = xmlsec1_verify(path, path.parent / 'creds' / 'jane.pem')
    assert ok, errors
    return app


def test_sign_in_place_with_p12(cli, draft, sign_args, jane):
    original = draft.read_bytes()
    result = cli('sign', draft, *sign_args)
    assert result.status == 0, result
    assert result.out.strip() == \
        'Metadata file successfully signed: %s' % draft
    assert (draft.parent / 'image.xml.orig').read_bytes() == original
    check_signed(draft, jane)
    leftovers = [n for n in os.listdir(draft.parent) if n.startswith('.')]
    assert leftovers == []


def test_sign_to_output_with_pem_and_sha1(cli, draft, creds, jane, tmp_path):
    out = tmp_path / 'signed.xml'
    original = draft.read_bytes()
    result = cli('sign', draft, '--key', creds['key'], '--cert',
                 creds['cert'], '--digest', 'sha1', '-o', out)
    assert result.status == 0, result
    assert 'RSA-SHA1' in result.err
    assert draft.read_bytes() == original
    assert not (tmp_path / 'image.xml.orig').exists()
    check_signed(out, jane, RSA_SHA1)


def test_resigning_replaces_endorsement(cli, draft, sign_args, jane):
    assert cli('sign', draft, *sign_args).status == 0
    assert cli('sign', draft, *sign_args).status == 0
    data = draft.read_bytes()
    assert data.count(b'</Signature>') == 1
    assert data.count(b'endorser') == 2  # one open + one close tag
    check_signed(draft, jane)


def test_password_from_environment(cli, draft, creds, jane, monkeypatch):
    monkeypatch.setenv('MARKETPLACE_P12_PASSWORD', PASSWORD.decode())
    result = cli('sign', draft, '--p12', creds['p12'])
    assert result.status == 0, result
    check_signed(draft, jane)


def test_password_prompt_on_terminal(cli, draft, creds, jane, monkeypatch):
    prompts = []
    monkeypatch.setattr('sys.stdin.isatty', lambda: True)
    monkeypatch.setattr('getpass.getpass',
                        lambda prompt: prompts.append(prompt) or
                        PASSWORD.decode())
    result = cli('sign', draft, '--p12', creds['p12'])
    assert result.status == 0, result
    assert prompts == ['Password for %s: ' % creds['p12']]
    check_signed(draft, jane)


def test_encrypted_pem_key(cli, draft, creds, jane, tmp_path, monkeypatch):
    key = tmp_path / 'encrypted.key'
    key.write_bytes(jane.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b'pem-pass')))
    result = cli('sign', draft, '--key', key, '--cert', creds['cert'])
    assert result.status == 1
    assert 'password-protected' in result.err
    assert 'MARKETPLACE_P12_PASSWORD' in result.err
    monkeypatch.setenv('MARKETPLACE_P12_PASSWORD', 'pem-pass')
    result = cli('sign', draft, '--key', key, '--cert', creds['cert'])
    assert result.status == 0, result
    check_signed(draft, jane)


def assert_untouched(draft, original, result, message):
    assert result.status == 1, result
    assert message in result.err, result.err
    assert 'Traceback' not in result.err
    assert draft.read_bytes() == original
    assert sorted(os.listdir(draft.parent)) == ['creds', 'image.xml']


def test_wrong_password(cli, draft, creds, tmp_path):
    original = draft.read_bytes()
    bad = tmp_path / 'creds' / 'bad-password'
    bad.write_bytes(b'not-it\n')
    result = cli('sign', draft, '--p12', creds['p12'],
                 '--password-file', bad)
    assert_untouched(draft, original, result, 'wrong password')


def test_no_password_and_no_terminal(cli, draft, creds):
    original = draft.read_bytes()
    result = cli('sign', draft, '--p12', creds['p12'])
    assert_untouched(draft, original, result, '--password-file')


def test_missing_key(cli, draft, creds, tmp_path):
    original = draft.read_bytes()
    result = cli('sign', draft, '--key', tmp_path / 'nope.key',
                 '--cert', creds['cert'])
    assert_untouched(draft, original, result,
                     'cannot read key file %s' % (tmp_path / 'nope.key'))
    result = cli('sign', draft)
    assert_untouched(draft, original, result, 'no signing key')
    result = cli('sign', draft, '--key', creds['key'])
    assert_untouched(draft, original, result, 'must be given together')


def test_key_certificate_mismatch(cli, draft, creds, ca, tmp_path):
    other = pki.make_endorser(ca, 'Other Person', 'other@example.org')
    other_cert = other.write_pem(tmp_path / 'creds' / 'other.pem')
    original = draft.read_bytes()
    result = cli('sign', draft, '--key', creds['key'], '--cert', other_cert)
    assert_untouched(draft, original, result,
                     'does not belong to the certificate')


def test_garbage_key_and_cert(cli, draft, creds, tmp_path):
    junk = tmp_path / 'creds' / 'junk'
    junk.write_bytes(b'hello')
    original = draft.read_bytes()
    result = cli('sign', draft, '--key', junk, '--cert', creds['cert'])
    assert_untouched(draft, original, result, 'does not contain a PEM '
                                              'private key')
    result = cli('sign', draft, '--key', creds['key'], '--cert', junk)
    assert_untouched(draft, original, result, 'does not contain a PEM '
                                              'certificate')


def test_certificate_without_email_needs_option(cli, draft, ca, creds,
                                               tmp_path):
    nomail = pki.make_endorser(ca, 'No Mail', email=None)
    key = nomail.write_key(tmp_path / 'creds' / 'nomail.key')
    cert = nomail.write_pem(tmp_path / 'creds' / 'nomail.pem')
    original = draft.read_bytes()
    result = cli('sign', draft, '--key', key, '--cert', cert)
    assert_untouched(draft, original, result, 'email address not in cert')
    result = cli('sign', draft, '--key', key, '--cert', cert,
                 '--email', 'no.mail@example.org')
    assert result.status == 0, result
    app = model.parse_appliance(draft.read_bytes())
    assert app.endorsement.email == 'no.mail@example.org'


def test_unwritable_output(cli, draft, sign_args, tmp_path):
    original = draft.read_bytes()
    result = cli('sign', draft, *sign_args, '-o', tmp_path / 'no' / 'o.xml')
    assert_untouched(draft, original, result, 'cannot write')


def test_not_metadata(cli, draft, sign_args):
    draft.write_bytes(b'<html/>')
    result = cli('sign', draft, *sign_args)
    assert_untouched(draft, b'<html/>', result, 'cannot sign this document')


def test_in_place_write_failure_leaves_nothing_behind(cli, draft, sign_args,
                                                      monkeypatch):
    # e.g. a file system without hard links, or a full disk at that point
    def fail(*args):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr('os.link', fail)
    original = draft.read_bytes()
    result = cli('sign', draft, *sign_args)
    assert_untouched(draft, original, result,
                     'cannot write %s: No space left on device' % draft)


# --- what key-loading errors say ------------------------------------------

@pytest.mark.parametrize('junk', [b'hello', b'', b'\x00\xff' * 32,
                                  b'0\x03\x02\x01\x02'],
                         ids=['text', 'empty', 'binary', 'other-der'])
@pytest.mark.parametrize('password', [False, True])
def test_junk_p12_is_not_a_pkcs12_file(cli, draft, creds, tmp_path, junk,
                                       password):
    path = tmp_path / 'creds' / 'junk.p12'
    path.write_bytes(junk)
    original = draft.read_bytes()
    options = ['--password-file', creds['password_file']] if password else []
    result = cli('sign', draft, '--p12', path, *options)
    assert_untouched(draft, original, result,
                     '%s is not a PKCS#12 file' % path)
    assert 'password' not in result.err


@pytest.mark.parametrize('source', ['environment', 'file'])
def test_p12_without_password_while_one_is_given(cli, draft, jane, tmp_path,
                                                 creds, monkeypatch, source):
    plain = jane.write_pkcs12(tmp_path / 'creds' / 'plain.p12', None)
    options = []
    if source == 'environment':
        monkeypatch.setenv('MARKETPLACE_P12_PASSWORD', 'for-another-file')
    else:
        options = ['--password-file', creds['password_file']]
    result = cli('sign', draft, '--p12', plain, *options)
    assert result.status == 0, result
    check_signed(draft, jane)


def test_p12_without_password(cli, draft, jane, creds, tmp_path):
    plain = jane.write_pkcs12(tmp_path / 'creds' / 'plain.p12', None)
    result = cli('sign', draft, '--p12', plain)
    assert result.status == 0, result
    check_signed(draft, jane)


def test_wrong_password_from_environment(cli, draft, creds, monkeypatch):
    monkeypatch.setenv('MARKETPLACE_P12_PASSWORD', 'not-it')
    original = draft.read_bytes()
    result = cli('sign', draft, '--p12', creds['p12'])
    assert_untouched(draft, original, result, 'cannot open PKCS#12 file %s: '
                     'wrong password' % creds['p12'])


def test_wrong_password_at_the_prompt(cli, draft, creds, monkeypatch):
    monkeypatch.setattr('sys.stdin.isatty', lambda: True)
    monkeypatch.setattr('getpass.getpass', lambda prompt: 'not-it')
    original = draft.read_bytes()
    result = cli('sign', draft, '--p12', creds['p12'])
    assert_untouched(draft, original, result, 'wrong password')


@pytest.mark.parametrize('password', [False, True])
def test_junk_pem_key_is_not_a_pem_key(cli, draft, creds, tmp_path,
                                       password):
    original = draft.read_bytes()
    options = ['--password-file', creds['password_file']] if password else []
    for junk in (b'hello', open(creds['cert'], 'rb').read()):
        path = tmp_path / 'creds' / 'junk.key'
        path.write_bytes(junk)
        result = cli('sign', draft, '--key', path, '--cert', creds['cert'],
                     *options)
        assert_untouched(draft, original, result,
                         '%s is not a PEM key' % path)
        assert 'wrong password' not in result.err
        path.unlink()


def test_encrypted_pem_key_with_wrong_password(cli, draft, creds, jane,
                                               tmp_path, monkeypatch):
    key = tmp_path / 'creds' / 'encrypted.key'
    key.write_bytes(jane.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b'pem-pass')))
    monkeypatch.setenv('MARKETPLACE_P12_PASSWORD', 'not-it')
    original = draft.read_bytes()
    result = cli('sign', draft, '--key', key, '--cert', creds['cert'])
    key.unlink()
    assert_untouched(draft, original, result, 'cannot open PEM private key '
                     '%s: wrong password' % key)


def test_plain_pem_key_with_a_password_set(cli, draft, creds, jane,
                                           monkeypatch):
    monkeypatch.setenv('MARKETPLACE_P12_PASSWORD', 'for-another-file')
    result = cli('sign', draft, '--key', creds['key'], '--cert',
                 creds['cert'])
    assert result.status == 0, result
    check_signed(draft, jane)


# --- warnings before signing ----------------------------------------------

def sign_with(cli, draft, tmp_path, credential, *options):
    key = credential.write_key(tmp_path / 'creds' / 'other.key')
    cert = credential.write_pem(tmp_path / 'creds' / 'other.pem')
    return cli('sign', draft, '--key', key, '--cert', cert, *options)


def test_valid_certificate_gives_no_warning(cli, draft, sign_args):
    result = cli('sign', draft, *sign_args, '--email',
                 'jane.creator@example.org')
    assert result.status == 0, result
    assert result.err == ''


def test_expired_certificate_warns(cli, draft, ca, creds, tmp_path):
    old = pki.make_endorser(ca, 'Old Timer', 'old@example.org',
                            not_before=pki.days_ago(400),
                            not_after=pki.days_ago(30))
    result = sign_with(cli, draft, tmp_path, old)
    assert result.status == 0, result
    assert result.err.startswith(
        'Warning: the certificate CN=Old Timer,OU=Testing Department,'
        'O=StratusLab Project,C=EU expired on %s'
        % formats.format_date(old.cert.not_valid_after_utc)), result.err
    assert signature.verify_signature(draft.read_bytes()).valid


def test_not_yet_valid_certificate_warns(cli, draft, ca, creds, tmp_path):
    future = pki.make_endorser(ca, 'Early Bird', 'early@example.org',
                               not_before=pki.days_ago(-30))
    result = sign_with(cli, draft, tmp_path, future)
    assert result.status == 0, result
    assert 'Warning: the certificate CN=Early Bird' in result.err
    assert 'is not valid before %s' % formats.format_date(
        future.cert.not_valid_before_utc) in result.err


def test_ignored_email_warns(cli, draft, sign_args):
    result = cli('sign', draft, *sign_args, '--email', 'other@example.org')
    assert result.status == 0, result
    assert result.err == (
        'Warning: --email other@example.org is ignored: the certificate '
        'carries the e-mail jane.creator@example.org, which is the endorser '
        'e-mail of the signed document\n')
    app = model.parse_appliance(draft.read_bytes())
    assert app.endorsement.email == 'jane.creator@example.org'


def test_email_of_certificate_without_san_is_used_silently(cli, draft, ca,
                                                          creds, tmp_path):
    nomail = pki.make_endorser(ca, 'No Mail', email=None)
    result = sign_with(cli, draft, tmp_path, nomail, '--email',
                       'no.mail@example.org')
    assert result.status == 0, result
    assert result.err == ''
