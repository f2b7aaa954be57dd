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
"""A streamed transfer that died is recognised (issue 14, finding 9)."""

import threading
import time

import pytest

from marketplace_dashboard.core import formats
from marketplace_dashboard.core.errors import ConfigurationError
from marketplace_dashboard.core.imports import Importer, ImportPolicy, record
from marketplace_dashboard.core.imports.heartbeat import Heartbeat, stamp
from tests.unit.core.imports import fakes
from tests.unit.core.imports.fakes import GZ_URL


def killed_mid_transfer(policy=None):
    """A streamed import whose process died while it staged the data: its
    image ``uploading``, the last heartbeat written now.  ``(images,
    engine, image_id, later)``: *later(seconds)* moves the engine's clock
    that far past the heartbeat."""
    images, engine = fakes.make(policy=policy)
    status = engine.start(fakes.verdict(locations=[GZ_URL]))
    assert status.method == 'glance-direct'
    beat = time.time()
    images.update(status.image_id, status='uploading',
                  **{record.HEARTBEAT: stamp(beat)})
    engine.progress.update(status.image_id, 5, 10, force=True)
    offset = [0.0]
    engine.clock = lambda: time.time() + offset[0]
    engine.progress.clock = lambda: beat  # the dead process's last word

    def later(seconds):
        offset[0] = beat + seconds - time.time()
    return images, engine, status.image_id, later


def test_next_import_starts_anew_once_the_transfer_is_dead():
    images, engine, dead, later = killed_mid_transfer()
    later(30)  # quiet, not yet dead: still the import of the entry
    again = engine.start(fakes.verdict(locations=[GZ_URL]))
    assert again.existing and again.image_id == dead
    later(61)
    fresh = engine.start(fakes.verdict(locations=[GZ_URL]))
    assert not fresh.existing and fresh.image_id != dead
    assert dead not in images.images  # deleted, no one cleaned up
    reason = engine.status(dead).reasons[0]
    assert reason.startswith('The transfer of image %s stopped (no '
                             'heartbeat for 6' % dead)
    assert 'it was deleted and the import can start again' in reason
    assert [f['reason'] for f in engine.failed_imports()] == [reason]


def test_status_of_a_dead_transfer_deletes_it_and_says_so():
    images, engine, dead, later = killed_mid_transfer()
    assert engine.status(dead).state == 'importing'
    later(61)
    status = engine.status(dead)
    assert status.state == 'failed' and 'no heartbeat for' in \
        status.reasons[0]
    assert dead not in images.images
    assert ('delete', dead) in images.calls
    # Any later look (another worker, the view) says the same.
    assert engine.status(dead).reasons == status.reasons


def test_dead_after_is_a_setting():
    images, engine, dead, later = killed_mid_transfer(
        ImportPolicy(heartbeat_interval=10, dead_after=200))
    later(150)
    assert engine.status(dead).state == 'importing'
    later(201)
    assert engine.status(dead).state == 'failed'


def test_another_projects_dead_transfer_is_never_deleted():
    images, engine, dead, later = killed_mid_transfer()
    images.update(dead, owner='another-project')
    engine.all_projects = True  # not even by the reconciler
    later(3600)
    engine.status(dead)
    assert dead in images.images
    assert ('delete', dead) not in images.calls


def test_verified_or_imported_images_are_never_dead():
    images, engine, dead, later = killed_mid_transfer()
    later(3600)
    images.update(dead, status='importing')  # Glance's now
    assert ('delete', dead) not in images.calls
    engine.status(dead)
    assert dead in images.images
    images.update(dead, status='uploading',
                  **{record.VERIFIED: 'true'})
    engine.status(dead)
    assert dead in images.images


def test_no_heartbeat_ever_written_is_left_to_the_stall_check():
    images, engine = fakes.make(policy=ImportPolicy(stall_after=0))
    status = engine.start(fakes.verdict(locations=[GZ_URL]))
    images.update(status.image_id, status='uploading')
    # as an older version left it: no heartbeat, not even at creation
    del images.images[status.image_id][record.HEARTBEAT]
    engine.clock = lambda: 10 ** 12
    assert engine.status(status.image_id).state == 'importing'


