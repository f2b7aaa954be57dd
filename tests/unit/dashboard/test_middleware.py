"""The opt-in middleware for seed-era launch links, and the example
settings' instructions that enable it."""

import pathlib
import re
import runpy
import tempfile
from unittest import mock

from django.conf import settings
from django.test import RequestFactory
from django.test.utils import override_settings
from django.urls import reverse, set_script_prefix
from django.utils.module_loading import import_string
from openstack_dashboard.test import helpers as test

from marketplace_dashboard import conf, middleware
from marketplace_dashboard.api import imports
from marketplace_dashboard.core import glance
from tests.unit.dashboard.fixtures import (
    IMAGE_ID,
    INDEX_URL,
    LAUNCH_URL,
    messages_of,
)

EXAMPLE = (pathlib.Path(conf.__file__).parent / 'local_settings.d' /
           '_1920_marketplace_settings.py.example')
LEGACY = '/project/instances/launch'
ENABLED = [*settings.MIDDLEWARE, middleware.MIDDLEWARE_PATH]


def example_middleware(horizon_middleware, tmp_dir):
    """MIDDLEWARE after the example's commented instructions, uncommented,
    run as Horizon runs a local_settings.d snippet (in its namespace)."""
    text = EXAMPLE.read_text()
    block = re.search(r'^# MIDDLEWARE = \[\n(?:#  .*\n)+# \]$', text,
                      re.M).group(0)
    snippet = pathlib.Path(tmp_dir) / '_1920_marketplace_settings.py'
    snippet.write_text(re.sub(r'^# ?', '', block, flags=re.M))
    return runpy.run_path(str(snippet), init_globals={
        'MIDDLEWARE': horizon_middleware})['MIDDLEWARE']


def test_the_example_enables_the_middleware_after_horizons_own(tmp_path):
    horizon = tuple(settings.MIDDLEWARE)  # Horizon's settings: a tuple
    enabled = example_middleware(horizon, tmp_path)
    assert list(enabled) == [*horizon, middleware.MIDDLEWARE_PATH]
    assert import_string(enabled[-1]) is \
        middleware.LegacyLaunchLinkMiddleware
    # messages work: it runs after Horizon's MessageMiddleware
    assert enabled.index(
        'django.contrib.messages.middleware.MessageMiddleware') < \
        enabled.index(middleware.MIDDLEWARE_PATH)


def test_other_requests_pass_through():
    factory = RequestFactory()
    for request in (
            factory.get('/project/instances/'),
            factory.get('/project/instances/launch/extra'),
            factory.get('/project/images/', {'source_id': IMAGE_ID,
                                             'source_type': 'image_id'}),
            factory.get('/dashboard/project/instances/launch',
                        {'source_id': IMAGE_ID, 'source_type': 'image_id'}),
            factory.post(LEGACY + '?source_id=%s&source_type=image_id'
                         % IMAGE_ID)):
        assert middleware.legacy_redirect(request) is None
    get_response = mock.Mock()
    handler = middleware.LegacyLaunchLinkMiddleware(get_response)
    request = factory.get('/project/instances/')
    assert handler(request) is get_response.return_value
    get_response.assert_called_once_with(request)


class LegacyLaunchLinkTests(test.TestCase):

    def get(self, path=LEGACY, method='get', **params):
        with override_settings(MIDDLEWARE=ENABLED):
            return getattr(self.client, method)(path, params)

    def test_redirects_to_the_deep_link(self):
        for path, params, method in (
                (LEGACY, {'source_id': IMAGE_ID, 'source_type': 'image_id'},
                 'get'),
                (LEGACY + '/', {'source_type': 'image_id',
                                'source_id': IMAGE_ID.upper()}, 'get'),
                (LEGACY, {'source_id': IMAGE_ID,
                          'source_type': 'instance_snapshot_id'}, 'get'),
                (LEGACY, {'source_id': IMAGE_ID, 'source_type': 'image_id'},
                 'head')):
            with self.subTest(path=path, params=params, method=method):
                res = self.get(path, method, **params)
                self.assertRedirectsNoFollow(res, LAUNCH_URL)

    def test_the_web_root_is_kept(self):
        # served under /dashboard/ (WSGI SCRIPT_NAME, as Horizon's WEBROOT
        # is): path_info has no web root, the redirect has it again
        request = RequestFactory().get(LEGACY, {
            'source_id': IMAGE_ID, 'source_type': 'image_id'},
            SCRIPT_NAME='/dashboard')
        set_script_prefix('/dashboard/')
        try:
            res = middleware.legacy_redirect(request)
        finally:
            set_script_prefix('/')
        self.assertEqual('/dashboard' + LAUNCH_URL, res['Location'])

    def test_the_example_instructions_redirect(self):
        with tempfile.TemporaryDirectory() as tmp_dir, override_settings(
                MIDDLEWARE=example_middleware(tuple(settings.MIDDLEWARE),
                                              tmp_dir)):
            res = self.client.get(LEGACY, {'source_id': IMAGE_ID,
                                           'source_type': 'image_id'})
        self.assertRedirectsNoFollow(res, LAUNCH_URL)

    def test_invalid_links_give_a_message_and_the_panel(self):
        for params in ({'source_id': 'not-a-uuid', 'source_type': 'image_id'},
                       {'source_id': "x'});alert(1);",
                        'source_type': 'image_id'},
                       {'source_id': IMAGE_ID},
                       {'source_id': IMAGE_ID, 'source_type': 'volume_id'},
                       {}):
            with self.subTest(params=params):
                res = self.get(**params)
                self.assertRedirectsNoFollow(res, INDEX_URL)
                self.assertIn('This launch link names no valid image',
                              ' '.join(str(m) for m in messages_of(res)))

    def test_an_unknown_image_is_explained_by_the_deep_link(self):
        res = self.get(source_id=IMAGE_ID, source_type='image_id')
        self.assertRedirectsNoFollow(res, LAUNCH_URL)
        images = mock.Mock()
        images.get.side_effect = glance.GlanceNotFound('gone')
        with mock.patch.object(imports, 'glance_images',
                               return_value=images):
            res = self.client.get(res['Location'])
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertIn('Image %s does not exist or is not visible to your '
                      'project' % IMAGE_ID,
                      ' '.join(str(m) for m in messages_of(res)))

    def test_opt_in_only(self):
        # Horizon's own answer (a slash appended, then no wizard) stays
        self.assertNotIn(middleware.MIDDLEWARE_PATH, settings.MIDDLEWARE)
        res = self.client.get(LEGACY, {'source_id': IMAGE_ID,
                                       'source_type': 'image_id'})
        self.assertNotIn(LAUNCH_URL, res.get('Location', ''))

    def test_the_deep_link_it_targets_is_the_panels(self):
        self.assertEqual(LAUNCH_URL, reverse(
            'horizon:project:marketplace:launch',
            kwargs={'image_id': IMAGE_ID}))
