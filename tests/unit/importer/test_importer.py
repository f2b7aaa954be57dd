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

"""The import engine against an in-memory Glance."""

import datetime
import hashlib
import threading

import pytest

from marketplace_dashboard.core.cache import MemoryCache
from marketplace_dashboard.core.errors import ImportFailed, ImportRefused
from marketplace_dashboard.core.formats import parse_timestamp
from marketplace_dashboard.core.glance import GlanceError, GlanceForbidden
from marketplace_dashboard.core.imports.election import (
    launch_ready,
    request_unapplied,
)
from marketplace_dashboard.core.imports.importer import Importer
from marketplace_dashboard.core.imports.mapping import image_properties
from marketplace_dashboard.core.imports.plan import PROBE_BUDGET, choose_method
from marketplace_dashboard.core.imports.policy import ImportPolicy
from marketplace_dashboard.core.imports.progress import (
    PROCESS_SLOTS,
    ProgressStore,
)
from marketplace_dashboard.core.imports.record import (
    pack_members,
    unpack_members,
    unpack_sources,
)
from marketplace_dashboard.core.imports.stream import PROBE_TIMEOUT, probe
from marketplace_dashboard.core.imports.verify import (
    entry_problems,
    integrity_problems,
)
from tests.unit.importer import fakes

URL = 'http://images.example/a.img'
GZ_URL = 'http://images.example/a.img.gz'


def make(policy=None, session=None, **glance):
    images = fakes.FakeImages(**glance)
    images.web[URL] = fakes.IMAGE
    return images, Importer(images, policy=policy, http_session=session,
                            sleep=lambda seconds: None)


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


def test_refused_entry_creates_nothing():
    images, engine = make()
    with pytest.raises(ImportRefused):
        engine.start(fakes.verdict('untrusted'))
    assert images.images == {}


def test_allowed_untrusted_is_marked():
    images, engine = make(policy=ImportPolicy(allow_untrusted=True))
    status = engine.start(fakes.verdict('untrusted'))
    assert images.get(status.image_id)['marketplace_verdict'] == 'untrusted'


def test_hypervisor_type_follows_the_operator_setting():
    images, engine = make()
    status = engine.start(fakes.verdict(hypervisor='kvm'))
    assert images.get(status.image_id)['hypervisor_type'] == 'kvm'
    images, engine = make(policy=ImportPolicy(set_hypervisor_type=False))
    status = engine.start(fakes.verdict(hypervisor='kvm'))
    assert 'hypervisor_type' not in images.get(status.image_id)


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
    first = engine.start(fakes.verdict(locations=[GZ_URL]))
    assert not [k for k in cache._data if 'lock' in k], 'lock not released'
    images.images.clear()
    # Another worker holds the entry's lock: it is creating the image.
    lock = Importer.LOCK_PREFIX + '%s:%s:%s' % (
        fakes.PROJECT, fakes.appliance().identifier,
        fakes.checksums(fakes.IMAGE)['SHA-512'][:32])
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


def test_visibility_and_members_applied_once_verified():
    images, engine = make()
    download = images.web_download
    images.web_download = lambda image_id, uri: None  # Glance still busy
    status = engine.start(fakes.verdict(), visibility='shared',
                          members=['p1', 'p2'], name='mine')
    image = images.get(status.image_id)
    # Nobody else sees it before its data is verified.
    assert image['visibility'] == 'private'
    assert image['id'] not in images.members
    assert image['marketplace_visibility'] == 'shared'
    assert image['marketplace_members'] == 'p1,p2'
    assert image['name'] == 'mine'
    download(status.image_id, URL)
    # Any worker's poll verifies it, then applies what was asked.
    other_worker = Importer(images, sleep=lambda seconds: None)
    final = other_worker.status(status.image_id)
    assert final.verified and final.reasons == []
    image = images.get(status.image_id)
    assert image['visibility'] == 'shared'
    assert images.members[image['id']] == {'p1': 'pending', 'p2': 'pending'}


@pytest.mark.parametrize('visibility', ['community', 'public'])
def test_tampered_image_is_never_exposed(visibility):
    images, engine = make()
    images.web[URL] = b'evil' * 1000
    status = engine.start(fakes.verdict(), visibility=visibility)
    assert status.state == 'failed'
    assert images.get(status.image_id)['visibility'] == 'private'


