"""The panel follows the user's language (Horizon's language cookie).

The French catalogue is compiled into the package's locale/ first when
its .mo is missing or older than the .po (the .mo files are ignored by
git; wheels carry them compiled).
"""

import importlib.util
import pathlib

from django.conf import settings
from django.utils.translation import trans_real
from openstack_dashboard.test import helpers as test

import marketplace_dashboard
from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core import i18n
from tests.unit.dashboard import fixtures
from tests.unit.dashboard.fixtures import INDEX_URL

REPO = pathlib.Path(__file__).resolve().parents[3]
LOCALE = pathlib.Path(marketplace_dashboard.__file__).resolve().parent / (
    'locale/fr/LC_MESSAGES')


def compile_french():
    """Both French catalogues: the Horizon layer's and the core's."""
    for domain in ('django', i18n.DOMAIN):
        po, mo = LOCALE / (domain + '.po'), LOCALE / (domain + '.mo')
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            spec = importlib.util.spec_from_file_location(
                'marketplace_msgfmt', REPO / 'tools' / 'msgfmt.py')
            msgfmt = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(msgfmt)
            msgfmt.compile_po(str(po), str(mo))
    # a catalogue loaded before the .mo existed would be kept
    trans_real._translations = {}
    i18n.catalogue.cache_clear()


def result(entries):
    return api.SearchResult(entries=entries, total=len(entries),
                            total_filtered=len(entries), start=0,
                            page_size=20)


class LanguageTests(test.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        compile_french()

    def index(self, language=None):
        if language:
            self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return self.client.get(INDEX_URL)

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_index_in_french(self):
        self.mock_search.return_value = result([fixtures.entry()])
        self.mock_imported_images.return_value = {}

        res = self.index('fr')

        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'Texte libre')
        self.assertContains(res, 'Trier par')
        self.assertContains(res, 'Endosseur')
        self.assertNotContains(res, 'Free text')

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_index_in_english_by_default(self):
        self.mock_search.return_value = result([fixtures.entry()])
        self.mock_imported_images.return_value = {}

        res = self.index()

        self.assertContains(res, 'Free text')
        self.assertNotContains(res, 'Texte libre')

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_core_reasons_follow_the_language(self):
        """The verdict reasons are stored in English and shown in the
        user's language: the badge of an untrusted, expired entry."""
        self.mock_search.return_value = result([fixtures.entry(
            level='untrusted', reasons=[
                'expired on 2020-01-01',
                'endorser CN=Mallory is not in the trusted endorsers list'],
            warnings=['the signature uses SHA-1, a weak algorithm; ask the '
                      'endorser to re-sign with SHA-256'])])
        self.mock_imported_images.return_value = {}

        french = self.index('fr')

        self.assertContains(french, 'expiré le 2020-01-01')
        self.assertContains(
            french, "l&#x27;endosseur CN=Mallory n&#x27;est pas dans la liste "
                    'des endosseurs de confiance')
        self.assertContains(french, 'la signature utilise SHA-1')
        self.assertNotContains(french, 'expired on 2020-01-01')

        english = self.index('en')

        self.assertContains(english, 'expired on 2020-01-01')
        self.assertNotContains(english, 'expiré le')

    def test_import_visibility_in_french(self):
        """Glance's visibility values are shown translated on Imports."""
        from django.utils import translation

        from marketplace_dashboard.dashboards.project.marketplace import (
            imports_tables,
        )
        shown = dict(imports_tables.ImportsTable.base_columns[
            'visibility'].display_choices)
        with translation.override('fr'):
            self.assertEqual(
                ['Privée', 'Partagée', 'Communautaire', 'Publique'],
                [str(shown[v]) for v in ('private', 'shared', 'community',
                                         'public')])
        with translation.override('en'):
            self.assertEqual('Private', str(shown['private']))
