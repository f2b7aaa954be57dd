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

"""Verification: Glance's facts against the endorsed values."""

import hashlib

import pytest

from marketplace_dashboard.core.imports.policy import ImportPolicy
from marketplace_dashboard.core.imports.verify import (
    integrity_problems,
)
from tests.unit.core.imports import fakes
from tests.unit.core.imports.fakes import URL, make


def test_web_download_verified():
    images, engine = make()
    status = engine.start(fakes.verdict(), marketplace_url='http://mp/x')
    assert status.state == 'active' and status.verified
    assert status.method == 'web-download' and not status.existing
    image = images.get(status.image_id)
    assert image['marketplace_verified'] == 'true'
    assert image['marketplace_verified_at'].endswith('Z')
    assert image['tags'] == ['marketplace']
    assert image['disk_format'] == 'qcow2'
    assert image['container_format'] == 'bare'
    assert image['min_disk'] == 1
    assert image['name'] == 'Ubuntu 22.04'
    assert image['visibility'] == 'private'
    assert ('web-download', status.image_id, URL) in images.calls


def test_web_download_tampered_is_deactivated():
    images, engine = make()
    images.web[URL] = fakes.IMAGE[:-1] + b'X'
    status = engine.start(fakes.verdict())
    assert status.state == 'failed' and not status.verified
    image = images.get(status.image_id)
    assert image['status'] == 'deactivated'
    assert 'sha512 is' in image['marketplace_verification_error']
    assert 'md5 is' in image['marketplace_verification_error']
    assert status.reasons == [image['marketplace_verification_error']]
    # Status stays failed and does not verify it again.
    again = engine.status(status.image_id)
    assert again.state == 'failed' and not again.verified


def test_web_download_with_other_glance_algorithm_is_not_trusted():
    images, engine = make(hash_algo='sha384')
    status = engine.start(fakes.verdict())
    assert status.state == 'failed'
    assert 'does not endorse' in status.reasons[0]
    assert images.get(status.image_id)['status'] == 'deactivated'


def test_size_mismatch_alone_fails():
    image = {'size': 10, 'marketplace_bytes': '11', 'os_hash_algo':
             'sha512', 'os_hash_value': 'ab', 'marketplace_sha512': 'ab'}
    assert integrity_problems(image) == [
        'size is 10 bytes, 11 endorsed']


def test_md5_alone_never_verifies():
    image = {'size': 3, 'marketplace_bytes': '3', 'os_hash_algo': 'md5',
             'os_hash_value': 'aa', 'checksum': 'aa',
             'marketplace_md5': 'aa'}
    assert integrity_problems(image)


@pytest.mark.parametrize('algorithms', [('MD5', 'SHA-1'), ('SHA-256',)])
def test_streamed_entry_without_glance_algorithm_is_verified(algorithms):
    # Glance computes sha512, which the entry does not endorse: the
    # streamed path hashes sha512 in the same pass and checks Glance's
    # os_hash_value against it.
    session = fakes.FakeSession({URL: fakes.FakeResponse(body=fakes.IMAGE)})
    images, engine = make(session=session)
    status = engine.start(fakes.verdict(
        checksums=fakes.checksums(fakes.IMAGE, algorithms)))
    assert status.method == 'glance-direct'
    final = engine.transfer(status.image_id)
    assert final.state == 'active' and final.verified, final.reasons
    image = images.get(status.image_id)
    assert image['marketplace_streamed_sha512'] == \
        fakes.checksums(fakes.IMAGE)['SHA-512']
    assert 'marketplace_sha512' not in image


def test_streamed_hash_must_match_what_glance_stored():
    session = fakes.FakeSession({URL: fakes.FakeResponse(body=fakes.IMAGE)})
    images, engine = make(session=session)
    status = engine.start(fakes.verdict(
        checksums=fakes.checksums(fakes.IMAGE, ('SHA-256',))))
    stage = images.stage

    def stage_other_bytes(image_id, fileobj):
        stage(image_id, fileobj)
        images.staged[image_id] = images.staged[image_id][:-1] + b'!'

    images.stage = stage_other_bytes
    final = engine.transfer(status.image_id)
    assert final.state == 'failed' and not final.verified
    assert 'hashed while streaming' in final.reasons[0]


def test_streamed_hash_is_not_trusted_for_other_methods_or_md5_only():
    data = {'size': 3, 'marketplace_bytes': '3', 'os_hash_algo': 'sha512',
            'os_hash_value': 'ab', 'marketplace_sha256': 'cd',
            'marketplace_streamed_sha512': 'ab'}
    streamed = dict(data, marketplace_import_method='glance-direct')
    assert integrity_problems(streamed) == []
    assert integrity_problems(streamed, trust_streamed=False)
    web = dict(data, marketplace_import_method='web-download')
    assert 'does not endorse' in integrity_problems(web)[0]
    md5_only = dict(streamed, marketplace_md5='ef')
    del md5_only['marketplace_sha256']
    assert integrity_problems(md5_only)


def test_glance_algorithm_other_than_the_streamed_one_is_explained():
    session = fakes.FakeSession({URL: fakes.FakeResponse(body=fakes.IMAGE)})
    images, engine = make(session=session, hash_algo='sha384')
    status = engine.start(fakes.verdict(
        checksums=fakes.checksums(fakes.IMAGE, ('SHA-256',))))
    final = engine.transfer(status.image_id)
    assert final.state == 'failed'
    assert 'glance_hash_algo' in final.reasons[0]


def test_streamed_import_hashes_any_glance_algorithm():
    session = fakes.FakeSession({URL: fakes.FakeResponse(body=fakes.IMAGE)})
    images, engine = make(session=session, hash_algo='sha384',
                          policy=ImportPolicy(glance_hash_algo='sha384'))
    status = engine.start(fakes.verdict(
        checksums=fakes.checksums(fakes.IMAGE, ('SHA-256', 'SHA-512'))))
    final = engine.transfer(status.image_id)
    assert final.state == 'active' and final.verified, final.reasons


def test_streamed_import_verified_when_glance_computes_sha3():
    # Glance's hashing_algorithm sha3_512, which no entry endorses: the
    # streamed transfer hashes it too and Glance's value is checked.
    session = fakes.FakeSession({URL: fakes.FakeResponse(body=fakes.IMAGE)})
    policy = ImportPolicy.from_dict({'glance_hash_algo': 'sha3_512'})
    images, engine = make(session=session, hash_algo='sha3_512',
                          policy=policy)
    status = engine.start(fakes.verdict())
    assert status.method == 'glance-direct'
    final = engine.transfer(status.image_id)
    assert final.state == 'active' and final.verified, final.reasons
    assert images.get(status.image_id)['marketplace_streamed_sha3_512'] \
        == hashlib.sha3_512(fakes.IMAGE).hexdigest()
