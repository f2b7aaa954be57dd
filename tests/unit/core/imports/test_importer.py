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

"""The facade: starting imports, creating images, waiting."""


import pytest

from marketplace_dashboard.core.errors import ImportFailed, ImportRefused
from marketplace_dashboard.core.glance import GlanceError, GlanceForbidden
from marketplace_dashboard.core.imports.policy import ImportPolicy
from tests.unit.core.imports import fakes
from tests.unit.core.imports.fakes import URL, make


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
    images.delete = fakes.refuse()
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


def test_md5_only_entry_is_refused():
    images, engine = make()
    with pytest.raises(ImportRefused, match='only an MD5'):
        engine.start(fakes.verdict(
            checksums=fakes.checksums(fakes.IMAGE, ('MD5',))))
    assert images.images == {}
