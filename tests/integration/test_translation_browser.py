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


"""The panel in the user's language: French, chosen in Horizon's settings.

The demo user picks *Français* in Horizon's User Settings (the
``horizon_language`` cookie, applied by Django's ``LocaleMiddleware``)
and the Marketplace panel, its search form and its table headings are in
French -- from the catalogue compiled into the installed package; back to
English, they are in English again.  The Django-free core's verdict
reasons and import errors, made and stored in English, are shown in
French too (the core's catalogue, :mod:`marketplace_dashboard.core.i18n`):
an untrusted endorser's reason on its badge, and the hash mismatch of a
tampered image on its Imports row.
"""

import os
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.integration.test_dashboard_import import (
    PANEL,
    SIZE,
    endorser,  # noqa: F401 - module fixture
    publish,
)
from tests.integration.test_journey_browser import (
    WAIT,
    Steps,
    appliance_row,
    badge,
    import_through_modal,
    page_ready,
    search,
    untrusted_endorser,
    wait_import_row,
)

TAG = 'french%s' % uuid.uuid4().hex[:8]


def choose_language(browser, code):
    browser.get(browser.stack.horizon_url + '/settings/')
    page_ready(browser)
    Select(browser.find_element(By.ID, 'id_language')).select_by_value(code)
    browser.find_element(By.CSS_SELECTOR,
                         'form input.btn-primary[type=submit]').click()
    WebDriverWait(browser, WAIT).until(lambda d: any(
        c['name'] == 'horizon_language' and c['value'] == code
        for c in d.get_cookies()))
    page_ready(browser)


def panel_text(browser):
    browser.get(browser.stack.horizon_url + PANEL)
    page_ready(browser)
    return browser.find_element(By.TAG_NAME, 'body').text


def test_the_panel_follows_the_users_language(stack, browser):
    steps = Steps(browser, 'translation')
    browser.login(next_url=PANEL)
    page_ready(browser)
    english = panel_text(browser)
    assert 'Valid Until' in english and 'In Glance' in english
    assert 'Dans Glance' not in english
    try:
        choose_language(browser, 'fr')
        french = panel_text(browser)
        steps('panel-in-french')
        # the plugin's own strings, from its catalogue: the table ...
        for text in ("Valide jusqu'au", 'Dans Glance', 'Endosseur'):
            assert text in french, text
        assert 'Valid Until' not in french and 'In Glance' not in french
        # ... and the search form's placeholder
        assert browser.find_element(By.ID, 'id_q').get_attribute(
            'placeholder') == 'Texte libre'
        # ... next to Horizon's own French (its menus; Horizon's French
        # catalogue is not complete: "Key Pairs" stays in English)
        assert "Vue d'ensemble" in french and 'Overview' not in french
    finally:
        choose_language(browser, 'en')
    assert 'In Glance' in panel_text(browser)


def test_core_reasons_and_import_errors_in_french(stack, browser,
                                                  endorser):  # noqa: F811
    steps = Steps(browser, 'translation-core')
    untrusted = '%s untrusted' % TAG
    publish(stack, stack.image_server, untrusted_endorser(), title=untrusted)
    tampered = '%s tampered' % TAG
    publish(stack, stack.image_server, endorser, served=os.urandom(SIZE),
            title=tampered)
    browser.login(next_url=PANEL)
    page_ready(browser)
    try:
        choose_language(browser, 'fr')
        panel_text(browser)
        # a verdict reason of the core, on the badge of its row
        search(browser, untrusted)
        level, reasons = badge(appliance_row(browser, untrusted))
        assert level == 'untrusted'
        assert ("l'endosseur mallory@untrusted.example.org (CN="
                in reasons), reasons
        assert ("n'est pas dans la liste des endosseurs de confiance"
                in reasons), reasons
        assert 'trusted endorsers list' not in reasons, reasons
        steps('untrusted-reason-in-french')
        # an import error of the core, on the Imports row
        search(browser, tampered)
        name = 'tampered %s' % uuid.uuid4().hex[:6]
        import_through_modal(browser, steps, appliance_row(browser, tampered),
                             name)
        _image_id, text = wait_import_row(browser, steps, name,
                                          ('Active (vérifiée)', 'Échec'))
        steps('import-error-in-french')
        assert 'Échec' in text, text
        assert ('Les données stockées ne correspondent pas aux métadonnées '
                'endossées') in text, text
        assert 'does not match' not in text, text
    finally:
        choose_language(browser, 'en')
