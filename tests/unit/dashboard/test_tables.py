"""The appliances table's row actions: import, launch, copy link.
"""

import html
import re

from django.test.utils import override_settings
from django.urls import reverse
from horizon import tables as horizon_tables
from openstack_dashboard.test import helpers as test

from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.dashboards.project.marketplace import (
    tables,
)
from tests.unit.dashboard import fixtures
from tests.unit.dashboard.fixtures import (
    IDENTIFIER,
    IMAGE_ID,
    IMPORTS_URL,
    INDEX_URL,
    deny,
    glance_image,
)


def _comparable(markup):
    """*markup* without what differs between two renderings of one table:
    whitespace around tags, the CSRF token, the order of CSS classes."""
    markup = re.sub(r'\s*([<>])\s*', r'\1', re.sub(r'\s+', ' ', markup))
    markup = re.sub(r'(csrfmiddlewaretoken" value=)"[^"]*"', r'\1""', markup)
    return re.sub(r'class="([^"]*)"', lambda m: 'class="%s"' % ' '.join(
        sorted(m.group(1).split())), markup).strip()


class HorizonRowsTable(tables.AppliancesTable):
    render_row_actions = horizon_tables.DataTable.render_row_actions

    class Meta(tables.AppliancesTable.Meta):
        row_class = horizon_tables.Row


class RowTemplateTests(test.TestCase):

    def test_rows_render_as_horizon_renders_them(self):
        imported = fixtures.entry()
        imported.image = glance_image()
        unusable = api.Entry('stratuslab', verdict={'level': 'invalid'})
        rows = [imported, unusable,
                fixtures.entry('04-signed-selfsigned-full.xml')]
        ours = str(tables.AppliancesTable(self.request, rows).render())
        horizons = str(HorizonRowsTable(self.request, rows).render())
        self.assertEqual(3, ours.count('id="appliances__row__'))
        self.assertIn('data-level="verified"', ours)
        self.assertIn('marketplace-in-glance', ours)
        self.assertEqual(_comparable(horizons), _comparable(ours))

    def test_a_single_row_action_renders_as_horizon_renders_it(self):
        rows = [fixtures.entry()]
        with override_settings(POLICY_CHECK_FUNCTION=deny(
                ('image', 'add_image'))):
            ours = str(tables.AppliancesTable(self.request, rows).render())
            horizons = str(HorizonRowsTable(self.request, rows).render())
        self.assertNotIn('dropdown-toggle', ours)
        self.assertIn('__action_download', ours)
        self.assertEqual(_comparable(horizons), _comparable(ours))


class TableActionTests(test.TestCase):

    def _table(self):
        return tables.AppliancesTable(self.request)

    def _actions(self, entry):
        table = self._table()
        return {a.name for a in table.get_row_actions(entry)}

    def test_import_offered_until_verified_in_glance(self):
        entry = fixtures.entry()
        self.assertIn('import', self._actions(entry))
        self.assertNotIn('launch', self._actions(entry))
        entry.image = glance_image(status='queued', verified=False)
        self.assertIn('import', self._actions(entry))
        self.assertNotIn('launch', self._actions(entry))
        self.assertNotIn('copy_link', self._actions(entry))
        entry.image = glance_image()
        self.assertEqual({'launch', 'copy_link', 'download'},
                         self._actions(entry))

    def test_unverified_active_image_is_not_launched(self):
        entry = fixtures.entry()
        entry.image = glance_image(status='active', verified=False)
        self.assertNotIn('launch', self._actions(entry))

    def test_launch_renders_like_launch_image_ng(self):
        entry = fixtures.entry()
        entry.image = glance_image()
        table = self._table()
        action = [a for a in table.get_row_actions(entry)
                  if a.name == 'launch'][0]
        self.assertEqual('javascript:void(0);', action.get_link_url(entry))
        self.assertEqual('LaunchInstanceModalController as modal',
                         action.attrs['ng-controller'])
        self.assertEqual(
            "modal.openLaunchInstanceWizard({successUrl: '%s', "
            "imageId: '%s'})" % (reverse('horizon:project:instances:index'),
                                 IMAGE_ID), action.attrs['ng-click'])
        self.assertTrue(action.preempt)
        self.assertFalse(action.ajax)

    def test_a_non_uuid_id_never_reaches_javascript(self):
        entry = fixtures.entry()
        entry.image = glance_image()
        entry.image['id'] = "x'});alert(1);//"
        self.assertNotIn('launch', self._actions(entry))

    def test_policies(self):
        entry = fixtures.entry()
        with override_settings(POLICY_CHECK_FUNCTION=deny(
                ('image', 'add_image'))):
            self.assertNotIn('import', self._actions(entry))
        entry.image = glance_image()
        with override_settings(POLICY_CHECK_FUNCTION=deny(
                ('compute', 'os_compute_api:servers:create'))):
            self.assertNotIn('launch', self._actions(entry))
            self.assertIn('copy_link', self._actions(entry))

    def test_the_policy_is_asked_once_per_table_not_per_row(self):
        asked = []

        def check(actions, request, target=None):
            asked.append(tuple(tuple(a) for a in actions))
            return ('image', 'add_image') not in actions

        imported = fixtures.entry()
        imported.image = glance_image()
        rows = [fixtures.entry(), imported, fixtures.entry()]
        with override_settings(POLICY_CHECK_FUNCTION=check):
            table = self._table()
            offered = [{a.name for a in table.get_row_actions(row)}
                       for row in rows]
            self.assertEqual(sorted(set(asked)), sorted(asked))
            self.assertEqual({(('compute', 'os_compute_api:servers:create'),),
                              (('image', 'add_image'),),
                              (('image', 'get_images'),)}, set(asked))
            # each row is still judged on its own, under the same answers
            self.assertEqual([{'download'},
                              {'launch', 'copy_link', 'download'},
                              {'download'}], offered)
            # another table (another request) asks again
            self._table().get_row_actions(rows[0])
            self.assertEqual(6, len(asked))

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_index_renders_launch_and_import(self):
        imported = fixtures.entry()
        other = fixtures.entry('04-signed-selfsigned-full.xml')
        self.mock_search.return_value = api.SearchResult(
            entries=[imported, other], total=2, total_filtered=2, start=0,
            page_size=20)
        self.mock_imported_images.return_value = {
            IDENTIFIER: [glance_image(owner=self.tenant.id)]}
        res = self.client.get(INDEX_URL)
        content = res.content.decode()
        self.assertIn("imageId: '%s'" % IMAGE_ID, html.unescape(content))
        self.assertIn(IMPORTS_URL, content)
        self.assertEqual(1, content.count('ajax-modal btn-import')
                         or len(re.findall(r'/import/"', content)))
