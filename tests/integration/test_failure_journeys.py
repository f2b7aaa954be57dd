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

"""What a project member sees when things go wrong, in headless Chromium.

(a) tampered image bytes: the import fails, the Imports row says why;
(b) an untrusted endorser: the Import form refuses, with the reason;
(c) a marketplace that is down (nothing listens) or answers garbage
    (HTML, HTTP 500) -- the two broken marketplaces of conftest.py, chosen
    in the search form's marketplace selector: a Horizon error message and
    an empty table, never a server error;
(d) hostile metadata (HTML/script in the title, a ``javascript:``
    location) renders as inert text.

Screenshots: ``failure-<case>-NN-<step>.png`` in ``$MARKETPLACE_ARTIFACTS``.
"""

import os
import urllib.parse
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from marketplace_dashboard.core import glance
from stack.forms import form_fields
from tests.integration.conftest import (
    GARBAGE_MARKETPLACE,
    UNREACHABLE_MARKETPLACE,
)
from tests.integration.test_dashboard_import import (
    PANEL,
    SIZE,
    endorser,  # noqa: F401 - module fixture
    messages,
    publish,
)
from tests.integration.test_journey_browser import (
    WAIT,
    Steps,
    appliance_row,
    badge,
    import_through_modal,
    no_alert,
    row_action,
    search,
    untrusted_endorser,
    upload_entry,
    wait_import_row,
)

TAG = 'failure%s' % uuid.uuid4().hex[:8]


def alert_texts(browser):
    return [a.text for a in browser.find_elements(
        By.CSS_SELECTOR, '.messages .alert, .alert-danger') if a.text]


def test_tampered_import_fails_with_reason(stack, browser,
                                           endorser):  # noqa: F811
    steps = Steps(browser, 'failure-tampered')
    title = '%s tampered' % TAG
    publish(stack, stack.image_server, endorser, served=os.urandom(SIZE),
            title=title)
    browser.login(next_url=PANEL)
    search(browser, title)
    row = appliance_row(browser, title)
    assert badge(row)[0] == 'verified'  # the metadata is fine
    name = 'tampered %s' % uuid.uuid4().hex[:6]
    import_through_modal(browser, steps, row, name)
    image_id, text = wait_import_row(browser, steps, name,
                                     ('Active (verified)', 'Failed'))
    assert 'Failed' in text, text
    assert 'does not match the endorsed metadata' in text, text
    steps('imports-failed')
    assert not browser.find_elements(
        By.CSS_SELECTOR, '#imports a[ng-click*="%s"]' % image_id), \
        'a failed import offers Launch'
    image = glance.GlanceImages(glance.make_client(stack.session())).get(
        image_id)
    assert image['status'] == 'deactivated'


def test_untrusted_endorser_import_refused(stack, browser, horizon_login):
    steps = Steps(browser, 'failure-untrusted')
    title = '%s untrusted' % TAG
    appliance = publish(stack, stack.image_server, untrusted_endorser(),
                        title=title)
    browser.login(next_url=PANEL)
    search(browser, title)
    row = appliance_row(browser, title)
    level, reasons = badge(row)
    assert level == 'untrusted'
    row_action(browser, row, 'import')
    refusal = WebDriverWait(browser, WAIT).until(
        ec.visibility_of_element_located(
            (By.CSS_SELECTOR, '.modal .marketplace-import-refused')))
    assert 'This appliance cannot be imported.' in refusal.text
    assert 'mallory@untrusted.example.org' in refusal.text, refusal.text
    assert not browser.find_elements(
        By.CSS_SELECTOR, '.modal input[type=submit]'), 'Import offered'
    steps('import-refused')

    # Posting the form anyway is refused too, and nothing reaches Glance.
    member = horizon_login(next_url=PANEL)
    url = '%s%slocal/%s/%s/%s/import/' % (
        stack.horizon_url, PANEL, appliance.identifier,
        appliance.endorsement.email, appliance.endorsement.created_text)
    page = member.get(url, timeout=WAIT)
    assert page.status_code == 200
    data = form_fields(page.text, 'marketplace_import_form')
    data['name'] = 'forced %s' % uuid.uuid4().hex[:6]
    response = member.post(url, data=data, timeout=WAIT,
                           allow_redirects=False, headers={'Referer': url})
    assert response.status_code == 200
    assert 'mallory@untrusted.example.org' in response.text
    images = glance.GlanceImages(glance.make_client(stack.session()))
    assert images.find(marketplace_identifier=appliance.identifier) == []


