"""The import form view, the Imports view and its admin actions.

The api layer (``api.imports``, ``api.marketplace``) is mocked; its
results are real core objects (``ImportStatus``, parsed sample entries).
"""

import html
import re
from unittest import mock

from django.test.utils import override_settings
from django.urls import reverse
from openstack_dashboard.test import helpers as test

from marketplace_dashboard.api import import_rows, imports
from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core import errors, glance
from marketplace_dashboard.core import imports as core_imports
from marketplace_dashboard.core.imports import mapping
from tests.unit.dashboard import fixtures
from tests.unit.dashboard.fixtures import (
    AJAX,
    CREATED,
    EMAIL,
    IDENTIFIER,
    IMAGE_ID,
    IMPORT_URL,
    IMPORTS_URL,
    INDEX_URL,
    LAUNCH_URL,
    LINK_URL,
    OTHER_ID,
    deny,
    image,
    messages_of,
    row,
)


def form_data(**changes):
    data = {'name': 'My ttylinux', 'visibility': 'private', 'members': '',
            'properties': ''}
    data.update(changes)
    return data


class ImportFormTests(test.TestCase):

    def setUp(self):
        super().setUp()
        self.entry = fixtures.entry()

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image']})
    def test_get_shows_the_form_with_the_default_name(self):
        self.mock_entry.return_value = self.entry
        self.mock_refusal.return_value = None
        self.mock_existing_image.return_value = None

        res = self.client.get(IMPORT_URL)

        self.assertTemplateUsed(res, 'project/marketplace/import.html')
        form = res.context['form']
        self.assertEqual(mapping.image_name(self.entry.appliance),
                         form.initial['name'])
        self.assertEqual(['private', 'shared', 'community', 'public'],
                         [v for v, _ in form.fields['visibility'].choices])
        self.assertContains(res, 'class="btn btn-primary" type="submit"')
        self.mock_entry.assert_called_once_with(
            test.IsHttpRequest(), 'stratuslab', IDENTIFIER, EMAIL, CREATED)
        self.mock_existing_image.assert_called_once_with(
            test.IsHttpRequest(), self.entry.appliance)

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image']})
    def test_visibility_limited_by_glance_policy(self):
        self.mock_entry.return_value = self.entry
        self.mock_refusal.return_value = None
        self.mock_existing_image.return_value = None

        with override_settings(POLICY_CHECK_FUNCTION=deny(
                ('image', 'publicize_image'))):
            res = self.client.get(IMPORT_URL)
        choices = [v for v, _ in res.context['form'].fields[
            'visibility'].choices]
        self.assertEqual(['private', 'shared', 'community'], choices)

        with override_settings(POLICY_CHECK_FUNCTION=deny(
                ('image', 'publicize_image'),
                ('image', 'communitize_image'))):
            res = self.client.post(IMPORT_URL,
                                   form_data(visibility='public'))
        self.assertFormErrors(res, 1)
        self.assertContains(res, 'Select a valid choice')

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image',
                                  'verified_entry', 'start_import']})
    def test_post_starts_the_import(self):
        self.mock_entry.return_value = self.entry
        self.mock_refusal.return_value = None
        self.mock_existing_image.return_value = None
        verdict = mock.sentinel.verdict
        self.mock_verified_entry.return_value = verdict
        self.mock_start_import.return_value = core_imports.ImportStatus(
            IMAGE_ID, 'importing', method=core_imports.WEB_DOWNLOAD)

        res = self.client.post(IMPORT_URL, form_data(
            visibility='shared', members='abc123, def456 abc123',
            properties='# comment\nowner_team = web\n\nsite=lyon'))

        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, IMPORTS_URL)
        self.assertMessageCount(success=1)
        self.mock_verified_entry.assert_called_once_with(
            test.IsHttpRequest(), 'stratuslab', IDENTIFIER, EMAIL, CREATED)
        self.mock_start_import.assert_called_once_with(
            test.IsHttpRequest(), 'stratuslab', verdict,
            image_name='My ttylinux', visibility='shared',
            members=['abc123', 'def456'],
            properties={'owner_team': 'web', 'site': 'lyon'})

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image',
                                  'verified_entry', 'start_import']})
    def test_import_failed_at_submit_lands_on_imports(self):
        # A small web-download can be finished and checked by the time
        # start_import() reads the status: the outcome must not depend on
        # that timing (the modal used to stay open with the error).
        self.mock_entry.return_value = self.entry
        self.mock_refusal.return_value = None
        self.mock_existing_image.return_value = None
        self.mock_verified_entry.return_value = mock.sentinel.verdict
        self.mock_start_import.return_value = core_imports.ImportStatus(
            IMAGE_ID, 'failed', method=core_imports.WEB_DOWNLOAD,
            reasons=['Stored data does not match the endorsed metadata'])

        res = self.client.post(IMPORT_URL, form_data())

        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, IMPORTS_URL)
        [(level, text)] = [(m.level_tag, str(m)) for m in messages_of(res)]
        self.assertEqual('error', level)
        self.assertIn('The import failed: Stored data does not match the '
                      'endorsed metadata', text)

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image',
                                  'start_import']})
    def test_invalid_input_is_refused_with_reasons(self):
        self.mock_entry.return_value = self.entry
        self.mock_refusal.return_value = None
        self.mock_existing_image.return_value = None
        cases = [
            (form_data(properties='os_distro=evil'), 'reserved'),
            (form_data(properties='marketplace_verified=true'), 'reserved'),
            (form_data(properties='disk_format=qcow2'), 'reserved'),
            (form_data(properties='no equals sign'), 'expected key=value'),
            (form_data(properties='a=1\na=2'), 'given twice'),
            (form_data(visibility='shared', members='ok, ../etc'),
             'Not a project ID'),
            (form_data(name='bad\x07name'), 'control characters'),
            (form_data(name=''), 'This field is required'),
        ]
        for data, message in cases:
            with self.subTest(data=data):
                res = self.client.post(IMPORT_URL, data)
                self.assertEqual(200, res.status_code)
                self.assertContains(res, message)
        self.mock_start_import.assert_not_called()

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image',
                                  'start_import']})
    def test_refused_entry_explains_and_cannot_be_submitted(self):
        entry = fixtures.entry(level='untrusted',
                               reasons=['no trust anchors configured'])
        self.mock_entry.return_value = entry
        reason = ('This entry is untrusted (no trust anchors configured) and '
                  'the import policy refuses untrusted entries (setting '
                  'allow_untrusted).')
        self.mock_refusal.return_value = reason

        res = self.client.get(IMPORT_URL)
        self.assertContains(res, 'marketplace-import-refused')
        self.assertContains(res, 'allow_untrusted')
        self.assertNotContains(res, 'class="btn btn-primary" type="submit"')
        self.mock_existing_image.assert_not_called()

        res = self.client.post(IMPORT_URL, form_data())
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'allow_untrusted')
        self.mock_start_import.assert_not_called()

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image',
                                  'start_import']})
    def test_already_imported_offers_launch(self):
        self.mock_entry.return_value = self.entry
        self.mock_refusal.return_value = None
        self.mock_existing_image.return_value = image()

        res = self.client.get(IMPORT_URL, **AJAX)

        self.assertTemplateUsed(res, 'project/marketplace/_import.html')
        self.assertContains(res, 'marketplace-import-existing')
        self.assertContains(res, 'already in the image service')
        self.assertContains(res, 'href="%s"' % LAUNCH_URL)
        self.assertNotContains(res, 'class="btn btn-primary" type="submit"')

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image']})
    def test_another_projects_image_is_offered_for_launch(self):
        self.mock_entry.return_value = self.entry
        self.mock_refusal.return_value = None
        for visibility, text in (('public', 'A public image of this cloud'),
                                 ('shared', 'An image shared with your '
                                  'project')):
            with self.subTest(visibility=visibility):
                self.mock_existing_image.return_value = image(
                    owner='someone-else', visibility=visibility,
                    verified=False)
                res = self.client.get(IMPORT_URL)
                self.assertContains(res, text)
                self.assertContains(res, 'href="%s"' % LAUNCH_URL)
                self.assertNotContains(
                    res, 'class="btn btn-primary" type="submit"')

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image']})
    def test_import_in_progress_points_to_imports(self):
        self.mock_entry.return_value = self.entry
        self.mock_refusal.return_value = None
        self.mock_existing_image.return_value = image(status='importing',
                                                      verified=False)
        res = self.client.get(IMPORT_URL)
        self.assertContains(res, 'already being imported')
        self.assertContains(res, 'href="%s"' % IMPORTS_URL)
        self.assertNotContains(res, 'href="%s"' % LAUNCH_URL)

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image',
                                  'verified_entry', 'start_import']})
    def _existing_at_submit(self, found, **data):
        self.mock_entry.return_value = self.entry
        self.mock_refusal.return_value = None
        self.mock_existing_image.return_value = None
        self.mock_verified_entry.return_value = mock.sentinel.verdict
        self.mock_start_import.return_value = core_imports.ImportStatus(
            found['id'], 'active', verified=True, existing=True, image=found)
        res = self.client.post(IMPORT_URL, form_data(**data))
        self.assertRedirectsNoFollow(res, IMPORTS_URL)
        return [(m.level_tag, str(m)) for m in messages_of(res)]

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image',
                                  'verified_entry', 'start_import']})
    def test_dedupe_at_submit_says_launch_instead(self):
        [(level, text)] = self._existing_at_submit(image())
        self.assertEqual('info', level)
        self.assertIn('already in the image service as image %s' % IMAGE_ID,
                      text)
        self.assertIn('href="%s"' % LAUNCH_URL, text)

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image',
                                  'verified_entry', 'start_import']})
    def test_offered_image_at_submit_links_its_launch_page(self):
        # The Imports view lists the project's own images only: another
        # project's image is offered through its deep link.
        [(level, text)] = self._existing_at_submit(
            image(owner='someone-else', visibility='public',
                  verified=False), visibility='shared', members='abc123')
        self.assertEqual('info', level)
        self.assertIn('href="%s"' % LAUNCH_URL, text)
        self.assertNotIn('Imports view', text)

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image',
                                  'verified_entry', 'start_import']})
    def test_existing_import_says_the_visibility_was_not_applied(self):
        messages = dict(self._existing_at_submit(
            image(**{'marketplace_visibility': 'private'}),
            visibility='shared', members='abc123'))
        self.assertIn('the visibility "shared" and the members you asked '
                      'for was not applied', messages['warning'])
        self.assertIn('Edit Image', messages['warning'])

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image',
                                  'verified_entry', 'start_import']})
    def test_existing_import_asked_for_the_same_has_no_warning(self):
        messages = dict(self._existing_at_submit(image()))
        self.assertNotIn('warning', messages)

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image',
                                  'verified_entry', 'start_import']})
    def test_glance_errors_are_messages_not_500(self):
        self.mock_entry.return_value = self.entry
        self.mock_refusal.return_value = None
        self.mock_existing_image.return_value = None
        self.mock_verified_entry.return_value = mock.sentinel.verdict
        for error in (
                glance.GlanceForbidden('Glance policy does not allow you to '
                                       'create an image (HTTP 403).'),
                glance.GlanceError('Glance could not create an image: 503',
                                   status=503),
                glance.GlanceError('Cannot reach Glance to create an '
                                   'image')):
            with self.subTest(error=error):
                self.mock_start_import.side_effect = error
                res = self.client.post(IMPORT_URL, form_data())
                self.assertEqual(200, res.status_code)
                self.assertIn(str(error), ' '.join(
                    str(m) for m in res.context['messages']))

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image',
                                  'verified_entry', 'start_import']})
    def test_engine_refusal_at_submit_is_a_form_error(self):
        self.mock_entry.return_value = self.entry
        self.mock_refusal.return_value = None
        self.mock_existing_image.return_value = None
        self.mock_verified_entry.return_value = mock.sentinel.verdict
        self.mock_start_import.side_effect = errors.ImportRefused(
            'The entry has no http:// or https:// location to import from.')
        res = self.client.post(IMPORT_URL, form_data())
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'no http:// or https:// location')

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image',
                                  'start_import']})
    def test_unparseable_entry_is_refused_before_the_form(self):
        # The marketplace answered a body that is no metadata document.
        self.mock_entry.return_value = api.Entry(
            'stratuslab', b'<html>maintenance</html>', None,
            {'level': 'invalid', 'reasons': ['not a metadata document']})
        for method in ('get', 'post'):
            with self.subTest(method=method):
                res = getattr(self.client, method)(IMPORT_URL, form_data())
                self.assertRedirectsNoFollow(res, INDEX_URL)
                text = ' '.join(str(m) for m in messages_of(res))
                self.assertIn('cannot be imported', text)
                self.assertIn('not a metadata document', text)
        self.mock_existing_image.assert_not_called()
        self.mock_start_import.assert_not_called()

    @test.create_mocks({api: ['entry'],
                        imports: ['refusal', 'existing_image',
                                  'verified_entry', 'start_import']})
    def test_import_needs_the_add_image_policy(self):
        self.mock_entry.return_value = self.entry
        self.mock_refusal.return_value = None
        self.mock_existing_image.return_value = None
        with override_settings(POLICY_CHECK_FUNCTION=deny(
                ('image', 'add_image'))):
            for method in ('get', 'post'):
                with self.subTest(method=method):
                    res = getattr(self.client, method)(IMPORT_URL,
                                                       form_data())
                    self.assertRedirectsNoFollow(res, INDEX_URL)
                    text = ' '.join(
                        str(m) for m in messages_of(res))
                    self.assertIn('not allowed to import', text)
        self.mock_verified_entry.assert_not_called()
        self.mock_start_import.assert_not_called()

    @test.create_mocks({api: ['entry']})
    def test_unknown_entry_redirects_with_a_message(self):
        self.mock_entry.side_effect = errors.MarketplaceHTTPError(
            'not found', status=404)
        res = self.client.get(IMPORT_URL)
        self.assertRedirectsNoFollow(res, INDEX_URL)


