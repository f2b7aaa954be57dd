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

"""The streamed transfer: staging, mirrors, background threads, slots."""

import threading

import pytest

from marketplace_dashboard.core.errors import ImportFailed, ImportRefused
from marketplace_dashboard.core.glance import GlanceError
from marketplace_dashboard.core.imports.plan import choose_method
from marketplace_dashboard.core.imports.policy import ImportPolicy
from marketplace_dashboard.core.imports.progress import (
    PROCESS_SLOTS,
)
from marketplace_dashboard.core.imports.record import (
    unpack_sources,
)
from tests.unit.core.imports import fakes
from tests.unit.core.imports.fakes import GZ_URL, MIRROR, URL, make


def test_streamed_only_when_glance_does_not_offer_web_download():
    session = fakes.FakeSession({URL: fakes.FakeResponse(
        body=fakes.IMAGE)})
    images, engine = make(session=session, methods=['glance-direct'])
    status = engine.start(fakes.verdict())
    assert status.method == 'glance-direct' and status.state == 'queued'
    final = engine.transfer(status.image_id)
    assert final.state == 'active' and final.verified


def test_streamed_gz_import_verified_with_progress():
    session = fakes.FakeSession({GZ_URL: fakes.FakeResponse(
        body=fakes.gz(fakes.IMAGE), chunk=1000)})
    images, engine = make(session=session)
    engine.progress.interval = 0
    status = engine.start(fakes.verdict(locations=[GZ_URL]))
    assert status.method == 'glance-direct' and status.state == 'queued'
    image_id = status.image_id
    final = engine.transfer(image_id)
    assert final.state == 'active' and final.verified
    assert images.get(image_id)['marketplace_compression'] == 'gz'
    record = engine.progress.get(image_id)
    assert record['done'] == record['total'] == len(fakes.IMAGE)
    assert record['percent'] == 100
    assert [c[0] for c in images.calls] == [
        'create', 'stage', 'glance-direct']
    assert session.requested[0][1]['stream'] is True
    assert session.requested[0][1]['verify'] is True
    assert session.requested[0][1]['timeout']


@pytest.mark.parametrize('body, reason', [
    (fakes.gz(fakes.IMAGE[:-1] + b'X'), 'SHA-512 is'),
    (fakes.gz(fakes.IMAGE[:-1]), 'size is'),
    (fakes.gz(fakes.IMAGE + b'more'), 'decompresses to more than'),
    (b'not gzip at all', 'not valid gz'),
])
def test_streamed_mismatch_deletes_image(body, reason):
    session = fakes.FakeSession({GZ_URL: fakes.FakeResponse(body=body)})
    images, engine = make(session=session)
    status = engine.start(fakes.verdict(locations=[GZ_URL]))
    with pytest.raises(ImportFailed, match=reason) as e:
        engine.transfer(status.image_id)
    assert 'deleted' in str(e.value)
    assert images.images == {}
    assert not any(c[0] == 'glance-direct' for c in images.calls)
    after = engine.status(status.image_id)
    assert after.state == 'failed'


def test_streamed_plain_larger_than_endorsed_stops():
    session = fakes.FakeSession({URL: fakes.FakeResponse(
        body=fakes.IMAGE + b'x' * 10)})
    images, engine = make(session=session, methods=['glance-direct'])
    status = engine.start(fakes.verdict())
    assert status.method == 'glance-direct'
    with pytest.raises(ImportFailed, match='larger than the 1048580'):
        engine.transfer(status.image_id)
    assert images.images == {}


def test_streamed_download_error_deletes_image():
    session = fakes.FakeSession({GZ_URL: fakes.FakeResponse(status=503)})
    images, engine = make(session=session)
    status = engine.start(fakes.verdict(locations=[GZ_URL]))
    with pytest.raises(ImportFailed, match='HTTP 503'):
        engine.transfer(status.image_id)
    assert images.images == {}


def test_background_transfer_failure_is_reported_by_status():
    session = fakes.FakeSession({GZ_URL: fakes.FakeResponse(
        body=fakes.gz(b'wrong'))})
    images, engine = make(session=session)
    status = engine.start(fakes.verdict(locations=[GZ_URL]))
    engine.transfer_in_background(status.image_id).join(timeout=30)
    after = engine.status(status.image_id)
    assert after.state == 'failed'
    assert 'does not match the endorsed metadata' in after.reasons[0]
    assert images.images == {}


