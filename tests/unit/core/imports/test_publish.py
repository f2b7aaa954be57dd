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

"""Publishing: the visibility and members asked for, once verified."""


import pytest

from marketplace_dashboard.core.glance import GlanceError, GlanceForbidden
from marketplace_dashboard.core.imports.importer import Importer
from marketplace_dashboard.core.imports.record import (
    pack_members,
    unpack_members,
)
from tests.unit.core.imports import fakes
from tests.unit.core.imports.fakes import GZ_URL, URL, make, recording_updates


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
    updates = recording_updates(images)
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
