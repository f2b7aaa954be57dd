"""The index: search, paging, sorting, verdict badges, In Glance marks.

``api.marketplace`` is mocked; its results are real ``Entry`` objects
built from the shared samples (see fixtures.py).
"""

import html
import re
from unittest import mock
from urllib.parse import parse_qs

from django.test.utils import override_settings
from openstack_dashboard.test import helpers as test

from marketplace_dashboard.api import imports
from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core import errors
from tests.unit.dashboard import fixtures
from tests.unit.dashboard.fixtures import (
    DETAIL_URL,
    DOWNLOAD_URL,
    EMAIL,
    IDENTIFIER,
    IMAGE_ID,
    INDEX_URL,
    glance_image,
)

TWO_MARKETPLACES = {'marketplaces': [
    {'name': 'stratuslab', 'url': 'https://mp.example.org/marketplace'},
    {'name': 'egi', 'url': 'https://appdb.example.org/marketplace'}]}


def result(entries, start=0, total_filtered=None, total=100):
    return api.SearchResult(
        entries=entries, total=total,
        total_filtered=len(entries) if total_filtered is None
        else total_filtered,
        start=start, page_size=20)


def pager_links(content):
    """The query dicts of the table's Prev/Next links."""
    links = re.findall(r'<a href="\?([^"]*)">(?:&laquo;|Next)', content)
    unique = []
    for link in links:  # the pager is both above and below the table
        query = parse_qs(link.replace('&amp;', '&'))
        if query not in unique:
            unique.append(query)
    return unique


