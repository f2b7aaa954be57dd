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

"""Pure decisions of the importer: policy, mapping, method choice."""

import datetime
import types

import pytest

from marketplace_dashboard.core.errors import ConfigurationError, ImportRefused
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
from marketplace_dashboard.core.imports.plan import choose_method
from marketplace_dashboard.core.imports.policy import (
    ImportPolicy,
    check_policy,
)
from marketplace_dashboard.core.imports.withdraw import lifecycle_flags
from tests.unit.importer import fakes


@pytest.mark.parametrize('level', ['verified', 'untrusted', 'expired',
                                   'deprecated'])
def test_policy_allows_with_matching_setting(level):
    policy = ImportPolicy(allow_untrusted=True, allow_expired=True,
                          allow_deprecated=True)
    assert check_policy(fakes.verdict(level), policy) == level


@pytest.mark.parametrize('level', ['untrusted', 'expired', 'deprecated'])
def test_policy_refuses_by_default_with_reason(level):
    with pytest.raises(ImportRefused) as e:
        check_policy(fakes.verdict(level), ImportPolicy())
    assert level in str(e.value)
    assert 'allow_%s' % level in str(e.value)
    assert 'because' in str(e.value)


def test_invalid_signature_is_never_importable():
    policy = ImportPolicy(allow_untrusted=True, allow_expired=True,
                          allow_deprecated=True)
    with pytest.raises(ImportRefused, match='signature is invalid'):
        check_policy(fakes.verdict('invalid'), policy)


def test_policy_accepts_enum_like_levels():
    level = types.SimpleNamespace(value='untrusted')
    verdict = types.SimpleNamespace(level=level, reasons=[])
    assert check_policy(
        verdict, ImportPolicy(allow_untrusted=True)) == 'untrusted'


def test_policy_from_dict_validates():
    policy = ImportPolicy.from_dict({'allow_expired': True,
                                     'glance_hash_algo': 'SHA-256'})
    assert policy.allow_expired and policy.glance_hash_algo == 'sha256'
    with pytest.raises(ConfigurationError, match='Unknown import setting'):
        ImportPolicy.from_dict({'allow_everything': True})
    with pytest.raises(ConfigurationError, match='true or false'):
        ImportPolicy.from_dict({'allow_streamed': 'no'})
    with pytest.raises(ConfigurationError, match='seconds'):
        ImportPolicy.from_dict({'settle': -1})


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


def test_set_hypervisor_type_setting_is_a_boolean():
    assert ImportPolicy.from_dict({}).set_hypervisor_type is True
    assert ImportPolicy.from_dict(
        {'set_hypervisor_type': False}).set_hypervisor_type is False
    with pytest.raises(ConfigurationError, match='set_hypervisor_type'):
        ImportPolicy.from_dict({'set_hypervisor_type': 'no'})


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


ALL = ('glance-direct', 'web-download')


def test_web_download_preferred():
    plan = choose_method(fakes.appliance(), ALL, ImportPolicy())
    assert plan.method == 'web-download'
    assert plan.url == 'http://images.example/a.img'


def test_non_http_locations_are_skipped():
    appliance = fakes.appliance(locations=[
        'pdisk:host:1234:uuid', 'ftp://x/a.img', 'javascript:alert(1)',
        'file:///etc/passwd', 'https://ok.example/a.img'])
    plan = choose_method(appliance, ALL, ImportPolicy())
    assert plan.url == 'https://ok.example/a.img'


def test_no_http_location_refused():
    appliance = fakes.appliance(locations=['pdisk:h:1:u', 'ftp://x/y'])
    with pytest.raises(ImportRefused, match='no http'):
        choose_method(appliance, ALL, ImportPolicy())


@pytest.mark.parametrize('fields, why', [
    ({'locations': ['http://x/a.img.gz']}, 'compressed'),
    ({'locations': ['http://x/a.img.xz?sig=1']}, 'compressed'),
    ({'compression': 'bz2'}, 'compressed'),
    ({'checksums': fakes.checksums(fakes.IMAGE, ('MD5', 'SHA-1'))},
     'MD5 alone'),
])
def test_streamed_when_web_download_cannot_be_verified(fields, why):
    plan = choose_method(fakes.appliance(**fields), ALL,
                                  ImportPolicy())
    assert plan.method == 'glance-direct'
    assert why in plan.reason


