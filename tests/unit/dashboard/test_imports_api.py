"""api.imports on the real import engine over a fake Glance.

Glance is the importer tests' ``FakeImages`` (dict images, web-download
served from memory); the engine, the Django cache (locks, progress) and the
api layer are real.
"""

from unittest import mock

from django.core.cache import cache
from django.test.utils import override_settings
from openstack_dashboard.test import helpers as test

from marketplace_dashboard.api import import_rows, imports
from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core import errors, glance
from marketplace_dashboard.core.errors import ImportFailed, ImportRefused
from marketplace_dashboard.core.imports.importer import Importer
from marketplace_dashboard.core.imports.mapping import image_properties
from marketplace_dashboard.core.imports.plan import GLANCE_DIRECT
from marketplace_dashboard.core.imports.progress import PROCESS_SLOTS
from tests.unit.core.imports import fakes
from tests.unit.dashboard import fixtures

MP_URL = 'https://marketplace.example.org/marketplace'


class TaggedImages(fakes.FakeImages):
    """FakeImages that also filters on ``tag`` like Glance."""

    def find(self, **filters):
        tags = filters.pop('tag', None)
        found = super().find(**filters)
        return [i for i in found
                if not tags or set(tags) <= set(i.get('tags') or ())]


def skip_transfer(engine, image_id):
    """``transfer_in_background`` without the transfer: the slot that
    ``start(background=True)`` took is given back."""
    engine.release_slot(image_id)


def no_transfer():
    return mock.patch.object(Importer, 'transfer_in_background',
                             autospec=True, side_effect=skip_transfer)


