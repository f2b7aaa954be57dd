"""An image's deep link: the launch page and the copy-link modal.

``api.imports.launchable_image`` is mocked, or Glance under it.
"""

from unittest import mock

from django.test.utils import override_settings
from django.urls import reverse
from openstack_dashboard.test import helpers as test

from marketplace_dashboard.api import imports
from marketplace_dashboard.core import glance
from tests.unit.dashboard.fixtures import (
    AJAX,
    IMAGE_ID,
    INDEX_URL,
    LAUNCH_URL,
    LINK_URL,
    deny,
    image,
    messages_of,
)


class LaunchDeepLinkTests(test.TestCase):

    @test.create_mocks({imports: ['launchable_image']})
    def test_valid_image_opens_the_wizard(self):
        self.mock_launchable_image.return_value = image()
        res = self.client.get(LAUNCH_URL)
        self.assertTemplateUsed(res, 'project/marketplace/launch.html')
        self.assertContains(
            res, 'data-marketplace-launch-image="%s"' % IMAGE_ID)
        self.assertContains(res, 'ttylinux 9.3')
        self.mock_launchable_image.assert_called_once_with(
            test.IsHttpRequest(), IMAGE_ID)

    @test.create_mocks({imports: ['launchable_image']})
    def test_deep_link_needs_the_create_server_policy(self):
        self.mock_launchable_image.return_value = image()
        with override_settings(POLICY_CHECK_FUNCTION=deny(
                ('compute', 'os_compute_api:servers:create'))):
            res = self.client.get(LAUNCH_URL)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertIn('not allowed to launch', ' '.join(
            str(m) for m in messages_of(res)))
        self.mock_launchable_image.assert_not_called()

    @test.create_mocks({imports: ['launchable_image']})
    def test_malformed_id_redirects_with_a_message(self):
        for bad in ('not-a-uuid', "x'});alert(1);",
                    IMAGE_ID.upper() + 'x'):
            with self.subTest(bad=bad):
                res = self.client.get(reverse(
                    'horizon:project:marketplace:launch',
                    kwargs={'image_id': bad}))
                self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_launchable_image.assert_not_called()

    def test_unknown_and_inactive_images_redirect(self):
        # The real api function on a mocked Glance.
        images = mock.Mock()
        with mock.patch.object(imports, 'glance_images',
                               return_value=images):
            images.get.side_effect = glance.GlanceNotFound('gone')
            res = self.client.get(LAUNCH_URL)
            self.assertRedirectsNoFollow(res, INDEX_URL)
            images.get.side_effect = None
            images.get.return_value = image(status='deactivated')
            res = self.client.get(LAUNCH_URL)
            self.assertRedirectsNoFollow(res, INDEX_URL)
            images.get.side_effect = glance.GlanceError(
                'Cannot reach Glance to read image: refused')
            res = self.client.get(LAUNCH_URL)
            self.assertRedirectsNoFollow(res, INDEX_URL)


class LaunchLinkTests(test.TestCase):

    @test.create_mocks({imports: ['launchable_image']})
    def test_modal_shows_the_absolute_link(self):
        self.mock_launchable_image.return_value = image()
        res = self.client.get(LINK_URL, **AJAX)
        self.assertTemplateUsed(res, 'project/marketplace/_launch_link.html')
        self.assertContains(res, 'value="http://testserver%s"' % LAUNCH_URL)
        self.assertContains(res, 'readonly')
        self.assertContains(res, 'data-marketplace-copy')
        self.assertContains(res, 'marketplace-metadata add-location')
        self.assertContains(res, 'class="modal"')
        self.assertContains(res, 'data-dismiss="modal"')

    @test.create_mocks({imports: ['launchable_image']})
    def test_modal_shows_the_add_location_command(self):
        self.mock_launchable_image.return_value = image()
        res = self.client.get(LINK_URL, **AJAX)
        self.assertContains(res, 'add-location FILE --launch-link %s '
                                 '--dashboard URL' % IMAGE_ID)

    @test.create_mocks({imports: ['launchable_image']})
    def test_page_without_ajax(self):
        self.mock_launchable_image.return_value = image()
        res = self.client.get(LINK_URL)
        self.assertTemplateUsed(res, 'project/marketplace/launch_link.html')
        self.assertContains(res, 'class="static_page"')
        self.assertContains(res, 'value="http://testserver%s"' % LAUNCH_URL)

    @test.create_mocks({imports: ['launchable_image']})
    def test_malformed_id_is_404(self):
        res = self.client.get(reverse(
            'horizon:project:marketplace:launch_link',
            kwargs={'image_id': 'nope'}))
        self.assertEqual(404, res.status_code)
        self.mock_launchable_image.assert_not_called()
