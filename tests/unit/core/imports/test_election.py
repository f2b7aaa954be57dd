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

"""Electing one image per entry: at once under a shared lock, lazily after.

Concurrent imports of one entry end with one image.  An importer holding
the lock of a cache shared by all importers elects right after creating
its image; one without (the CLI) waits ``settle`` first; and ``status()``
deletes a not yet verified image that an older live image of the same
entry beats (an importer that did not share the lock).
"""

import threading

from marketplace_dashboard.core.cache import MemoryCache
from marketplace_dashboard.core.glance import GlanceForbidden
from marketplace_dashboard.core.imports.importer import Importer
from marketplace_dashboard.core.imports.plan import GLANCE_DIRECT
from marketplace_dashboard.core.imports.policy import ImportPolicy
from tests.unit.core.imports import fakes

URL = 'http://images.example/a.img'
SETTLE = 7.0


class SharedCache(MemoryCache):
    """A cache every importer shares (``MemoryCache.add`` is atomic)."""

    shared = True


def make(cache=None, **kwargs):
    images = fakes.FakeImages()
    images.web[URL] = fakes.IMAGE
    slept = []
    engine = Importer(images, policy=ImportPolicy(settle=SETTLE),
                      cache=cache, sleep=slept.append, **kwargs)
    return images, engine, slept


def rival(images, **props):
    """An image of the entry made by an importer that shares no lock."""
    entry = {'marketplace_identifier': fakes.appliance().identifier,
             'marketplace_sha512': fakes.checksums(fakes.IMAGE)['SHA-512'],
             'marketplace_bytes': str(len(fakes.IMAGE)),
             'marketplace_import_method': 'web-download'}
    entry.update(props)
    return images.create(name='rival', tags=['marketplace'], **entry)


def appear_after_create(images, image):
    """Hide *image* until the importer under test creates its own."""
    hidden = images.images.pop(image['id'])
    original = images.create

    def create(**props):
        created = original(**props)
        images.images[hidden['id']] = hidden
        return created

    images.create = create


def test_shared_lock_elects_without_settle():
    images, engine, slept = make(cache=SharedCache())
    assert engine.shared_lock
    status = engine.start(fakes.verdict())
    assert slept == []
    assert status.state == 'active' and status.verified
    assert list(images.images) == [status.image_id]


def test_shared_lock_can_be_declared_by_the_caller():
    _images, engine, slept = make(shared_lock=True)
    engine.start(fakes.verdict())
    assert slept == []


def test_without_shared_lock_settle_is_kept():
    images, engine, slept = make()
    assert not engine.shared_lock
    status = engine.start(fakes.verdict())
    assert slept == [SETTLE]
    assert list(images.images) == [status.image_id]


def test_lock_held_elsewhere_waits_and_settles():
    cache = SharedCache()
    images, engine, slept = make(cache=cache)
    lock = Importer.LOCK_PREFIX + '%s:%s:%s' % (
        fakes.PROJECT, fakes.appliance().identifier,
        fakes.checksums(fakes.IMAGE)['SHA-512'][:32])
    cache.add(lock, 1)
    status = engine.start(fakes.verdict())
    # Nobody appeared while waiting: create, then elect after settling.
    assert slept == [SETTLE, SETTLE]
    assert list(images.images) == [status.image_id]


def test_the_import_lock_is_per_project():
    # Another project importing the same entry holds its lock: this
    # project's import neither waits for it nor settles.
    cache = SharedCache()
    theirs = fakes.FakeImages(project_id=fakes.OTHER_PROJECT)
    theirs.web[URL] = fakes.IMAGE
    taken = []
    add = cache.add

    def recording_add(key, value, timeout=None):
        taken.append(key)
        return add(key, value, timeout)

    cache.add = recording_add
    Importer(theirs, cache=cache, sleep=lambda s: None).start(
        fakes.verdict())
    cache.add = add
    [lock] = [k for k in taken if k.startswith(Importer.LOCK_PREFIX)]
    assert cache.add(lock, 'their worker')  # creating their image again
    images, engine, slept = make(cache=cache)
    status = engine.start(fakes.verdict())
    assert slept == []
    assert status.state == 'active' and status.verified
    assert list(images.images) == [status.image_id]


def test_shared_lock_still_loses_to_an_older_image_seen_at_election():
    images, engine, slept = make(cache=SharedCache())
    older = rival(images)
    appear_after_create(images, older)
    status = engine.start(fakes.verdict())
    assert slept == []
    assert status.existing and status.image_id == older['id']
    assert list(images.images) == [older['id']]


def test_status_deletes_younger_duplicate_and_wait_follows_winner():
    images, engine, _slept = make(cache=SharedCache())
    download = images.web_download
    images.web_download = lambda image_id, uri: None  # still downloading
    older = rival(images)
    # The rival's image becomes visible only after our election.
    hidden = images.images.pop(older['id'])
    ours = engine.start(fakes.verdict())
    assert ours.image_id != older['id']
    images.images[older['id']] = hidden
    images.calls.clear()
    status = engine.status(ours.image_id)
    assert status.state == 'duplicate' and not status.done
    assert status.duplicate_of == older['id']
    assert status.image['id'] == older['id']
    assert older['id'] in status.reasons[0]
    assert status.to_dict()['duplicate_of'] == older['id']
    assert images.calls == [('delete', ours.image_id)]
    assert list(images.images) == [older['id']]
    # Gone now: later polls still point at the winner.
    assert engine.status(ours.image_id).duplicate_of == older['id']
    download(older['id'], URL)
    final = engine.wait(ours.image_id, timeout=5)
    assert final.image_id == older['id']
    assert final.state == 'active' and final.verified


