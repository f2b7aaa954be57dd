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

"""The ``oci`` catalogue on real parts: Debian's docker-registry on
loopback filled by ``oras`` with small real qcow2 images and EGI's
annotations, browsed with the OCI client, imported into the stack's real
Glance (streamed and web-download) and verified against the layer digest;
a blob tampered with in the registry's storage is refused."""

import hashlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

import pytest

from marketplace_dashboard.core import glance
from marketplace_dashboard.core.catalogs import oci
from marketplace_dashboard.core.catalogs.oci import document
from marketplace_dashboard.core.client.query import SearchQuery
from marketplace_dashboard.core.errors import ImportFailed, ImportRefused
from marketplace_dashboard.core.imports import Importer, ImportPolicy
from stack.glance import GlanceOptions
from stack.registry import Registry, egi_annotations

SIZE = 300_000


def _qcow2(directory):
    """A fresh qcow2 of random content (the same size every time)."""
    raw = directory / ('%s.raw' % uuid.uuid4().hex)
    out = directory / ('%s.qcow2' % uuid.uuid4().hex)
    raw.write_bytes(os.urandom(SIZE))
    subprocess.run(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2',
                    str(raw), str(out)], check=True, capture_output=True,
                   timeout=60)
    raw.unlink()
    return out


@pytest.fixture(scope='module')
def registry(stack, tmp_path_factory):
    # the stack's marker: Stack.stop() ends it if this module does not
    reg = Registry(tmp_path_factory.mktemp('registry'), marker=stack.base)
    reg.start()
    yield reg
    reg.stop()


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    return tmp_path_factory.mktemp('qcow2')


def _push(registry, files, name=None, **annotations):
    path = _qcow2(files)
    name = name or 'img-%s' % uuid.uuid4().hex[:8]
    tag = '22.04-20261201-%s' % uuid.uuid4().hex[:8]
    pushed = registry.push_appliance(name, tag, str(path), egi_annotations(
        description='Ubuntu 22.04 for EGI (%s)' % name, tag='22.04',
        source='https://github.com/EGI-Federation/fedcloud-vmi-templates',
        revision=tag[-8:], **annotations))
    return pushed, path.read_bytes()


def _policy(registry, **settings):
    return ImportPolicy.from_dict(dict({
        'settle': 1.5,
        'accept_unsigned_registries': [registry.base_url],
        'download_filter': {'allowed_hosts': ['127.0.0.1'],
                            'allowed_ports': [registry.port]}}, **settings))


def _catalog(registry):
    return oci.OCIClient({'name': 'egi', 'url': registry.base_url +
                          '/egi_vm_images'})


def _verdict(registry, pushed):
    catalog = _catalog(registry)
    identifier = document.entry_identifier(pushed.layer_digest)
    [row] = [r for r in catalog.search(SearchQuery(length=100)).rows
             if r.identifier == identifier and
             r.location.endswith(pushed.repository + '/blobs/' +
                                 pushed.layer_digest)]
    _, verdict = catalog.verified_entry(row.identifier, row.email,
                                        row.created, None)
    return verdict


def _images(stack, url=None):
    return glance.GlanceImages(glance.make_client(stack.session(),
                                                  endpoint=url))


@pytest.fixture(scope='module')
def sha256_glance(stack, registry):
    """A Glance hashing SHA-256 (the digest a registry endorses), whose
    web-download may fetch from the registry's port."""
    return stack.start_glance('glance-sha256', GlanceOptions(
        hashing_algorithm='sha256', allowed_ports=(registry.port,)))