class ImportsApiTests(test.TestCase):

    def setUp(self):
        super().setUp()
        cache.clear()
        self.request = self.factory.get('/')
        self.request.user = self.user
        # The fake Glance creates images owned by the user's project.
        self.images = TaggedImages(project_id=self.user.project_id)
        self.url = 'http://images.example/a.img'
        self.images.web[self.url] = fakes.IMAGE
        patcher = mock.patch.object(imports, 'glance_images',
                                    return_value=self.images)
        patcher.start()
        self.addCleanup(patcher.stop)

    def _start(self, verdict=None, **kwargs):
        with override_settings(MARKETPLACE_DASHBOARD={
                'marketplaces': [{'name': 'stratuslab', 'url': MP_URL}],
                'import': {'settle': 0}}):
            return imports.start_import(self.request, 'stratuslab',
                                        verdict or fakes.verdict(), **kwargs)

    def test_web_download_is_verified_by_the_next_poll(self):
        status = self._start(image_name='Ubuntu', visibility='private',
                             properties={'team': 'web'})
        image = self.images.get(status.image_id)
        self.assertEqual('Ubuntu', image['name'])
        self.assertEqual('web', image['team'])
        self.assertEqual(
            MP_URL + '/metadata/MMZu6WNK0rRKlhGf4RmDK3ew6Cg/jane@example.org/'
            '2026-01-02T03:04:05Z', image['marketplace_url'])
        with mock.patch.object(import_rows, 'lifecycle', return_value=[]):
            row = import_rows.import_row(self.request, status.image_id)
        self.assertEqual('active', row.state)
        self.assertTrue(row.verified)
        self.assertTrue(row.launchable)

    def test_tampered_web_download_ends_deactivated_with_reason(self):
        self.images.web[self.url] = b'x' + fakes.IMAGE[1:]
        status = self._start()
        with mock.patch.object(import_rows, 'lifecycle', return_value=[]):
            row = import_rows.import_row(self.request, status.image_id)
        self.assertEqual('failed', row.state)
        self.assertFalse(row.launchable)
        self.assertEqual('deactivated',
                         self.images.get(status.image_id)['status'])
        self.assertIn('does not match the endorsed metadata', row.reasons[0])

    def test_streamed_path_runs_in_the_background(self):
        self.images.methods = ['glance-direct']
        with no_transfer() as background:
            status = self._start()
        self.assertEqual(GLANCE_DIRECT, status.method)
        self.assertEqual('queued', status.state)
        background.assert_called_once_with(mock.ANY, status.image_id)
        self.assertEqual(0, PROCESS_SLOTS.running)
        self.assertNotIn(('stage', status.image_id), self.images.calls)

    def test_streamed_imports_per_worker_are_bounded(self):
        self.images.methods = ['glance-direct']
        for _ in range(2):  # the default max_streamed_transfers
            self.assertTrue(PROCESS_SLOTS.acquire(2))
        try:
            with self.assertRaisesRegex(ImportRefused,
                                        'max_streamed_transfers'):
                self._start()
        finally:
            PROCESS_SLOTS.release()
            PROCESS_SLOTS.release()
        self.assertEqual({}, self.images.images)

    def test_second_import_is_deduped(self):
        first = self._start()
        import_rows.import_row(self.request, first.image_id)
        with no_transfer() as background:
            second = self._start()
        self.assertTrue(second.existing)
        self.assertEqual(first.image_id, second.image_id)
        background.assert_not_called()
        existing = imports.existing_image(
            self.request, fakes.verdict().appliance)
        self.assertEqual(first.image_id, existing['id'])

    def test_reserved_properties_are_refused_by_the_engine(self):
        for key in ('os_hidden', 'marketplace_verified', 'visibility',
                    'OS_DISTRO', 'bad key'):
            with self.subTest(key=key):
                with self.assertRaises(ImportRefused):
                    self._start(properties={key: 'x'})
        self.assertEqual({}, self.images.images)

    def test_import_rows_lists_tagged_images_only(self):
        status = self._start()
        self.images.create(name='not from a marketplace', tags=[])
        with mock.patch.object(import_rows, 'lifecycle', return_value=[]):
            rows = import_rows.import_rows(self.request)
        self.assertEqual([status.image_id], [r.id for r in rows])

    def test_other_projects_images_are_not_imports(self):
        # A squatter's community image with the entry's identifier and
        # hash, and another project's public copy: neither is listed,
        # deduped to (the public copy is offered only when it matches),
        # elected against or deleted.
        props = image_properties(fakes.appliance(), 'verified')
        squat = self.images.create(
            name='squatter', visibility='community', tags=['marketplace'],
            owner=fakes.OTHER_PROJECT, **props)
        status = self._start()
        self.assertFalse(status.existing)
        self.assertNotEqual(squat['id'], status.image_id)
        with mock.patch.object(import_rows, 'lifecycle', return_value=[]):
            rows = import_rows.import_rows(self.request)
        self.assertEqual([status.image_id], [r.id for r in rows])
        self.assertEqual(status.image_id, imports.existing_image(
            self.request, fakes.verdict().appliance)['id'])
        self.assertIn(squat['id'], self.images.images)

    def test_hidden_images_stay_in_the_imports_view(self):
        # One hidden by an administrator, one mismatching image Glance
        # would neither deactivate nor delete (hidden as a last resort).
        hidden = self._start()
        imports.hide_image(self.request, hidden.image_id)
        self.images.web[self.url] = b'x' + fakes.IMAGE[1:]
        refuse = mock.Mock(side_effect=glance.GlanceForbidden('no'))
        with mock.patch.object(self.images, 'deactivate', refuse), \
                mock.patch.object(self.images, 'delete', refuse):
            bad = self._start(fakes.verdict(identifier='B' * 27))
        self.assertTrue(self.images.get(bad.image_id)['os_hidden'])
        self.assertEqual([], self.images.find())  # Glance's default list
        with mock.patch.object(import_rows, 'lifecycle', return_value=[]):
            rows = {r.id: r for r in import_rows.import_rows(self.request)}
        self.assertEqual({hidden.image_id, bad.image_id}, set(rows))
        self.assertTrue(rows[hidden.image_id].hidden)
        self.assertEqual('active', rows[hidden.image_id].state)
        self.assertEqual('failed', rows[bad.image_id].state)
        self.assertIn('does not match', rows[bad.image_id].reasons[0])
        self.assertIsNotNone(imports.engine(self.request).failed_import(
            bad.image_id))

    def test_one_bad_row_never_empties_the_table(self):
        good = self._start()
        bad = self._start(fakes.verdict(identifier='B' * 27))
        status = Importer.status

        def broken(engine, image_id, image=None):
            if image_id == bad.image_id:
                raise glance.GlanceError('Glance could not update image: '
                                         '503', status=503)
            return status(engine, image_id, image)

        with mock.patch.object(import_rows, 'lifecycle', return_value=[]), \
                mock.patch.object(Importer, 'status', broken):
            rows = {r.id: r for r in import_rows.import_rows(self.request)}
        self.assertEqual({good.image_id, bad.image_id}, set(rows))
        self.assertEqual('active', rows[good.image_id].state)
        self.assertEqual(import_rows.UNCHECKED, rows[bad.image_id].state)
        self.assertIn('Could not check this image', rows[bad.image_id]
                      .reasons[0])
        self.assertIn('503', rows[bad.image_id].reasons[0])
        self.assertFalse(rows[bad.image_id].launchable)

    def test_failed_streamed_import_stays_listed_after_a_reload(self):
        gz_url = 'http://images.example/a.img.gz'
        session = fakes.FakeSession({gz_url: fakes.FakeResponse(
            body=fakes.gz(b'other bytes'))})
        with no_transfer():
            status = self._start(fakes.verdict(locations=[gz_url]),
                                 image_name='My gz')
        eng = imports.engine(self.request)
        eng.http_session = session
        with self.assertRaises(ImportFailed):
            eng.transfer(status.image_id)
        self.assertEqual({}, self.images.images)
        # A new request (reload, another worker): the row and its reason.
        request = self.factory.get('/')
        request.user = self.user
        with mock.patch.object(import_rows, 'lifecycle', return_value=[]):
            [row] = import_rows.import_rows(request)
            polled = import_rows.import_row(request, status.image_id)
        for r in (row, polled):
            self.assertEqual(status.image_id, r.id)
            self.assertEqual('My gz', r.name)
            self.assertEqual('failed', r.state)
            self.assertIn('Image data does not match the endorsed metadata',
                          r.reasons[0])
            self.assertFalse(r.launchable)

    def test_no_project_lists_nothing(self):
        self._start()
        request = self.factory.get('/')
        request.user = mock.Mock(project_id=None, tenant_id=None)
        self.images.find = mock.Mock(side_effect=AssertionError('listed'))
        self.assertEqual([], import_rows.import_rows(request))

    def test_launchable_image(self):
        status = self._start()
        import_rows.import_row(self.request, status.image_id)
        self.assertEqual(status.image_id, imports.launchable_image(
            self.request, status.image_id)['id'])
        with self.assertRaisesRegex(imports.ImportFailed, 'not an image ID'):
            imports.launchable_image(self.request, 'nope')
        with self.assertRaisesRegex(imports.ImportFailed, 'does not exist'):
            imports.launchable_image(self.request,
                                     '00000000-0000-4000-8000-000000000000')
        self.images.deactivate(status.image_id)
        with self.assertRaisesRegex(imports.ImportFailed, 'deactivated'):
            imports.launchable_image(self.request, status.image_id)

    def test_deep_link_needs_a_verified_marketplace_image(self):
        # Active in Glance but its data is not the endorsed one: the deep
        # link refuses it (and the check deactivates it).
        self.images.web[self.url] = b'x' + fakes.IMAGE[1:]
        download = self.images.web_download
        self.images.web_download = lambda image_id, uri: None
        status = self._start()
        download(status.image_id, self.url)
        self.assertEqual('active',
                         self.images.get(status.image_id)['status'])
        with self.assertRaisesRegex(imports.ImportFailed,
                                    'does not match the endorsed'):
            imports.launchable_image(self.request, status.image_id)
        self.assertEqual('deactivated',
                         self.images.get(status.image_id)['status'])
        # A plain Glance image is launched as before.
        plain = self.images.create(name='plain', tags=[])
        self.images._activate(plain['id'], b'data')
        self.assertEqual(plain['id'], imports.launchable_image(
            self.request, plain['id'])['id'])

    def test_deep_link_of_a_marketplace_image_being_verified(self):
        download = self.images.web_download
        self.images.web_download = lambda image_id, uri: None
        status = self._start(visibility='shared', members=['abc'])
        self.assertEqual('private',
                         self.images.get(status.image_id)['visibility'])
        download(status.image_id, self.url)
        # The deep link runs the engine's check: verified, then shared.
        image = imports.launchable_image(self.request, status.image_id)
        self.assertEqual('true', image['marketplace_verified'])
        self.assertEqual('shared',
                         self.images.get(status.image_id)['visibility'])

    def test_hide_and_deactivate(self):
        status = self._start()
        imports.hide_image(self.request, status.image_id)
        self.assertIs(True, self.images.get(status.image_id)['os_hidden'])
        imports.deactivate_image(self.request, status.image_id)
        self.assertEqual('deactivated',
                         self.images.get(status.image_id)['status'])

    def test_duplicate_row_shows_the_winner(self):
        entry = {'marketplace_identifier': fakes.appliance().identifier,
                 'marketplace_sha512': fakes.checksums(
                     fakes.IMAGE)['SHA-512'],
                 'marketplace_import_method': 'web-download'}
        older = self.images.create(name='a', tags=['marketplace'], **entry)
        younger = self.images.create(name='b', tags=['marketplace'],
                                     **entry)
        with mock.patch.object(import_rows, 'lifecycle', return_value=[]):
            row = import_rows.import_row(self.request, younger['id'])
            again = import_rows.import_row(self.request, younger['id'])
        self.assertEqual(older['id'], row.id)
        self.assertEqual('queued', row.state)
        self.assertEqual(older['id'], again.id)
        self.assertEqual([older['id']], list(self.images.images))

    def test_a_duplicate_deleted_by_the_reconciler_shows_its_twin(self):
        entry = {'marketplace_identifier': fakes.appliance().identifier,
                 'marketplace_sha512': fakes.checksums(
                     fakes.IMAGE)['SHA-512'],
                 'marketplace_import_method': 'web-download'}
        older = self.images.create(name='a', tags=['marketplace'], **entry)
        hidden = self.images.images.pop(older['id'])  # not listed yet
        younger = self.images.create(name='b', tags=['marketplace'],
                                     **entry)
        with mock.patch.object(import_rows, 'lifecycle', return_value=[]):
            [row] = import_rows.import_rows(self.request)
        self.assertEqual(younger['id'], row.id)
        self.images.images[older['id']] = hidden
        # cron: the reconciler has a cache of its own
        Importer(self.images, all_projects=True,
                          project_id='admin-project').status(younger['id'])
        self.assertNotIn(younger['id'], self.images.images)
        request = self.factory.get('/')  # the row's next poll
        request.user = self.user
        with mock.patch.object(import_rows, 'lifecycle', return_value=[]):
            polled = import_rows.import_row(request, younger['id'])
        self.assertEqual(older['id'], polled.id)
        self.assertEqual('queued', polled.state)
        self.assertIn('Image %s was a duplicate import' % younger['id'],
                      polled.reasons[0])

    def test_only_a_cache_shared_by_all_workers_is_a_shared_lock(self):
        for backend, shared in (
                ('django.core.cache.backends.memcached.PyMemcacheCache',
                 True),
                ('django.core.cache.backends.redis.RedisCache', True),
                ('django.core.cache.backends.db.DatabaseCache', True),
                ('django.core.cache.backends.locmem.LocMemCache', False),
                ('django.core.cache.backends.dummy.DummyCache', False),
                ('django.core.cache.backends.filebased.FileBasedCache',
                 False)):
            with self.subTest(backend=backend), override_settings(
                    CACHES={'default': {'BACKEND': backend}}):
                self.assertIs(shared, imports.shared_cache())
        # The tests' local-memory cache: the engine keeps the settle wait.
        self.assertFalse(imports.engine(self.request).shared_lock)

    @override_settings(MARKETPLACE_DASHBOARD={'import': {
        'allow_untrusted': 'yes'}})
    def test_bad_import_setting_is_a_configuration_error(self):
        with self.assertRaisesRegex(imports.ConfigurationError,
                                    'allow_untrusted'):
            imports.import_policy()


