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

"""Dedupe and what is offered for launch instead of an import."""

import threading

import pytest

from marketplace_dashboard.core.cache import MemoryCache
from marketplace_dashboard.core.imports.election import (
    launch_ready,
    request_unapplied,
)
from marketplace_dashboard.core.imports.importer import Importer
from marketplace_dashboard.core.imports.mapping import image_properties
from marketplace_dashboard.core.imports.policy import ImportPolicy
from marketplace_dashboard.core.imports.verify import (
    entry_problems,
)
from tests.unit.core.imports import fakes
from tests.unit.core.imports.fakes import GZ_URL, URL, make


def test_second_import_returns_existing_image():
    images, engine = make()
    first = engine.start(fakes.verdict())
    second = engine.start(fakes.verdict())
    assert second.existing and second.image_id == first.image_id
    assert len(images.images) == 1
    assert [c[0] for c in images.calls].count('create') == 1


def test_failed_image_is_not_reused():
    images, engine = make()
    images.web[URL] = b'evil'
    bad = engine.start(fakes.verdict())
    images.web[URL] = fakes.IMAGE
    good = engine.start(fakes.verdict())
    assert good.image_id != bad.image_id and good.verified


def test_other_hash_is_not_a_duplicate():
    images, engine = make()
    first = engine.start(fakes.verdict())
    other_data = b'other' * 1000
    images.web['http://images.example/b.img'] = other_data
    second = engine.start(fakes.verdict(
        data=other_data, locations=['http://images.example/b.img']))
    assert second.image_id != first.image_id and not second.existing


def test_race_loser_deletes_its_image_and_returns_winner():
    images, engine = make()
    older = images.create(name='x', status='queued', **{
        'marketplace_identifier': fakes.appliance().identifier,
        'marketplace_sha512': fakes.checksums(fakes.IMAGE)['SHA-512'],
        'marketplace_import_method': 'web-download'})
    # The older image appears only after our existence check.
    hidden = images.images.pop(older['id'])
    original_create = images.create

    def create(**props):
        images.images[hidden['id']] = hidden
        return original_create(**props)

    images.create = create
    status = engine.start(fakes.verdict())
    assert status.existing and status.image_id == older['id']
    assert list(images.images) == [older['id']]
    assert not any(c[0] == 'web-download' for c in images.calls)


def test_concurrent_threads_end_with_one_image():
    images = fakes.FakeImages()
    images.web[URL] = fakes.IMAGE
    barrier = threading.Barrier(4)
    results = []

    def run():
        engine = Importer(images, policy=ImportPolicy(settle=0.2))
        barrier.wait()
        results.append(engine.start(fakes.verdict()))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r.image_id for r in results}) == 1
    assert list(images.images) == [results[0].image_id]


def test_lock_taken_by_other_worker_then_existing_returned():
    images, engine = make()
    cache = MemoryCache()
    engine.cache = cache
    lock = Importer.LOCK_PREFIX + '%s:%s:%s' % (
        fakes.PROJECT, fakes.appliance().identifier,
        fakes.checksums(fakes.IMAGE)['SHA-512'][:32])
    first = engine.start(fakes.verdict(locations=[GZ_URL]))
    assert cache.get(lock) is None, 'lock not released'
    images.images.clear()
    # Another worker holds the entry's lock: it is creating the image.
    assert cache.add(lock, 'other worker')
    theirs = {}

    def other_worker_creates_while_we_wait(seconds):
        assert seconds == engine.policy.settle
        theirs.update(images.create(
            name='theirs', tags=['marketplace'],
            **dict(image_properties(fakes.appliance(), 'verified'),
                   marketplace_import_method='glance-direct')))

    engine.sleep = other_worker_creates_while_we_wait
    images.calls.clear()
    status = engine.start(fakes.verdict(locations=[GZ_URL]))
    assert status.existing and status.image_id == theirs['id']
    assert status.state == 'queued'
    assert images.calls == [('create', theirs['id'])]  # we created none
    assert cache.get(lock) == 'other worker'  # their lock, left alone
    assert first.image_id not in images.images


def _foreign(images, visibility='community', data=None, **props):
    """An image of another project carrying the entry's properties."""
    values = image_properties(fakes.appliance(), 'verified')
    values.update(props)
    image = images.create(name='theirs', visibility=visibility,
                          tags=['marketplace'], owner=fakes.OTHER_PROJECT,
                          **values)
    if data is not None:
        images._activate(image['id'], data)
    return images.get(image['id'])


def test_squatter_community_image_is_ignored():
    # Another project's community placeholder with the entry's identifier
    # and sha512, never uploaded (and stalled long ago).
    images, engine = make()
    engine.clock = lambda: 10 ** 12
    squat = _foreign(images)
    status = engine.start(fakes.verdict())
    assert not status.existing and status.image_id != squat['id']
    assert status.state == 'active' and status.verified
    assert set(images.images) == {squat['id'], status.image_id}
    assert engine.existing(fakes.appliance())['id'] == status.image_id


@pytest.mark.parametrize('visibility', ['community', 'shared', 'public'])
def test_other_projects_imports_are_never_waited_on_or_deleted(visibility):
    images, engine = make()
    download = images.web_download
    images.web_download = lambda image_id, uri: None  # ours: in progress
    theirs = _foreign(images, visibility=visibility,
                      marketplace_import_method='web-download')
    ours = engine.start(fakes.verdict())
    assert not ours.existing and ours.image_id != theirs['id']
    # Theirs is older and live: ours is still never deleted for it.
    assert images.get(theirs['id'])['created_at'] < \
        images.get(ours.image_id)['created_at']
    assert engine.status(ours.image_id).state == 'queued'
    assert engine.status(theirs['id']).state == 'queued'
    assert set(images.images) == {theirs['id'], ours.image_id}
    download(ours.image_id, URL)
    assert engine.wait(ours.image_id, timeout=5).verified


