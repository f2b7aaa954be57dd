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
import io
import json

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
import pytest

from marketplace_dashboard.cli import main as cli_main
from marketplace_dashboard.core import formats, signature
from tests import hostile, pki
from tests.unit.core import samples

NOW = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
FUTURE = formats.format_date(NOW + datetime.timedelta(days=30)).encode()
ID = 'BEE8-MMAw-Lk_IgsEExAy3d9R8h'


@pytest.fixture(scope='module')
def creds():
    ca = pki.make_ca('CLI CA', not_before=pki.days_ago(100))
    return ca, pki.make_endorser(ca, not_before=pki.days_ago(10))


@pytest.fixture
def signed(creds, tmp_path):
    _ca, jane = creds
    data = samples.sample('03-unsigned-build-metadata-style.xml').replace(
        b'2014-03-05T14:12:57Z', FUTURE)
    path = tmp_path / 'signed.xml'
    path.write_bytes(signature.sign_document(data, jane.key, jane.cert))
    return path


@pytest.fixture
def ca_file(creds, tmp_path):
    return creds[0].write_pem(tmp_path / 'ca.pem')


def run(capsys, *argv):
    capsys.readouterr()
    try:
        status = cli_main.main([str(a) for a in argv])
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def test_valid_untrusted_text(capsys, signed):
    status, out, err = run(capsys, 'verify', signed)
    assert status == 0
    assert out == 'Valid: %s [%s] (untrusted): no trust anchors ' \
                  'configured\n' % (signed, ID)


def test_reasons_in_the_process_locale(capsys, signed, monkeypatch):
    """The core's reasons follow LANG; the verdict words and the JSON
    output stay as they are (scripts read them)."""
    monkeypatch.setenv('LANG', 'fr_FR.UTF-8')
    status, out, _err = run(capsys, 'verify', signed)
    assert status == 0
    assert out == 'Valid: %s [%s] (untrusted): aucune ancre de confiance ' \
                  'configurée\n' % (signed, ID)
    status, out, _err = run(capsys, 'verify', '--json', signed)
    assert 'no trust anchors configured' in out


def test_verified_with_ca(capsys, signed, ca_file):
    status, out, _err = run(capsys, 'verify', '--ca-file', ca_file, signed)
    assert (status, out) == (0, 'Valid: %s [%s] (verified)\n' % (signed, ID))


def test_trusted_endorser(capsys, signed):
    status, out, _err = run(capsys, 'verify', '--trusted-endorser',
                            'jane.tester@example.org', signed)
    assert (status, out) == (0, 'Valid: %s [%s] (verified)\n' % (signed, ID))
    status, out, _err = run(capsys, 'verify', '--trusted-endorser',
                            'bob@example.org', signed)
    assert status == 0 and 'untrusted' in out


def test_invalid_entries_counted(capsys, signed, tmp_path):
    tampered = tmp_path / 'tampered.xml'
    tampered.write_bytes(signed.read_bytes().replace(b'>raw<', b'>qcow2<'))
    junk = tmp_path / 'junk.xml'
    junk.write_bytes(b'not xml at all')
    missing = tmp_path / 'missing.xml'
    status, out, _err = run(capsys, 'verify', signed, tampered, junk,
                            missing)
    assert status == 3
    lines = out.splitlines()
    assert lines[0].startswith('Valid: %s' % signed)
    assert lines[1].startswith('Invalid: %s [%s]: signature validation '
                               'failed' % (tampered, ID))
    assert lines[2].startswith('Invalid: %s: document is not well-formed '
                               'XML' % junk)
    assert lines[3] == ('Invalid: %s: cannot read %s: No such file or '
                        'directory' % (missing, missing))


def test_unsigned_sample(capsys):
    path = samples.SAMPLES / '01-unsigned-minimal.xml'
    status, out, _err = run(capsys, 'verify', path)
    assert status == 1
    assert out == ('Invalid: %s [MMZu9WvwKIro-rtBQfDk4PsKO7_]: no '
                   'signature\n' % path)


def test_signed_samples_exit_zero_with_warnings(capsys):
    paths = [samples.SAMPLES / n for n in samples.SIGNED]
    status, out, err = run(capsys, 'verify', *paths)
    assert status == 0
    assert len(out.splitlines()) == 5
    assert all(line.startswith('Valid: ') for line in out.splitlines())
    assert 'SHA-1' in err


def test_refuse_sha1(capsys):
    paths = [samples.SAMPLES / n for n in samples.SIGNED]
    status, out, _err = run(capsys, 'verify', '--refuse-sha1', *paths)
    assert status == 5
    assert all('SHA-1, which the trust policy refuses' in line
               for line in out.splitlines())


def test_json(capsys, signed, ca_file):
    unsigned = samples.SAMPLES / '02-unsigned-full.xml'
    status, out, _err = run(capsys, 'verify', '--json', '--ca-file',
                            ca_file, signed, unsigned)
    assert status == 1
    data = json.loads(out)
    assert len(data) == 2
    first, second = data
    assert first['file'] == str(signed)
    assert first['identifier'] == ID
    assert first['endorser'] == 'jane.tester@example.org'
    assert first['valid_until'] == FUTURE.decode()
    assert formats.parse_date(first['created']) is not None
    assert (first['status'], first['signature'], first['trusted'],
            first['level']) == ('valid', 'valid', True, 'verified')
    assert first['reasons'] == [] and first['warnings'] == []
    assert len(first['trust_path']) == 2
    assert first['trust_path'][0].startswith('CN=Jane Tester,')
    assert first['trust_path'][1] == first['certificate']['issuer']
    assert second['trust_path'] == []
    assert (second['status'], second['signature'], second['trusted'],
            second['level']) == ('deprecated', 'missing', False, 'invalid')
    assert second['reasons'][0] == 'no signature'


