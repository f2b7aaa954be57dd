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

"""The loopback OCI registry (``stack/registry.py``) filled by ``oras``."""

import hashlib
import json
import subprocess
import urllib.request

import pytest

from stack import kill_marked, marked_processes
from stack.registry import QEMU_DISK, Registry, egi_annotations


@pytest.fixture
def qcow2(tmp_path):
    path = tmp_path / 'disk.qcow2'
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', str(path),
                    '1M'], check=True, timeout=60)
    return path


def _get(url, accept=None):
    request = urllib.request.Request(
        url, headers={'Accept': accept} if accept else {})
    with urllib.request.urlopen(request, timeout=10) as r:  # noqa: S310
        return r.read()


def test_oras_push_is_served_with_egi_annotations(tmp_path, qcow2):
    with Registry(tmp_path / 'registry') as reg:
        annotations = egi_annotations(description='Ubuntu for EGI',
                                      tag='22.04', revision='0123abcd')
        pushed = reg.push_appliance('ubuntu-22.04', '22.04-20261201-0123abcd',
                                    str(qcow2), annotations)
        catalog = json.loads(_get(reg.base_url + '/v2/_catalog'))
        assert catalog['repositories'] == ['egi_vm_images/ubuntu-22.04']
        manifest = json.loads(_get(
            '%s/v2/%s/manifests/%s' % (reg.base_url, pushed.repository,
                                       pushed.tag),
            'application/vnd.oci.image.manifest.v1+json'))
        assert manifest['annotations'] == annotations
        [layer] = manifest['layers']
        assert layer['mediaType'] == QEMU_DISK
        data = qcow2.read_bytes()
        assert layer['size'] == pushed.layer_size == len(data)
        digest = 'sha256:' + hashlib.sha256(data).hexdigest()
        assert layer['digest'] == pushed.layer_digest == digest
        blob = _get(reg.blob_url(pushed.repository, digest))
        assert blob == data
        with open(reg.blob_path(digest), 'rb') as f:
            assert f.read() == data


def test_the_registry_carries_the_marker(tmp_path):
    marker = tmp_path / 'stack'
    marker.mkdir()
    reg = Registry(tmp_path / 'registry', marker=marker).start()
    try:
        assert marked_processes(marker) == [reg.proc.pid]
        assert kill_marked(marker) == [reg.proc.pid]
        assert reg.proc.wait(10) is not None
    finally:
        reg.stop()
