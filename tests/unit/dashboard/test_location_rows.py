"""The Locations tab: image data, launch links (Launch here, or another
dashboard's external link) and text.

``api.marketplace`` is mocked (the entry, its versions, the images Glance
lists); the import engine's rule runs for real on those images.
"""

from django.urls import reverse
from openstack_dashboard.test import helpers as test

from marketplace_dashboard.api import imports
from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core.errors import GlanceError
from marketplace_dashboard.dashboards.project.marketplace import (
    location_rows,
)
from tests.unit.dashboard import fixtures
from tests.unit.dashboard.fixtures import (
    DETAIL_URL,
    IDENTIFIER,
    IMAGE_ID,
    LAUNCH_URL,
    OTHER_ID,
    glance_image,
    messages_of,
)

HERE = 'http://testserver/'
IMAGE_DATA = 'https://images.example.org/a.img.gz'


def deep(image_id=IMAGE_ID, dashboard=HERE):
    return '%sproject/marketplace/launch/%s/' % (dashboard, image_id)


def legacy(image_id=IMAGE_ID, dashboard=HERE):
    return ('%sproject/instances/launch?source_id=%s&source_type=image_id'
            % (dashboard, image_id))


class LocationsTabTests(test.TestCase):

    @test.create_mocks({api: ['entry', 'versions', 'imported_images'],
                        imports: ['linked_image_problem']})
    def show(self, *uris, images=(), linked=None):
        """The rendered detail page and the Locations tab's rows.

        *linked*: what Glance's facts say of the images the links name
        (``imports.linked_image_problem``: ID -> problem, None when it is
        launchable; an ID not given does not exist)."""
        self.mock_entry.return_value = fixtures.entry(
            document=fixtures.document_with_locations(*uris))
        self.mock_versions.return_value = []
        self.mock_imported_images.return_value = {IDENTIFIER: list(images)}
        linked = {} if linked is None else linked

        def problem(request, image_id, appliance):
            self.assertEqual(IDENTIFIER, appliance.identifier)
            if isinstance(linked.get(image_id), Exception):
                raise linked[image_id]
            return linked.get(image_id, 'Image %s does not exist.'
                              % image_id)
        self.mock_linked_image_problem.side_effect = problem
        res = self.client.get(DETAIL_URL)
        self.assertEqual(200, res.status_code)
        self.mock_linked_image_problem.reset_mock()
        rows = location_rows.location_rows(res.wsgi_request,
                                           self.mock_entry.return_value)
        self.glance_calls = self.mock_imported_images.call_count
        self.lookups = [c.args[1] for c in
                        self.mock_linked_image_problem.call_args_list]
        return res.content.decode(), rows

    def test_this_dashboard_is_the_request_base_url(self):
        res = self.client.get(reverse('horizon:project:marketplace:index'))
        self.assertEqual(HERE, location_rows.this_dashboard(res.wsgi_request))

    def test_launch_here_for_the_projects_verified_import(self):
        content, rows = self.show(deep(), IMAGE_DATA,
                                  images=[glance_image(owner=self.tenant.id)])
        self.assertEqual(['launch', 'data'], [r['kind'] for r in rows])
        self.assertEqual(LAUNCH_URL, rows[0]['launch_url'])
        self.assertTrue(rows[0]['this_dashboard'])
        self.assertIn('<a href="%s" class="btn btn-primary btn-xs btn-launch '
                      'marketplace-launch">' % LAUNCH_URL, content)
        self.assertIn('Launch link', content)
        self.assertIn('On this dashboard.', content)
        # the image data stays a download link
        self.assertIn('<a href="%s" rel="noopener noreferrer nofollow">'
                      % IMAGE_DATA, content)
        # the detail page's own Glance listing was enough
        self.assertEqual(1, self.glance_calls)
        self.assertEqual([], self.lookups)

    def test_the_seed_era_link_launches_through_the_deep_link(self):
        content, rows = self.show(legacy(),
                                  images=[glance_image(owner=self.tenant.id)])
        self.assertEqual(LAUNCH_URL, rows[0]['launch_url'])
        self.assertIn('href="%s"' % LAUNCH_URL, content)
        self.assertIn('source_id=%s&amp;source_type=image_id' % IMAGE_ID,
                      content)

    def test_no_launch_when_nothing_is_launchable_here(self):
        cases = {
            'not in Glance': [],
            'not verified': [glance_image(owner=self.tenant.id,
                                          verified=False)],
            'deactivated': [glance_image(owner=self.tenant.id,
                                         status='deactivated')],
        }
        for what, images in cases.items():
            with self.subTest(what):
                content, rows = self.show(deep(), images=images)
                self.assertIsNone(rows[0]['launch_url'])
                self.assertNotIn('marketplace-launch', content)
                self.assertIn('not launchable by your project: Image %s '
                              'does not exist.' % IMAGE_ID, content)
                self.assertIn('<code>%s</code>' % deep(), content)
                self.assertEqual([IMAGE_ID], self.lookups)

    def test_launch_for_a_plain_upload_glance_matches_to_the_entry(self):
        # The seed's creator uploaded the image by hand (no marketplace
        # property, so not listed as an import) and linked to it.
        content, rows = self.show(deep(OTHER_ID), IMAGE_DATA,
                                  linked={OTHER_ID: None})
        self.assertEqual(reverse('horizon:project:marketplace:launch',
                                 kwargs={'image_id': OTHER_ID}),
                         rows[0]['launch_url'])
        self.assertIsNone(rows[0]['problem'])
        self.assertIn('marketplace-launch', content)
        self.assertEqual([OTHER_ID], self.lookups)

    def test_the_reason_glance_gives_is_shown_escaped(self):
        content, rows = self.show(deep(OTHER_ID), linked={
            OTHER_ID: 'Image <b>x</b> is a community image'})
        self.assertIsNone(rows[0]['launch_url'])
        self.assertIn('not launchable by your project: Image &lt;b&gt;x'
                      '&lt;/b&gt; is a community image', content)

    def test_glance_is_asked_about_a_bounded_number_of_images(self):
        ids = ['%08d-0000-4000-8000-000000000000' % i for i in range(7)]
        _content, rows = self.show(*[deep(i) for i in ids],
                                   linked=dict.fromkeys(ids))
        self.assertEqual(ids[:location_rows.MAX_LOOKUPS], self.lookups)
        launched = [r['launch_url'] is not None for r in rows]
        self.assertEqual([True] * location_rows.MAX_LOOKUPS
                         + [False] * (7 - location_rows.MAX_LOOKUPS),
                         launched)
        self.assertIn('Not checked', rows[-1]['problem'])

    def test_a_glance_failure_on_a_linked_image_keeps_the_tab(self):
        content, rows = self.show(deep(OTHER_ID), IMAGE_DATA, linked={
            OTHER_ID: GlanceError('Glance is down')})
        self.assertIsNone(rows[0]['launch_url'])
        self.assertIn('could not be asked', rows[0]['problem'])
        self.assertEqual(IMAGE_DATA, rows[1]['link'])

    def test_launch_here_for_a_matching_public_image_the_link_names(self):
        mine = glance_image(owner=self.tenant.id)
        public = glance_image(id=OTHER_ID, owner='someone-else',
                              visibility='public', verified=False)
        content, rows = self.show(deep(OTHER_ID), deep(IMAGE_ID),
                                  images=[mine, public])
        self.assertEqual([reverse('horizon:project:marketplace:launch',
                                  kwargs={'image_id': OTHER_ID}),
                          LAUNCH_URL], [r['launch_url'] for r in rows])

    def test_no_launch_for_a_public_image_with_other_data(self):
        public = glance_image(id=OTHER_ID, owner='someone-else',
                              visibility='public', verified=False,
                              os_hash_value='0' * 128)
        community = glance_image(id=IMAGE_ID, owner='someone-else',
                                 visibility='community', verified=False)
        _content, rows = self.show(deep(OTHER_ID), deep(IMAGE_ID),
                                   images=[public, community])
        self.assertEqual([None, None], [r['launch_url'] for r in rows])

    def test_another_dashboards_link_is_external_and_never_checked(self):
        other = 'https://cloud.example.org/dashboard/'
        content, rows = self.show(deep(OTHER_ID, other),
                                  legacy(OTHER_ID, 'https://evil.example/'))
        self.assertEqual([other, 'https://evil.example/'],
                         [r['dashboard'] for r in rows])
        self.assertFalse(any(r['this_dashboard'] or r['launch_url']
                             for r in rows))
        self.assertIn('<a href="%s" rel="noopener noreferrer nofollow" '
                      'target="_blank" class="marketplace-external">'
                      % deep(OTHER_ID, other), content)
        self.assertIn('On another dashboard: %s' % other, content)
        self.assertNotIn('marketplace-launch', content)
        # only the detail page's own In Glance listing asked Glance
        self.assertEqual(1, self.glance_calls)

    def test_other_port_scheme_or_web_root_is_another_dashboard(self):
        for dashboard in ('https://testserver/', 'http://testserver:8080/',
                          'http://testserver/dashboard/'):
            with self.subTest(dashboard):
                _content, rows = self.show(
                    deep(dashboard=dashboard),
                    images=[glance_image(owner=self.tenant.id)])
                self.assertFalse(rows[0]['this_dashboard'])
                self.assertIsNone(rows[0]['launch_url'])

    def test_hostile_locations_are_text(self):
        hostile = [
            'javascript:alert(document.cookie)',
            # user information: the host is evil.example, not testserver
            'http://testserver@evil.example/project/marketplace/launch/%s/'
            % IMAGE_ID,
            HERE + "project/marketplace/launch/x'});alert(1);/",
            HERE + 'project/instances/launch?source_id=nope'
                   '&source_type=image_id',
            'pdisk:onehost:8445:1234',
        ]
        content, rows = self.show(
            *hostile, images=[glance_image(owner=self.tenant.id)])
        self.assertEqual(['other'] * len(hostile),
                         [r['kind'] for r in rows])
        self.assertNotIn('marketplace-launch', content)
        for uri in hostile:
            self.assertNotIn('href="%s"' % uri, content)
        self.assertIn('<code>javascript:alert(document.cookie)</code>',
                      content)
        self.assertIn('x&#x27;});alert(1);', content)
        self.assertNotIn("x'});alert(1);", content)

    def test_markup_in_a_launch_link_is_escaped(self):
        link = ('https://evil.example/%3Cscript%3E/project/marketplace/'
                'launch/' + OTHER_ID + '/?"><script>alert(1)</script>')
        content, rows = self.show(link.replace('"', '%22')
                                  .replace('<', '%3C').replace('>', '%3E'))
        self.assertEqual('launch', rows[0]['kind'])
        tab = content.split('marketplace-locations')[1].split('</ul>')[0]
        self.assertNotIn('<script>', tab)
        self.assertNotIn('"><', tab)

    @test.create_mocks({api: ['entry', 'versions', 'imported_images'],
                        imports: ['linked_image_problem']})
    def test_glance_failure_keeps_the_tab(self):
        self.mock_entry.return_value = fixtures.entry(
            document=fixtures.document_with_locations(deep(OTHER_ID)))
        self.mock_versions.return_value = []
        self.mock_imported_images.side_effect = self.exceptions.glance
        self.mock_linked_image_problem.side_effect = GlanceError('down')
        res = self.client.get(DETAIL_URL)
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'not launchable by your project')
        self.assertIn('Unable to check whether the images of the launch '
                      'links', ' '.join(str(m) for m in messages_of(res)))
