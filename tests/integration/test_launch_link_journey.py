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

"""The seed's workflow for creators, end to end in headless Chromium.

A creator has the image in this cloud (a public Glance image) and
publishes its entry with a launch link and the image URL: ``marketplace-
metadata build --location <legacy launch link> --location <image URL>``,
``add-location --launch-link IMAGE_ID --dashboard URL`` (the plugin's deep
link), ``sign``, ``upload``.  A member of another project browses the
Marketplace, sees both launch links recognised on the detail page (as
links of this dashboard, never as downloads),
imports the entry (from the image URL only: Glance is never given a
launch link), then opens the deep link and the legacy link: each opens
Horizon's launch wizard with the creator's image preselected; with
m1.tiny and the stack's network, Launch Instance creates a server that
reaches ACTIVE on the fake driver and shows on the Instances page.

Screenshots: ``launch-link-NN-<step>.png`` in ``$MARKETPLACE_ARTIFACTS``.
"""

import io
import os
import urllib.parse
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from marketplace_dashboard.cli import main as cli_main
from stack.neutron import NETWORK
from tests import pki
from tests.integration.conftest import IMPORT_TEST_ENDORSER
from tests.integration.test_dashboard_import import PANEL, SIZE
from tests.integration.test_journey_browser import (
    WAIT,
    Steps,
    appliance_row,
    import_verified,
    launch_in_wizard,
    page_ready,
    search,
)
from tests.integration.test_launch_browser import wizard_allocates

TITLE = 'Launch link journey %s' % uuid.uuid4().hex[:6]


def cli(*argv):
    assert cli_main.main([str(a) for a in argv]) == 0, argv


@pytest.fixture(scope='module')
def published(stack, image_server, tmp_path_factory):
    """The creator's public image, and the signed entry it uploaded."""
    work = tmp_path_factory.mktemp('creator')
    data = os.urandom(SIZE)
    file_name = 'seed-image-%s.raw' % uuid.uuid4().hex
    url = image_server.add_file(file_name, data)
    (work / file_name).write_bytes(data)
    glance = stack.glance()
    image_name = 'creator image %s' % uuid.uuid4().hex[:6]
    image = glance.images.create(name=image_name, disk_format='raw',
                                 container_format='bare',
                                 visibility='public')
    glance.images.upload(image.id, io.BytesIO(data))
    dashboard = stack.horizon_url + '/'
    legacy = ('%sproject/instances/launch?source_id=%s&source_type=image_id'
              % (dashboard, image.id))
    ca = pki.make_ca('Launch Link Journey CA')
    creator = pki.make_endorser(ca, email=IMPORT_TEST_ENDORSER)
    key = creator.write_key(work / 'creator.key')
    cert = creator.write_pem(work / 'creator.pem')
    entry = work / 'entry.xml'
    cli('build', work / file_name, '--location', legacy, '--location', url,
        '--os', 'CirrOS', '--os-version', '0.6', '--os-arch', 'x86_64',
        '--title', TITLE, '-o', entry)
    cli('add-location', entry, '--launch-link', image.id,
        '--dashboard', dashboard)
    cli('sign', entry, '--key', key, '--cert', cert)
    cli('upload', entry, '--endpoint', stack.marketplace_url)
    deep = '%sproject/marketplace/launch/%s/' % (dashboard, image.id)
    assert deep in entry.read_text()
    yield {'image_id': image.id, 'image_name': image_name,
           'file_name': file_name, 'legacy': legacy, 'deep': deep}
    glance.images.delete(image.id)


@pytest.fixture(scope='module')
def member(stack):
    """A member of a project that is not the creator's (admin) nor the
    demo project."""
    return stack.create_project_user('launchers-%s' % uuid.uuid4().hex[:6],
                                     'launch-secret')


def test_launch_link_journey(stack, browser, image_server, published,
                             member):
    steps = Steps(browser, 'launch-link')
    wait = WebDriverWait(browser, WAIT)
    browser.login(member, next_url=PANEL)
    page_ready(browser)
    search(browser, TITLE)
    row = appliance_row(browser, TITLE)
    steps('search')

    # the detail page recognises both launch links, on this dashboard
    row.find_element(By.LINK_TEXT, TITLE).click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR,
                                               '.nav-tabs')))
    browser.find_element(By.XPATH, '//ul[contains(@class, "nav-tabs")]'
                         '//a[normalize-space()="Checksums and Locations"]'
                         ).click()
    pane = wait.until(ec.visibility_of_element_located(
        (By.CSS_SELECTOR, '.tab-content .tab-pane.active')))
    launch_links = pane.find_elements(By.CSS_SELECTOR,
                                      '.marketplace-location-launch')
    assert len(launch_links) == 2, pane.text
    for item in launch_links:
        assert published['image_id'] in item.text, item.text
        # the creator's own upload is no marketplace import, but Glance's
        # facts (size, hash) are the entry's: Launch is offered from it
        assert 'On this dashboard.' in item.text, item.text
        assert not item.find_elements(By.CSS_SELECTOR, '.marketplace-external')
        launch = item.find_elements(By.CSS_SELECTOR, '.marketplace-launch')
        assert len(launch) == 1, item.text
        assert urllib.parse.urlsplit(launch[0].get_attribute('href')).path \
            == urllib.parse.urlsplit(published['deep']).path
    data = pane.find_elements(By.CSS_SELECTOR,
                              '.marketplace-location-data')
    assert [published['file_name'] in e.text for e in data] == [True], \
        pane.text
    steps('detail-launch-links')

    # import: from the image URL only
    browser.back()
    page_ready(browser)
    name = 'launch link import %s' % uuid.uuid4().hex[:6]
    import_verified(browser, steps, appliance_row(browser, TITLE), name)
    assert image_server.stats(published['file_name']).requests >= 1
    logs = stack.describe()['logs']
    with open(os.path.join(logs, 'imageserver.log'), errors='replace') as f:
        served = f.read()
    assert published['file_name'] in served
    assert 'launch' not in served and 'source_id' not in served
    with open(os.path.join(logs, 'glance-api.log'), errors='replace') as f:
        glance_log = f.read()
    assert 'instances/launch' not in glance_log
    assert 'marketplace/launch' not in glance_log

    nova = stack.nova(member)
    servers = []
    try:
        for link, what in ((published['deep'], 'deep'),
                           (published['legacy'], 'legacy')):
            browser.get(link)
            page_ready(browser)
            assert published['image_name'] in wizard_allocates(
                browser, published['image_name'])
            steps('%s-link-wizard' % what)
            if what == 'legacy':  # redirected to the deep link
                assert urllib.parse.urlsplit(browser.current_url).path == \
                    urllib.parse.urlsplit(published['deep']).path
            server = launch_in_wizard(stack, browser, steps,
                                      published['image_id'],
                                      published['image_name'], creds=member)
            servers.append(server)
            assert NETWORK in server.addresses
    finally:
        for server in servers:
            nova.servers.delete(server.id)
    assert len(servers) == 2