def test_older_image_is_kept_by_status():
    images, engine, _slept = make()
    first = rival(images)
    second = rival(images)
    assert engine.status(first['id']).state == 'queued'
    assert set(images.images) == {first['id'], second['id']}
    assert engine.status(second['id']).state == 'duplicate'
    assert list(images.images) == [first['id']]


def test_verified_image_is_never_reelected():
    images, engine, _slept = make(cache=SharedCache())
    older = rival(images)
    hidden = images.images.pop(older['id'])
    ours = engine.start(fakes.verdict())
    assert ours.verified
    images.images[older['id']] = hidden
    status = engine.status(ours.image_id)
    assert status.state == 'active' and status.verified
    assert ours.image_id in images.images


def test_failed_or_other_entry_images_do_not_win():
    images, engine, _slept = make()
    rival(images, marketplace_verification_error='bad data')
    rival(images, marketplace_sha512='0' * 128)
    ours = rival(images)
    assert engine.status(ours['id']).state == 'queued'
    assert ours['id'] in images.images


def test_duplicate_of_another_project_is_left_alone():
    images, engine, _slept = make()
    rival(images)
    theirs = rival(images)

    def delete(image_id):
        raise GlanceForbidden('not yours')

    images.delete = delete
    status = engine.status(theirs['id'])
    assert status.state == 'queued'
    assert theirs['id'] in images.images


def test_streamed_transfer_of_a_deleted_duplicate_reports_the_winner():
    images, engine, _slept = make(cache=SharedCache())
    gz_url = 'http://images.example/a.img.gz'
    older = rival(images, marketplace_import_method='glance-direct')
    hidden = images.images.pop(older['id'])
    ours = engine.start(fakes.verdict(locations=[gz_url]))
    assert ours.method == GLANCE_DIRECT
    stage = images.stage

    def stage_while_polled(image_id, fileobj):
        # Another worker's poll sees the rival while the data streams in.
        images.images[older['id']] = hidden
        assert engine.status(image_id).state == 'duplicate'
        return stage(image_id, fileobj)

    images.stage = stage_while_polled
    engine.http_session = fakes.FakeSession(
        {gz_url: fakes.FakeResponse(body=fakes.gz(fakes.IMAGE))})
    status = engine.transfer(ours.image_id)
    assert status.state == 'duplicate'
    assert status.duplicate_of == older['id']


def test_a_duplicate_deleted_by_another_process_is_followed_from_glance():
    # The reconciler (its own process and cache) deletes the younger
    # duplicate a dashboard worker was showing.
    images, dashboard, _slept = make(cache=SharedCache())
    older = rival(images)
    hidden = images.images.pop(older['id'])  # not visible yet
    younger = rival(images)
    assert dashboard.status(younger['id']).state == 'queued'
    images.images[older['id']] = hidden
    reconciler = Importer(images, all_projects=True,
                          project_id='admin-project')
    assert reconciler.status(younger['id']).state == 'duplicate'
    assert younger['id'] not in images.images
    # Any dashboard worker (sharing the dashboard's cache) follows it.
    other_worker = Importer(images, cache=dashboard.cache)
    for engine in (dashboard, other_worker):
        status = engine.status(younger['id'])
        assert status.state == 'duplicate'
        assert status.duplicate_of == older['id']


def test_streamed_transfer_deleted_as_duplicate_by_another_process():
    images, engine, _slept = make(cache=SharedCache())
    gz_url = 'http://images.example/a.img.gz'
    older = rival(images, marketplace_import_method='glance-direct')
    hidden = images.images.pop(older['id'])
    ours = engine.start(fakes.verdict(locations=[gz_url]))
    stage = images.stage

    def stage_while_reconciled(image_id, fileobj):
        # The CLI's reconciler, with a cache of its own, sees the rival.
        images.images[older['id']] = hidden
        reconciler = Importer(images, all_projects=True,
                              project_id='admin-project')
        assert reconciler.status(image_id).state == 'duplicate'
        return stage(image_id, fileobj)

    images.stage = stage_while_reconciled
    engine.http_session = fakes.FakeSession(
        {gz_url: fakes.FakeResponse(body=fakes.gz(fakes.IMAGE))})
    status = engine.transfer(ours.image_id)
    assert status.state == 'duplicate'
    assert status.duplicate_of == older['id']
    assert engine.failed_imports() == []
    assert (engine.progress.get(ours.image_id) or {}).get('state') != \
        'failed'
    assert engine.status(ours.image_id).duplicate_of == older['id']


def test_concurrent_shared_lock_importers_end_with_one_image():
    images = fakes.FakeImages()
    images.web[URL] = fakes.IMAGE
    cache = SharedCache()
    barrier = threading.Barrier(4)
    results = []

    def run():
        engine = Importer(images, policy=ImportPolicy(settle=0.2),
                          cache=cache)
        barrier.wait()
        results.append(engine.start(fakes.verdict()))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine = Importer(images, cache=cache)
    final = {engine.wait(r.image_id, timeout=5).image_id for r in results}
    assert len(final) == 1
    assert list(images.images) == list(final)
