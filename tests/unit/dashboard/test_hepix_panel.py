"""The panel browsing a HEPiX image list through the real api layer and
catalogue type; only Glance is mocked.  Horizon's TestCase forbids
sockets, so the list is put where the client's cache keeps a download
(the download itself: tests/unit/core/catalogs/test_hepix_client.py)."""

from unittest import mock

from django.core.cache import cache
from django.test.utils import override_settings
from django.urls import reverse
from openstack_dashboard.test import helpers as test

from marketplace_dashboard.api import imports as api_imports
from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core import cache as core_cache
from marketplace_dashboard.core import trust
from tests import hepix_lists as lists
from tests import pki

INDEX_URL = reverse('horizon:project:marketplace:index')
LIST_URL = 'https://appdb.example/store/vo/test/image.list'


class HepixPanelTests(test.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ca = pki.make_ca('HEPiX Panel CA', not_before=pki.days_ago(30))
        cls.signer = pki.make_endorser(cls.ca, 'Panel Signer',
                                       'panel@example.org',
                                       not_before=pki.days_ago(5))
        cls.body = lists.signed_list(cls.signer, images=[
            lists.image(lists.IMAGE_ID),
            lists.image(lists.OTHER_ID, **{
                'dc:title': 'Tampered <b>title</b>'})])

    def setUp(self):
        super().setUp()
        cache.clear()
        import tempfile
        self.tmp = tempfile.NamedTemporaryFile(suffix='.pem')
        self.tmp.write(self.ca.cert_pem())
        self.tmp.flush()
        self.addCleanup(self.tmp.close)
        patcher = mock.patch.object(api, 'imported_images', return_value={})
        patcher.start()
        self.addCleanup(patcher.stop)
        self.settings = override_settings(MARKETPLACE_DASHBOARD={
            'marketplaces': [{'name': 'egi', 'type': 'hepix',
                              'url': LIST_URL}],
            'trust': {'ca_files': [self.tmp.name]}})
        self.settings.enable()
        self.addCleanup(self.settings.disable)
        api.DjangoCache(300, 'client').set(
            core_cache.digest_key('hepix-list', LIST_URL), self.body)

    def detail_url(self, identifier=lists.IMAGE_ID):
        entry = api.search(self.request_(), 'egi', {'status': 'all'})
        found = next(e for e in entry.entries if e.identifier == identifier)
        return reverse('horizon:project:marketplace:detail', kwargs={
            'marketplace': 'egi', 'identifier': identifier,
            'email': found.email, 'created': found.created_key})

    def request_(self):
        from django.test import RequestFactory
        return RequestFactory().get('/')

    def test_index_lists_the_images_with_their_verdicts(self):
        res = self.client.get(INDEX_URL)
        self.assertEqual(res.status_code, 200)
        self.assertContains(res, 'Image for CentOS 7 [CentOS/7/KVM]')
        self.assertContains(res, 'Tampered &lt;b&gt;title&lt;/b&gt;')
        self.assertNotContains(res, 'Tampered <b>title</b>')
        self.assertContains(res, 'marketplace-verdict')
        self.assertContains(res, self.detail_url())

    def test_detail_page_of_an_image(self):
        res = self.client.get(self.detail_url())
        self.assertEqual(res.status_code, 200)
        self.assertContains(res, lists.IMAGE_ID)
        self.assertContains(res, 'CN=Panel Signer')
        self.assertContains(res, 'hv:imagelist')
        entry = api.entry(self.request_(), 'egi', lists.IMAGE_ID,
                          'jane.tester@example.org',
                          self.detail_url().rstrip('/').rsplit('/', 1)[1])
        self.assertEqual(entry.level, 'verified')

    def test_download_is_the_signed_list(self):
        url = self.detail_url() + 'download/'
        res = self.client.get(url)
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res['Content-Type'], 'text/plain')
        self.assertIn(b'HEPiX-Image: ' + lists.IMAGE_ID.encode(),
                      res.content)
        self.assertTrue(res.content.endswith(self.body))

    def test_a_bad_identifier_is_a_404(self):
        url = self.detail_url().replace(lists.IMAGE_ID, 'not..an/id')
        self.assertEqual(self.client.get(url).status_code, 404)
        url = self.detail_url().replace(lists.IMAGE_ID, '.x')
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_the_verified_entry_for_an_import(self):
        key = self.detail_url().rstrip('/').split('/')[-3:]
        verdict = api_imports.verified_entry(self.request_(), 'egi', *key)
        self.assertEqual(verdict.level, 'verified')
        self.assertEqual(api_imports.entry_url('egi', *key),
                         LIST_URL + '#' + lists.IMAGE_ID)
        self.assertIsInstance(api.trust_policy(), trust.TrustPolicy)
