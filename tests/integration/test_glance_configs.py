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

"""Imports into Glance as production clouds configure it.

One more Glance API (sharing the stack's Keystone, started once for this
module): ``image_decompression`` then ``image_conversion`` to raw, and a
second file store ``cheap``.  Web-download filtering is the stack's own
Glance (loopback, the image server's port only).
"""

import gzip
import os
import subprocess
import uuid

import pytest

from marketplace_dashboard.cli.reconcile import reconcile
from marketplace_dashboard.core import builder, glance, signature, trust
from marketplace_dashboard.core import verdict as verdict_mod
from marketplace_dashboard.core.errors import ImportFailed
from marketplace_dashboard.core.imports import Importer, ImportPolicy
from marketplace_dashboard.core.imports.urlfilter import DownloadFilter
from stack.glance import GlanceOptions
from stack.imageserver import ImageServer
from tests.integration import test_import_glance
from tests.unit.core.imports.fakes import checksums

#: the endorser fixture of the other import tests
endorser = test_import_glance.endorser

SITE = {'convert_to': 'raw', 'decompresses': True}
POLICY = ImportPolicy.from_dict({'settle': 1.5, 'glance': SITE})
SIZE = 200_000


@pytest.fixture(scope='module', autouse=True)
def loopback_downloads(stack):
    """The stack's image server is on a loopback address: allowed for the
    streamed imports (the download rules refuse loopback by default)."""
    POLICY.download_filter = DownloadFilter.from_settings(
        stack.download_filter())


@pytest.fixture(scope='module')
def production_glance(stack):
    """The URL of a Glance that decompresses, converts to raw and has two
    file stores (fs, the default, and cheap)."""
    return stack.start_glance('glance-production', GlanceOptions(
        import_plugins=('image_decompression', 'image_conversion'),
        convert_to='raw', second_store='cheap'))


class NoDownloads:
    """An HTTP session for the engine that must not fetch anything."""

    def get(self, *args, **kwargs):
        raise AssertionError('the dashboard process downloaded %s' % args)

    head = get


def _images(stack, url=None, creds=None):
    return glance.GlanceImages(glance.make_client(
        stack.session(creds), endpoint=url))


def _verdict(data, locations, endorser, image_format, compression=''):
    user, ca_file = endorser
    document = builder.build_document(
        len(data), checksums(data), os='CirrOS', os_version='0.6',
        os_arch='x86_64', image_format=image_format, locations=locations,
        compression=compression, title='Glance config %s' % uuid.uuid4().hex)
    document = signature.sign_document(document, user.key, user.cert)
    result = verdict_mod.evaluate(document, trust.TrustPolicy.from_dict(
        {'ca_files': [ca_file]}))
    assert result.level.value == 'verified', result.reasons
    return result


def _qcow2(tmp_path, *create):
    """A fresh qcow2 made by qemu-img (random content, or *create*)."""
    out = tmp_path / ('%s.qcow2' % uuid.uuid4().hex)
    if create:
        subprocess.run(['qemu-img', 'create', '-f', 'qcow2', *create,
                        str(out), '1M'], check=True, capture_output=True)
    else:
        raw = tmp_path / 'in.raw'
        raw.write_bytes(os.urandom(SIZE))
        subprocess.run(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2',
                        str(raw), str(out)], check=True, capture_output=True)
    return out.read_bytes()


def _none_left(images, appliance):
    return [i for i in images.find(marketplace_identifier=appliance.identifier)
            if i.get('status') not in ('deleted',)] == []


@pytest.mark.parametrize('compression', ['', 'gz'])
def test_qcow2_verified_before_conversion_to_raw(
        stack, image_server, endorser, production_glance, tmp_path,
        compression):
    data = _qcow2(tmp_path)
    name = 'conv-%s.qcow2' % uuid.uuid4().hex + ('.gz' if compression else '')
    url = image_server.add_file(
        name, gzip.compress(data) if compression else data)
    verdict = _verdict(data, [url], endorser, 'qcow2', compression)
    images = _images(stack, production_glance)
    engine = Importer(images, policy=POLICY)
    status = engine.start(verdict)
    assert status.method == 'glance-direct'
    engine.transfer(status.image_id)
    final = engine.wait(status.image_id, timeout=180, interval=0.5)
    assert final.state == 'active' and final.verified, final.reasons
    assert final.reasons[0].startswith('Verified before conversion')
    image = images.get(status.image_id)
    assert image['disk_format'] == 'raw' and image['size'] != len(data)
    assert image['marketplace_source_format'] == 'qcow2'
    assert image['marketplace_verified_before_conversion'] == 'true'
    assert image['marketplace_stored_hash'] == \
        'sha512:' + image['os_hash_value']
    # the reconciler (admin, every project) agrees
    admin = Importer(_images(stack, production_glance, stack.admin),
                     policy=POLICY, all_projects=True)
    [result] = reconcile(admin, [image])
    assert result['state'] == 'active' and result['verified'], result


