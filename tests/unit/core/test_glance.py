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
"""GlanceImages: error translation and retries, over a stub glanceclient."""

import json
import types

from glanceclient import exc as glance_exc
from keystoneauth1 import exceptions as ks_exc
import pytest

from marketplace_dashboard.core import glance


class StubImages:
    def __init__(self, errors=()):
        self.errors = list(errors)
        self.calls = []

    def _maybe_fail(self, name):
        self.calls.append(name)
        if self.errors:
            raise self.errors.pop(0)

    def get(self, image_id):
        self._maybe_fail('get')
        return {'id': image_id, 'status': 'active'}

    def list(self, filters):
        self._maybe_fail('list')
        filters['limit'] = 20  # glanceclient mutates the filters
        return iter([{'id': 'a', 'filters': dict(filters)}])

    def delete(self, image_id):
        self._maybe_fail('delete')

    def create(self, **props):
        self._maybe_fail('create')
        return dict(props, id='new')

    def image_import(self, image_id, method, uri=None):
        self._maybe_fail('import')

    def get_import_info(self):
        self._maybe_fail('info')
        return {'import-methods': {'value': ['glance-direct']}}


def make(*errors):
    stub = StubImages(errors)
    images = glance.GlanceImages(types.SimpleNamespace(images=stub),
                                 sleep=lambda seconds: None)
    return stub, images


def test_forbidden_is_a_policy_sentence():
    _, images = make(glance_exc.HTTPForbidden('policy says no'))
    with pytest.raises(glance.GlanceForbidden) as e:
        images.create(name='x', visibility='public')
    assert 'Glance policy does not allow you to create an image' in \
        str(e.value)
    assert 'policy says no' in str(e.value)


def test_server_errors_retried_for_idempotent_calls():
    stub, images = make(glance_exc.HTTPInternalServerError('locked'),
                        glance_exc.HTTPServiceUnavailable('busy'))
    assert images.get('i')['status'] == 'active'
    assert stub.calls == ['get', 'get', 'get']


def test_retries_are_bounded():
    stub, images = make(*[glance_exc.HTTPInternalServerError('x')] * 5)
    with pytest.raises(glance.GlanceError) as e:
        images.delete('i')
    assert e.value.status == 500 and len(stub.calls) == 3


def test_imports_and_client_errors_not_retried():
    stub, images = make(glance_exc.HTTPInternalServerError('x'))
    with pytest.raises(glance.GlanceError, match='import image i'):
        images.web_download('i', 'http://x/y')
    stub, images = make(glance_exc.HTTPBadRequest('bad'))
    with pytest.raises(glance.GlanceError, match='bad'):
        images.get('i')
    assert stub.calls == ['get']


def test_delete_of_missing_image_is_fine():
    _, images = make(glance_exc.HTTPNotFound('gone'))
    images.delete('i')


def test_retried_delete_that_went_through_is_fine():
    stub, images = make(glance_exc.HTTPInternalServerError('db locked'),
                        glance_exc.HTTPBadRequest('deleted to deleted'),
                        glance_exc.HTTPNotFound('gone'))
    images.delete('i')
    assert stub.calls == ['delete', 'delete', 'get']
    # The first attempt failed half-way: status deleted, row not yet gone.
    stub, images = make(glance_exc.HTTPInternalServerError('db locked'),
                        glance_exc.HTTPBadRequest('deleted to deleted'))
    stub.get = lambda image_id: {'id': image_id, 'status': 'deleted'}
    images.delete('i')
    stub, images = make(glance_exc.HTTPBadRequest('in use'))
    with pytest.raises(glance.GlanceError, match='in use'):
        images.delete('i')
    assert stub.calls == ['delete', 'get']