def test_streamed_image_is_private_until_verified():
    session = fakes.FakeSession({GZ_URL: fakes.FakeResponse(
        body=fakes.gz(fakes.IMAGE))})
    images, engine = make(session=session)
    status = engine.start(fakes.verdict(locations=[GZ_URL]),
                          visibility='community')
    assert images.get(status.image_id)['visibility'] == 'private'
    glance_direct = images.glance_direct

    def check(image_id):
        assert images.get(image_id)['visibility'] == 'private'
        glance_direct(image_id)

    images.glance_direct = check
    final = engine.transfer(status.image_id)
    assert final.verified
    assert images.get(status.image_id)['visibility'] == 'community'


def test_visibility_refused_by_glance_leaves_a_verified_private_image():
    images, engine = make()
    update = images.update

    def no_publicizing(image_id, remove_props=None, **props):
        if props.get('visibility') == 'public':
            raise GlanceForbidden('Glance policy does not allow you to '
                                  'publicize_image')
        return update(image_id, **props)

    images.update = no_publicizing
    status = engine.start(fakes.verdict(), visibility='public')
    assert status.state == 'active' and status.verified
    assert 'could not be applied' in status.reasons[0]
    image = images.get(status.image_id)
    assert image['visibility'] == 'private'
    assert 'publicize_image' in image['marketplace_visibility_error']
    again = engine.status(status.image_id)
    assert again.verified and 'could not be applied' in again.reasons[0]


def _recording_updates(images):
    updates = []
    update = images.update

    def recorded(image_id, remove_props=None, **props):
        updates.append(props)
        return update(image_id, **props)

    images.update = recorded
    return updates


def test_reconciler_verifies_a_foreign_image_but_never_publishes_it():
    # A project member's image asks to be public and shared; the admin's
    # reconciler verifies it and leaves its visibility and members alone.
    images, owner = make()
    images.web_download = lambda image_id, uri: None  # nobody watches
    public = owner.start(fakes.verdict(), visibility='public').image_id
    shared = owner.start(fakes.verdict(identifier='B' * 27),
                         visibility='shared', members=['p1']).image_id
    for image_id in (public, shared):
        images._activate(image_id, fakes.IMAGE)
    updates = _recording_updates(images)
    reconciler = Importer(images, all_projects=True,
                          project_id='admin-project')
    for image_id in (public, shared):
        status = reconciler.status(image_id)
        assert status.state == 'active' and status.verified
        assert images.get(image_id)['visibility'] == 'private'
    assert images.members == {}
    assert not any('visibility' in u for u in updates)
    # The owner's next status check publishes, under its own token.
    assert owner.status(public).verified
    assert owner.status(shared).verified
    assert images.get(public)['visibility'] == 'public'
    assert images.get(shared)['visibility'] == 'shared'
    assert images.members[shared] == {'p1': 'pending'}
    assert images.get(shared)['marketplace_published_at']


def test_a_non_owner_never_trusts_streamed_hashes():
    # A streamed import of an entry endorsing only SHA-256: the owner's
    # transfer recorded Glance's sha512 of the bytes it streamed.  Nobody
    # else can tell that record from one the owner made up.
    session = fakes.FakeSession({URL: fakes.FakeResponse(body=fakes.IMAGE)})
    images, owner = make(session=session)
    status = owner.start(fakes.verdict(
        checksums=fakes.checksums(fakes.IMAGE, ('SHA-256',))))
    glance_direct = images.glance_direct
    images.glance_direct = lambda image_id: None  # Glance still busy
    owner.transfer(status.image_id)
    glance_direct(status.image_id)
    for other in (Importer(images, all_projects=True,
                           project_id='admin-project'),
                  Importer(images, project_id=fakes.OTHER_PROJECT)):
        seen = other.status(status.image_id)
        assert seen.state == 'verifying' and not seen.verified
        assert 'only the image\'s owner can verify it' in seen.reasons[0]
        image = images.get(status.image_id)
        assert image['status'] == 'active'
        assert 'marketplace_verified' not in image
    assert owner.status(status.image_id).verified


