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

"""Status: the state machine and stall detection."""

import datetime
import time

import pytest

from marketplace_dashboard.core.formats import parse_timestamp
from marketplace_dashboard.core.imports import record
from marketplace_dashboard.core.imports.heartbeat import stamp
from marketplace_dashboard.core.imports.policy import ImportPolicy
from tests.unit.core.imports import fakes
from tests.unit.core.imports.fakes import (
    GZ_URL,
    URL,
    make,
)


def test_status_states():
    images, engine = make()
    image = images.create(name='x', marketplace_identifier='i',
                          marketplace_import_method='web-download')
    assert engine.status(image['id']).state == 'queued'
    images.update(image['id'], status='importing')
    assert engine.status(image['id']).state == 'importing'
    images.update(image['id'], os_glance_failed_import='file')
    failed = engine.status(image['id'])
    assert failed.state == 'failed' and 'file' in failed.reasons[0]
    assert engine.status('gone').state == 'failed'


def test_stalled_streamed_import_is_reported_and_not_reused():
    clock = [10_000.0]
    images, engine = make(policy=ImportPolicy(stall_after=60))
    engine.clock = lambda: clock[0]
    engine.progress.clock = engine.clock
    status = engine.start(fakes.verdict(locations=[GZ_URL]))
    engine.progress.update(status.image_id, 5, 10, force=True)
    assert engine.status(status.image_id).state == 'importing'
    clock[0] += 61
    stalled = engine.status(status.image_id)
    assert stalled.state == 'failed' and 'stalled' in stalled.reasons[0]
    fresh = engine.start(fakes.verdict(locations=[GZ_URL]))
    assert fresh.image_id != status.image_id


def test_web_download_left_queued_is_stalled():
    clock = [0.0]
    images, engine = make(policy=ImportPolicy(stall_after=60))
    images.web_download = lambda image_id, uri: None  # never starts
    status = engine.start(fakes.verdict())
    assert status.state == 'queued'
    clock[0] = parse_timestamp(images.get(status.image_id)['updated_at'])
    engine.clock = lambda: clock[0]
    assert engine.status(status.image_id).state == 'queued'
    clock[0] += 61
    assert engine.status(status.image_id).state == 'failed'
    assert engine.start(fakes.verdict()).image_id != status.image_id


def test_upload_by_unseen_worker_is_not_stalled():
    # a worker whose progress record is in another cache (a CLI
    # elsewhere), beating on the image as it uploads
    images, engine = make(policy=ImportPolicy(stall_after=0))
    status = engine.start(fakes.verdict(locations=[GZ_URL]))
    later = time.time() + 10 ** 6  # days after the image was created
    images.update(status.image_id, status='uploading',
                  **{record.HEARTBEAT: stamp(later - 1)})
    engine.clock = lambda: later
    assert engine.status(status.image_id).state == 'importing'
    assert engine.start(fakes.verdict(locations=[GZ_URL])).image_id == \
        status.image_id


def _failing_web_download(images, message='HTTP 404 Not Found from ' + URL):
    """Glance accepts the web-download, its task fails and single-store
    Glance puts the image back to queued (no os_glance_failed_import)."""
    tasks = {}

    def web_download(image_id, uri):
        images.calls.append(('web-download', image_id, uri))
        tasks[image_id] = [
            {'id': 't1', 'status': 'failure', 'message': message,
             'created_at': '2026-11-25T00:00:01Z',
             'updated_at': '2026-11-25T00:00:02Z'}]

    images.web_download = web_download
    images.tasks = lambda image_id: list(tasks.get(image_id, []))
    return tasks


def test_failed_web_download_task_fails_the_import():
    images, engine = make()
    _failing_web_download(images)
    status = engine.start(fakes.verdict())
    assert status.state == 'failed'
    assert status.reasons == ['Glance could not download the image: HTTP '
                              '404 Not Found from %s' % URL]
    image = images.get(status.image_id)
    assert image['status'] == 'queued'
    assert image['marketplace_import_error'] == status.reasons[0]
    again = engine.status(status.image_id)
    assert again.state == 'failed' and again.reasons == status.reasons
    # Not "already imported": a new import makes a new image, which is
    # not elected away in favour of the failed one.
    images.web_download = lambda image_id, uri: images._activate(
        image_id, fakes.IMAGE)
    fresh = engine.start(fakes.verdict())
    assert not fresh.existing and fresh.image_id != status.image_id
    assert fresh.verified and fresh.image_id in images.images


def test_failed_task_seen_by_the_election_of_a_new_import():
    images, engine = make()
    tasks = _failing_web_download(images)
    first = engine.start(fakes.verdict())
    images.images[first.image_id].pop('marketplace_import_error')
    images.web_download = lambda image_id, uri: images._activate(
        image_id, fakes.IMAGE)
    assert tasks
    fresh = engine.start(fakes.verdict())
    assert not fresh.existing and fresh.verified


def test_web_download_in_progress_is_not_failed_by_an_older_task():
    images, engine = make()
    tasks = _failing_web_download(images)
    status = engine.start(fakes.verdict())
    images.images[status.image_id].pop('marketplace_import_error')
    tasks[status.image_id].append(
        {'id': 't2', 'status': 'processing', 'message': 'Copied 3 MiB',
         'created_at': '2026-11-25T00:01:00Z',
         'updated_at': '2026-11-25T00:01:30Z'})
    images.update(status.image_id, status='importing')
    assert engine.status(status.image_id).state == 'importing'


@pytest.mark.parametrize('method', ['web-download', 'glance-direct'])
def test_import_left_importing_is_stalled(method):
    images, engine = make(policy=ImportPolicy(stall_after=60))
    image = images.create(name='x', tags=['marketplace'], **{
        'marketplace_identifier': fakes.appliance().identifier,
        'marketplace_sha512': fakes.checksums(fakes.IMAGE)['SHA-512'],
        'marketplace_import_method': method})
    images.update(image['id'], status='importing')
    task = {'status': 'processing', 'message': 'Copied 1 MiB',
            'updated_at': '2026-11-25T00:00:00Z'}
    images.tasks = lambda image_id: [task]
    start = parse_timestamp(images.get(image['id'])['updated_at'])
    engine.clock = lambda: start + 30
    assert engine.status(image['id']).state == 'importing'
    # Glance keeps copying: its task moves on, the image does not.
    engine.clock = lambda: start + 600
    task['updated_at'] = datetime.datetime.fromtimestamp(
        start + 590, datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')
    assert engine.status(image['id']).state == 'importing'
    # Glance restarted: nothing moves any more.
    engine.clock = lambda: start + 700
    stalled = engine.status(image['id'])
    assert stalled.state == 'failed' and 'stalled' in stalled.reasons[0]


def test_import_is_not_stalled_when_glance_cannot_list_its_tasks():
    images, engine = make(policy=ImportPolicy(stall_after=60))
    image = images.create(name='x', tags=['marketplace'], **{
        'marketplace_identifier': fakes.appliance().identifier,
        'marketplace_sha512': fakes.checksums(fakes.IMAGE)['SHA-512'],
        'marketplace_import_method': 'web-download'})
    images.update(image['id'], status='importing')
    images.tasks = lambda image_id: None  # e.g. Glance answered 503
    start = parse_timestamp(images.get(image['id'])['updated_at'])
    engine.clock = lambda: start + 3600
    assert engine.status(image['id']).state == 'importing'