def test_metadata_list(capsys, signed, tmp_path):
    listing = tmp_path / 'list.xml'
    listing.write_bytes(samples.metadata_list(
        signed.read_bytes(), samples.sample('01-unsigned-minimal.xml'),
        samples.sample('06-signed-testca.xml')))
    status, out, _err = run(capsys, 'verify', listing)
    assert status == 1
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith('Valid: %s [%s]' % (listing, ID))
    assert lines[1].startswith('Invalid: %s [MMZu' % listing)
    assert lines[2].startswith('Valid: %s [%s] (expired)' % (listing, ID))
    status, out, _err = run(capsys, 'verify', '--json', listing)
    assert [e['level'] for e in json.loads(out)] == ['untrusted', 'invalid',
                                                     'expired']


def test_stdin(capsys, monkeypatch, signed):
    class Stdin:
        buffer = io.BytesIO(signed.read_bytes())
    monkeypatch.setattr('sys.stdin', Stdin)
    status, out, _err = run(capsys, 'verify', '-')
    assert status == 0 and out.startswith('Valid: - [%s]' % ID)


def test_exit_status_capped(capsys, tmp_path):
    junk = tmp_path / 'junk.xml'
    junk.write_bytes(b'junk')
    status, _out, _err = run(capsys, 'verify', *([junk] * 105))
    assert status == 100


@pytest.mark.parametrize('argv', [
    ['verify'],
    ['verify', '--no-such-option', 'x.xml'],
    ['no-such-command'],
    [],
])
def test_usage_errors(capsys, argv):
    status, _out, err = run(capsys, *argv)
    assert status == 2
    assert 'usage:' in err


def test_bad_ca_file_is_usage_error(capsys, tmp_path, signed):
    status, _out, err = run(capsys, 'verify', '--ca-file',
                            tmp_path / 'nope.pem', signed)
    assert status == 2
    assert 'cannot read CA file' in err
    assert 'Traceback' not in err


def test_runs_as_a_program(signed):
    import subprocess
    import sys
    proc = subprocess.run(
        [sys.executable, '-m', 'marketplace_dashboard.cli.main', 'verify',
         str(signed), str(samples.SAMPLES / '01-unsigned-minimal.xml')],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines()[1].startswith('Invalid: ')
    assert 'Traceback' not in proc.stderr


# -- issue 14: revocation lists, validity now, the hostile corpus -----------

def _crl(ca, revoked, next_update):
    builder = (x509.CertificateRevocationListBuilder()
               .issuer_name(ca.cert.subject)
               .last_update(NOW - datetime.timedelta(days=1))
               .next_update(next_update))
    for cert in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(
                cert.serial_number).revocation_date(NOW).build())
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(
        serialization.Encoding.DER)


def test_crl_file_revokes(capsys, creds, signed, ca_file, tmp_path):
    ca, jane = creds
    crl = tmp_path / 'ca.crl'
    crl.write_bytes(_crl(ca, [jane.cert], NOW + datetime.timedelta(days=7)))
    status, out, _err = run(capsys, 'verify', '--ca-file', ca_file,
                            '--crl-file', crl, signed)
    assert status == 0
    assert '(untrusted)' in out and 'was revoked by CN=CLI CA' in out


def test_stale_crl(capsys, creds, signed, ca_file, tmp_path):
    ca, _jane = creds
    crl = tmp_path / 'ca.crl'
    crl.write_bytes(_crl(ca, [], NOW - datetime.timedelta(days=1)))
    _status, out, _err = run(capsys, 'verify', '--ca-file', ca_file,
                             '--crl-file', crl, signed)
    assert '(untrusted)' in out and 'is stale' in out
    _status, out, err = run(capsys, 'verify', '--ca-file', ca_file,
                            '--crl-file', crl, '--allow-stale-crls', signed)
    assert '(verified)' in out and 'is stale' in err


def test_unusable_crl_file_is_a_usage_error(capsys, signed, tmp_path):
    junk = tmp_path / 'junk.crl'
    junk.write_bytes(b'junk')
    status, _out, err = run(capsys, 'verify', '--crl-file', junk, signed)
    assert status == 2 and 'holds no readable PEM or DER' in err


def test_expired_endorser_needs_valid_at_endorsement(capsys, creds, ca_file,
                                                     tmp_path):
    ca, _jane = creds
    old = pki.make_endorser(ca, common_name='CLI Old',
                            not_before=pki.days_ago(90),
                            not_after=pki.days_ago(20))
    data = samples.sample('03-unsigned-build-metadata-style.xml').replace(
        b'2014-03-05T14:12:57Z', FUTURE)
    path = tmp_path / 'old.xml'
    path.write_bytes(signature.sign_document(data, old.key, old.cert,
                                             now=pki.days_ago(30)))
    _status, out, _err = run(capsys, 'verify', '--ca-file', ca_file, path)
    assert '(untrusted)' in out and 'not valid now' in out
    _status, out, err = run(capsys, 'verify', '--ca-file', ca_file,
                            '--valid-at-endorsement', path)
    assert '(verified)' in out and 'expired on' in err


def test_hostile_corpus_through_verify(capsys, tmp_path):
    paths = []
    for shape in sorted(set(hostile.SHAPES) | set(hostile.REFUSED)):
        path = tmp_path / ('%s.xml' % shape)
        path.write_bytes(hostile.document(shape, 256 * 1024))
        paths.append(path)
    status, out, _err = run(capsys, 'verify', '--json', *paths)
    results = json.loads(out)
    assert status == len(paths) == len(results)  # all unsigned: invalid
    assert all(r['level'] == 'invalid' for r in results)