def test_matching_public_image_is_offered_for_launch_only():
    images, engine = make()
    public = _foreign(images, visibility='public', data=fakes.IMAGE)
    status = engine.start(fakes.verdict())
    assert status.existing and status.image_id == public['id']
    assert status.state == 'active' and status.verified and status.done
    assert 'public image' in status.reasons[0]
    assert not any(c[0] == 'create' and c[1] != public['id']
                   for c in images.calls[1:])
    assert engine.existing(fakes.appliance())['id'] == public['id']
    assert 'marketplace_verified' not in images.get(public['id'])
    # status() of it checks Glance's facts and never writes to it.
    calls = len(images.calls)
    assert engine.status(public['id']).verified
    assert len(images.calls) == calls


def test_public_image_that_does_not_match_is_ignored():
    images, engine = make()
    public = _foreign(images, visibility='public',
                      data=fakes.IMAGE[:-1] + b'X')
    status = engine.start(fakes.verdict())
    assert not status.existing and status.image_id != public['id']
    assert status.verified
    assert public['id'] in images.images
    tampered = engine.status(public['id'])
    assert tampered.state == 'failed'
    assert 'not your image' in tampered.reasons[0]
    assert images.get(public['id'])['status'] == 'active'  # not ours


def test_public_image_is_checked_against_the_entry_not_its_claims():
    # Glance computes sha256 here; the owner of the public image claims
    # the endorsed sha512 but the sha256 and size of other data.
    images, engine = make(hash_algo='sha256')
    other = b'other data' * 1000
    _foreign(images, visibility='public', data=other,
             marketplace_sha256=fakes.checksums(other)['SHA-256'],
             marketplace_bytes=str(len(other)))
    appliance = fakes.appliance()
    assert engine.existing(appliance) is None
    assert entry_problems(images.find()[0], appliance)


def test_image_without_import_method_is_ignored():
    images, engine = make()
    placeholder = images.create(
        name='mine, by hand', tags=['marketplace'],
        **image_properties(fakes.appliance(), 'verified'))
    status = engine.start(fakes.verdict())
    assert not status.existing and status.image_id != placeholder['id']
    assert placeholder['id'] in images.images


def test_existing_is_one_rule_over_listed_images():
    # The In Glance mark gives existing() the images it listed.
    images, engine = make()
    appliance = fakes.appliance()
    squat = _foreign(images)
    assert engine.existing(appliance, images.find()) is None
    ours = engine.start(fakes.verdict())
    public = _foreign(images, visibility='public', data=fakes.IMAGE)
    assert engine.existing(appliance, images.find())['id'] == ours.image_id
    engine.deactivate(ours.image_id)
    assert engine.existing(appliance, images.find())['id'] == public['id']
    # A third project's view: ours is not theirs to count.
    third = Importer(images, project_id='c0ffee' * 5 + 'ab')
    assert third.existing(appliance, images.find())['id'] == public['id']
    assert engine.existing(appliance, []) is None
    assert squat['id'] in images.images


def test_shared_image_is_offered_once_the_project_accepted_it():
    images, engine = make()
    shared = _foreign(images, visibility='shared', data=fakes.IMAGE)
    images.members[shared['id']] = {fakes.PROJECT: 'pending'}
    assert engine.existing(fakes.appliance()) is None
    images.members[shared['id']][fakes.PROJECT] = 'accepted'
    assert engine.existing(fakes.appliance())['id'] == shared['id']
    status = engine.start(fakes.verdict())
    assert status.existing and status.image_id == shared['id']
    assert status.verified and 'shared with your project' in \
        status.reasons[0]
    assert [c for c in images.calls if c[0] == 'create'] == [
        ('create', shared['id'])]  # nothing imported
    assert launch_ready(status.image, fakes.PROJECT)


def test_community_image_is_never_offered_even_when_it_matches():
    # Any project can make a community image: never offered, even with
    # the endorsed bytes.
    images, engine = make()
    community = _foreign(images, visibility='community', data=fakes.IMAGE)
    assert engine.existing(fakes.appliance()) is None
    status = engine.start(fakes.verdict())
    assert not status.existing and status.image_id != community['id']
    assert status.verified


def test_shared_image_whose_data_is_not_the_entry_is_never_offered():
    images, engine = make()
    other = b'other' * 1000
    shared = _foreign(images, visibility='shared', data=other,
                      marketplace_bytes=str(len(other)))
    images.members[shared['id']] = {fakes.PROJECT: 'accepted'}
    assert engine.existing(fakes.appliance()) is None


def test_existing_import_says_the_visibility_asked_for_is_not_applied():
    images, engine = make()
    first = engine.start(fakes.verdict())
    again = engine.start(fakes.verdict(), visibility='shared',
                         members=['p1'])
    assert again.existing and again.image_id == first.image_id
    assert 'the visibility "shared" and the members asked for now was not ' \
        'applied' in again.reasons[-1]
    assert images.get(first.image_id)['visibility'] == 'private'
    same = engine.start(fakes.verdict())
    assert same.reasons == []
    assert request_unapplied(same.image, 'public')
    assert not request_unapplied(same.image, 'private')