class IndexViewTests(test.TestCase):

    def get(self, url=INDEX_URL, **params):
        return self.client.get(url, params)

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_index_lists_entries(self):
        self.mock_search.return_value = result([fixtures.entry()])
        self.mock_imported_images.return_value = {}

        res = self.get()

        self.assertTemplateUsed(res, 'project/marketplace/index.html')
        table = res.context['table']
        self.assertEqual(1, len(table.data))
        row = table.get_rows()[0]
        self.assertEqual('ttylinux 9.3', row.cells['os'].data)
        self.assertEqual('i686', row.cells['os_arch'].data)
        self.assertEqual('raw', row.cells['format'].data)
        self.assertEqual('128\xa0bytes', row.cells['size'].data)
        self.assertEqual(EMAIL, row.cells['email'].data)
        self.assertEqual('2014-03-08 14:10', row.cells['created'].data)
        self.assertEqual('2016-03-05 14:12', row.cells['valid'].data)
        self.assertContains(res, 'href="%s"' % DETAIL_URL)
        self.assertContains(res, 'href="%s"' % DOWNLOAD_URL)
        filters = {'q': '', 'os': '', 'os_version': '', 'arch': '',
                   'endorser': '', 'kind': '', 'status': 'valid',
                   'location': 'all'}
        self.mock_search.assert_called_once_with(
            test.IsHttpRequest(), 'stratuslab', filters, start=0,
            sort='created', sort_dir='desc', on_rows=mock.ANY)
        self.mock_imported_images.assert_called_once_with(
            test.IsHttpRequest())

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_verdict_badges_carry_level_and_reasons(self):
        self.mock_search.return_value = result([
            fixtures.entry(level='verified'),
            fixtures.entry('07-signed-deprecated.xml', level='deprecated',
                           reasons=['deprecated: This is a test']),
            fixtures.entry('04-signed-selfsigned-full.xml',
                           level='untrusted',
                           reasons=['certificate expired on 2012-02-13',
                                    'issuer is not a trusted CA'],
                           warnings=['signed with SHA-1']),
        ])
        self.mock_imported_images.return_value = {}

        res = self.get()

        content = res.content.decode()
        self.assertIn('class="label label-success marketplace-verdict" '
                      'data-level="verified">Verified</span>', content)
        self.assertIn('class="label label-info marketplace-verdict" '
                      'data-level="deprecated" data-toggle="tooltip" '
                      'title="deprecated: This is a test">Deprecated',
                      content)
        self.assertIn('class="label label-warning marketplace-verdict" '
                      'data-level="untrusted" data-toggle="tooltip" '
                      'title="certificate expired on 2012-02-13; issuer is '
                      'not a trusted CA; signed with SHA-1">Untrusted',
                      content)

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_invalid_and_expired_badges(self):
        self.mock_search.return_value = result([
            fixtures.entry(level='invalid', reasons=['bad <b>digest</b>']),
            fixtures.entry('05-signed-ca-issued-no-san-email.xml',
                           level='expired', reasons=['expired']),
        ])
        self.mock_imported_images.return_value = {}

        res = self.get()

        self.assertContains(res, 'label-danger marketplace-verdict')
        self.assertContains(res, 'title="bad &lt;b&gt;digest&lt;/b&gt;"')
        self.assertContains(res, 'label-default marketplace-verdict')

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_hostile_values_are_inert(self):
        entry = fixtures.entry(document=fixtures.hostile_document(),
                               reasons=['<script>x</script>'])
        self.mock_search.return_value = result([entry])
        self.mock_imported_images.return_value = {}

        res = self.get(q='<script>alert(1)</script>')

        content = res.content.decode()
        self.assertNotIn(fixtures.HOSTILE_TITLE, content)
        self.assertIn('&lt;script&gt;alert(&quot;title&quot;)'
                      '&lt;/script&gt;', content)
        self.assertNotIn('<script>x</script>', content)
        self.assertNotIn('<script>alert(1)</script>', content)

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_in_glance_mark_from_one_glance_call(self):
        imported = fixtures.entry()
        other = fixtures.entry('04-signed-selfsigned-full.xml')
        image = glance_image(owner=self.tenant.id)
        self.mock_search.return_value = result([imported, other])
        self.mock_imported_images.return_value = {IDENTIFIER: [image]}

        res = self.get()

        self.mock_imported_images.assert_called_once_with(
            test.IsHttpRequest())
        rows = res.context['table'].get_rows()
        self.assertIn('marketplace-in-glance', str(rows[0].cells[
            'in_glance'].data))
        mark = str(rows[0].cells['in_glance'].data)
        self.assertIn(image['id'], mark)
        self.assertIn('label-primary', mark)
        self.assertIn('(%s)' % image['status'], mark)
        self.assertNotIn('marketplace-in-glance', str(rows[1].cells[
            'in_glance'].data))

    def _mark(self, *images):
        self.mock_search.return_value = result([fixtures.entry()])
        self.mock_imported_images.return_value = {IDENTIFIER: list(images)}
        res = self.get()
        [row] = res.context['table'].get_rows()
        return str(row.cells['in_glance'].data), res

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_no_in_glance_mark_for_failed_or_foreign_images(self):
        mine = self.tenant.id
        cases = [
            glance_image(status='deactivated', owner=mine),
            glance_image(status='killed', owner=mine),
            glance_image(owner=mine, verified=False,
                         marketplace_verification_error='sha512 is …'),
            glance_image(status='queued', owner=mine, verified=False,
                         marketplace_import_error='HTTP 404'),
            # A squatter's community placeholder, never uploaded.
            glance_image(status='queued', owner='someone-else',
                         visibility='community', verified=False),
            # Another project's public image whose data is not the entry's.
            glance_image(owner='someone-else', visibility='public',
                         os_hash_value='0' * 128),
        ]
        for image in cases:
            with self.subTest(image=image):
                mark, _ = self._mark(image)
                self.assertNotIn('marketplace-in-glance', mark)

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_in_glance_mark_for_a_matching_public_image(self):
        public = glance_image(owner='someone-else', visibility='public',
                              verified=False)
        mark, res = self._mark(public)
        self.assertIn('marketplace-in-glance', mark)
        self.assertIn("imageId: '%s'" % IMAGE_ID,
                      html.unescape(res.content.decode()))

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_in_glance_mark_for_a_shared_image_the_project_accepted(self):
        shared = glance_image(owner='someone-else', visibility='shared',
                              verified=False)
        glance_images = mock.Mock(project_id=self.tenant.id)
        with mock.patch.object(imports, 'glance_images',
                               return_value=glance_images):
            for status, marked in (('pending', False), ('accepted', True)):
                with self.subTest(status=status):
                    glance_images.member.return_value = status
                    mark, res = self._mark(shared)
                    self.assertEqual(marked,
                                     'marketplace-in-glance' in mark)
                    self.assertEqual(marked, "imageId: '%s'" % IMAGE_ID in
                                     html.unescape(res.content.decode()))
        glance_images.member.assert_called_with(IMAGE_ID, self.tenant.id)

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_no_in_glance_mark_for_a_community_image(self):
        # Any project can make one, with the endorsed bytes or not.
        community = glance_image(owner='someone-else',
                                 visibility='community', verified=False)
        mark, res = self._mark(community)
        self.assertNotIn('marketplace-in-glance', mark)
        self.assertNotIn("imageId: '%s'" % IMAGE_ID,
                         html.unescape(res.content.decode()))

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_glance_failure_keeps_the_listing(self):
        self.mock_search.return_value = result([fixtures.entry()])
        self.mock_imported_images.side_effect = self.exceptions.glance

        res = self.get()

        self.assertEqual(1, len(res.context['table'].data))
        self.assertMessageCount(res, error=1)

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_no_glance_call_for_an_empty_page(self):
        self.mock_search.return_value = result([])

        res = self.get()

        self.assertContains(res, 'No items to display.')
        self.mock_imported_images.assert_not_called()

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_filters_come_from_the_query_string(self):
        self.mock_search.return_value = result([])

        self.get(q='cloud image', os='Ubuntu', os_version='14.04',
                 arch='x86_64', endorser=EMAIL, kind='machine',
                 status='deprecated', location='web', sort='title',
                 dir='asc', start='40')

        self.mock_search.assert_called_once_with(
            test.IsHttpRequest(), 'stratuslab', {
                'q': 'cloud image', 'os': 'Ubuntu', 'os_version': '14.04',
                'arch': 'x86_64', 'endorser': EMAIL, 'kind': 'machine',
                'status': 'deprecated', 'location': 'web'},
            start=40, sort='title', sort_dir='asc', on_rows=mock.ANY)

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_search_form_shows_the_current_search(self):
        self.mock_search.return_value = result([])

        res = self.get(q='debian', status='expired')

        self.assertContains(res, 'id="marketplace-search"')
        self.assertContains(res, 'method="get"')
        self.assertContains(res, 'value="debian"')
        self.assertContains(res, '<option value="expired" selected>')
        # One marketplace: no marketplace selector.
        self.assertContains(res, 'type="hidden" name="marketplace"')

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_bad_filter_values_are_reported_not_searched(self):
        res = self.get(status='everything', kind='vm', start='-5')

        self.assertEqual(200, res.status_code)
        self.assertTrue(res.context['search_form'].errors)
        self.assertContains(res, 'has-error')
        self.mock_search.assert_not_called()

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_control_characters_are_refused(self):
        res = self.get(q='abc\x00def')

        self.assertIn('q', res.context['search_form'].errors)
        self.mock_search.assert_not_called()

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_overlong_search_text_is_refused(self):
        res = self.get(q='x' * 201)

        self.assertIn('q', res.context['search_form'].errors)
        self.mock_search.assert_not_called()

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_bad_start_falls_back_to_first_page(self):
        self.mock_search.return_value = result([])

        self.get(start='abc')
        self.get(start='-20')
        self.get(start=str(10 ** 9))

        for call in self.mock_search.call_args_list:
            self.assertEqual(0, call.kwargs['start'])

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_paging_keeps_the_filters(self):
        entries = [fixtures.entry() for _ in range(20)]
        self.mock_search.return_value = result(entries, start=20,
                                               total_filtered=65)
        self.mock_imported_images.return_value = {}

        res = self.get(os='ubuntu', status='expired', start='20')

        table = res.context['table']
        self.assertTrue(table.has_more_data())
        self.assertTrue(table.has_prev_data())
        links = pager_links(res.content.decode())
        self.assertIn({'os': ['ubuntu'], 'status': ['expired']}, links)
        self.assertIn({'os': ['ubuntu'], 'status': ['expired'],
                       'start': ['40']}, links)

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_last_page_has_no_next_link(self):
        self.mock_search.return_value = result([fixtures.entry()], start=40,
                                               total_filtered=41)
        self.mock_imported_images.return_value = {}

        res = self.get(start='40')

        table = res.context['table']
        self.assertFalse(table.has_more_data())
        self.assertTrue(table.has_prev_data())
        self.assertEqual([{'start': ['20']}],
                         pager_links(res.content.decode()))

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_first_page_has_no_prev_link(self):
        self.mock_search.return_value = result(
            [fixtures.entry()] * 20, total_filtered=21)
        self.mock_imported_images.return_value = {}

        res = self.get()

        self.assertFalse(res.context['table'].has_prev_data())
        self.assertEqual([{'start': ['20']}],
                         pager_links(res.content.decode()))

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_sortable_headers_link_to_server_side_sort(self):
        self.mock_search.return_value = result([fixtures.entry()])
        self.mock_imported_images.return_value = {}

        res = self.get(os='ubuntu', sort='title', dir='desc', start='20')

        links = {}
        for href, _text in re.findall(
                r'<a href="\?([^"]*)" class="marketplace-sort[^"]*">'
                r'([^<]*)</a>', res.content.decode()):
            query = parse_qs(href.replace('&amp;', '&'))
            links[query.get('sort', ['created'])[0]] = query
        self.assertEqual({'title', 'os', 'os_arch', 'email', 'created'},
                         set(links))
        # The active column flips its direction, the others start
        # descending; the search is kept and paging restarts.
        self.assertEqual({'os': ['ubuntu'], 'sort': ['title'],
                          'dir': ['asc']}, links['title'])
        self.assertEqual({'os': ['ubuntu'], 'sort': ['os']}, links['os'])
        self.assertEqual({'os': ['ubuntu']}, links['created'])
        self.assertContains(res, 'fa-sort-desc')

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_marketplace_down_shows_error_and_empty_table(self):
        self.mock_search.side_effect = errors.MarketplaceUnavailable(
            "marketplace 'stratuslab' did not answer within 30 seconds")

        res = self.get()

        self.assertEqual(200, res.status_code)
        self.assertEqual([], res.context['table'].data)
        self.assertMessageCount(res, error=1)
        self.mock_imported_images.assert_not_called()

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_marketplace_garbage_shows_error(self):
        self.mock_search.side_effect = errors.MarketplaceResponseError(
            'sent an invalid JSON listing')

        res = self.get()

        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        messages = [str(m) for m in res.context['messages']]
        self.assertIn('sent an invalid JSON listing', messages[0])

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_marketplace_http_error_shows_error(self):
        self.mock_search.side_effect = errors.MarketplaceHTTPError(
            'answered HTTP 500', status=500)

        res = self.get()

        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)

    @override_settings(MARKETPLACE_DASHBOARD={'page_size': 'many'})
    @test.create_mocks({api: ['search', 'imported_images']})
    def test_bad_settings_show_error_not_500(self):
        with self.assertLogs('marketplace_dashboard', 'ERROR') as logs:
            res = self.get()

        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        messages = [str(m) for m in res.context['messages']]
        self.assertIn("MARKETPLACE_DASHBOARD['page_size']", messages[0])
        self.assertIn("MARKETPLACE_DASHBOARD['page_size']", logs.output[0])
        self.mock_search.assert_not_called()

    @override_settings(MARKETPLACE_DASHBOARD={'marketplaces': [
        {'name': 'stratuslab', 'url': 'ftp://mp.example.org/'}]})
    @test.create_mocks({api: ['imported_images']})
    def test_misconfigured_marketplace_shows_error(self):
        # The real api layer: the core refuses the URL before any request.
        res = self.get()

        self.assertEqual(200, res.status_code)
        self.assertEqual([], res.context['table'].data)
        messages = [str(m) for m in res.context['messages']]
        self.assertEqual(1, len(messages))
        self.assertIn("Marketplace 'stratuslab' is misconfigured",
                      messages[0])
        self.assertIn('http://', messages[0])

    @override_settings(MARKETPLACE_DASHBOARD={})
    @test.create_mocks({api: ['search', 'imported_images']})
    def test_no_marketplace_configured(self):
        res = self.get()

        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, info=1)
        self.mock_search.assert_not_called()

    @override_settings(MARKETPLACE_DASHBOARD=TWO_MARKETPLACES)
    @test.create_mocks({api: ['search', 'imported_images']})
    def test_marketplace_choice_with_several(self):
        self.mock_search.return_value = result([])

        res = self.get(marketplace='egi')

        self.assertContains(res, '<select name="marketplace"')
        self.assertContains(res, '<option value="egi" selected>')
        self.assertEqual('egi', self.mock_search.call_args[0][1])

    @override_settings(MARKETPLACE_DASHBOARD=TWO_MARKETPLACES)
    @test.create_mocks({api: ['search', 'imported_images']})
    def test_unknown_marketplace_is_refused(self):
        res = self.get(marketplace='nope')

        self.assertIn('marketplace', res.context['search_form'].errors)
        self.mock_search.assert_not_called()

    @override_settings(MARKETPLACE_DASHBOARD=TWO_MARKETPLACES)
    @test.create_mocks({api: ['search', 'imported_images']})
    def test_default_is_the_first_marketplace(self):
        self.mock_search.return_value = result([])

        self.get()

        self.assertEqual('stratuslab', self.mock_search.call_args[0][1])

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_row_without_usable_key_has_no_links(self):
        entry = api.Entry('stratuslab', verdict={'level': 'invalid'})
        self.mock_search.return_value = result([entry])
        self.mock_imported_images.return_value = {}

        res = self.get()

        self.assertEqual(200, res.status_code)
        self.assertNotContains(res, 'marketplace/stratuslab/')

    @override_settings(
        POLICY_CHECK_FUNCTION='tests.unit.dashboard.test_views.record_policy')
    @test.create_mocks({api: ['search', 'imported_images']})
    def test_panel_and_download_action_check_image_policy(self):
        self.mock_search.return_value = result([fixtures.entry()])
        self.mock_imported_images.return_value = {}
        POLICY_CALLS.clear()

        res = self.get()

        self.assertEqual(200, res.status_code)
        self.assertIn((('image', 'get_images'),), POLICY_CALLS)

    @override_settings(
        POLICY_CHECK_FUNCTION='tests.unit.dashboard.test_views.deny_policy')
    @test.create_mocks({api: ['search', 'imported_images']})
    def test_panel_denied_by_policy(self):
        res = self.get()

        self.assertNotEqual(200, res.status_code)
        self.mock_search.assert_not_called()


POLICY_CALLS = []


def record_policy(rules, request, target=None):
    POLICY_CALLS.append(tuple(rules))
    return True


def deny_policy(rules, request, target=None):
    return False


class PanelTests(test.TestCase):

    def test_panel_is_registered_under_compute(self):
        import horizon

        dashboard = horizon.get_dashboard('project')
        panel = dashboard.get_panel('marketplace')
        self.assertEqual(('openstack.services.image',), panel.permissions)
        group = [g for g in dashboard.get_panel_groups().values()
                 if panel in g]
        self.assertEqual('compute', group[0].slug)

    def test_client_errors_are_recoverable(self):
        from django.conf import settings
        self.assertIn(errors.MarketplaceClientError,
                      settings.HORIZON_CONFIG['exceptions']['recoverable'])
