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

"""The ``hepix`` catalogue on real parts: a HEPiX image list signed here
(S/MIME, test CA, signer trusted by Horizon through the e-mail
allow-list of conftest) and served on loopback is browsed in the real
Horizon panel, one image is imported with the panel's form into the real
Glance and verified by its ``sl:checksum:sha512``."""

import hashlib
import html
import os
import uuid

import pytest

from marketplace_dashboard.core import glance
from stack.forms import form_fields
from tests import hepix_lists as lists
from tests import pki
from tests.integration import test_dashboard_import as panel
from tests.integration.conftest import (
    HEPIX_LIST,
    HEPIX_MARKETPLACE,
    IMPORT_TEST_ENDORSER,
)

SIZE = 200_000


@pytest.fixture
def member(horizon_login):
    return horizon_login(next_url=panel.PANEL)


def start_import(session, stack, path, **changes):
    """Post the panel's import form of the entry at *path*."""
    url = stack.horizon_url + path + 'import/'
    page = session.get(url, timeout=120)
    assert page.status_code == 200, page.status_code
    data = form_fields(page.text, 'marketplace_import_form')
    data.update(changes)
    response = session.post(url, data=data, allow_redirects=False,
                            timeout=120, headers={'Referer': url})
    assert response.status_code == 302, panel.messages(response.text)
    assert response.headers['Location'] == panel.IMPORTS


@pytest.fixture(scope='module')
def served_list(stack, image_server):
    ca = pki.make_ca('HEPiX Integration CA', not_before=pki.days_ago(30))
    signer = pki.make_endorser(ca, 'HEPiX Integration Signer',
                               IMPORT_TEST_ENDORSER,
                               not_before=pki.days_ago(5))
    data = os.urandom(SIZE)
    url = image_server.add_file('hepix-%s.raw' % uuid.uuid4().hex, data)
    good = lists.image(lists.IMAGE_ID, data=data, uri=url, **{
        'hv:format': 'raw', 'dc:title': 'HEPiX import %s'
        % uuid.uuid4().hex[:8]})
    other = lists.image(lists.OTHER_ID, **{
        'sl:osname': 'Ubuntu', 'dc:title': 'HEPiX <other> image'})
    HEPIX_LIST['body'] = lists.signed_list(
        signer, images=[good, other], email=IMPORT_TEST_ENDORSER)
    return {'data': data, 'url': url, 'title': good['hv:image']['dc:title']}


def test_browse_import_and_verify_by_sha512(stack, served_list, member):
    page = member.get('%s%s?marketplace=%s' % (
        stack.horizon_url, panel.PANEL, HEPIX_MARKETPLACE), timeout=120)
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert served_list['title'] in text
    assert 'HEPiX <other> image' in text
    assert 'HEPiX <other> image' not in page.text   # escaped
    prefix = '%s%s/%s/%s/' % (panel.PANEL, HEPIX_MARKETPLACE,
                              lists.IMAGE_ID, IMPORT_TEST_ENDORSER)
    assert prefix in page.text
    assert 'data-level="verified"' in page.text
    created = page.text.split(prefix, 1)[1].split('/', 1)[0]

    detail = member.get(stack.horizon_url + prefix + created + '/',
                        timeout=120)
    assert detail.status_code == 200
    assert 'data-level="verified"' in detail.text
    assert 'CN=HEPiX Integration Signer' in detail.text

    name = 'hepix %s' % uuid.uuid4().hex[:8]
    start_import(member, stack, prefix + created + '/', name=name)
    image_id = panel.image_id_of(member, stack, name)
    row = panel.poll_row(member, stack, image_id,
                         ('Active (verified)', 'Failed'))
    assert 'Active (verified)' in row, row

    image = glance.GlanceImages(glance.make_client(stack.session())).get(
        image_id)
    assert image['status'] == 'active'
    assert image['marketplace_verified'] == 'true'
    assert image['marketplace_verdict'] == 'verified'
    assert image['marketplace_sha512'] == hashlib.sha512(
        served_list['data']).hexdigest()
    assert image['os_hash_value'] == image['marketplace_sha512']
    assert image['size'] == SIZE
    assert image['os_distro'] == 'centos' and image['os_version'] == '7'
    assert image['architecture'] == 'x86_64'
    assert image['appdb_id'] == lists.IMAGE_ID
    assert image['hepix_image_list'] == HEPIX_LIST['url']
    assert image['hepix_image_list_identifier'] == lists.LIST_ID
    assert image['marketplace_url'] == '%s#%s' % (HEPIX_LIST['url'],
                                                  lists.IMAGE_ID)
