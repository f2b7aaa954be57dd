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

"""Format safety of the staged data: the header is inspected first."""

import io
import shutil
import struct
import subprocess

import pytest

from marketplace_dashboard.core.errors import ImportFailed
from marketplace_dashboard.core.imports.inspection import (
    HEADER_BYTES,
    Prefixed,
    problem,
)
from tests.unit.core.imports import fakes
from tests.unit.core.imports.fakes import URL, make

RAW = bytes(range(256)) * 4096


def qcow2_with_backing_file(path=b'/etc/passwd'):
    header = struct.pack('>4sIQIIQ', b'QFI\xfb', 2, 512, len(path), 16,
                         1 << 30).ljust(512, b'\0')
    return header + path + bytes(65536)


def test_matching_formats_pass():
    assert problem(fakes.IMAGE, 'qcow2', complete=True) is None
    assert problem(RAW, 'raw', complete=True) is None
    assert problem(RAW, 'ploop', complete=True) is None  # not inspected


def test_the_entry_says_qcow2_but_the_data_is_raw():
    assert problem(RAW, 'qcow2', complete=True) == \
        'the entry says qcow2 but the data is raw'


def test_the_entry_says_raw_but_the_data_is_qcow2():
    assert problem(fakes.IMAGE, 'raw', complete=True) == \
        'the entry says raw but the data is qcow2'


def test_qcow2_with_a_backing_file_is_refused():
    assert problem(qcow2_with_backing_file(), 'qcow2', complete=True) == \
        'qcow2 with a backing file is refused'


@pytest.mark.skipif(not shutil.which('qemu-img'), reason='needs qemu-img')
@pytest.mark.parametrize('subformat, refusal', [
    ('monolithicSparse', None), ('streamOptimized', None),
    ('twoGbMaxExtentSparse', 'unsafe VMDK type or descriptor is refused'),
])
def test_vmdk_types(tmp_path, subformat, refusal):
    path = tmp_path / 'disk.vmdk'
    subprocess.run(['qemu-img', 'create', '-f', 'vmdk', '-o',
                    'subformat=' + subformat, str(path), '64M'], check=True,
                   capture_output=True)
    assert problem(path.read_bytes(), 'vmdk', complete=True) == refusal


def test_a_vmdk_descriptor_pointing_at_a_file_is_not_a_vmdk():
    descriptor = (b'# Disk DescriptorFile\nversion=1\nCID=fffffffe\n'
                  b'parentCID=ffffffff\ncreateType="monolithicFlat"\n'
                  b'RW 2048 FLAT "/etc/shadow" 0\n')
    assert problem(descriptor.ljust(4096, b'\0'), 'vmdk', complete=True) \
        == 'the entry says vmdk but the data is raw'


def test_prefixed_hands_out_the_header_then_the_rest():
    reader = io.BufferedReader(Prefixed(bytearray(b'head'),
                                        io.BytesIO(b'-rest')))
    assert reader.read() == b'head-rest'


@pytest.mark.parametrize('data, disk_format, reason', [
    (RAW, 'qcow2', 'Image data does not match the endorsed metadata: the '
     'entry says qcow2 but the data is raw; refused before staging.'),
    (qcow2_with_backing_file(), 'qcow2', 'Refused before staging: qcow2 '
     'with a backing file is refused.'),
])
def test_streamed_import_refuses_before_staging(data, disk_format, reason):
    session = fakes.FakeSession({URL: fakes.FakeResponse(body=data)})
    images, engine = make(session=session, methods=['glance-direct'])
    status = engine.start(fakes.verdict(data=data, format=disk_format))
    with pytest.raises(ImportFailed) as refused:
        engine.transfer(status.image_id)
    assert str(refused.value).startswith(reason)
    assert [c[0] for c in images.calls] == ['create', 'delete']
    assert images.images == {}


def test_a_large_image_is_staged_whole_after_its_header():
    data = fakes.QCOW2_HEADER + bytes(HEADER_BYTES * 2)
    session = fakes.FakeSession({URL: fakes.FakeResponse(body=data)})
    images, engine = make(session=session, methods=['glance-direct'])
    status = engine.start(fakes.verdict(data=data))
    final = engine.transfer(status.image_id)
    assert final.state == 'active' and final.verified
    assert images.get(status.image_id)['size'] == len(data)