@override_settings(MARKETPLACE_DASHBOARD={
    'marketplaces': [{'name': 'stratuslab', 'url': MP_URL}]})
class LifecycleTests(test.TestCase):
    """Flags from the entry's current verdict, via the cached client."""

    def setUp(self):
        super().setUp()
        cache.clear()
        self.request = self.factory.get('/')
        self.entry = fixtures.entry()  # valid until 2016: expired now
        self.image = {
            'id': 'x', 'marketplace_url': MP_URL + '/metadata/a/b/c',
            'marketplace_identifier': self.entry.identifier,
            'marketplace_endorser': self.entry.email,
            'marketplace_endorsed_at': self.entry.created_key}

    def _flags(self, document=None, error=None, image=None):
        client = mock.Mock()
        client.latest_entry.side_effect = error
        client.latest_entry.return_value = document
        with mock.patch.object(api, 'client', return_value=client):
            return import_rows.lifecycle(self.request, image or self.image), \
                client

    def test_expired_entry(self):
        flags, client = self._flags(self.entry.document)
        self.assertEqual(['expired'], flags)
        client.latest_entry.assert_called_once_with(self.entry.identifier,
                                                    self.entry.email)

    def test_newer_endorsement_is_replaced(self):
        image = dict(self.image, **{
            'marketplace_endorsed_at': '2010-01-01T00:00:00Z'})
        flags, _ = self._flags(self.entry.document, image=image)
        self.assertEqual(['expired', 'replaced'], flags)

    def test_unreachable_marketplace_is_unknown(self):
        flags, _ = self._flags(error=errors.MarketplaceUnavailable(
            'connection refused'))
        self.assertEqual([import_rows.LIFECYCLE_UNKNOWN], flags)

    def test_unconfigured_marketplace_or_missing_entry_is_unknown(self):
        image = dict(self.image, **{'marketplace_url':
                                    'https://elsewhere.example/metadata/a'})
        flags, client = self._flags(self.entry.document, image=image)
        self.assertEqual([import_rows.LIFECYCLE_UNKNOWN], flags)
        client.latest_entry.assert_not_called()
        flags, _ = self._flags(None)
        self.assertEqual([import_rows.LIFECYCLE_UNKNOWN], flags)

    def test_current_entry_has_no_flags(self):
        appliance = fakes.appliance()  # valid until 2030
        current = api.Entry('stratuslab', b'<doc/>', appliance,
                            {'level': 'verified'})
        image = dict(self.image, **{
            'marketplace_endorsed_at': '2026-01-02T03:04:05Z'})
        verifier = mock.Mock()
        verifier.return_value.entry.return_value = current
        with mock.patch.object(api, 'Verifier', verifier):
            flags, _ = self._flags(b'<doc/>', image=image)
        self.assertEqual([], flags)
        verifier.return_value.entry.assert_called_once_with('stratuslab',
                                                            b'<doc/>')

    def test_marketplace_asked_once_per_ttl_even_when_down(self):
        flags, client = self._flags(error=errors.MarketplaceUnavailable(
            'connection refused'))
        self.assertEqual([import_rows.LIFECYCLE_UNKNOWN], flags)
        flags, client = self._flags(self.entry.document)
        # the failure is reused
        self.assertEqual([import_rows.LIFECYCLE_UNKNOWN], flags)
        client.latest_entry.assert_not_called()
        cache.clear()
        flags, client = self._flags(self.entry.document)
        self.assertEqual(['expired'], flags)
        flags, client = self._flags(None)
        self.assertEqual(['expired'], flags)  # document reused
        client.latest_entry.assert_not_called()

    def test_verdict_fetched_once_per_entry_per_page(self):
        seen = {}
        client = mock.Mock()
        client.latest_entry.return_value = self.entry.document
        with mock.patch.object(api, 'client', return_value=client):
            import_rows.lifecycle(self.request, self.image, seen)
            import_rows.lifecycle(self.request, self.image, seen)
        self.assertEqual(1, client.latest_entry.call_count)


