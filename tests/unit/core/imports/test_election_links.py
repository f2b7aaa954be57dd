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

"""The image a launch link names: launchable here as the entry, or why
not (``Election.linked_image_problem``)."""

import uuid

import pytest

from marketplace_dashboard.core.imports.mapping import image_properties
from tests.unit.core.imports import fakes
from tests.unit.core.imports.fakes import make


def _plain(images, data=fakes.IMAGE, owner=fakes.OTHER_PROJECT,
           visibility='public', **props):
    """An image uploaded by hand (no marketplace properties)."""
    image = images.create(name='uploaded', visibility=visibility,
                          owner=owner, **props)
    if data is not None:
        images._activate(image['id'], data)
    return images.get(image['id'])


def problem(engine, image):
    return engine.linked_image_problem(image['id'], fakes.appliance())


def test_a_plain_public_upload_of_the_endorsed_bytes_is_launchable():
    # The seed's creator uploaded the image by hand, then put the launch
    # link into the metadata: no marketplace property on the image.
    images, engine = make()
    assert problem(engine, _plain(images)) is None


@pytest.mark.parametrize('visibility',
                         ['private', 'shared', 'community', 'public'])
def test_the_projects_own_matching_image_is_launchable(visibility):
    images, engine = make()
    image = _plain(images, owner=fakes.PROJECT, visibility=visibility)
    assert problem(engine, image) is None


def test_the_projects_verified_import_is_launchable():
    images, engine = make()
    status = engine.start(fakes.verdict())
    assert status.verified
    assert problem(engine, images.get(status.image_id)) is None


def test_other_bytes_are_not_launchable_as_the_entry():
    images, engine = make()
    image = _plain(images, data=fakes.IMAGE[:-1] + b'X')
    reason = problem(engine, image)
    assert "does not hold this entry's endorsed data" in reason
    assert 'sha512' in reason


def test_claims_in_properties_do_not_count():
    # The owner wrote the endorsed values as properties on other bytes.
    images, engine = make()
    other = b'other' * 999
    image = _plain(images, data=other, **image_properties(
        fakes.appliance(), 'verified'))
    assert 'endorsed data' in problem(engine, image)


def test_another_projects_community_image_is_never_launchable():
    images, engine = make()
    image = _plain(images, visibility='community')
    assert 'community image of another project' in problem(engine, image)


def test_a_shared_image_counts_once_accepted():
    images, engine = make()
    image = _plain(images, visibility='shared')
    images.members[image['id']] = {fakes.PROJECT: 'pending'}
    assert 'has not accepted it' in problem(engine, image)
    images.members[image['id']][fakes.PROJECT] = 'accepted'
    assert problem(engine, image) is None


def test_missing_queued_and_hidden_images_say_so():
    images, engine = make()
    missing = str(uuid.uuid4())
    assert 'does not exist or is not visible' in \
        engine.linked_image_problem(missing, fakes.appliance())
    queued = _plain(images, data=None)
    assert 'is queued, not active' in problem(engine, queued)
    hidden = _plain(images)
    images.images[hidden['id']]['os_hidden'] = True
    assert 'is hidden' in problem(engine, images.get(hidden['id']))


def test_it_never_writes_to_glance():
    images, engine = make()
    image = _plain(images, data=fakes.IMAGE[:-1] + b'X')
    before = len(images.calls)
    problem(engine, image)
    assert [c for c in images.calls[before:] if c[0] != 'get'] == []
