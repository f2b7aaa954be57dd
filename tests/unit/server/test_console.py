"""``marketplace-server`` as a subprocess through its console script."""

import os
import pathlib
import socket
import subprocess
import sys
import time

import pytest
import requests

from marketplace_dashboard.core.signature import verify_signature
from tests import SAMPLES

SAMPLE = SAMPLES / '06-signed-testca.xml'
SCRIPT = pathlib.Path(sys.executable).with_name('marketplace-server')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [str(SCRIPT), '--data-dir', str(tmp_path / 'data'), '--port',
         str(port), '--allow-unconfirmed-email'],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = 'http://127.0.0.1:%d/marketplace' % port
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(url + '/metadata', timeout=2)
            break
        except requests.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(proc.stdout.read().decode()) from None
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(10)


def test_console_script_serves_and_rebuilds(server, tmp_path):
    data = SAMPLE.read_bytes()
    created = requests.post(server + '/metadata', data=data, timeout=30,
                            headers={'Content-Type': 'application/xml'})
    assert created.status_code == 201
    entry = requests.get(created.headers['Location'], timeout=30)
    assert entry.content == data
    assert verify_signature(entry.content).status == 'valid'

    os.unlink(tmp_path / 'data' / 'index.sqlite3')
    out = subprocess.run(
        [str(SCRIPT), '--data-dir', str(tmp_path / 'data'),
         '--rebuild-index'], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == 'index rebuilt: 1 entries'


def test_console_script_bad_setting(tmp_path):
    out = subprocess.run(
        [str(SCRIPT), '--data-dir', str(tmp_path), '--ca-file',
         str(tmp_path / 'missing.pem')], capture_output=True, text=True,
        timeout=60)
    assert out.returncode == 1
    assert out.stderr.startswith('marketplace-server: ')
    assert 'Traceback' not in out.stderr