class ImportsViewTests(test.TestCase):

    @test.create_mocks({import_rows: ['import_rows']})
    def test_rows_states_progress_reasons_and_flags(self):
        progress = {'done': 1024, 'total': 4096, 'percent': 25,
                    'state': 'transferring'}
        rows = [
            row(),
            row(state='importing', verified=False, progress=progress),
            row(state='failed', verified=False, reasons=[
                'Stored data does not match the endorsed metadata: size '
                'is 12 bytes, 128 endorsed']),
            row(flags=['expired', 'replaced']),
            row(flags=[import_rows.LIFECYCLE_UNKNOWN]),
        ]
        for index, r in enumerate(rows):
            r.image['id'] = '%s%d' % (IMAGE_ID[:-1], index)
            r.status.image_id = r.image['id']
        self.mock_import_rows.return_value = rows
        rows_ids = [r.id for r in rows]

        res = self.client.get(IMPORTS_URL)

        self.assertTemplateUsed(res, 'project/marketplace/imports.html')
        table = res.context['table']
        cells = [r.cells for r in table.get_rows()]
        self.assertEqual('Active (verified)', str(cells[0]['state'].data))
        self.assertEqual('Importing', str(cells[1]['state'].data))
        self.assertEqual('<span percent="25%">1.0\xa0KB of 4.0\xa0KB '
                         '(25%)</span>', str(cells[1]['progress'].data))
        self.assertEqual('Failed', str(cells[2]['state'].data))
        self.assertIn('size is 12 bytes', str(cells[2]['reasons'].data))
        content = res.content.decode()
        self.assertIn('Entry expired', content)
        self.assertIn('Newer endorsement', content)
        self.assertIn('title="The marketplace could not be reached or no '
                      'longer lists this entry." class="label label-default '
                      'marketplace-lifecycle-unknown">Unknown</span>', content)
        # in-progress rows poll; done rows do not
        statuses = [r.status for r in table.get_rows()]
        self.assertEqual([True, None, False, True, True], statuses)
        # only the in-progress row polls (Horizon's ajax row update)
        # (horizon.tables.js polls the rows "tr.warning.ajax-update")
        rows = re.findall(r'<tr[^>]*>', content)
        polling = [r for r in rows if re.search(
            r'class="[^"]*\bwarning\b', r) and 'ajax-update' in r]
        self.assertEqual(1, len(polling))
        self.assertIn('action=row_update', polling[0])
        self.assertIn(rows_ids[1], polling[0])

    @test.create_mocks({import_rows: ['import_rows']})
    def test_unchecked_row_says_why_and_polls_again(self):
        self.mock_import_rows.return_value = [import_rows.unchecked_row(
            image(), glance.GlanceError('Cannot reach Glance', status=503))]
        res = self.client.get(IMPORTS_URL)
        table = res.context['table']
        [only] = table.get_rows()
        self.assertEqual('Not checked', str(only.cells['state'].data))
        self.assertIn('Could not check this image: Cannot reach Glance',
                      str(only.cells['reasons'].data))
        self.assertIsNone(only.status)  # polls again
        self.assertNotIn("imageId:", html.unescape(res.content.decode()))

    @test.create_mocks({import_rows: ['import_rows']})
    def test_unchecked_state_and_unknown_lifecycle_are_told_apart(self):
        # A row Glance could not check, of an entry the marketplace cannot
        # tell about: two different "don't know"s.
        self.assertNotEqual(import_rows.UNCHECKED,
                            import_rows.LIFECYCLE_UNKNOWN)
        unchecked = import_rows.unchecked_row(
            image(), glance.GlanceError('Cannot reach Glance', status=503))
        unchecked.flags = [import_rows.LIFECYCLE_UNKNOWN]
        self.mock_import_rows.return_value = [unchecked]
        res = self.client.get(IMPORTS_URL)
        [only] = res.context['table'].get_rows()
        self.assertEqual('Not checked', str(only.cells['state'].data))
        self.assertIn('marketplace-lifecycle-unknown',
                      str(only.cells['lifecycle'].data))

    @test.create_mocks({import_rows: ['import_rows']})
    def test_failed_import_whose_image_is_gone_has_no_image_link(self):
        self.mock_import_rows.return_value = [import_rows.failed_row({
            'id': IMAGE_ID, 'name': 'My gz', 'reason': 'Image data does '
            'not match the endorsed metadata: SHA-512 is 12…, 34… endorsed',
            'created_at': '2026-11-25T03:00:00Z'})]
        res = self.client.get(IMPORTS_URL)
        [only] = res.context['table'].get_rows()
        self.assertEqual('Failed', str(only.cells['state'].data))
        self.assertIn('SHA-512 is 12', str(only.cells['reasons'].data))
        self.assertContains(res, 'My gz')
        self.assertNotContains(res, reverse(
            'horizon:project:images:images:detail', args=(IMAGE_ID,)))

    @test.create_mocks({import_rows: ['import_rows']})
    def test_launch_and_copy_link_only_for_verified_active(self):
        self.mock_import_rows.return_value = [row()]
        res = self.client.get(IMPORTS_URL)
        content = html.unescape(res.content.decode())
        self.assertIn("imageId: '%s'" % IMAGE_ID, content)
        self.assertIn(LINK_URL, content)

        self.mock_import_rows.return_value = [row(state='importing',
                                                  verified=False)]
        res = self.client.get(IMPORTS_URL)
        content = html.unescape(res.content.decode())
        self.assertNotIn("imageId:", content)
        self.assertNotIn(LINK_URL, content)

    @test.create_mocks({import_rows: ['import_row']})
    def test_ajax_row_update_runs_the_engine_status(self):
        self.mock_import_row.return_value = row(state='verifying',
                                                verified=False)
        res = self.client.get(IMPORTS_URL, {
            'action': 'row_update', 'table': 'imports', 'obj_id': IMAGE_ID},
            **AJAX)
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'Verifying')
        self.assertContains(res, 'id="imports__row__%s"' % IMAGE_ID)
        self.mock_import_row.assert_called_once_with(test.IsHttpRequest(),
                                                     IMAGE_ID)

    @test.create_mocks({import_rows: ['import_row']})
    def test_ajax_row_update_errors_are_not_500(self):
        url_params = {'action': 'row_update', 'table': 'imports',
                      'obj_id': IMAGE_ID}
        self.mock_import_row.side_effect = glance.GlanceNotFound('gone')
        res = self.client.get(IMPORTS_URL, url_params, **AJAX)
        self.assertEqual(404, res.status_code)  # the row is removed
        self.mock_import_row.side_effect = glance.GlanceError(
            'Cannot reach Glance to read image: connection refused')
        res = self.client.get(IMPORTS_URL, url_params, **AJAX)
        self.assertLess(res.status_code, 500)

    @test.create_mocks({import_rows: ['import_row']})
    def test_ajax_row_update_of_any_recoverable_error_is_a_row(self):
        url_params = {'action': 'row_update', 'table': 'imports',
                      'obj_id': IMAGE_ID}
        for error in (api.ConfigurationError("MARKETPLACE_DASHBOARD"
                                             "['import'] is wrong: x"),
                      errors.ImportFailed('Cannot deactivate image'),
                      glance.GlanceError('Glance is down', status=503)):
            with self.subTest(error=error):
                self.mock_import_row.side_effect = error
                res = self.client.get(IMPORTS_URL, url_params, **AJAX)
                self.assertEqual(200, res.status_code)
                self.assertContains(res, 'id="imports__row__%s"' % IMAGE_ID)
                self.assertContains(res, 'Not checked')
                self.assertContains(res, html.escape(str(error)))

    @test.create_mocks({import_rows: ['import_row']})
    def test_ajax_row_update_of_a_malformed_id_touches_nothing(self):
        res = self.client.get(IMPORTS_URL, {
            'action': 'row_update', 'table': 'imports',
            'obj_id': '../../etc'}, **AJAX)
        self.assertNotEqual(500, res.status_code)
        self.mock_import_row.assert_not_called()

    @test.create_mocks({import_rows: ['import_rows']})
    def test_glance_failure_is_a_message(self):
        self.mock_import_rows.side_effect = glance.GlanceError(
            'Cannot reach Glance to list images: connection refused')
        res = self.client.get(IMPORTS_URL)
        self.assertEqual(200, res.status_code)
        self.assertEqual(0, len(res.context['table'].data))
        self.assertIn('Unable to list the marketplace images',
                      ' '.join(str(m) for m in res.context['messages']))

    @test.create_mocks({import_rows: ['import_rows']})
    def test_members_cannot_hide_or_deactivate(self):
        self.mock_import_rows.return_value = [row(flags=['deprecated'])]
        res = self.client.get(IMPORTS_URL)
        self.assertNotContains(res, 'imports__hide__')
        self.assertNotContains(res, 'imports__deactivate__')


