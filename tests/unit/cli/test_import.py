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
"""``marketplace-metadata import`` with a fake Glance and marketplace."""

import gzip
import json
import os

import pytest

from marketplace_dashboard.cli import import_, main
from marketplace_dashboard.core import builder, signature
from marketplace_dashboard.core.errors import CommandError
from stack.imageserver import ImageServer
from tests import pki
from tests.unit.core.imports import fakes


@pytest.fixture(scope='module')
def endorser(tmp_path_factory):
    ca = pki.make_ca('CLI Test CA')
    user = pki.make_endorser(ca, email='cli@example.org')
    return user, str(ca.write_pem(tmp_path_factory.mktemp('ca') / 'ca.pem'))


class FakeMarketplace:
    def __init__(self, documents):
        self.documents = documents
        self.asked = []

    def entries(self, identifier, email=None):
        self.asked.append((identifier, email))
        return list(self.documents)

    def fetch_entry(self, identifier, email, created):
        self.asked.append((identifier, email, created))
        return self.documents[0]


def signed(user, location, compression=''):
    document = builder.build_document(
        len(fakes.IMAGE), fakes.checksums(fakes.IMAGE), os='CentOS',
        image_format='qcow2',  # fakes.IMAGE is (inspected as) a qcow2
        os_version='7', os_arch='x86_64', locations=[location],
        compression=compression, title='CLI test')
    return signature.sign_document(document, user.key, user.cert)


@pytest.fixture
def world(monkeypatch, endorser):
    images = fakes.FakeImages()
    state = {'images': images, 'documents': []}
    monkeypatch.setattr(import_, 'glance_images', lambda cloud: images)
    monkeypatch.setattr(
        import_.creator._client(), 'MarketplaceClient',
        lambda config: state.setdefault(
            'marketplace', FakeMarketplace(state['documents'])))
    return state


def identifier(document):
    from marketplace_dashboard.core import model
    return model.parse_appliance(document).identifier


def loopback(url):
    """The options letting the command download from the test's image
    server on a loopback address and a random port."""
    return ['--allow-download-host', '127.0.0.1', '--allow-download-port',
            url.split(':')[2].split('/')[0]]