class HelpersTests(test.TestCase):

    def test_is_uuid(self):
        self.assertTrue(imports.is_uuid(
            '5c4f2a2e-8f0e-4b4a-9d8e-0d8b3c6f1a11'))
        self.assertTrue(imports.is_uuid(
            '5C4F2A2E-8F0E-4B4A-9D8E-0D8B3C6F1A11'))
        for bad in ('5c4f2a2e8f0e4b4a9d8e0d8b3c6f1a11', '{5c4f2a2e-8f0e-4b4a-'
                    '9d8e-0d8b3c6f1a11}', "'); alert(1); //", '', None):
            self.assertFalse(imports.is_uuid(bad), bad)

    def test_glance_client_uses_the_user_token_and_catalog(self):
        request = self.factory.get('/')
        request.user = mock.Mock(token=mock.Mock(id='user-token'))
        with mock.patch.object(imports.base, 'url_for',
                               return_value='http://glance.example:9292'):
            images = imports.glance_images(request)
        client = images.client
        session = client.http_client.session
        self.assertEqual('user-token', session.auth.get_token(session))
        self.assertEqual('http://glance.example:9292',
                         client.http_client.endpoint_override)
        self.assertEqual(60, session.timeout)
        self.assertIs(True, session.verify)
        # connection resets on idle keep-alive connections are retried
        self.assertEqual(glance.CONNECT_RETRIES,
                         client.http_client.connect_retries)