def test_a_streamed_image_is_created_with_its_first_heartbeat():
    images, engine = fakes.make()
    before = time.time()
    status = engine.start(fakes.verdict(locations=[GZ_URL]))
    beat = images.get(status.image_id)[record.HEARTBEAT]
    assert beat.endswith('Z')
    assert before - 1 <= formats.parse_timestamp(beat) <= time.time()
    # a web-download has no transfer of ours to beat for
    images, engine = fakes.make()
    status = engine.start(fakes.verdict())
    assert status.method == 'web-download'
    assert record.HEARTBEAT not in images.get(status.image_id)


def traced(images):
    """Record the engine's reads and updates in ``images.calls`` too, as
    ``('get', id)`` and ``('update', id, sorted property names)``."""
    get, update = images.get, images.update
    inside = []

    def traced_get(image_id):
        if not inside:
            images.calls.append(('get', image_id))
        return get(image_id)

    def traced_update(image_id, remove_props=None, **props):
        images.calls.append(('update', image_id, sorted(props)))
        inside.append(1)
        try:
            return update(image_id, remove_props=remove_props, **props)
        finally:
            inside.pop()
    images.get, images.update = traced_get, traced_update
    return len(images.calls)


def test_the_transfer_of_a_fresh_image_starts_without_a_call_of_its_own():
    # created moments ago with its heartbeat and read back by start():
    # neither read again nor beaten before the data goes
    images, engine, image_id = fakes.streamed_engine()
    calls = traced(images)
    assert engine.transfer(image_id).state == 'active'
    assert images.calls[calls] == ('stage', image_id)
    assert ('update', image_id, [record.HEARTBEAT]) not in images.calls
    assert not engine._fresh


def test_a_transfer_of_an_older_image_reads_it_and_beats_first():
    # another engine (the CLI resuming, another worker) and the heartbeat
    # older than heartbeat_interval (15 s): read, beaten, then the data
    images, engine, image_id = fakes.streamed_engine()
    other = Importer(images, http_session=engine.http_session,
                     sleep=lambda seconds: None,
                     clock=lambda: time.time() + 16)
    calls = traced(images)
    assert other.transfer(image_id).state == 'active'
    assert images.calls[calls:calls + 3] == [
        ('get', image_id), ('update', image_id, [record.HEARTBEAT]),
        ('stage', image_id)]
    beat = images.get(image_id)[record.HEARTBEAT]
    assert formats.parse_timestamp(beat) > time.time() + 10


def test_heartbeat_thread_beats_at_its_interval_and_stops():
    written = []
    seen = threading.Event()

    def write(**props):
        written.append(props)
        if len(written) >= 3:
            seen.set()

    with Heartbeat('x', write, 0.01, clock=lambda: 0):
        assert written == [{record.HEARTBEAT: '1970-01-01T00:00:00Z'}]
        assert seen.wait(5)
    count = len(written)
    time.sleep(0.05)
    assert len(written) == count


def test_a_failing_beat_never_stops_the_transfer():
    def write(**props):
        raise RuntimeError('boom')

    with Heartbeat('x', write, 0.01, clock=time.time):
        time.sleep(0.03)


@pytest.mark.parametrize('settings', [
    {'heartbeat_interval': 0}, {'heartbeat_interval': 60},
    {'heartbeat_interval': 30, 'dead_after': 20}, {'dead_after': -1},
    {'dead_after': 'soon'}])
def test_bad_heartbeat_settings_refused(settings):
    with pytest.raises(ConfigurationError):
        ImportPolicy.from_dict(settings)


def test_heartbeat_defaults():
    policy = ImportPolicy()
    assert (policy.heartbeat_interval, policy.dead_after,
            policy.stall_after) == (15.0, 60.0, 300.0)