def test_background_transfer_success():
    session = fakes.FakeSession({GZ_URL: fakes.FakeResponse(
        body=fakes.gz(fakes.IMAGE))})
    images, engine = make(session=session)
    status = engine.start(fakes.verdict(locations=[GZ_URL]))
    engine.transfer_in_background(status.image_id).join(timeout=30)
    assert engine.status(status.image_id).verified


def test_streamed_falls_back_to_the_next_location():
    session = fakes.FakeSession({
        GZ_URL: fakes.FakeResponse(status=503),
        MIRROR: fakes.FakeResponse(body=fakes.gz(fakes.IMAGE))})
    images, engine = make(session=session)
    status = engine.start(fakes.verdict(
        locations=[GZ_URL, 'pdisk:a:b', MIRROR]))
    image = images.get(status.image_id)
    assert image['marketplace_source_url'] == GZ_URL
    assert image['marketplace_source_url_2'] == MIRROR
    assert image['marketplace_compression_2'] == 'gz'
    assert unpack_sources(image) == [(GZ_URL, 'gz'), (MIRROR, 'gz')]
    final = engine.transfer(status.image_id)
    assert final.state == 'active' and final.verified
    assert [url for url, _ in session.requested] == [GZ_URL, MIRROR]


def test_streamed_fails_with_every_location_reason():
    session = fakes.FakeSession({GZ_URL: fakes.FakeResponse(status=503)})
    images, engine = make(session=session)
    status = engine.start(fakes.verdict(locations=[GZ_URL, MIRROR]))
    with pytest.raises(ImportFailed) as e:
        engine.transfer(status.image_id)
    assert 'HTTP 503' in str(e.value) and 'HTTP 404' in str(e.value)
    assert MIRROR in str(e.value)
    assert images.images == {}


def test_a_download_failure_is_never_reported_as_a_mismatch():
    session = fakes.FakeSession({GZ_URL: fakes.FakeResponse(status=503)})
    images, engine = make(session=session)
    status = engine.start(fakes.verdict(locations=[GZ_URL]))
    with pytest.raises(ImportFailed) as e:
        engine.transfer(status.image_id)
    assert str(e.value).startswith('Cannot download the image data: ')
    assert 'does not match' not in str(e.value)


def test_streamed_mismatch_does_not_try_a_mirror():
    session = fakes.FakeSession({
        GZ_URL: fakes.FakeResponse(body=fakes.gz(b'other bytes')),
        MIRROR: fakes.FakeResponse(body=fakes.gz(fakes.IMAGE))})
    images, engine = make(session=session)
    status = engine.start(fakes.verdict(locations=[GZ_URL, MIRROR]))
    with pytest.raises(ImportFailed, match='does not match'):
        engine.transfer(status.image_id)
    assert [url for url, _ in session.requested] == [GZ_URL]
    assert images.images == {}


def test_mirrors_are_bounded_and_whole():
    long_url = 'https://mirror.example/' + 'a' * 250 + '.img'
    urls = [GZ_URL, long_url] + ['https://m%d.example/a.img' % i
                                 for i in range(6)]
    plan = choose_method(
        fakes.appliance(locations=urls), ['glance-direct'], ImportPolicy())
    assert plan.url == GZ_URL
    assert [url for url, _ in plan.mirrors] == urls[1:5]
    assert all(compression is None for _, compression in plan.mirrors)


def test_a_long_location_is_recorded_and_downloaded_whole():
    long_url = 'https://images.example/' + 'a' * 300 + '.img.gz'
    session = fakes.FakeSession({long_url: fakes.FakeResponse(
        body=fakes.gz(fakes.IMAGE))})
    images, engine = make(session=session)
    status = engine.start(fakes.verdict(locations=[long_url, long_url +
                                                   '?mirror']))
    image = images.get(status.image_id)
    assert image['marketplace_source_url'] == long_url
    assert image['marketplace_source_url_2'] == long_url + '?mirror'
    final = engine.transfer(status.image_id)
    assert final.state == 'active' and final.verified, final.reasons
    assert [url for url, _ in session.requested] == [long_url]


