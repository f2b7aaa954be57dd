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


import pytest

from marketplace_dashboard.core import identifier
from marketplace_dashboard.core.errors import IdentifierError, MetadataError

PAIRS = [
    ('c319bbd5afc0a22ba3eaed0507c39383ec28eeff',
     'MMZu9WvwKIro-rtBQfDk4PsKO7_'),
    ('1104f3e30c030f8b93f220b04131032dddf51f21',
     'BEE8-MMAw-Lk_IgsEExAy3d9R8h'),
    ('b1df2953e81dcbf8a0c8ab1d4d0ab8e41cf93bc8',
     'LHfKVPoHcv4oMirHU0KuOQc-TvI'),
    ('1b5229d5dad92bc7952553be01608af2180eafbe',
     'BtSKdXa2SvHlSVTvgFgivIYDq--'),
    ('972a1a11f19934401291cc99117ec614933374ce',
     'JcqGhHxmTRAEpHMmRF-xhSTM3TO'),
]


@pytest.mark.parametrize('sha1,ident', PAIRS)
def test_known_pairs(sha1, ident):
    assert identifier.identifier_from_sha1(sha1) == ident
    assert identifier.sha1_from_identifier(ident) == sha1
    assert identifier.is_identifier(ident)
    assert identifier.is_consistent(ident, sha1)
    assert identifier.is_consistent(ident, sha1.upper())
    assert identifier.is_consistent(ident, '0' + sha1)


def test_equals_base64url_of_zero_prefixed_digest():
    import base64
    import hashlib
    for data in (b'', b'a', b'hello world', bytes(range(256))):
        digest = hashlib.sha1(data).digest()  # noqa: S324
        expected = base64.urlsafe_b64encode(b'\0' + digest).decode()[1:]
        assert identifier.identifier_from_sha1(digest.hex()) == expected


def test_leading_zero_digest_round_trips_to_40_hex():
    sha1 = '00000000000000000000000000000000000000ff'
    ident = identifier.identifier_from_sha1(sha1)
    assert ident == 'A' * 25 + 'D_'
    assert identifier.sha1_from_identifier(ident) == sha1


@pytest.mark.parametrize('bad', [
    'MMZu9WvwKIro-rtBQfDk4PsKO7', 'MMZu9WvwKIro-rtBQfDk4PsKO7__',
    'MMZu9WvwKIro+rtBQfDk4PsKO7_', 'MMZu9WvwKIro-rtBQfDk4PsKO7=', '',
    'QMZu9WvwKIro-rtBQfDk4PsKO7_', None])
def test_invalid_identifiers(bad):
    with pytest.raises(IdentifierError) as exc:
        identifier.sha1_from_identifier(bad)
    assert 'invalid identifier' in str(exc.value)
    assert isinstance(exc.value, MetadataError)
    assert not identifier.is_consistent(bad, PAIRS[0][0])


def test_is_identifier():
    assert not identifier.is_identifier('MMZu9WvwKIro-rtBQfDk4PsKO7_\n')
    assert not identifier.is_identifier(12)


@pytest.mark.parametrize('bad', ['xyz', '', '1' * 41 + 'f', 'c319 bbd5'])
def test_invalid_sha1(bad):
    with pytest.raises(IdentifierError) as exc:
        identifier.identifier_from_sha1(bad)
    assert 'is not a valid SHA-1 checksum' in str(exc.value)


def test_inconsistent():
    assert not identifier.is_consistent(PAIRS[0][1], PAIRS[1][0])
