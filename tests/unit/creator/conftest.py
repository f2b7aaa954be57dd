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

"""Fixtures of the creator tests: test PKI files, a live marketplace
service on loopback, a CLI runner and the independent xmlsec1 check."""

import shutil
import subprocess
import threading

import pytest
from werkzeug.serving import make_server

from marketplace_dashboard.cli import main as cli_main
from tests import pki

PASSWORD = b'p12-secret'


@pytest.fixture(scope='session')
def ca():
    return pki.make_ca('Creator Test CA')


@pytest.fixture(scope='session')
def jane(ca):
    return pki.make_endorser(ca, 'Jane Creator', 'jane.creator@example.org')


@pytest.fixture
def creds(tmp_path, ca, jane):
    """Paths of jane's PKCS#12 (+ password file), PEM key and cert."""
    d = tmp_path / 'creds'
    d.mkdir()
    (d / 'password').write_bytes(PASSWORD + b'\n')
    return {
        'p12': str(jane.write_pkcs12(d / 'jane.p12', PASSWORD)),
        'password_file': str(d / 'password'),
        'key': str(jane.write_key(d / 'jane.key')),
        'cert': str(jane.write_pem(d / 'jane.pem')),
        'ca': str(ca.write_pem(d / 'ca.pem')),
    }


@pytest.fixture
def sign_args(creds):
    return ['--p12', creds['p12'], '--password-file', creds['password_file']]


class Result:
    def __init__(self, status, out, err):
        self.status, self.out, self.err = status, out, err

    def __repr__(self):
        return 'Result(%r, out=%r, err=%r)' % (self.status, self.out,
                                               self.err)


@pytest.fixture
def cli(capsys):
    """``cli('build', ...)`` runs marketplace-metadata in-process."""
    def run(*argv):
        capsys.readouterr()
        try:
            status = cli_main.main([str(a) for a in argv])
        except SystemExit as exc:  # argparse usage errors
            status = exc.code
        out, err = capsys.readouterr()
        return Result(status, out, err)
    return run


@pytest.fixture
def marketplace(tmp_path):
    """Factory: a running marketplace service; returns its endpoint URL."""
    from marketplace_dashboard.server.app import create_app

    servers = []

    def start(**kwargs):
        data_dir = tmp_path / ('mp%d' % len(servers))
        server = make_server('127.0.0.1', 0,
                             create_app(str(data_dir), **kwargs),
                             threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append(server)
        return 'http://127.0.0.1:%d/marketplace' % server.port

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def xmlsec1_verify(path, cert_path):
    """Check a signature with the xmlsec1 command (an independent
    implementation); the test fails, never skips, without it."""
    xmlsec1 = shutil.which('xmlsec1')
    assert xmlsec1, ('the xmlsec1 command is required (Debian package '
                     'xmlsec1, installed by tools/bootstrap)')
    proc = subprocess.run(
        [xmlsec1, '--verify', '--enabled-reference-uris', 'empty',
         '--pubkey-cert-pem', str(cert_path), str(path)],
        capture_output=True, text=True, timeout=60, check=False)
    return proc.returncode == 0, proc.stderr