def test_background_glance_direct_refused_fails_with_reason():
    # e.g. the user's token expired while the data streamed
    images, engine, image_id = fakes.streamed_engine()

    def expired(image_id):
        raise GlanceError('Authentication failed while trying to import '
                          'staged image: token expired', status=401)

    images.glance_direct = expired
    engine.transfer_in_background(image_id).join(timeout=30)
    record = engine.progress.get(image_id)
    assert record['state'] == 'failed'
    assert record['reason'].startswith('Glance could not import the staged '
                                       'image: Authentication failed')
    assert images.images == {}
    status = engine.status(image_id)
    assert status.state == 'failed'
    assert status.reasons == [record['reason']]
    assert 'does not match' not in status.reasons[0]


def test_background_import_is_never_deleted_once_glance_imports_it():
    # One transient 503 reading the image right after glance-direct.
    images, engine, image_id = fakes.streamed_engine()
    engine.policy.stall_after = 0  # the thread checks once, then leaves
    get = images.get
    failures = [GlanceError('Glance could not read image: 503',
                            status=503)]

    def flaky_get(image_id):
        if images.images[image_id]['status'] == 'active' and failures:
            raise failures.pop()
        return get(image_id)

    images.get = flaky_get
    engine.transfer_in_background(image_id).join(timeout=30)
    assert image_id in images.images
    assert not any(c[0] == 'delete' for c in images.calls)
    record = engine.progress.get(image_id)
    assert record['state'] == 'importing'
    assert 'checked again on the next look' in record['reason']
    assert engine.failed_import(image_id) is None
    status = engine.status(image_id)  # the next poll
    assert status.state == 'active' and status.verified


def test_background_import_is_verified_and_published_by_its_thread():
    images, engine = make(session=fakes.FakeSession({GZ_URL: (
        fakes.FakeResponse(body=fakes.gz(fakes.IMAGE)))}))
    status = engine.start(fakes.verdict(locations=[GZ_URL]),
                          visibility='shared', members=['p1'])
    # Glance takes a few checks to import the staged data.
    glance_direct = images.glance_direct
    polls = []

    def slow_import(image_id):
        images.images[image_id]['status'] = 'importing'
        get = images.get

        def get_later(image_id):
            polls.append(PROCESS_SLOTS.running)
            if len(polls) == 3:
                glance_direct(image_id)
            return get(image_id)
        images.get = get_later

    images.glance_direct = slow_import
    engine.transfer_in_background(status.image_id).join(timeout=30)
    assert len(polls) >= 3
    # Following the import needs no transfer slot: it was given back.
    assert polls[-1] == 0
    image = images.get(status.image_id)
    assert image['marketplace_verified'] == 'true'
    assert image['visibility'] == 'shared'
    assert images.members[status.image_id] == {'p1': 'pending'}


def test_a_crash_while_following_the_import_never_deletes_it():
    images, engine, image_id = fakes.streamed_engine()
    glance_direct = images.glance_direct

    def still_importing(image_id):
        glance_direct(image_id)
        images.images[image_id]['status'] = 'importing'

    def crash(seconds):
        raise RuntimeError('boom')

    images.glance_direct = still_importing
    engine.sleep = crash
    engine.transfer_in_background(image_id).join(timeout=30)
    assert image_id in images.images
    assert engine.failed_import(image_id) is None
    assert PROCESS_SLOTS.running == 0


def test_glance_error_while_staging_is_not_a_mismatch():
    images, engine, image_id = fakes.streamed_engine()

    def full(image_id, fileobj):
        fileobj.read(1000)
        raise GlanceError('Glance could not stage data of image %s: 413 '
                          'Request Entity Too Large' % image_id, status=413)

    images.stage = full
    with pytest.raises(ImportFailed) as e:
        engine.transfer(image_id)
    assert str(e.value).startswith('Glance could not stage the image data')
    assert 'does not match' not in str(e.value)
    assert 'The image was deleted.' in str(e.value)
    assert images.images == {}


def test_background_crash_is_recorded_and_the_image_deleted():
    images, engine, image_id = fakes.streamed_engine()

    def crash(image_id, fileobj):
        raise RuntimeError('boom')

    images.stage = crash
    engine.transfer_in_background(image_id).join(timeout=30)
    status = engine.status(image_id)
    assert status.state == 'failed'
    assert 'failed unexpectedly (RuntimeError)' in status.reasons[0]
    assert images.images == {}


