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

"""Offering locations to web-download: Glance's filter, several stores."""

import pytest

from marketplace_dashboard.core.errors import ImportFailed
from marketplace_dashboard.core.imports import record
from marketplace_dashboard.core.imports.policy import ImportPolicy
from tests.unit.core.imports import fakes
from tests.unit.core.imports.fakes import URL, make

SECOND = 'https://mirror.example/a.img'
THIRD = 'http://third.example/a.img'


def offering(*refused, **settings):
    images, engine = make(policy=ImportPolicy.from_dict(
        dict(settings, probe_locations=False)))
    for url in (SECOND, THIRD):
        images.web[url] = fakes.IMAGE
    images.refuse.update(refused)
    return images, engine


def test_a_location_glance_filters_gives_way_to_the_next():
    images, engine = offering(URL)
    status = engine.start(fakes.verdict(locations=[URL, SECOND]))
    assert status.state == 'active' and status.verified
    assert [c[2] for c in images.calls if c[0] == 'web-download'] == [
        URL, SECOND]
    assert images.get(status.image_id)[record.SOURCE_URL] == SECOND


def test_every_location_filtered_says_which_and_why():
    images, engine = offering(URL, SECOND)
    with pytest.raises(ImportFailed) as failed:
        engine.start(fakes.verdict(locations=[URL, SECOND]))
    message = str(failed.value)
    assert message.startswith('Glance refused every location of the entry; '
                              'Glance refused the web-download of ' + SECOND)
    assert 'Before: %s: ' % URL in message
    assert 'does not pass filtering' in message
    assert message.endswith('The image was deleted.')
    assert images.images == {}


def test_other_refusals_are_final():
    images, engine = offering()
    images.web.pop(URL)

    def broken(image_id, uri, stores=None):
        images.calls.append(('web-download', image_id, uri))
        raise fakes.GlanceError('Glance could not import: HTTP 409 '
                                'Conflict', status=409)
    images.web_download = broken
    with pytest.raises(ImportFailed, match='HTTP 409'):
        engine.start(fakes.verdict(locations=[URL, SECOND]))
    assert len([c for c in images.calls if c[0] == 'web-download']) == 1


@pytest.mark.parametrize('locations', [[URL], ['http://h/a.img.gz']])
def test_the_import_goes_to_the_configured_stores(locations):
    images, engine = offering(glance={'stores': ['fast', 'cheap']})
    if locations != [URL]:
        engine.http_session = fakes.FakeSession({
            locations[0]: fakes.FakeResponse(body=fakes.gz(fakes.IMAGE))})
    status = engine.start(fakes.verdict(locations=locations))
    if status.method == 'glance-direct':
        status = engine.transfer(status.image_id)
    assert status.verified
    assert images.get(status.image_id)['stores'] == 'fast,cheap'


def test_default_store_when_none_configured():
    images, engine = offering()
    status = engine.start(fakes.verdict())
    assert images.get(status.image_id)['stores'] == 'fs'


def test_stores_glance_is_importing_to_are_reported():
    images, engine = offering()
    images.web_download = lambda image_id, uri, stores=None: None
    status = engine.start(fakes.verdict())
    images.images[status.image_id].update(
        status='importing', os_glance_importing_to_stores='cheap')
    now = engine.status(status.image_id)
    assert now.state == 'importing'
    assert now.reasons == ['Glance is importing it into store(s) cheap.']


def test_a_failed_store_is_the_reason():
    images, engine = offering()
    status = engine.start(fakes.verdict())
    images.images[status.image_id]['os_glance_failed_import'] = 'cheap'
    now = engine.status(status.image_id)
    assert now.state == 'failed'
    assert 'Glance could not import it into store(s) cheap.' in now.reasons