def test_browse_and_detail_from_annotations(registry, files):
    alma, alma_data = _push(registry, files, 'almalinux-9',
                            os_distro='almalinux', os_version='9',
                            admin_user='almalinux')
    ubuntu, data = _push(registry, files, 'ubuntu-22.04')
    catalog = _catalog(registry)
    page = catalog.search(SearchQuery(os='alma', length=100))
    assert {r.location for r in page.rows} >= {
        registry.blob_url(alma.repository, alma.layer_digest)}
    assert all(r.os == 'almalinux' for r in page.rows)
    verdict = _verdict(registry, ubuntu)
    app = verdict.appliance
    assert verdict.level.value == 'untrusted'
    assert verdict.reasons == ['unsigned: trusted by registry only']
    assert app.title == 'ubuntu-22.04 %s' % ubuntu.tag
    assert app.description == 'Ubuntu 22.04 for EGI (ubuntu-22.04)'
    assert (app.os, app.os_version, app.os_arch, app.format) == (
        'ubuntu', '22.04', 'x86_64', 'qcow2')
    assert app.bytes == len(data) == ubuntu.layer_size
    assert app.checksums == {'SHA-256': hashlib.sha256(data).hexdigest()}
    assert app.locations == [registry.blob_url(ubuntu.repository,
                                               ubuntu.layer_digest)]
    assert ('org.openstack.glance.os_admin_user', 'ubuntu') in app.extra
    assert app.catalog_properties['oci_manifest_digest'] == \
        ubuntu.manifest_digest


def test_refused_unless_the_registry_is_accepted(stack, registry, files):
    pushed, _ = _push(registry, files)
    engine = Importer(_images(stack), policy=ImportPolicy.from_dict({
        'settle': 1.5}))
    with pytest.raises(ImportRefused, match='accept_unsigned_registries'):
        engine.start(_verdict(registry, pushed))


def test_streamed_import_verified_by_the_layer_digest(stack, registry,
                                                      files):
    pushed, data = _push(registry, files)
    verdict = _verdict(registry, pushed)
    images = _images(stack)
    engine = Importer(images, policy=_policy(registry))
    status = engine.start(verdict, marketplace_url='%s/egi_vm_images' %
                          registry.base_url)
    # the stack's Glance hashes SHA-512, which a registry does not endorse
    assert status.method == 'glance-direct'
    engine.transfer(status.image_id)
    final = engine.wait(status.image_id, timeout=120, interval=0.5)
    assert final.state == 'active' and final.verified, final.reasons
    image = images.get(status.image_id)
    assert image['size'] == len(data)
    assert image['disk_format'] == 'qcow2'
    assert image['marketplace_verified'] == 'true'
    assert image['marketplace_sha256'] == hashlib.sha256(data).hexdigest()
    assert image['os_distro'] == 'ubuntu'
    assert image['os_version'] == '22.04'
    assert image['architecture'] == 'x86_64'
    assert image['oci_reference'] == '%s/%s:%s' % (
        registry.host, pushed.repository, pushed.tag)
    assert image['oci_manifest_digest'] == pushed.manifest_digest
    assert image['marketplace_verdict'] == 'untrusted'


def test_web_download_verified_by_a_sha256_glance(stack, registry, files,
                                                  sha256_glance):
    pushed, data = _push(registry, files)
    images = _images(stack, sha256_glance)
    engine = Importer(images, policy=_policy(registry,
                                             glance_hash_algo='sha256'))
    status = engine.start(_verdict(registry, pushed))
    assert status.method == 'web-download'
    final = engine.wait(status.image_id, timeout=120, interval=0.5)
    assert final.state == 'active' and final.verified, final.reasons
    image = images.get(status.image_id)
    assert image['os_hash_algo'] == 'sha256'
    assert 'sha256:' + image['os_hash_value'] == pushed.layer_digest
    assert image['size'] == len(data)


def _tamper(registry, pushed, files):
    """Overwrite the blob's stored bytes with another qcow2 of the same
    size: the registry serves them under the old digest."""
    other = _qcow2(files).read_bytes()
    path = registry.blob_path(pushed.layer_digest)
    assert os.path.getsize(path) == len(other)
    with open(path, 'wb') as f:
        f.write(other)


def test_tampered_blob_refused_when_streamed(stack, registry, files):
    pushed, _ = _push(registry, files)
    verdict = _verdict(registry, pushed)
    _tamper(registry, pushed, files)
    images = _images(stack)
    engine = Importer(images, policy=_policy(registry))
    status = engine.start(verdict)
    with pytest.raises(ImportFailed, match='SHA-256'):
        engine.transfer(status.image_id)
    assert [i for i in images.find(
        marketplace_identifier=verdict.appliance.identifier)
        if i.get('status') != 'deleted'] == []


