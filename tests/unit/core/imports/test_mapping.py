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

"""Mapping an appliance onto Glance properties."""


import pytest

from marketplace_dashboard.core.errors import ImportRefused
from marketplace_dashboard.core.imports.mapping import (
    dedupe_key,
    disk_format,
    endorsed_hashes,
    image_name,
    image_properties,
    min_disk_gib,
    normalise_arch,
    normalise_distro,
)
from tests.unit.core.imports import fakes


@pytest.mark.parametrize('given, expected', [
    ('Ubuntu', 'ubuntu'), ('CentOS', 'centos'), ('centos 7', 'centos'),
    ('Debian', 'debian'), ('Fedora', 'fedora'), ('RHEL', 'rhel'),
    ('Red Hat Enterprise Linux', 'rhel'), ('SLES', 'sles'),
    ('openSUSE', 'opensuse'), ('Rocky Linux', 'rocky'),
    ('AlmaLinux', 'almalinux'), ('Scientific Linux', 'sl'), ('SL6', 'sl'),
    ('CirrOS', 'cirros'), ('ttylinux', 'ttylinux'), ('ttyLinux', 'ttylinux'),
    ('Ubuntu-14.04', 'ubuntu'), ('My Distro!', 'mydistro'),
    ('', None), (None, None),
])
def test_normalise_distro(given, expected):
    assert normalise_distro(given) == expected


@pytest.mark.parametrize('given, expected', [
    ('x86_64', 'x86_64'), ('amd64', 'x86_64'), ('i386', 'i686'),
    ('i486', 'i686'), ('i686', 'i686'), ('arm64', 'aarch64'),
    ('AArch64', 'aarch64'), ('ppc64le', 'ppc64le'), (None, None),
])
def test_normalise_arch(given, expected):
    assert normalise_arch(given) == expected


@pytest.mark.parametrize('given, expected', [
    (None, 'raw'), ('raw', 'raw'), ('QCOW2', 'qcow2'), ('vmdk', 'vmdk'),
    ('vdi', 'vdi'), ('vhd', 'vhd'), ('iso', 'iso'),
])
def test_disk_format(given, expected):
    assert disk_format(given) == expected


def test_unknown_disk_format_is_refused():
    with pytest.raises(ImportRefused, match='Unsupported image format'):
        disk_format('ova-tarball')


@pytest.mark.parametrize('size, gib', [
    (0, 0), (1, 1), (2 ** 30, 1), (2 ** 30 + 1, 2), (10 * 2 ** 30, 10)])
def test_min_disk_rounds_up(size, gib):
    assert min_disk_gib(size) == gib


def test_image_properties():
    appliance = fakes.appliance(os='Scientific Linux', os_arch='i386',
                                disks_bus='VirtIO', hypervisor='KVM')
    props = image_properties(appliance, 'untrusted',
                                      'http://mp.example/metadata/x')
    sums = fakes.checksums(fakes.IMAGE)
    assert props['os_distro'] == 'sl'
    assert props['os_version'] == '22.04'
    assert props['architecture'] == 'i686'
    assert props['hw_disk_bus'] == 'virtio'
    assert props['hypervisor_type'] == 'kvm'
    assert props['marketplace_identifier'] == appliance.identifier
    assert props['marketplace_endorser'] == 'jane@example.org'
    assert props['marketplace_endorsed_at'] == '2026-01-02T03:04:05Z'
    assert props['marketplace_valid_until'] == '2030-01-01T00:00:00Z'
    assert props['marketplace_verdict'] == 'untrusted'
    assert props['marketplace_url'] == 'http://mp.example/metadata/x'
    assert props['marketplace_sha512'] == sums['SHA-512']
    assert props['marketplace_md5'] == sums['MD5']
    assert props['marketplace_sha1'] == sums['SHA-1']
    assert props['marketplace_bytes'] == str(len(fakes.IMAGE))
    assert all(isinstance(v, str) for v in props.values())


def test_hypervisor_type_can_be_left_unset():
    appliance = fakes.appliance(hypervisor='kvm')
    props = image_properties(appliance, 'verified',
                                      hypervisor_type=False)
    assert 'hypervisor_type' not in props
    assert props['marketplace_identifier'] == appliance.identifier


def test_unknown_bus_and_empty_fields_are_left_out():
    appliance = fakes.appliance(disks_bus='floppy-ish', os=None,
                                hypervisor=None)
    props = image_properties(appliance, 'verified')
    assert 'hw_disk_bus' not in props and 'os_distro' not in props
    assert 'hypervisor_type' not in props and 'marketplace_url' not in props


def test_image_name_defaults():
    assert image_name(fakes.appliance()) == 'Ubuntu 22.04'
    assert image_name(fakes.appliance(title=None)) == \
        'Ubuntu 22.04 x86_64'
    bare = fakes.appliance(title=None, os=None, os_version=None,
                           os_arch=None)
    assert image_name(bare) == bare.identifier


def test_dedupe_key_is_strongest_hash():
    sums = fakes.checksums(fakes.IMAGE)
    hashes = endorsed_hashes(fakes.appliance())
    assert dedupe_key(hashes) == ('marketplace_sha512',
                                           sums['SHA-512'])
    only_sha1 = endorsed_hashes(fakes.appliance(
        checksums={'SHA-1': sums['SHA-1'], 'MD5': sums['MD5']}))
    assert dedupe_key(only_sha1) == ('marketplace_sha1',
                                              sums['SHA-1'])