def test_a_publish_glance_fails_leaves_a_verified_image_with_the_reason():
    images, engine = make()

    def quota(image_id, project_ids):
        raise GlanceError('Glance could not share image: 413 member quota',
                          status=413)

    images.add_members = quota
    status = engine.start(fakes.verdict(), visibility='shared',
                          members=['p1'])
    assert status.state == 'active' and status.verified
    assert '413 member quota' in status.reasons[0]
    image = images.get(status.image_id)
    assert image['marketplace_verified'] == 'true'
    assert '413' in image['marketplace_visibility_error']
    again = engine.status(status.image_id)
    assert again.verified and '413' in again.reasons[0]


def test_a_publish_whose_failure_was_not_recorded_is_retried():
    images, engine = make()
    add_members = images.add_members
    update = images.update
    down = [True]

    def flaky_add(image_id, project_ids):
        if down[0]:
            raise GlanceError('Glance is down', status=503)
        return add_members(image_id, project_ids)

    def flaky_update(image_id, remove_props=None, **props):
        if down[0] and 'marketplace_visibility_error' in props:
            raise GlanceError('Glance is down', status=503)
        return update(image_id, **props)

    images.add_members = flaky_add
    images.update = flaky_update
    status = engine.start(fakes.verdict(), visibility='shared',
                          members=['p1'])
    assert status.verified
    assert 'marketplace_visibility_error' not in images.get(status.image_id)
    down[0] = False
    again = engine.status(status.image_id)
    assert again.verified and again.reasons == []
    assert images.members[status.image_id] == {'p1': 'pending'}


def test_members_are_recorded_whole():
    # Glance limits property names to 255 characters, not values.
    members = ['%032x' % n for n in range(50)]
    props = pack_members(members)
    assert list(props) == ['marketplace_members']
    assert unpack_members(props) == members
    assert pack_members([]) == {}


def test_visibility_arguments_are_checked():
    images, engine = make()
    with pytest.raises(ImportRefused, match='shared'):
        engine.start(fakes.verdict(), members=['p1'])
    with pytest.raises(ImportRefused, match='Visibility'):
        engine.start(fakes.verdict(), visibility='everyone')


def test_forbidden_web_download_removes_image():
    images, engine = make()

    def forbidden(image_id, uri):
        raise GlanceForbidden('Glance policy does not allow you to ...')

    images.web_download = forbidden
    with pytest.raises(GlanceForbidden):
        engine.start(fakes.verdict())
    assert images.images == {}


def test_web_download_refused_by_glance_is_final():
    # Glance's URL filtering (400) is the operator's decision: the URL is
    # never streamed from here instead.
    session = fakes.FakeSession({URL: fakes.FakeResponse(
        body=fakes.IMAGE)})
    images, engine = make(session=session)
    images.refuse.add(URL)
    with pytest.raises(ImportFailed) as e:
        engine.start(fakes.verdict())
    assert 'Glance refused the web-download of %s' % URL in str(e.value)
    assert 'does not pass filtering' in str(e.value)
    assert 'The image was deleted.' in str(e.value)
    assert images.images == {}
    assert session.requested == []
    assert not any(c[0] in ('stage', 'glance-direct') for c in images.calls)


def test_refused_web_download_whose_image_cannot_be_deleted():
    images, engine = make()
    images.refuse.add(URL)
    images.delete = _refuse()
    with pytest.raises(ImportFailed) as e:
        engine.start(fakes.verdict())
    [image] = images.images.values()
    assert 'does not pass filtering' in str(e.value)
    assert 'was deleted' not in str(e.value)
    assert 'could not be deleted: delete it yourself' in str(e.value)
    assert 'does not pass filtering' in image['marketplace_import_error']
    assert engine.status(image['id']).state == 'failed'
    # Never reused: the next import makes a new image.
    images.refuse.clear()
    fresh = engine.start(fakes.verdict())
    assert not fresh.existing and fresh.image_id != image['id']