def test_tampered_blob_deactivated_after_web_download(
        stack, registry, files, sha256_glance):
    pushed, _ = _push(registry, files)
    verdict = _verdict(registry, pushed)
    _tamper(registry, pushed, files)
    images = _images(stack, sha256_glance)
    engine = Importer(images, policy=_policy(registry,
                                             glance_hash_algo='sha256'))
    status = engine.start(verdict)
    assert status.method == 'web-download'
    final = engine.wait(status.image_id, timeout=120, interval=0.5)
    assert final.state == 'failed' and not final.verified
    image = images.get(status.image_id)
    assert image['status'] == 'deactivated'
    assert 'sha256 is' in image['marketplace_verification_error']


def _cli(stack, tmp_path, *argv):
    from tests.integration.test_import_glance import _cli_env
    command = os.path.join(os.path.dirname(sys.executable),
                           'marketplace-metadata')
    return subprocess.run([command, *argv],
                          env=_cli_env(stack, stack.demo, tmp_path),
                          capture_output=True, text=True, timeout=300)


def test_cli_import_from_the_registry(stack, registry, files, tmp_path):
    pushed, data = _push(registry, files)
    identifier = document.entry_identifier(pushed.layer_digest)
    endpoint = registry.base_url + '/egi_vm_images'
    common = ['import', identifier, '--catalog-type', 'oci', '--endpoint',
              endpoint, '--wait', '--json', '--timeout', '120',
              '--allow-download-host', '127.0.0.1',
              '--allow-download-port', str(registry.port)]
    refused = _cli(stack, tmp_path, *common)
    assert refused.returncode == 1
    assert 'accept_unsigned_registries' in refused.stderr + refused.stdout
    result = _cli(stack, tmp_path, *common, '--accept-unsigned-registry',
                  registry.base_url)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output['state'] == 'active' and output['verified'] is True
    image = _images(stack).get(output['image_id'])
    assert image['marketplace_identifier'] == identifier
    assert image['marketplace_sha256'] == hashlib.sha256(data).hexdigest()
    assert image['oci_manifest_digest'] == pushed.manifest_digest
    assert image['marketplace_url'].startswith(endpoint + '/')


@pytest.fixture(scope='module')
def token_registry(stack, tmp_path_factory, files):
    """A registry requiring bearer tokens from a loopback token service
    (filled anonymously first: the same storage)."""
    from stack.registry_token import TokenService
    state = tmp_path_factory.mktemp('token-registry')
    with Registry(state, marker=stack.base) as anonymous:
        pushed, data = _push(anonymous, files)
    tokens = TokenService().start()
    reg = Registry(state, marker=stack.base, token=tokens).start()
    yield reg, tokens, pushed, data
    reg.stop()
    tokens.stop()


def test_a_token_registry_is_streamed_with_its_token(stack, token_registry):
    reg, tokens, pushed, data = token_registry
    blob = reg.blob_url(pushed.repository, pushed.layer_digest)
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(blob, timeout=10)  # noqa: S310 - loopback
    assert info.value.code == 401
    catalog = oci.OCIClient({'name': 'egi', 'url': reg.base_url +
                             '/egi_vm_images', 'username': tokens.username,
                             'password': tokens.password})
    identifier = document.entry_identifier(pushed.layer_digest)
    [row] = [r for r in catalog.search().rows if r.identifier == identifier]
    _, verdict = catalog.verified_entry(*row.key, None)
    assert verdict.appliance.download_auth is True
    policy = _policy(reg)
    images = _images(stack)
    # without the registry's session the transfer cannot download
    plain = Importer(images, policy=policy)
    status = plain.start(verdict)
    assert status.method == 'glance-direct'
    with pytest.raises(ImportFailed, match='401'):
        plain.transfer(status.image_id)
    served = tokens.requests
    engine = Importer(images, policy=policy,
                      http_session=catalog.download_session(
                          policy.download_filter))
    status = engine.start(verdict)
    assert status.method == 'glance-direct'
    engine.transfer(status.image_id)
    final = engine.wait(status.image_id, timeout=120, interval=0.5)
    assert final.state == 'active' and final.verified, final.reasons
    image = images.get(status.image_id)
    assert image['size'] == len(data)
    assert image['marketplace_sha256'] == hashlib.sha256(data).hexdigest()
    assert served >= 1  # the listing itself needed tokens
