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

"""Import through the Horizon panel on the real loopback stack.

Entries are signed here (core builder + signer, endorser from tests/pki,
trusted by Horizon through the e-mail allow-list set in conftest) for
random image bytes served by the stack's image server, and uploaded to the
stack's marketplace.  The member user imports them with the panel's form
(plain HTTP with CSRF) and polls the Imports rows as the page's JavaScript
would, through either Horizon worker.
"""

import gzip
import html
import os
import re
import time
import urllib.parse
import uuid

from lxml import html as lxml_html
import pytest

from marketplace_dashboard.core import (
    builder,
    client,
    glance,
    model,
    signature,
)
from stack.forms import form_fields
from tests import pki
from tests.integration.conftest import IMPORT_TEST_ENDORSER
from tests.unit.core.imports.fakes import checksums

SIZE = 200_000
MARKETPLACE = 'local'
PANEL = '/project/marketplace/'
IMPORTS = PANEL + 'imports/'


@pytest.fixture(scope='module')
def endorser():
    ca = pki.make_ca('Dashboard Import Test CA')
    return pki.make_endorser(ca, email=IMPORT_TEST_ENDORSER)


def publish(stack, image_server, endorser, compression=None, served=None,
            title=None):
    """Sign and upload an entry for fresh random bytes; its appliance."""
    if not stack.marketplace_url:
        pytest.fail('the stack runs no marketplace service')
    data = os.urandom(SIZE)
    name = 'dash-%s.raw%s' % (uuid.uuid4().hex, '.gz' if compression else '')
    url = image_server.add_file(
        name, gzip.compress(data) if compression else data)
    if served is not None:
        image_server.override(name, served)
    document = builder.build_document(
        len(data), checksums(data), os='CirrOS', os_version='0.6',
        os_arch='x86_64', image_format='raw', locations=[url],
        compression=compression or '',
        title=title or 'Dashboard import %s' % uuid.uuid4().hex[:8])
    signed = signature.sign_document(document, endorser.key, endorser.cert)
    client.MarketplaceClient(client.MarketplaceConfig(
        name='test', url=stack.marketplace_url)).upload(signed)
    return model.parse_appliance(signed)


def entry_path(appliance):
    return '%s%s/%s/%s/%s/' % (
        PANEL, MARKETPLACE, appliance.identifier,
        appliance.endorsement.email, appliance.endorsement.created_text)


def messages(page):
    return ' '.join(lxml_html.fromstring(page).xpath(
        '//div[contains(@class, "alert")]//text()'))


def start_import(session, stack, appliance, **changes):
    url = stack.horizon_url + entry_path(appliance) + 'import/'
    page = session.get(url, timeout=120)
    assert page.status_code == 200, page.status_code
    data = form_fields(page.text, 'marketplace_import_form')
    data.update(changes)
    response = session.post(url, data=data, allow_redirects=False,
                            timeout=120, headers={'Referer': url})
    assert response.status_code == 302, messages(response.text)
    assert response.headers['Location'] == IMPORTS
    return response


def imports_rows(session, stack):
    """{image name: (image id, row text)} of the Imports page."""
    page = session.get(stack.horizon_url + IMPORTS, timeout=120)
    assert page.status_code == 200
    doc = lxml_html.fromstring(page.text)
    rows = {}
    for tr in doc.xpath('//table[@id="imports"]/tbody/tr[@data-object-id]'):
        link = tr.xpath('./td/a[contains(@href, "/project/images/")]')[0]
        rows[link.text_content().strip()] = (
            tr.get('data-object-id'), ' '.join(tr.text_content().split()))
    return rows, page.text


def image_id_of(session, stack, name):
    rows, _ = imports_rows(session, stack)
    assert name in rows, sorted(rows)
    return rows[name][0]


def poll_row(session, stack, image_id, until, timeout=180):
    """Poll the ajax row update (as horizon.tables.js does) until one of
    *until* is in the row; returns the row text."""
    url = '%s%s?%s' % (stack.horizon_url, IMPORTS, urllib.parse.urlencode({
        'action': 'row_update', 'table': 'imports', 'obj_id': image_id}))
    deadline = time.monotonic() + timeout
    text = ''
    while time.monotonic() < deadline:
        response = session.get(url, timeout=120, headers={
            'X-Requested-With': 'XMLHttpRequest'})
        assert response.status_code == 200, response.status_code
        text = ' '.join(html.unescape(
            re.sub(r'<[^>]+>', ' ', response.text)).split())
        if any(word in text for word in until):
            return text
        time.sleep(1)
    pytest.fail('row %s still "%s" after %d s' % (image_id, text, timeout))


@pytest.fixture
def member(horizon_login):
    return horizon_login(next_url=PANEL)