def test_web_download_server_error_fails_the_import():
    images, engine = make()

    def broken(image_id, uri):
        raise GlanceError('Glance could not import: 503', status=503)

    images.web_download = broken
    with pytest.raises(ImportFailed, match='could not start'):
        engine.start(fakes.verdict())
    assert images.images == {}


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


def test_hide_and_deactivate():
    images, engine = make()
    status = engine.start(fakes.verdict())
    engine.hide(status.image_id)
    assert images.get(status.image_id)['os_hidden'] is True
    engine.deactivate(status.image_id)
    engine.deactivate(status.image_id)  # idempotent
    assert images.get(status.image_id)['status'] == 'deactivated'


def test_wait_returns_when_done():
    images, engine = make()
    status = engine.start(fakes.verdict())
    assert engine.wait(status.image_id, timeout=5).verified


def test_create_retried_on_server_error_only():
    images, engine = make()
    original = images.create
    failures = [GlanceError('busy', status=500)]

    def flaky(**props):
        if failures:
            raise failures.pop()
        return original(**props)

    images.create = flaky
    assert engine.start(fakes.verdict()).verified
    # Glance failing after storing the image: the leftover is deleted.
    images.images.clear()

    def half_done(**props):
        image = original(**props)
        if not failures:
            failures.append('done')
            raise GlanceError('database is locked', status=500)
        return image

    failures.clear()
    images.create = half_done
    status = engine.start(fakes.verdict())
    assert status.verified and list(images.images) == [status.image_id]
    images.create = flaky
    failures.clear()
    failures.append(GlanceError('bad request', status=400))
    images.images.clear()
    with pytest.raises(GlanceError, match='bad request'):
        engine.start(fakes.verdict())


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
    images, engine = make(policy=ImportPolicy(stall_after=0))
    status = engine.start(fakes.verdict(locations=[GZ_URL]))
    images.update(status.image_id, status='uploading')
    engine.clock = lambda: 10 ** 12
    assert engine.status(status.image_id).state == 'importing'
    assert engine.start(fakes.verdict(locations=[GZ_URL])).image_id == \
        status.image_id


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


MIRROR = 'https://mirror.example/a.img.gz'


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


def test_web_download_records_no_mirrors():
    images, engine = make()
    status = engine.start(fakes.verdict(locations=[URL, MIRROR]))
    assert status.method == 'web-download'
    assert 'marketplace_source_url_2' not in images.get(status.image_id)


URL2 = 'http://mirror.example/a.img'
URL3 = 'http://third.example/a.img'


def _probed(session):
    return [url[5:] for url, _ in session.requested
            if url.startswith('HEAD ')]


def test_web_download_skips_a_location_that_is_down():
    session = fakes.FakeSession({
        URL: fakes.FakeResponse(status=503),
        URL2: fakes.FakeResponse(body=fakes.IMAGE)})
    images, engine = make(session=session)
    images.web[URL2] = fakes.IMAGE
    status = engine.start(fakes.verdict(locations=[URL, GZ_URL, URL2,
                                                   URL3]))
    assert status.state == 'active' and status.verified
    assert ('web-download', status.image_id, URL2) in images.calls
    assert _probed(session) == [URL, URL2]  # stops at the first up
    image = images.get(status.image_id)
    assert image['marketplace_source_url'] == URL2
    assert 'marketplace_source_url_2' not in image
    assert not any(url == URL2 and 'stream' in kw
                   for url, kw in session.requested)  # no body read


@pytest.mark.parametrize('answer', [
    fakes.FakeResponse(status=405), fakes.FakeResponse(status=501),
    fakes.FakeResponse(status=302, location='http://elsewhere.example/'),
    fakes.FakeResponse(status=403)])
def test_web_download_probe_benefit_of_the_doubt(answer):
    session = fakes.FakeSession({URL: answer})
    images, engine = make(session=session)
    status = engine.start(fakes.verdict(locations=[URL, URL2]))
    assert ('web-download', status.image_id, URL) in images.calls
    assert _probed(session) == [URL]


def test_web_download_all_down_keeps_the_first():
    import requests
    session = fakes.FakeSession({
        URL: requests.ConnectionError('refused'),
        URL2: fakes.FakeResponse(status=404)})
    images, engine = make(session=session)
    status = engine.start(fakes.verdict(locations=[URL, URL2]))
    assert ('web-download', status.image_id, URL) in images.calls
    assert _probed(session) == [URL, URL2]