def test_uncompressed_location_preferred_for_web_download():
    appliance = fakes.appliance(locations=['http://x/a.img.gz',
                                           'http://y/a.img'])
    plan = choose_method(appliance, ALL, ImportPolicy())
    assert (plan.method, plan.url) == ('web-download', 'http://y/a.img')


def test_compression_recorded_for_streamed():
    appliance = fakes.appliance(locations=['http://x/a.img.gz'])
    plan = choose_method(appliance, ALL, ImportPolicy())
    assert plan.compression == 'gz'


def test_streamed_when_glance_lacks_web_download():
    plan = choose_method(fakes.appliance(), ['glance-direct'],
                                  ImportPolicy())
    assert plan.method == 'glance-direct'
    assert 'does not offer web-download' in plan.reason


def test_glance_hash_algo_setting_drives_choice():
    appliance = fakes.appliance(
        checksums=fakes.checksums(fakes.IMAGE, ('SHA-256', 'SHA-1')))
    policy = ImportPolicy(glance_hash_algo='sha256')
    assert choose_method(appliance, ALL, policy).method == \
        'web-download'


def test_streamed_disabled_refuses_with_reason():
    appliance = fakes.appliance(locations=['http://x/a.img.gz'])
    with pytest.raises(ImportRefused, match='streamed import is disabled'):
        choose_method(appliance, ALL,
                               ImportPolicy(allow_streamed=False))


def test_no_usable_method_refused():
    with pytest.raises(ImportRefused, match='glance-direct either'):
        choose_method(fakes.appliance(), [], ImportPolicy())


def test_lifecycle_flags():
    now = datetime.datetime(2031, 1, 1, tzinfo=datetime.UTC)
    image = {'marketplace_endorsed_at': '2025-01-01T00:00:00Z'}
    current = fakes.verdict('deprecated', deprecated=True)
    assert lifecycle_flags(image, current, now=now) == [
        'expired', 'deprecated', 'replaced']
    same = {'marketplace_endorsed_at': '2026-01-02T03:04:05Z'}
    assert lifecycle_flags(
        same, fakes.verdict(), now=now.replace(year=2027)) == []


def test_glance_hash_algo_must_be_a_hash():
    with pytest.raises(ConfigurationError, match='glance_hash_algo'):
        ImportPolicy.from_dict({'glance_hash_algo': 'crc32'})
    assert ImportPolicy.from_dict(
        {'glance_hash_algo': 'SHA-384'}).glance_hash_algo == 'sha384'


@pytest.mark.parametrize('given, expected', [
    ('sha3_512', 'sha3_512'), ('SHA3-512', 'sha3_512'),
    ('sha512_256', 'sha512_256'), ('SHA-512/256', 'sha512_256'),
    ('SHA-1', 'sha1'), ('sha_256', 'sha256'), (' MD5 ', 'md5')])
def test_hash_names_with_underscores_are_kept(given, expected):
    assert ImportPolicy.from_dict(
        {'glance_hash_algo': given}).glance_hash_algo == expected


def test_verify_tls_cannot_be_turned_off_but_takes_a_ca_bundle(tmp_path):
    with pytest.raises(ConfigurationError, match='cannot be turned off'):
        ImportPolicy.from_dict({'verify_tls': False})
    with pytest.raises(ConfigurationError, match='cannot be turned off'):
        ImportPolicy(verify_tls=False)
    with pytest.raises(ConfigurationError, match='PEM CA bundle'):
        ImportPolicy.from_dict({'verify_tls': str(tmp_path / 'none.pem')})
    with pytest.raises(ConfigurationError, match='PEM CA bundle'):
        ImportPolicy.from_dict({'verify_tls': 'yes'})
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('-----BEGIN CERTIFICATE-----\n')
    policy = ImportPolicy.from_dict({'verify_tls': str(bundle)})
    assert policy.verify_tls == str(bundle)
    assert ImportPolicy.from_dict({}).verify_tls is True


def test_max_streamed_transfers_setting():
    assert ImportPolicy.from_dict({}).max_streamed_transfers == 2
    assert ImportPolicy.from_dict(
        {'max_streamed_transfers': 5}).max_streamed_transfers == 5
    for bad in (0, -1, 1.5, True, '2'):
        with pytest.raises(ConfigurationError, match='max_streamed_transfers'):
            ImportPolicy.from_dict({'max_streamed_transfers': bad})
