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

"""Launch from the marketplace panel in headless Chromium.

An entry is imported through the panel (as in test_dashboard_import.py);
then the deep link and the Launch buttons must open Horizon's Angular
launch-instance wizard with that image already allocated in the Source
step.  Screenshots go to artifacts/.
"""

import urllib.parse
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.integration.test_dashboard_import import (
    IMPORTS,
    PANEL,
    endorser,  # noqa: F401 - module fixture
    image_id_of,
    poll_row,
    publish,
    start_import,
)

WAIT = 120
LAUNCH_TITLE = 'Browser launch test %s' % uuid.uuid4().hex[:6]


@pytest.fixture(scope='module')
def imported(stack, endorser):  # noqa: F811
    """(image id, image name) of a verified import done through Horizon."""
    import requests

    from tests.integration.conftest import _form_fields

    session = requests.Session()
    url = '%s/auth/login/?next=%s' % (stack.horizon_url, PANEL)
    page = session.get(url, timeout=WAIT)
    data = _form_fields(page.text)
    data.update(username=stack.demo.username, password=stack.demo.password)
    if 'domain' in data:
        data['domain'] = stack.demo.user_domain
    session.post(url, data=data, timeout=WAIT, headers={'Referer': url})
    session.headers['X-CSRFToken'] = session.cookies.get('csrftoken', '')
    appliance = publish(stack, stack.image_server, endorser,
                        title=LAUNCH_TITLE)
    name = 'launch-me %s' % uuid.uuid4().hex[:6]
    start_import(session, stack, appliance, name=name)
    image_id = image_id_of(session, stack, name)
    row = poll_row(session, stack, image_id, ('Active (verified)', 'Failed'))
    assert 'Active (verified)' in row, row
    return image_id, name


def wizard_allocates(browser, name):
    """Wait for the launch wizard with *name* in the Source step's
    Allocated table; returns the allocated table's text."""
    wait = WebDriverWait(browser, WAIT)
    wait.until(ec.visibility_of_element_located(
        (By.CSS_SELECTOR, '.modal .wizard-nav')))
    # The wizard opens on Details; the image is in the Source step.
    wait.until(ec.element_to_be_clickable((
        By.XPATH, '//div[contains(@class, "wizard-nav")]'
                  '//a[normalize-space()="Source"]'))).click()
    wait.until(ec.visibility_of_element_located(
        (By.CSS_SELECTOR, '.modal .transfer-allocated')))
    wait.until(lambda d: name in d.find_element(
        By.CSS_SELECTOR, '.modal .transfer-allocated').text)
    return browser.find_element(By.CSS_SELECTOR,
                                '.modal .transfer-allocated').text


def test_deep_link_opens_the_wizard_with_the_image(stack, browser,
                                                   imported):
    image_id, name = imported
    link = '%slaunch/%s/' % (PANEL, image_id)
    browser.login(next_url=link)
    allocated = wizard_allocates(browser, name)
    assert name in allocated
    title = browser.find_element(By.CSS_SELECTOR, '.modal .modal-title')
    assert 'Launch Instance' in title.text
    browser.screenshot('marketplace-deep-link-wizard')
    # Glance's metadata definitions are loaded, as deployments do: the
    # wizard's Metadata step offers them for the instance (OS::Nova::Server)
    WebDriverWait(browser, WAIT).until(ec.element_to_be_clickable((
        By.XPATH, '//div[contains(@class, "wizard-nav")]'
                  '//a[normalize-space()="Metadata"]'))).click()
    WebDriverWait(browser, WAIT).until(lambda d: 'Database Software' in
                                       d.find_element(By.CSS_SELECTOR,
                                                      '.modal').text)


def test_launch_button_in_imports_table(stack, browser, imported):
    image_id, name = imported
    browser.login(next_url=IMPORTS)
    WebDriverWait(browser, WAIT).until(
        lambda d: name in d.find_element(By.ID, 'imports').text)
    browser.screenshot('marketplace-imports')
    # the row's action menu holds Launch (the first action is the button)
    button = browser.find_element(
        By.CSS_SELECTOR, 'a[ng-click*="%s"]' % image_id)
    assert button.text.strip() == 'Launch'
    button.click()
    assert name in wizard_allocates(browser, name)
    browser.screenshot('marketplace-imports-launch-wizard')


def test_copy_launch_link_modal(stack, browser, imported):
    image_id, _name = imported
    browser.login(next_url=IMPORTS)
    link = WebDriverWait(browser, WAIT).until(ec.presence_of_element_located(
        (By.CSS_SELECTOR, 'a[href$="/imports/%s/link/"]' % image_id)))
    browser.execute_script('arguments[0].click();', link)
    field = WebDriverWait(browser, WAIT).until(
        ec.visibility_of_element_located(
            (By.CSS_SELECTOR, '.modal #marketplace-launch-link')))
    assert field.get_attribute('value') == '%s%slaunch/%s/' % (
        stack.horizon_url, PANEL, image_id)
    assert field.get_attribute('readonly') is not None
    browser.screenshot('marketplace-copy-launch-link')


def test_import_modal_and_launch_in_marketplace_table(stack, browser,
                                                      endorser,  # noqa: F811
                                                      imported):
    image_id, name = imported
    title = 'Browser import modal %s' % uuid.uuid4().hex[:6]
    fresh = publish(stack, stack.image_server, endorser, title=title)
    browser.login(next_url=PANEL)
    # (a search of its own: listings are cached for 30 s)
    browser.get('%s%s?%s' % (stack.horizon_url, PANEL,
                             urllib.parse.urlencode({'q': title})))
    wait = WebDriverWait(browser, WAIT)
    # Import opens the modal form.
    link = wait.until(ec.presence_of_element_located((
        By.CSS_SELECTOR, 'a[href$="/%s/%s/%s/import/"]' % (
            fresh.identifier, fresh.endorsement.email,
            fresh.endorsement.created_text))))
    browser.execute_script('arguments[0].click();', link)
    form = wait.until(ec.visibility_of_element_located(
        (By.CSS_SELECTOR, '.modal #marketplace_import_form')))
    assert form.find_element(By.ID, 'id_name').get_attribute(
        'value') == title
    browser.screenshot('marketplace-import-modal')
    browser.find_element(By.CSS_SELECTOR, '.modal .cancel').click()
    wait.until(ec.invisibility_of_element_located(
        (By.CSS_SELECTOR, '.modal #marketplace_import_form')))
    # The already imported entry has Launch in the marketplace table.
    browser.get('%s%s?%s' % (stack.horizon_url, PANEL,
                             urllib.parse.urlencode({'q': LAUNCH_TITLE})))
    button = wait.until(ec.element_to_be_clickable(
        (By.CSS_SELECTOR, '#appliances a[ng-click*="%s"]' % image_id)))
    button.click()
    assert name in wizard_allocates(browser, name)
    browser.screenshot('marketplace-index-launch-wizard')