def test_web_download_probe_disabled_or_single_location():
    session = fakes.FakeSession({URL: fakes.FakeResponse(status=503)})
    images, engine = make(session=session,
                          policy=ImportPolicy(probe_locations=False))
    status = engine.start(fakes.verdict(locations=[URL, URL2]))
    assert ('web-download', status.image_id, URL) in images.calls
    images, engine = make(session=session)
    engine.start(fakes.verdict(locations=[URL]))
    assert _probed(session) == []


def test_probe_messages():
    import requests
    session = fakes.FakeSession({
        URL: requests.ConnectionError('refused'),
        URL2: fakes.FakeResponse(status=410),
        URL3: fakes.FakeResponse(status=200)})
    assert 'Cannot reach %s: refused' % URL == probe(URL, session)
    assert 'HTTP 410' in probe(URL2, session)
    assert probe(URL3, session) is None
    assert 'only absolute http' in probe('file:///etc/passwd',
                                                  session)
    assert session.requested[0][1]['timeout'] == PROBE_TIMEOUT
    assert session.requested[0][1]['allow_redirects'] is False


def test_web_download_probe_gives_up_after_its_budget():
    session = fakes.FakeSession({URL: fakes.FakeResponse(status=503),
                                 URL2: fakes.FakeResponse(status=503)})
    now = [1000.0]

    def slow_head(url, **kwargs):
        now[0] += PROBE_BUDGET  # each probe times out slowly
        session.requested.append(('HEAD ' + url, kwargs))
        return fakes.FakeResponse(503)
    session.head = slow_head
    images = fakes.FakeImages()
    images.web[URL] = fakes.IMAGE
    engine = Importer(images, http_session=session, clock=lambda: now[0],
                      sleep=lambda seconds: None)
    status = engine.start(fakes.verdict(locations=[URL, URL2, URL3]))
    assert _probed(session) == [URL]
    assert ('web-download', status.image_id, URL) in images.calls


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


def test_md5_only_entry_is_refused():
    images, engine = make()
    with pytest.raises(ImportRefused, match='only an MD5'):
        engine.start(fakes.verdict(
            checksums=fakes.checksums(fakes.IMAGE, ('MD5',))))
    assert images.images == {}


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


def _refuse(*names):
    def refused(image_id, **props):
        raise GlanceForbidden('Glance policy does not allow you to do that')
    return refused


def test_mismatch_deleted_when_glance_refuses_deactivation():
    images, engine = make()
    images.web[URL] = b'evil' * 1000
    images.deactivate = _refuse()
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
    images.deactivate = _refuse()
    images.delete = _refuse()
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
    images.deactivate = _refuse()
    images.delete = _refuse()
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


def _gz_engine(**glance):
    session = fakes.FakeSession({GZ_URL: fakes.FakeResponse(
        body=fakes.gz(fakes.IMAGE))})
    images, engine = make(session=session, **glance)
    status = engine.start(fakes.verdict(locations=[GZ_URL]),
                          name='streamed')
    assert status.method == 'glance-direct'
    return images, engine, status.image_id


def test_background_glance_direct_refused_fails_with_reason():
    # e.g. the user's token expired while the data streamed
    images, engine, image_id = _gz_engine()

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
    images, engine, image_id = _gz_engine()
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
    images, engine, image_id = _gz_engine()
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
    images, engine, image_id = _gz_engine()

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
    images, engine, image_id = _gz_engine()

    def crash(image_id, fileobj):
        raise RuntimeError('boom')

    images.stage = crash
    engine.transfer_in_background(image_id).join(timeout=30)
    status = engine.status(image_id)
    assert status.state == 'failed'
    assert 'failed unexpectedly (RuntimeError)' in status.reasons[0]
    assert images.images == {}


def test_failed_transfer_whose_image_cannot_be_deleted():
    images, engine, image_id = _gz_engine()
    images.glance_direct = lambda image_id: (_ for _ in ()).throw(
        GlanceError('Glance is down', status=503))
    images.delete = _refuse()
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