def run(capsys, *argv):
    status = main.main(['import', *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_web_download_wait_json(world, endorser, capsys):
    url = 'http://images.example/cli.img'
    world['images'].web[url] = fakes.IMAGE
    document = signed(endorser[0], url)
    world['documents'].append(document)
    ident = identifier(document)
    status, out, err = run(capsys, ident, '--endpoint', 'http://mp.example/',
                           '--ca-file', endorser[1], '--wait', '--json')
    assert status == 0, err
    result = json.loads(out)
    assert result['state'] == 'active' and result['verified'] is True
    assert result['status'] == 'active' and result['method'] == \
        'web-download'
    image = world['images'].get(result['image_id'])
    assert image['os_distro'] == 'centos'
    assert image['marketplace_url'].startswith(
        'http://mp.example/metadata/%s/cli@example.org/' % ident)
    # Again: the same image, reported as already imported.
    status, out, _ = run(capsys, ident, '--endpoint', 'http://mp.example',
                         '--ca-file', endorser[1])
    assert status == 0 and 'already imported; launch it instead' in out


def test_untrusted_refused_unless_allowed(world, endorser, capsys):
    url = 'http://images.example/cli.img'
    world['images'].web[url] = fakes.IMAGE
    world['documents'].append(signed(endorser[0], url))
    ident = identifier(world['documents'][0])
    status, out, err = run(capsys, ident, '--endpoint', 'http://mp.example')
    assert status == 1 and out == ''
    assert 'untrusted' in err and 'allow_untrusted' in err
    assert world['images'].images == {}
    status, out, err = run(capsys, ident, '--endpoint', 'http://mp.example',
                           '--allow-untrusted', '--json')
    assert status == 0, err
    image_id = json.loads(out)['image_id']
    assert world['images'].get(image_id)['marketplace_verdict'] == \
        'untrusted'


def test_streamed_tampered_fails_with_reason(world, endorser, capsys,
                                             tmp_path):
    with ImageServer(str(tmp_path)) as server:
        url = server.add_file('a.img.gz',
                              gzip.compress(fakes.IMAGE[:-1] + b'!'))
        world['documents'].append(signed(endorser[0], url))
        ident = identifier(world['documents'][0])
        status, out, err = run(capsys, ident, '--endpoint',
                               'http://mp.example', '--ca-file', endorser[1],
                               '--wait', '--json', *loopback(url))
    assert status == 1
    result = json.loads(out)
    assert result['state'] == 'failed' and not result['verified']
    assert 'SHA-512' in err and 'deleted' in err
    assert world['images'].images == {}


def test_streamed_gz_verified(world, endorser, capsys, tmp_path):
    with ImageServer(str(tmp_path)) as server:
        url = server.add_file('a.img.gz', gzip.compress(fakes.IMAGE))
        world['documents'].append(signed(endorser[0], url))
        ident = identifier(world['documents'][0])
        status, out, err = run(capsys, ident, '--endpoint',
                               'http://mp.example', '--ca-file', endorser[1],
                               '--wait', *loopback(url))
    assert status == 0, err
    assert out.endswith('active (verified)\n')
    assert '(100%)' in err


def test_json_refusal_and_failure_have_an_error_field(world, endorser,
                                                      capsys, tmp_path):
    url = 'http://images.example/cli.img'
    world['images'].web[url] = fakes.IMAGE
    world['documents'].append(signed(endorser[0], url))
    ident = identifier(world['documents'][0])
    # Refused by the import policy (untrusted).
    status, out, err = run(capsys, ident, '--endpoint', 'http://mp.example',
                           '--json')
    assert status == 1
    result = json.loads(out)
    assert result['state'] == 'refused' and 'allow_untrusted' in \
        result['error']
    assert 'Error:' in err
    # Usage refusal.
    status, out, _ = run(capsys, ident, '--endpoint', 'http://mp.example',
                         '--member', 'p1', '--json')
    assert status == 1 and '--visibility shared' in json.loads(out)['error']
    # A failed import (Glance refuses the URL).
    world['images'].refuse.add(url)
    status, out, err = run(capsys, ident, '--endpoint', 'http://mp.example',
                           '--ca-file', endorser[1], '--json')
    assert status == 1
    result = json.loads(out)
    assert result['state'] == 'failed'
    assert 'does not pass filtering' in result['error']
    # A failed import reported as a status (tampered, streamed).
    world['images'].refuse.clear()
    with ImageServer(str(tmp_path)) as server:
        bad = server.add_file('a.img.gz',
                              gzip.compress(fakes.IMAGE[:-1] + b'!'))
        world['documents'][:] = [signed(endorser[0], bad)]
        ident = identifier(world['documents'][0])
        status, out, err = run(capsys, ident, '--endpoint',
                               'http://mp.example', '--ca-file', endorser[1],
                               '--json', *loopback(bad))
    assert status == 1
    result = json.loads(out)
    assert result['state'] == 'failed' and 'SHA-512' in result['error']
    # Success has no error field.
    world['images'].web[url] = fakes.IMAGE
    world['documents'][:] = [signed(endorser[0], url)]
    status, out, _ = run(capsys, identifier(world['documents'][0]),
                         '--endpoint', 'http://mp.example', '--ca-file',
                         endorser[1], '--json')
    assert status == 0 and 'error' not in json.loads(out)


def test_usage_errors(world, capsys):
    ident = 'MMZu6WNK0rRKlhGf4RmDK3ew6Cg'
    status, _, err = run(capsys, ident, '--endpoint', 'http://mp.example',
                         '--member', 'p1')
    assert status == 1 and '--visibility shared' in err
    status, _, err = run(capsys, ident, '--endpoint', 'http://mp.example',
                         '--created', '2026-01-01T00:00:00Z')
    assert status == 1 and '--created needs --email' in err
    status, _, err = run(capsys, ident, '--endpoint', 'http://mp.example')
    assert status == 1 and 'No entry' in err


def test_missing_credentials_is_a_sentence(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith('OS_'):
            monkeypatch.delenv(name)
    monkeypatch.setenv('HOME', str(tmp_path))
    with pytest.raises(CommandError,
                       match='Cannot authenticate to OpenStack.*OS_'):
        import_.glance_images(None)


def test_glance_options_describe_a_converting_glance(world, endorser,
                                                      capsys, tmp_path):
    world['images'].convert_to = 'raw'
    with ImageServer(str(tmp_path)) as server:
        url = server.add_file('cli.img', fakes.IMAGE)
        world['documents'].append(signed(endorser[0], url))
        ident = identifier(world['documents'][0])
        status, out, err = run(
            capsys, ident, '--endpoint', 'http://mp.example/', '--ca-file',
            endorser[1], '--wait', '--json', '--glance-convert-to', 'raw',
            '--glance-decompresses', '--glance-store', 'fs', *loopback(url))
    assert status == 0, err
    result = json.loads(out)
    assert result['method'] == 'glance-direct' and result['verified']
    assert result['reasons'][0].startswith('Verified before conversion')
    image = world['images'].get(result['image_id'])
    assert image['disk_format'] == 'raw' and image['stores'] == 'fs'


def test_glance_convert_to_is_one_of_glances_formats(capsys):
    with pytest.raises(SystemExit):
        main.main(['import', 'X', '--glance-convert-to', 'vhd'])
    assert 'invalid choice' in capsys.readouterr().err