def test_marketplace_down_or_garbage(stack, browser, horizon_login):
    steps = Steps(browser, 'failure-marketplace-down')
    browser.login(next_url=PANEL)
    for name in (UNREACHABLE_MARKETPLACE, GARBAGE_MARKETPLACE):
        query = search(browser, TAG, marketplace=name)
        assert query['marketplace'] == [name]
        assert 'Unable to search the marketplace "%s".' % name in ' '.join(
            alert_texts(browser)), alert_texts(browser)
        table = browser.find_element(By.ID, 'appliances')
        assert 'No items to display.' in table.text
        assert not table.find_elements(By.CSS_SELECTOR,
                                       'tbody tr[data-object-id]')
        steps(name)

    member = horizon_login(next_url=PANEL)
    for name in (UNREACHABLE_MARKETPLACE, GARBAGE_MARKETPLACE):
        page = member.get('%s%s?%s' % (
            stack.horizon_url, PANEL,
            urllib.parse.urlencode({'marketplace': name, 'q': TAG})),
            timeout=WAIT)
        assert page.status_code == 200
        assert 'Unable to search the marketplace' in messages(page.text)
        # An entry page of a broken marketplace: back to the index, with
        # a message, never a server error.
        entry = '%s%s%s/%s/%s/2026-01-01T00:00:00Z/' % (
            stack.horizon_url, PANEL, name, 'A' * 27, 'someone@example.org')
        response = member.get(entry, timeout=WAIT, allow_redirects=False)
        assert response.status_code == 302, response.status_code
        index = member.get(stack.horizon_url + response.headers['Location'],
                           timeout=WAIT)
        assert index.status_code == 200
        assert 'Unable to retrieve the entry' in messages(index.text)


def test_hostile_values_render_inert(stack, browser, endorser):  # noqa: F811
    steps = Steps(browser, 'failure-hostile')
    tag = '%shostile' % TAG
    title = ('%s <script>window.journeyXss=1;alert(1)</script>'
             '<img src=x onerror="window.journeyXss=2"><b>bold</b>' % tag)
    location = 'javascript:window.journeyXss=3;alert(3)'
    upload_entry(stack, endorser, title, location)
    browser.login(next_url=PANEL)
    search(browser, tag)
    row = appliance_row(browser, title)  # a loaded row, found by its text
    no_alert(browser)
    table = browser.find_element(By.ID, 'appliances')
    assert title in table.text  # shown as text, tags and all
    assert not table.find_elements(By.CSS_SELECTOR, 'b, img, tbody script')
    assert browser.execute_script('return window.journeyXss;') is None
    steps('search')

    row.find_element(By.PARTIAL_LINK_TEXT, tag).click()
    wait = WebDriverWait(browser, WAIT)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR,
                                               '.nav-tabs')))
    no_alert(browser)
    assert title in browser.find_element(By.CSS_SELECTOR,
                                         '.page-header').text
    browser.find_element(By.XPATH, '//ul[contains(@class, "nav-tabs")]'
                         '//a[normalize-space()="Checksums and '
                         'Locations"]').click()
    pane = wait.until(ec.visibility_of_element_located(
        (By.CSS_SELECTOR, '.tab-content .tab-pane.active')))
    assert location in pane.text
    assert not browser.find_elements(By.CSS_SELECTOR,
                                     'a[href^="javascript:" i]')
    assert browser.execute_script('return window.journeyXss;') is None
    no_alert(browser)
    steps('detail-locations')
