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

"""Withdrawal: mismatching images made unusable, failure records."""

import datetime

import pytest

from marketplace_dashboard.core.cache import MemoryCache
from marketplace_dashboard.core.errors import (
    ImportFailed,
)
from marketplace_dashboard.core.glance import GlanceError, GlanceForbidden
from marketplace_dashboard.core.imports.importer import Importer
from marketplace_dashboard.core.imports.progress import (
    ProgressStore,
)
from marketplace_dashboard.core.imports.withdraw import lifecycle_flags
from tests.unit.core.imports import fakes
from tests.unit.core.imports.fakes import (
    GZ_URL,
    URL,
    make,
)


def test_hide_and_deactivate():
    images, engine = make()
    status = engine.start(fakes.verdict())
    engine.hide(status.image_id)
    assert images.get(status.image_id)['os_hidden'] is True
    engine.deactivate(status.image_id)
    engine.deactivate(status.image_id)  # idempotent
    assert images.get(status.image_id)['status'] == 'deactivated'


def test_mismatch_deleted_when_glance_refuses_deactivation():
    images, engine = make()
    images.web[URL] = b'evil' * 1000
    images.deactivate = fakes.refuse()
    status = engine.start(fakes.verdict())
    assert status.state == 'failed' and not status.verified
    assert images.images == {}
    assert 'does not match' in status.reasons[0]
    assert 'refused to deactivate it, so it was deleted' in status.reasons[1]
    again = engine.status(status.image_id)
    assert again.state == 'failed'
    assert 'does not match' in again.reasons[0]  # survives the deletion


def test_mismatch_hidden_when_glance_refuses_deactivation_and_deletion():
    images, engine = make()
    images.web[URL] = b'evil' * 1000
    images.deactivate = fakes.refuse()
    images.delete = fakes.refuse()
    status = engine.start(fakes.verdict())
    assert status.state == 'failed'
    image = images.get(status.image_id)
    assert image['os_hidden'] is True and image['status'] == 'active'
    assert 'does not match' in image['marketplace_verification_error']
    assert 'hidden (os_hidden)' in status.reasons[1]
    again = engine.status(status.image_id)
    assert again.state == 'failed' and not again.verified
    assert 'still active in Glance (hidden)' in again.reasons[-1]
    # Never offered again: a new import makes a new image.
    images.web[URL] = fakes.IMAGE
    fresh = engine.start(fakes.verdict())
    assert fresh.image_id != status.image_id and fresh.verified


def test_mismatch_that_cannot_be_withdrawn_is_reported_loudly():
    images, engine = make()
    images.web[URL] = b'evil' * 1000
    images.deactivate = fakes.refuse()
    images.delete = fakes.refuse()
    update = images.update

    def no_hiding(image_id, remove_props=None, **props):
        if 'os_hidden' in props:
            raise GlanceForbidden('no')
        return update(image_id, **props)

    images.update = no_hiding
    status = engine.start(fakes.verdict())
    assert status.state == 'failed'
    assert 'still active and must not be used' in status.reasons[1]
    assert engine.status(status.image_id).state == 'failed'


def test_mismatch_is_withdrawn_even_when_its_reason_cannot_be_recorded():
    images, engine = make()
    images.web[URL] = b'evil' * 1000
    update = images.update

    def no_room(image_id, remove_props=None, **props):
        if 'marketplace_verification_error' in props:
            raise GlanceError('Glance could not update image: 413 quota',
                              status=413)
        return update(image_id, **props)

    images.update = no_room
    status = engine.start(fakes.verdict())
    assert status.state == 'failed' and not status.verified
    assert 'does not match' in status.reasons[0]
    [image] = images.images.values()
    assert image['status'] == 'deactivated'
    assert engine.status(image['id']).state == 'failed'


def test_failed_transfer_whose_image_cannot_be_deleted():
    images, engine, image_id = fakes.streamed_engine()
    images.glance_direct = lambda image_id: (_ for _ in ()).throw(
        GlanceError('Glance is down', status=503))
    images.delete = fakes.refuse()
    with pytest.raises(ImportFailed, match='could not be deleted'):
        engine.transfer(image_id)
    status = engine.status(image_id)
    assert status.state == 'failed'
    assert 'Glance is down' in status.reasons[0]
    # Never reused: a new import is a new image.
    images.glance_direct = fakes.FakeImages.glance_direct.__get__(images)
    fresh = engine.start(fakes.verdict(locations=[GZ_URL]))
    assert not fresh.existing and fresh.image_id != image_id


def test_failed_streamed_imports_are_remembered_for_every_worker():
    session = fakes.FakeSession({GZ_URL: fakes.FakeResponse(
        body=fakes.gz(b'wrong bytes'))})
    images, engine = make(session=session)
    cache = MemoryCache()
    engine.cache = cache
    engine.progress = ProgressStore(cache)
    status = engine.start(fakes.verdict(locations=[GZ_URL]), name='bad one')
    with pytest.raises(ImportFailed):
        engine.transfer(status.image_id)
    other_worker = Importer(images, cache=cache)
    [record] = other_worker.failed_imports()
    assert record['id'] == status.image_id and record['name'] == 'bad one'
    assert record['reason'].startswith('Image data does not match')
    assert record['marketplace_identifier'] == fakes.appliance().identifier
    assert other_worker.failed_import(status.image_id) == record
    assert other_worker.status(status.image_id).reasons == [
        record['reason']]
    elsewhere = Importer(fakes.FakeImages(project_id=fakes.OTHER_PROJECT),
                         cache=cache)
    assert elsewhere.failed_imports() == []


def test_failure_record_never_removes_another_workers_lock():
    session = fakes.FakeSession({GZ_URL: fakes.FakeResponse(
        body=fakes.gz(b'wrong bytes'))})
    images, engine = make(session=session)
    cache = MemoryCache()
    engine.cache = cache
    engine.progress = ProgressStore(cache)
    lock = Importer.FAILED_PREFIX + fakes.PROJECT + ':lock'
    assert cache.add(lock, 'other worker')  # held for a long while
    status = engine.start(fakes.verdict(locations=[GZ_URL]))
    with pytest.raises(ImportFailed):
        engine.transfer(status.image_id)
    assert cache.get(lock) == 'other worker'
    assert engine.failed_import(status.image_id)['reason'].startswith(
        'Image data does not match')


def test_lifecycle_flags():
    now = datetime.datetime(2031, 1, 1, tzinfo=datetime.UTC)
    image = {'marketplace_endorsed_at': '2025-01-01T00:00:00Z'}
    current = fakes.verdict('deprecated', deprecated=True)
    assert lifecycle_flags(image, current, now=now) == [
        'expired', 'deprecated', 'replaced']
    same = {'marketplace_endorsed_at': '2026-01-02T03:04:05Z'}
    assert lifecycle_flags(
        same, fakes.verdict(), now=now.replace(year=2027)) == []
