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

"""build -> sign -> verify -> upload -> show -> deprecate / add-location,
against the real marketplace service on loopback."""

import datetime
import gzip
import os
import time
import urllib.parse

import pytest

from marketplace_dashboard.cli import deprecate
from marketplace_dashboard.core import (
    builder,
    client,
    locations,
    model,
    signature,
)
from marketplace_dashboard.core.errors import CommandError, MarketplaceError
from tests.unit.creator.conftest import xmlsec1_verify

IMAGE = os.urandom(300_000)
EMAIL = 'jane.creator@example.org'


def wait_for_next_second():
    """Endorsement dates have a one-second resolution and a new entry must
    be newer than the latest one: start a new second."""
    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.05)


@pytest.fixture
def signed(cli, tmp_path, sign_args, monkeypatch):
    """A built and signed document of IMAGE (gzip-compressed image)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'disk.img.gz').write_bytes(gzip.compress(IMAGE))
    result = cli('build', 'disk.img.gz', '--os', 'Ubuntu', '--os-version',
                 '24.04', '--os-arch', 'x86_64', '--image-version', '1',
                 '--location', 'https://images.example.org/disk.img.gz')
    assert result.status == 0, result
    path = tmp_path / 'Ubuntu-24.04-x86_64-base-1.xml'
    assert cli('sign', path, *sign_args).status == 0
    return path


def entry_key(url):
    parts = urllib.parse.urlsplit(url).path.split('/')
    return [urllib.parse.unquote(p) for p in parts[-3:]]


def test_full_round_trip(cli, signed, creds, marketplace, sign_args):
    endpoint = marketplace()
    data = signed.read_bytes()
    # verify: our verifier (command and core) and the independent xmlsec1
    result = cli('verify', signed, '--ca-file', creds['ca'])
    assert result.status == 0, result
    assert result.out.startswith('Valid: %s' % signed)
    assert signature.verify_signature(data).valid
    ok, errors = xmlsec1_verify(signed, creds['cert'])
    assert ok, errors
    app = model.parse_appliance(data)

    # upload
    result = cli('upload', signed, '--endpoint', endpoint)
    assert result.status == 0, result
    url = result.out.strip()
    assert url.startswith(endpoint + '/metadata/')
    assert entry_key(url) == [app.identifier, EMAIL,
                              app.endorsement.created_text]

    # show: the service serves exactly what was signed
    mp = client.MarketplaceClient(client.MarketplaceConfig(endpoint,
                                                           endpoint))
    assert mp.fetch_entry(*entry_key(url)) == data

    # deprecate: a new, newer, signed entry carrying the reason
    wait_for_next_second()
    result = cli('deprecate', app.identifier, '--endpoint', endpoint,
                 '--email', EMAIL, '--reason', 'superseded by 24.04.1',
                 *sign_args)
    assert result.status == 0, result
    assert 'Verified the signature' in result.out
    new_url = result.out.strip().splitlines()[-1]
    assert new_url != url
    latest = mp.fetch_entry(*entry_key(new_url))
    listed = model.parse_appliance(mp.latest_entry(app.identifier, EMAIL))
    assert listed.endorsement.created_text == entry_key(new_url)[2]
    check = signature.verify_signature(latest)
    assert check.valid, check.reason
    deprecated = model.parse_appliance(latest)
    assert deprecated.deprecated
    assert deprecated.deprecated_reason == 'superseded by 24.04.1'
    assert deprecated.endorsement.created > app.endorsement.created
    assert (deprecated.checksums, deprecated.locations, deprecated.bytes) \
        == (app.checksums, app.locations, app.bytes)
    mp.close()


def test_deprecate_a_given_entry(cli, signed, marketplace, sign_args):
    endpoint = marketplace()
    assert cli('upload', signed, '--endpoint', endpoint).status == 0
    app = model.parse_appliance(signed.read_bytes())
    wait_for_next_second()
    result = cli('deprecate', app.identifier, '--endpoint', endpoint,
                 '--email', EMAIL, '--created', app.endorsement.created_text,
                 *sign_args)
    assert result.status == 0, result
    mp = client.MarketplaceClient({'url': endpoint})
    latest = model.parse_appliance(mp.latest_entry(app.identifier, EMAIL))
    assert latest.deprecated_reason == builder.DEFAULT_REASON


def test_deprecate_unknown_entry(cli, marketplace, sign_args):
    endpoint = marketplace()
    result = cli('deprecate', 'MMZu9WvwKIro-rtBQfDk4PsKO7_', '--endpoint',
                 endpoint, '--email', EMAIL, *sign_args)
    assert result.status == 1
    assert 'no entry of image MMZu9WvwKIro-rtBQfDk4PsKO7_' in result.err


def test_deprecate_never_resigns_unverified_content(signed, jane):
    data = signed.read_bytes()
    app = model.parse_appliance(data)
    tampered = data.replace(b'disk.img.gz</slterms:location>',
                            b'evil.img.gz</slterms:location>')
    assert tampered != data
    with pytest.raises(CommandError, match='refusing to re-sign'):
        deprecate.verified_entry(tampered, app.identifier, EMAIL, jane.cert)
    with pytest.raises(CommandError, match='instead of'):
        deprecate.verified_entry(data, 'MMZu9WvwKIro-rtBQfDk4PsKO7_', EMAIL,
                                 jane.cert)
    root, verified = deprecate.verified_entry(data, app.identifier, EMAIL,
                                              jane.cert)
    assert verified.identifier == app.identifier


def test_upload_rejected_by_server(cli, signed, marketplace):
    endpoint = marketplace(trusted_endorsers=['someone.else@example.org'])
    result = cli('upload', signed, '--endpoint', endpoint)
    assert result.status == 1
    assert result.err.startswith('Failed to upload: 403: endorser not '
                                 'trusted by this marketplace')
    assert result.out == ''


def test_upload_of_older_entry_is_rejected(cli, signed, marketplace,
                                           sign_args, tmp_path):
    endpoint = marketplace()
    older = tmp_path / 'older.xml'
    older.write_bytes(signed.read_bytes())
    wait_for_next_second()
    assert cli('sign', signed, *sign_args).status == 0
    assert cli('upload', signed, '--endpoint', endpoint).status == 0
    result = cli('upload', older, '--endpoint', endpoint)
    assert result.status == 1
    assert 'Failed to upload: 400: invalid metadata:' in result.err


def test_upload_refuses_unsigned_and_tampered(cli, signed, marketplace,
                                              tmp_path):
    endpoint = marketplace()
    unsigned = tmp_path / 'Ubuntu-24.04-x86_64-base-1.xml.orig'
    result = cli('upload', unsigned, '--endpoint', endpoint)
    assert result.status == 1
    assert 'is not signed; sign it first' in result.err
    tampered = tmp_path / 'tampered.xml'
    tampered.write_bytes(signed.read_bytes().replace(b'>24.04<', b'>24.10<'))
    result = cli('upload', tampered, '--endpoint', endpoint)
    assert result.status == 1
    assert 'invalid signature' in result.err


def test_upload_errors_are_sentences(cli, signed, tmp_path):
    result = cli('upload', tmp_path / 'missing.xml', '--endpoint',
                 'http://127.0.0.1:9/marketplace')
    assert result.status == 1
    assert 'cannot read metadata file' in result.err
    result = cli('upload', signed, '--endpoint', 'file:///etc/passwd')
    assert result.status == 1
    assert 'use an http:// or https:// URL' in result.err
    # Nothing listens on the discard port.
    result = cli('upload', signed, '--endpoint',
                 'http://127.0.0.1:9/marketplace')
    assert result.status == 1 and 'Traceback' not in result.err


def test_add_location_then_sign_and_upload(cli, signed, creds, marketplace,
                                           sign_args):
    launch = 'https://dashboard.example.org/project/marketplace/launch/abc/'
    before = signed.read_bytes()
    result = cli('add-location', signed, launch)
    assert result.status == 0, result
    assert 'the old signature was removed' in result.err
    assert (signed.parent / (signed.name + '.orig')).read_bytes() == before
    draft = signed.read_bytes()
    assert signature.verify_signature(draft).status == signature.MISSING
    assert model.parse_appliance(draft).locations[-1] == launch
    # duplicates and non-URIs are refused, the file is left alone
    for bad in (launch, 'not a uri'):
        result = cli('add-location', signed, bad)
        assert result.status == 1
        assert signed.read_bytes() == draft
    # sign and upload the result
    assert cli('sign', signed, *sign_args).status == 0
    endpoint = marketplace()
    assert cli('upload', signed, '--endpoint', endpoint).status == 0


def test_add_location_and_resign_directly(cli, signed, creds, sign_args,
                                          tmp_path):
    out = tmp_path / 'with-pdisk.xml'
    result = cli('add-location', signed, 'pdisk:host:8445:uuid',
                 '-o', out, *sign_args)
    assert result.status == 0, result
    assert 'only http(s) locations can be imported' in result.err
    data = out.read_bytes()
    assert signature.verify_signature(data).valid
    ok, errors = xmlsec1_verify(out, creds['cert'])
    assert ok, errors
    app = model.parse_appliance(data)
    assert app.locations == ['https://images.example.org/disk.img.gz',
                             'pdisk:host:8445:uuid']
    assert app.endorsement.created <= datetime.datetime.now(datetime.UTC)


IMAGE_ID = '5c4f2a2e-8f0e-4b4a-9d8e-0d8b3c6f1a11'


def test_add_launch_link_and_resign(cli, signed, creds, sign_args, tmp_path):
    out = tmp_path / 'with-launch-link.xml'
    result = cli('add-location', signed, '--launch-link', IMAGE_ID.upper(),
                 '--dashboard', 'https://cloud.example.org/dashboard',
                 '-o', out, *sign_args)
    assert result.status == 0, result
    link = ('https://cloud.example.org/dashboard/project/marketplace/'
            'launch/%s/' % IMAGE_ID)
    assert 'Launch link: %s' % link in result.out
    assert result.err == ''
    data = out.read_bytes()
    assert signature.verify_signature(data).valid
    ok, errors = xmlsec1_verify(out, creds['cert'])
    assert ok, errors
    app = model.parse_appliance(data)
    assert app.locations == ['https://images.example.org/disk.img.gz', link]
    # the planner still only sees the image data
    assert locations.image_locations(app) == [
        'https://images.example.org/disk.img.gz']


def test_add_launch_link_unsigned_keeps_the_web_root(cli, signed):
    result = cli('add-location', signed, '--launch-link', IMAGE_ID,
                 '--dashboard', 'http://127.0.0.1:8000/')
    assert result.status == 0, result
    assert 'the old signature was removed' in result.err
    assert model.parse_appliance(signed.read_bytes()).locations[-1] == (
        'http://127.0.0.1:8000/project/marketplace/launch/%s/' % IMAGE_ID)


@pytest.mark.parametrize('args, message', [
    (['--launch-link', 'not-a-uuid', '--dashboard',
      'https://cloud.example.org/'], 'is not an image ID'),
    (['--launch-link', IMAGE_ID, '--dashboard', 'javascript:alert(1)'],
     'is not a dashboard URL'),
    (['--launch-link', IMAGE_ID, '--dashboard',
      'https://cloud.example.org@evil.example/'], 'user information'),
    (['--launch-link', IMAGE_ID], 'needs --dashboard'),
    (['https://images.example.org/b.img', '--launch-link', IMAGE_ID,
      '--dashboard', 'https://cloud.example.org/'], 'not both'),
    (['--dashboard', 'https://cloud.example.org/'], 'only used with'),
    ([], 'give the URL to add'),
])
def test_add_launch_link_refusals_leave_the_file_alone(cli, signed, args,
                                                       message):
    before = signed.read_bytes()
    result = cli('add-location', signed, *args)
    assert result.status == 1
    assert message in result.err and 'Traceback' not in result.err
    assert signed.read_bytes() == before


def test_core_errors_are_marketplace_errors():
    assert issubclass(CommandError, MarketplaceError)