def test_import_web_download_until_verified(stack, image_server, endorser,
                                            member):
    appliance = publish(stack, image_server, endorser)
    name = 'web %s' % uuid.uuid4().hex[:8]
    start_import(member, stack, appliance, name=name,
                 properties='team=integration')
    image_id = image_id_of(member, stack, name)
    row = poll_row(member, stack, image_id, ('Active (verified)', 'Failed'))
    assert 'Active (verified)' in row, row

    image = glance.GlanceImages(glance.make_client(stack.session())).get(
        image_id)
    assert image['status'] == 'active'
    assert image['marketplace_verified'] == 'true'
    assert image['team'] == 'integration'
    assert image['visibility'] == 'private'

    # Transported once: the form now offers to launch the image instead.
    page = member.get(stack.horizon_url + entry_path(appliance) + 'import/',
                      timeout=120).text
    assert 'already in the image service' in page
    assert '%slaunch/%s/' % (PANEL, image_id) in page

    # The Imports page offers Launch (Angular wizard) and the launch link.
    _, page = imports_rows(member, stack)
    assert "imageId: '%s'" % image_id in html.unescape(page)
    assert '%simports/%s/link/' % (PANEL, image_id) in page
    link = member.get('%s%simports/%s/link/' % (stack.horizon_url, PANEL,
                                                 image_id), timeout=120,
                      headers={'X-Requested-With': 'XMLHttpRequest'})
    assert 'value="%s%slaunch/%s/"' % (stack.horizon_url, PANEL,
                                       image_id) in link.text

    # The deep link validates the image in Glance.
    deep = member.get('%s%slaunch/%s/' % (stack.horizon_url, PANEL,
                                          image_id), timeout=120)
    assert deep.status_code == 200
    assert 'data-marketplace-launch-image="%s"' % image_id in deep.text
    unknown = member.get('%s%slaunch/%s/' % (stack.horizon_url, PANEL,
                                             uuid.uuid4()), timeout=120,
                         allow_redirects=False)
    assert unknown.status_code == 302
    assert unknown.headers['Location'] == PANEL


def test_tampered_image_ends_deactivated_with_reason(stack, image_server,
                                                     endorser, member):
    appliance = publish(stack, image_server, endorser,
                        served=os.urandom(SIZE))
    name = 'tampered %s' % uuid.uuid4().hex[:8]
    start_import(member, stack, appliance, name=name)
    image_id = image_id_of(member, stack, name)
    row = poll_row(member, stack, image_id, ('Active (verified)', 'Failed'))
    assert 'Failed' in row, row
    assert 'does not match the endorsed metadata' in row, row

    image = glance.GlanceImages(glance.make_client(stack.session())).get(
        image_id)
    assert image['status'] == 'deactivated'
    rows, _ = imports_rows(member, stack)
    assert 'does not match the endorsed metadata' in rows[name][1]
    assert "imageId: '%s'" % image_id not in html.unescape(_)


def test_streamed_import_progress_in_shared_cache(stack, image_server,
                                                  endorser, member):
    """Compressed location: streamed by a Horizon worker thread; any
    worker reports the same progress and the final verification."""
    appliance = publish(stack, image_server, endorser, compression='gz')
    name = 'streamed %s' % uuid.uuid4().hex[:8]
    start_import(member, stack, appliance, name=name)
    image_id = image_id_of(member, stack, name)
    row = poll_row(member, stack, image_id, ('Active (verified)', 'Failed'))
    assert 'Active (verified)' in row, row
    image = glance.GlanceImages(glance.make_client(stack.session())).get(
        image_id)
    assert image['marketplace_import_method'] == 'glance-direct'
    assert image['size'] == SIZE


def test_refused_and_invalid_input(stack, image_server, endorser, member):
    appliance = publish(stack, image_server, endorser)
    url = stack.horizon_url + entry_path(appliance) + 'import/'
    page = member.get(url, timeout=120)
    data = form_fields(page.text, 'marketplace_import_form')
    data.update(properties='os_distro=windows')
    response = member.post(url, data=data, timeout=120,
                           headers={'Referer': url})
    assert response.status_code == 200
    assert 'reserved' in response.text
    data.update(properties='', visibility='public')
    response = member.post(url, data=data, timeout=120,
                           headers={'Referer': url})
    # Glance's default policy: members may not publicize images.
    assert response.status_code == 200
    assert 'Select a valid choice' in response.text


def test_deep_link_needs_login(stack):
    import requests

    target = '%slaunch/%s/' % (PANEL, uuid.uuid4())
    response = requests.get(stack.horizon_url + target, timeout=120,
                            allow_redirects=False)
    assert response.status_code == 302
    location = urllib.parse.urlsplit(response.headers['Location'])
    assert location.path == '/auth/login/'
    assert urllib.parse.parse_qs(location.query)['next'] == [target]