def test_tampered_qcow2_is_refused_before_glance_converts_it(
        stack, image_server, endorser, production_glance, tmp_path):
    good, bad = _qcow2(tmp_path), _qcow2(tmp_path)
    name = 'tampered-%s.qcow2' % uuid.uuid4().hex
    url = image_server.add_file(name, good)
    image_server.override(name, bad)
    verdict = _verdict(good, [url], endorser, 'qcow2')
    images = _images(stack, production_glance)
    engine = Importer(images, policy=POLICY)
    status = engine.start(verdict)
    with pytest.raises(ImportFailed, match='does not match the endorsed'):
        engine.transfer(status.image_id)
    assert _none_left(images, verdict.appliance)
    admin = Importer(_images(stack, production_glance, stack.admin),
                     policy=POLICY, all_projects=True)
    assert reconcile(admin, images.find(
        marketplace_identifier=verdict.appliance.identifier)) == []


def test_gz_raw_entry_goes_web_download_and_is_verified(
        stack, image_server, endorser, production_glance):
    data = os.urandom(SIZE)
    name = 'decompress-%s.raw.gz' % uuid.uuid4().hex
    url = image_server.add_file(name, gzip.compress(data))
    verdict = _verdict(data, [url], endorser, 'raw', 'gz')
    images = _images(stack, production_glance)
    engine = Importer(images, policy=POLICY, http_session=NoDownloads())
    status = engine.start(verdict)
    assert status.method == 'web-download'
    final = engine.wait(status.image_id, timeout=180, interval=0.5)
    assert final.state == 'active' and final.verified, final.reasons
    image = images.get(status.image_id)
    assert image['size'] == len(data) and image['disk_format'] == 'raw'
    assert image_server.stats(name).requests >= 1  # Glance fetched it


@pytest.mark.parametrize('kind, reason', [
    ('raw', 'the entry says qcow2 but the data is raw'),
    ('backing', 'qcow2 with a backing file is refused'),
])
def test_format_safety_refused_before_staging(
        stack, image_server, endorser, production_glance, tmp_path, kind,
        reason):
    if kind == 'raw':
        data = os.urandom(SIZE)
    else:
        data = _qcow2(tmp_path, '-F', 'raw', '-b', '/etc/passwd')
    url = image_server.add_file('unsafe-%s.qcow2' % uuid.uuid4().hex, data)
    verdict = _verdict(data, [url], endorser, 'qcow2')
    images = _images(stack, production_glance)
    engine = Importer(images, policy=POLICY)
    status = engine.start(verdict)
    with pytest.raises(ImportFailed, match=reason):
        engine.transfer(status.image_id)
    assert _none_left(images, verdict.appliance)


def test_import_lands_in_the_configured_store(
        stack, image_server, endorser, production_glance):
    data = os.urandom(SIZE)
    url = image_server.add_file('store-%s.raw' % uuid.uuid4().hex, data)
    verdict = _verdict(data, [url], endorser, 'raw')
    images = _images(stack, production_glance)
    engine = Importer(images, policy=ImportPolicy.from_dict(
        {'settle': 1.5, 'glance': dict(SITE, stores=['cheap'])}))
    status = engine.start(verdict)
    final = engine.wait(status.image_id, timeout=180, interval=0.5)
    assert final.state == 'active' and final.verified, final.reasons
    assert images.get(status.image_id)['stores'] == 'cheap'


def test_a_location_glance_filters_gives_way_to_the_next(
        stack, image_server, endorser, tmp_path):
    # the stack's Glance allows the image server's port, not this one's
    data = os.urandom(SIZE)
    with ImageServer(str(tmp_path)) as other:
        first = other.add_file('filtered-%s.raw' % uuid.uuid4().hex, data)
        second = image_server.add_file('second-%s.raw' % uuid.uuid4().hex,
                                       data)
        verdict = _verdict(data, [first, second], endorser, 'raw')
        images = _images(stack)
        engine = Importer(images, policy=ImportPolicy(
            settle=1.5, probe_locations=False))
        status = engine.start(verdict)
        final = engine.wait(status.image_id, timeout=180, interval=0.5)
        assert other.bytes_sent() == 0
    assert final.state == 'active' and final.verified, final.reasons
    assert images.get(status.image_id)['marketplace_source_url'] == second
