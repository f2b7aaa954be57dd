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

"""Data Glance converts (image_conversion): verified before conversion."""

import pytest

from marketplace_dashboard.core.errors import ImportFailed
from marketplace_dashboard.core.imports import record
from marketplace_dashboard.core.imports.importer import Importer
from marketplace_dashboard.core.imports.policy import ImportPolicy
from tests.unit.core.imports import fakes
from tests.unit.core.imports.fakes import URL, make


def converting(convert_to='raw', **glance):
    session = fakes.FakeSession({URL: fakes.FakeResponse(
        body=fakes.IMAGE)})
    policy = ImportPolicy.from_dict({'glance': dict(glance,
                                                    convert_to=convert_to)})
    images, engine = make(policy=policy, session=session)
    images.convert_to = convert_to
    return images, engine


def test_qcow2_is_streamed_and_verified_before_conversion():
    images, engine = converting()
    status = engine.start(fakes.verdict())
    assert status.method == 'glance-direct'
    final = engine.transfer(status.image_id)
    assert final.state == 'active' and final.verified
    assert final.reasons == [
        'Verified before conversion: the qcow2 data matched the endorsed '
        'sha512, sha256, sha1, md5 while it was staged; Glance stored it '
        'converted to raw.']
    image = images.get(status.image_id)
    assert image['disk_format'] == 'raw'
    assert image[record.SOURCE_FORMAT] == 'qcow2'
    assert image[record.VERIFIED_BEFORE_CONVERSION] == 'true'
    assert image[record.STAGED_MATCH] == 'sha512,sha256,sha1,md5'
    assert image[record.STORED_HASH] == 'sha512:' + image['os_hash_value']
    again = engine.status(status.image_id)
    assert again.state == 'active' and again.verified


def test_a_tampered_qcow2_is_refused_before_glance_converts_it():
    images, engine = converting()
    tampered = fakes.IMAGE[:-1] + b'X'
    engine.http_session = fakes.FakeSession({URL: fakes.FakeResponse(
        body=tampered)})
    status = engine.start(fakes.verdict())
    with pytest.raises(ImportFailed, match='does not match the endorsed'):
        engine.transfer(status.image_id)
    assert 'glance-direct' not in [c[0] for c in images.calls]
    assert images.images == {}


def test_the_stored_data_changing_afterwards_is_seen():
    images, engine = converting()
    status = engine.start(fakes.verdict())
    engine.transfer(status.image_id)
    images.images[status.image_id]['os_hash_value'] = 'f' * 128
    after = engine.status(status.image_id)
    assert after.state == 'failed' and not after.verified
    assert 'the stored data changed since it was verified' in \
        after.reasons[0]
    assert images.get(status.image_id)['status'] == 'deactivated'


def test_the_reconciler_agrees():
    images, engine = converting()
    status = engine.start(fakes.verdict())
    engine.transfer(status.image_id)
    admin = Importer(images, policy=engine.policy, project_id='admin',
                     all_projects=True, sleep=lambda s: None)
    seen = admin.status(status.image_id)
    assert seen.state == 'active' and seen.verified


def test_conversion_on_a_glance_the_settings_did_not_describe():
    images, engine = make()  # plain settings: web-download is chosen
    images.convert_to = 'raw'
    status = engine.start(fakes.verdict())
    assert status.method == 'web-download'
    assert status.state == 'failed' and not status.verified
    assert status.reasons == [
        "Converted by Glance (qcow2 to raw), cannot be verified against "
        "the endorsed hashes: set glance.convert_to = 'raw' in the import "
        "settings (import --glance-convert-to raw) so that the endorsed "
        "bytes are checked before Glance converts them, then import again."]
    image = images.get(status.image_id)
    assert image['status'] == 'active'  # never withdrawn as tampered
    assert not image.get(record.VERIFICATION_ERROR)
    assert ('deactivate', status.image_id) not in images.calls


def test_streamed_on_an_undescribed_converting_glance_is_verified():
    session = fakes.FakeSession({URL: fakes.FakeResponse(
        body=fakes.IMAGE)})
    images, engine = make(session=session, methods=['glance-direct'])
    images.convert_to = 'raw'
    status = engine.start(fakes.verdict())
    final = engine.transfer(status.image_id)
    assert final.state == 'active' and final.verified


def test_nothing_changes_when_the_entry_is_the_output_format():
    images, engine = converting(convert_to='qcow2')
    status = engine.start(fakes.verdict())
    assert status.method == 'web-download'
    assert status.state == 'active' and status.verified
    image = images.get(status.image_id)
    assert image['disk_format'] == 'qcow2'
    assert record.STORED_HASH not in image
