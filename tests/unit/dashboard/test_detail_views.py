"""An entry's detail page, its tabs, and the signed document download.

``api.marketplace`` is mocked; its results are real ``Entry`` objects
built from the shared samples (see fixtures.py).
"""

from unittest import mock

from django.test.utils import override_settings
from django.urls import reverse
from openstack_dashboard.test import helpers as test

from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core import errors
from tests.unit.dashboard import fixtures
from tests.unit.dashboard.fixtures import (
    CREATED,
    DETAIL_URL,
    DOWNLOAD_URL,
    EMAIL,
    IDENTIFIER,
    INDEX_URL,
)


class DetailViewTests(test.TestCase):

    def setUp(self):
        super().setUp()
        # The detail page marks an entry already in Glance (not imported
        # here; see test_views.py and test_tables.py).
        patcher = mock.patch.object(api, 'imported_images', return_value={})
        patcher.start()
        self.addCleanup(patcher.stop)

    @test.create_mocks({api: ['entry', 'versions']})
    def test_detail_shows_every_tab(self):
        entry = fixtures.entry('04-signed-selfsigned-full.xml',
                               level='untrusted',
                               reasons=['certificate expired'],
                               warnings=['signed with SHA-1'])
        self.mock_entry.return_value = entry
        self.mock_versions.return_value = [entry]

        res = self.client.get(DETAIL_URL)

        self.assertTemplateUsed(res, 'horizon/common/_detail.html')
        self.mock_entry.assert_called_once_with(
            test.IsHttpRequest(), 'stratuslab', IDENTIFIER, EMAIL, CREATED)
        for template in ('_detail_overview.html', '_detail_endorsement.html',
                         '_detail_locations.html', '_detail_versions.html',
                         '_detail_document.html'):
            self.assertTemplateUsed(res, 'project/marketplace/' + template)
        self.assertContains(res, entry.identifier)
        self.assertContains(res, 'certificate expired')
        self.assertContains(res, 'signed with SHA-1')
        self.assertContains(res, 'label-warning marketplace-verdict')
        self.assertContains(res, 'CN=Jane Tester')
        self.assertNotContains(res, 'No problem was found')
        self.assertContains(res, 'href="%s"' % reverse(
            'horizon:project:marketplace:download', kwargs={
                'marketplace': 'stratuslab', 'identifier': entry.identifier,
                'email': entry.email, 'created': entry.created_key}))

    @test.create_mocks({api: ['entry', 'versions']})
    def test_endorsement_tab_shows_the_trust_path(self):
        entry = fixtures.entry()
        entry.verdict['trust_path'] = [
            'CN=Jane Tester,O=StratusLab Project,C=EU',
            'CN=<b>Grid CA</b>,C=EU']
        self.mock_entry.return_value = entry
        self.mock_versions.return_value = []

        res = self.client.get(DETAIL_URL)

        content = res.content.decode()
        self.assertIn('<ol class="marketplace-trust-path">', content)
        self.assertIn('<li class="word-wrap">CN=Jane Tester,O=StratusLab '
                      'Project,C=EU <em>(endorser)</em></li>', content)
        self.assertIn('CN=&lt;b&gt;Grid CA&lt;/b&gt;,C=EU <em>(trusted '
                      'CA)</em>', content)
        self.assertNotIn('<b>Grid CA</b>', content)

    @test.create_mocks({api: ['entry', 'versions']})
    def test_no_trust_path_without_a_verified_chain(self):
        self.mock_entry.return_value = fixtures.entry(level='untrusted')
        self.mock_versions.return_value = []

        res = self.client.get(DETAIL_URL)

        self.assertNotContains(res, 'marketplace-trust-path')

    @test.create_mocks({api: ['entry', 'versions']})
    def test_locations_only_link_http_and_https(self):
        entry = fixtures.entry(document=fixtures.hostile_document())
        self.mock_entry.return_value = entry
        self.mock_versions.return_value = []

        res = self.client.get(DETAIL_URL)

        content = res.content.decode()
        self.assertIn('<a href="https://images.example.org/a.img.gz" '
                      'rel="noopener noreferrer nofollow">', content)
        for text in (fixtures.HOSTILE_LOCATION, 'pdisk:onehost:8445:1234',
                     'ftp://ftp.example.org/a.img'):
            self.assertIn('<code>%s</code>' % text, content)
            self.assertNotIn('href="%s"' % text, content)
        self.assertNotIn(fixtures.HOSTILE_TITLE, content)
        self.assertNotIn('<img src=x', content)

    @test.create_mocks({api: ['entry', 'versions']})
    def test_raw_document_is_escaped(self):
        entry = fixtures.entry()
        self.mock_entry.return_value = entry
        self.mock_versions.return_value = []

        res = self.client.get(DETAIL_URL)

        self.assertRegex(res.content.decode(),
                         r'<pre class="marketplace-document[^>]*>'
                         r'&lt;\?xml version=&quot;1.0&quot;')
        self.assertContains(res, '&lt;slreq:bytes&gt;128&lt;/slreq:bytes'
                                 '&gt;')
        self.assertContains(res, 'No problem was found')

    @test.create_mocks({api: ['entry', 'versions']})
    def test_versions_link_to_each_other(self):
        current = fixtures.entry()
        deprecated = fixtures.entry('07-signed-deprecated.xml',
                                    level='deprecated')
        self.mock_entry.return_value = current
        self.mock_versions.return_value = [current, deprecated]

        res = self.client.get(DETAIL_URL)

        self.mock_versions.assert_called_once_with(
            test.IsHttpRequest(), 'stratuslab', IDENTIFIER)
        other_url = reverse('horizon:project:marketplace:detail', kwargs={
            'marketplace': 'stratuslab', 'identifier': IDENTIFIER,
            'email': EMAIL, 'created': deprecated.created_key})
        self.assertContains(res, 'href="%s"' % other_url)
        self.assertContains(res, '(this entry)')

    @test.create_mocks({api: ['entry', 'versions']})
    def test_versions_failure_keeps_the_page(self):
        self.mock_entry.return_value = fixtures.entry()
        self.mock_versions.side_effect = errors.MarketplaceUnavailable(
            'down')

        res = self.client.get(DETAIL_URL)

        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'No other entry is known')

    @test.create_mocks({api: ['entry', 'versions']})
    def test_unreadable_document_still_has_a_page(self):
        self.mock_entry.return_value = api.Entry(
            'stratuslab', b'<html>&lt;maintenance&gt;</html>', None,
            {'level': 'invalid', 'reasons': ['not a metadata document']})
        self.mock_versions.return_value = []

        res = self.client.get(DETAIL_URL)

        self.assertEqual(200, res.status_code)
        self.assertContains(res, '<span class="h1 word-wrap">%s</span>'
                            % IDENTIFIER)
        self.assertContains(res, 'not a metadata document')
        self.assertContains(res, '&lt;html&gt;&amp;lt;maintenance&amp;gt;')

    @test.create_mocks({api: ['entry', 'versions']})
    def test_entry_not_found_redirects_with_message(self):
        self.mock_entry.side_effect = errors.MarketplaceHTTPError(
            'answered HTTP 404: metadata entry not found.', status=404)

        res = self.client.get(DETAIL_URL)

        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_versions.assert_not_called()

    @test.create_mocks({api: ['entry', 'versions']})
    def test_marketplace_down_redirects_with_message(self):
        self.mock_entry.side_effect = errors.MarketplaceUnavailable('down')

        res = self.client.get(DETAIL_URL)

        self.assertRedirectsNoFollow(res, INDEX_URL)

    @test.create_mocks({api: ['entry', 'versions']})
    def test_bad_keys_are_404(self):
        base = '%s%s/%s/' % (INDEX_URL, 'stratuslab', IDENTIFIER)
        for url in (base + 'not-an-email/%s/' % CREATED,
                    base + 'a%%3Cb%%3E@x.org/%s/' % CREATED,
                    base + '%s/2014-03-08/' % EMAIL,
                    '%snope/%s/%s/%s/' % (INDEX_URL, IDENTIFIER, EMAIL,
                                          CREATED),
                    '%sstratuslab/short/%s/%s/' % (INDEX_URL, EMAIL,
                                                   CREATED)):
            res = self.client.get(url)
            self.assertEqual(404, res.status_code, url)
        self.mock_entry.assert_not_called()

    @override_settings(MARKETPLACE_DASHBOARD={'page_size': None})
    @test.create_mocks({api: ['entry', 'versions']})
    def test_bad_settings_are_404_not_500(self):
        res = self.client.get(DETAIL_URL)

        self.assertEqual(404, res.status_code)
        self.mock_entry.assert_not_called()


class DownloadViewTests(test.TestCase):

    @test.create_mocks({api: ['entry']})
    def test_download_returns_the_exact_bytes(self):
        entry = fixtures.entry()
        self.mock_entry.return_value = entry

        res = self.client.get(DOWNLOAD_URL)

        self.assertEqual(200, res.status_code)
        self.assertEqual(fixtures.sample('06-signed-testca.xml'),
                         res.content)
        self.assertEqual('application/rdf+xml', res['Content-Type'])
        self.assertEqual('attachment; filename="%s.xml"' % IDENTIFIER,
                         res['Content-Disposition'])
        self.assertEqual('nosniff', res['X-Content-Type-Options'])

    @test.create_mocks({api: ['entry']})
    def test_download_error_redirects(self):
        self.mock_entry.side_effect = errors.MarketplaceResponseError(
            'garbage')

        res = self.client.get(DOWNLOAD_URL)

        self.assertRedirectsNoFollow(res, INDEX_URL)

    @test.create_mocks({api: ['entry']})
    def test_download_bad_email_is_404(self):
        url = DOWNLOAD_URL.replace(EMAIL, 'jane')

        res = self.client.get(url)

        self.assertEqual(404, res.status_code)
        self.mock_entry.assert_not_called()
