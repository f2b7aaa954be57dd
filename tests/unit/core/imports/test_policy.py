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

"""The import policy: settings and the verdict check."""

import types

import pytest

from marketplace_dashboard.core.errors import ConfigurationError, ImportRefused
from marketplace_dashboard.core.imports.policy import (
    ImportPolicy,
    check_policy,
)
from tests.unit.core.imports import fakes


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


def test_set_hypervisor_type_setting_is_a_boolean():
    assert ImportPolicy.from_dict({}).set_hypervisor_type is True
    assert ImportPolicy.from_dict(
        {'set_hypervisor_type': False}).set_hypervisor_type is False
    with pytest.raises(ConfigurationError, match='set_hypervisor_type'):
        ImportPolicy.from_dict({'set_hypervisor_type': 'no'})


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