class ImportsAdminTests(test.BaseAdminViewTests):

    @test.create_mocks({import_rows: ['import_rows']})
    def test_admin_sees_lifecycle_actions_on_flagged_rows_only(self):
        flagged = row(flags=['deprecated'])
        current = row()
        current.image['id'] = OTHER_ID
        current.status.image_id = OTHER_ID
        self.mock_import_rows.return_value = [flagged, current]
        res = self.client.get(IMPORTS_URL)
        self.assertContains(res, 'imports__hide__%s' % IMAGE_ID)
        self.assertContains(res, 'imports__deactivate__%s' % IMAGE_ID)
        self.assertNotContains(res, 'imports__hide__%s' % OTHER_ID)
        self.assertNotContains(res, 'imports__deactivate__%s' % OTHER_ID)

    @test.create_mocks({import_rows: ['import_rows'],
                        imports: ['hide_image', 'deactivate_image']})
    def test_hide_and_deactivate(self):
        self.mock_import_rows.return_value = [row(flags=['expired'])]
        res = self.client.post(IMPORTS_URL, {
            'action': 'imports__hide__%s' % IMAGE_ID})
        self.assertRedirectsNoFollow(res, IMPORTS_URL)
        self.mock_hide_image.assert_called_once_with(test.IsHttpRequest(),
                                                     IMAGE_ID)
        res = self.client.post(IMPORTS_URL, {
            'action': 'imports__deactivate__%s' % IMAGE_ID})
        self.assertRedirectsNoFollow(res, IMPORTS_URL)
        self.mock_deactivate_image.assert_called_once_with(
            test.IsHttpRequest(), IMAGE_ID)

    @test.create_mocks({import_rows: ['import_rows'],
                        imports: ['deactivate_image']})
    def test_deactivate_refused_by_glance_is_a_message(self):
        self.mock_import_rows.return_value = [row(flags=['expired'])]
        self.mock_deactivate_image.side_effect = errors.ImportFailed(
            'Cannot deactivate image: HTTP 403')
        res = self.client.post(IMPORTS_URL, {
            'action': 'imports__deactivate__%s' % IMAGE_ID})
        self.assertRedirectsNoFollow(res, IMPORTS_URL)
        self.assertMessageCount(error=1)

    @test.create_mocks({import_rows: ['import_rows']})
    def test_deactivate_needs_the_glance_policy(self):
        self.mock_import_rows.return_value = [row(flags=['expired'])]
        with override_settings(POLICY_CHECK_FUNCTION=deny(
                ('image', 'deactivate'))):
            res = self.client.get(IMPORTS_URL)
        self.assertContains(res, 'imports__hide__%s' % IMAGE_ID)
        self.assertNotContains(res, 'imports__deactivate__%s' % IMAGE_ID)