def test_image_downloads_use_the_configured_ca_bundle(tmp_path):
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('-----BEGIN CERTIFICATE-----\n')
    session = fakes.FakeSession({GZ_URL: fakes.FakeResponse(
        body=fakes.gz(fakes.IMAGE))})
    images, engine = make(session=session,
                          policy=ImportPolicy(verify_tls=str(bundle)))
    status = engine.start(fakes.verdict(locations=[GZ_URL]))
    assert engine.transfer(status.image_id).verified
    assert session.requested[0][1]['verify'] == str(bundle)


class _Blocking(fakes.FakeResponse):
    """A download that waits for ``release`` before its last bytes."""

    def __init__(self, body):
        super().__init__(body=body)
        self.release = threading.Event()

    def iter_content(self, size):
        yield self.body[:100]
        assert self.release.wait(30)
        yield self.body[100:]


def test_background_transfers_are_bounded_per_process():
    other = b'other image' * 1000
    other_url = 'http://images.example/b.img.gz'
    blocking = _Blocking(fakes.gz(fakes.IMAGE))
    session = fakes.FakeSession({GZ_URL: blocking, other_url:
                                 fakes.FakeResponse(body=fakes.gz(other))})
    images, engine = make(session=session,
                          policy=ImportPolicy(max_streamed_transfers=1))
    first = engine.start(fakes.verdict(locations=[GZ_URL]), background=True)
    thread = engine.transfer_in_background(first.image_id)
    try:
        second = fakes.verdict(data=other, locations=[other_url],
                               identifier='B' * 27)
        with pytest.raises(ImportRefused, match='max_streamed_transfers'):
            engine.start(second, background=True)
        assert list(images.images) == [first.image_id]
        # The foreground (CLI) is not bounded.
        assert engine.start(second).method == 'glance-direct'
    finally:
        blocking.release.set()
        thread.join(timeout=30)
    assert engine.status(first.image_id).verified
    assert PROCESS_SLOTS.running == 0
    third = engine.start(fakes.verdict(data=other, locations=[other_url],
                                       identifier='C' * 27), background=True)
    engine.transfer_in_background(third.image_id).join(timeout=30)
    assert engine.status(third.image_id).verified


def test_background_slot_is_taken_by_start_and_given_back_when_unused():
    session = fakes.FakeSession({GZ_URL: fakes.FakeResponse(
        body=fakes.gz(fakes.IMAGE))})
    images, engine = make(session=session,
                          policy=ImportPolicy(max_streamed_transfers=1))
    first = engine.start(fakes.verdict(locations=[GZ_URL]), background=True)
    assert PROCESS_SLOTS.running == 1  # before any transfer
    # The same entry again: deduped, no transfer, no slot kept.
    again = engine.start(fakes.verdict(locations=[GZ_URL]), background=True)
    assert again.existing and again.image_id == first.image_id
    assert PROCESS_SLOTS.running == 1
    # Another entry: refused before any image is created.
    other = b'other image' * 1000
    with pytest.raises(ImportRefused, match='max_streamed_transfers'):
        engine.start(fakes.verdict(data=other, identifier='B' * 27,
                                   locations=[GZ_URL]), background=True)
    assert list(images.images) == [first.image_id]
    engine.transfer_in_background(first.image_id).join(timeout=30)
    assert PROCESS_SLOTS.running == 0
    assert engine.status(first.image_id).verified


def test_a_transfer_without_a_slot_never_deletes_the_image():
    images, engine = make(policy=ImportPolicy(max_streamed_transfers=1))
    status = engine.start(fakes.verdict(locations=[GZ_URL]))  # no slot
    assert PROCESS_SLOTS.acquire(1)  # all taken
    try:
        with pytest.raises(ImportRefused, match='max_streamed_transfers'):
            engine.transfer_in_background(status.image_id)
    finally:
        PROCESS_SLOTS.release()
    # Others may have deduped onto it: it is left as it is.
    assert status.image_id in images.images
    assert not any(c[0] == 'delete' for c in images.calls)