def test_not_found_and_auth_errors():
    _, images = make(glance_exc.HTTPNotFound('gone'))
    with pytest.raises(glance.GlanceNotFound):
        images.get('i')
    _, images = make(ks_exc.Unauthorized('expired token'))
    with pytest.raises(glance.GlanceError, match='Authentication failed'):
        images.get('i')
    _, images = make(ks_exc.ConnectFailure('refused'))
    with pytest.raises(glance.GlanceError, match='Cannot reach Glance'):
        images.get('i')
    # glanceclient's session client wraps connection failures itself
    for error in (glance_exc.CommunicationError('Error finding address'),
                  glance_exc.InvalidEndpoint('Error communicating')):
        _, images = make(error)
        with pytest.raises(glance.GlanceError, match='Cannot reach Glance'):
            images.get('i')


def test_find_lists_all_visibilities_and_retries_with_clean_filters():
    stub, images = make(glance_exc.HTTPInternalServerError('x'))
    found = images.find(marketplace_identifier='abc')
    assert found[0]['filters'] == {'marketplace_identifier': 'abc',
                                   'visibility': 'all', 'limit': 20}


def test_import_methods():
    _, images = make()
    assert images.import_methods() == ['glance-direct']
    _, images = make(glance_exc.HTTPNotFound('old glance'))
    assert images.import_methods() == []


def test_project_id_given_or_asked_of_the_session_once():
    stub = StubImages()
    http_client = types.SimpleNamespace(calls=[])

    def get_project_id():
        http_client.calls.append('auth')
        return 'p1'

    http_client.get_project_id = get_project_id
    images = glance.GlanceImages(types.SimpleNamespace(
        images=stub, http_client=http_client))
    assert images.project_id == 'p1' and images.project_id == 'p1'
    assert http_client.calls == ['auth']
    given = glance.GlanceImages(types.SimpleNamespace(images=stub),
                                project_id='p2')
    assert given.project_id == 'p2'
    assert glance.GlanceImages(types.SimpleNamespace(
        images=stub)).project_id is None


def test_find_lists_hidden_images_only_when_asked():
    stub, images = make()
    assert [i['filters'] for i in images.find(tag='x')] == [
        {'tag': 'x', 'visibility': 'all', 'limit': 20}]
    found = images.find(tag='x', include_hidden=True)
    assert [i['filters'] for i in found] == [
        {'tag': 'x', 'visibility': 'all', 'limit': 20},
        {'tag': 'x', 'visibility': 'all', 'os_hidden': 'true', 'limit': 20}]


def test_find_keeps_a_given_visibility():
    _, images = make()
    found = images.find(marketplace_identifier='abc', visibility='public')
    assert found[0]['filters']['visibility'] == 'public'


class StubHTTP:
    """glanceclient's http client: ``get(url) -> (resp, body)``."""

    def __init__(self, answer):
        self.answer = answer
        self.urls = []

    def get(self, url):
        self.urls.append(url)
        if isinstance(self.answer, Exception):
            raise self.answer
        return None, self.answer


def test_tasks_are_read_without_a_versions_call():
    http = StubHTTP({'tasks': [{'id': 't', 'status': 'processing'}]})
    images = glance.GlanceImages(types.SimpleNamespace(
        images=StubImages(), http_client=http))
    assert images.tasks('i') == [{'id': 't', 'status': 'processing'}]
    assert http.urls == ['/v2/images/i/tasks']


@pytest.mark.parametrize('answer', [
    glance_exc.HTTPServiceUnavailable('busy'),
    glance_exc.HTTPNotFound('old Glance'),
    glance_exc.CommunicationError('refused'),
    ks_exc.ConnectFailure('refused'), {'no': 'tasks'}])
def test_tasks_unknown_when_glance_cannot_tell(answer):
    images = glance.GlanceImages(types.SimpleNamespace(
        images=StubImages(), http_client=StubHTTP(answer)))
    assert images.tasks('i') is None


def test_is_admin_from_the_token_roles():
    def images_with(roles):
        access = types.SimpleNamespace(role_names=roles)
        auth = types.SimpleNamespace(get_access=lambda session: access)
        http_client = types.SimpleNamespace(session=types.SimpleNamespace(
            auth=auth), auth=None)
        return glance.GlanceImages(types.SimpleNamespace(
            images=StubImages(), http_client=http_client))
    assert images_with(['member', 'admin']).is_admin
    assert not images_with(['member', 'reader']).is_admin
    assert not glance.GlanceImages(types.SimpleNamespace(
        images=StubImages())).is_admin


def test_imports_go_to_the_stores_asked_for():
    seen = []

    class Recording(StubImages):
        def image_import(self, image_id, method, **kwargs):
            seen.append((method, kwargs))

    images = glance.GlanceImages(types.SimpleNamespace(images=Recording()))
    images.web_download('i', 'http://x/y')
    images.web_download('i', 'http://x/y', stores=['fast', 'cheap'])
    images.glance_direct('i', stores=('cheap',))
    images.glance_direct('i')
    assert seen == [
        ('web-download', {'uri': 'http://x/y'}),
        ('web-download', {'uri': 'http://x/y', 'stores': ['fast', 'cheap'],
                          'allow_failure': False}),
        ('glance-direct', {'stores': ['cheap'], 'allow_failure': False}),
        ('glance-direct', {})]


class PatchHTTP:
    """glanceclient's http_client: records PATCH calls, answers the
    patched image (or raises the queued errors)."""

    def __init__(self, errors=()):
        self.errors = list(errors)
        self.patches = []

    def patch(self, url, headers, data):
        self.patches.append((url, headers, json.loads(data)))
        if self.errors:
            raise self.errors.pop(0)
        image = {'id': url.rsplit('/', 1)[1]}
        image.update((op['path'][1:], op['value']) for op in json.loads(data))
        return types.SimpleNamespace(status_code=200), image


class UpdatingImages(StubImages):
    def update(self, image_id, remove_props=None, **props):
        self._maybe_fail('update')
        return dict(props, id=image_id, removed=list(remove_props or ()))


def make_patching(*errors):
    stub, http = UpdatingImages(), PatchHTTP(errors)
    images = glance.GlanceImages(
        types.SimpleNamespace(images=stub, http_client=http),
        sleep=lambda seconds: None)
    return stub, http, images


def test_update_is_one_patch_answering_the_image():
    stub, http, images = make_patching()
    image = images.update('i1', marketplace_verified='true', os_hidden=True)
    assert image == {'id': 'i1', 'marketplace_verified': 'true',
                     'os_hidden': True}
    [(url, headers, ops)] = http.patches
    assert url == '/v2/images/i1'
    assert headers == {'Content-Type': glance.JSON_PATCH}
    assert ops == [
        {'op': 'add', 'path': '/marketplace_verified', 'value': 'true'},
        {'op': 'add', 'path': '/os_hidden', 'value': True}]
    assert stub.calls == []  # no read of the image or the schema


def test_update_escapes_the_property_names():
    _stub, http, images = make_patching()
    images.update('i1', **{'a/b~c': 'x'})
    assert http.patches[0][2][0]['path'] == '/a~1b~0c'


def test_update_retries_server_errors_not_client_errors():
    _stub, http, images = make_patching(
        glance_exc.HTTPServiceUnavailable('busy'))
    assert images.update('i1', k='v')['k'] == 'v'
    assert len(http.patches) == 2
    _stub, http, images = make_patching(glance_exc.HTTPConflict('no'))
    with pytest.raises(glance.GlanceError, match='update image i1'):
        images.update('i1', k='v')
    assert len(http.patches) == 1


def test_update_removing_properties_goes_through_glanceclient():
    stub, http, images = make_patching()
    image = images.update('i1', remove_props=['old'], k='v')
    assert image['removed'] == ['old']
    assert stub.calls == ['update']
    assert http.patches == []
