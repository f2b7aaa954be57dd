# Copyright 2026 The marketplace-dashboard Authors.
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.


"""The Imports table: the project's marketplace images in Glance.

Each row is an ``api.import_rows.ImportRow``: its import status (polled by
row updates while it changes), its problems and the lifecycle flags of
its marketplace entry, with the admin-only hide and deactivate actions.
"""

from django import urls
from django.template import defaultfilters
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy
from horizon import exceptions, tables

from marketplace_dashboard.api import import_rows, imports
from marketplace_dashboard.dashboards.project.marketplace import actions

__all__ = [
    'FLAG_HELP', 'FLAG_NAMES', 'LIFECYCLE_FLAGS', 'STATE_DISPLAY',
    'STATE_STATUS', 'CopyImportLink', 'DeactivateImage', 'HideImage',
    'ImportImage', 'ImportsTable', 'LaunchImport', 'UpdateImportRow',
    'image_detail_url', 'lifecycle_text', 'progress_text', 'reasons_text',
]

STATE_DISPLAY = (
    ('queued', _('Queued')),
    ('importing', _('Importing')),
    ('verifying', _('Verifying')),
    ('active', _('Active (verified)')),
    ('failed', _('Failed')),
    (import_rows.UNCHECKED, _('Not checked')),
)
STATE_STATUS = (('active', True), ('failed', False), ('queued', None),
                ('importing', None), ('verifying', None),
                (import_rows.UNCHECKED, None))
FLAG_NAMES = {
    'expired': _('Entry expired'),
    'deprecated': _('Entry deprecated'),
    'replaced': _('Newer endorsement'),
    import_rows.LIFECYCLE_UNKNOWN: _('Unknown'),
}
FLAG_HELP = {
    'expired': _('The marketplace entry is past its validity date.'),
    'deprecated': _('The endorser deprecated the marketplace entry.'),
    'replaced': _('The endorser has published a newer endorsement of '
                  'this appliance.'),
    import_rows.LIFECYCLE_UNKNOWN: _('The marketplace could not be reached or '
                                 'no longer lists this entry.'),
}
LIFECYCLE_FLAGS = ('expired', 'deprecated', 'replaced')


def image_detail_url(row):
    if row.image.get('status') == 'deleted':
        return None  # a failed import whose image is gone
    return urls.reverse('horizon:project:images:images:detail',
                        args=(row.id,))


def progress_text(row):
    """Bytes and percentage of a streamed transfer; the ``percent``
    attribute sizes the progress bar horizon.tables.js draws."""
    progress = row.progress
    total = progress.get('total')
    if not total or row.state not in ('importing', 'verifying', 'queued'):
        return ''
    percent = progress.get('percent') or 0
    return format_html(
        '<span percent="{}%">{}</span>', percent,
        _('%(done)s of %(total)s (%(percent)s%%)') % {
            'done': defaultfilters.filesizeformat(progress.get('done') or 0),
            'total': defaultfilters.filesizeformat(total),
            'percent': percent})


def reasons_text(row):
    return '; '.join(row.reasons)


def lifecycle_text(row):
    return render_to_string('project/marketplace/_lifecycle.html', {
        'flags': [(flag, FLAG_NAMES.get(flag, flag), FLAG_HELP.get(flag, ''))
                  for flag in row.flags],
        'hidden': row.hidden})


def _is_admin(request):
    return bool(getattr(request.user, 'is_superuser', False))


def _flagged(row):
    return any(flag in LIFECYCLE_FLAGS for flag in row.flags)


class ImportImage:
    """The image of an import row, when it can be launched."""

    def image_id(self, datum):
        return datum.id if datum.launchable and imports.is_uuid(datum.id) \
            else None


class LaunchImport(ImportImage, actions.LaunchAction):
    pass


class CopyImportLink(ImportImage, actions.CopyLinkAction):
    pass


class _LifecycleAction(tables.BatchAction):
    """Admin-only Glance lifecycle action, offered on the rows of images
    with a lifecycle flag for which :meth:`applies` holds."""

    action_type = 'danger'

    def applies(self, datum):
        raise NotImplementedError

    def allowed(self, request, datum=None):
        if datum is None:
            return _is_admin(request)
        return _is_admin(request) and _flagged(datum) and self.applies(datum)


class HideImage(_LifecycleAction):
    name = 'hide'
    help_text = _('Hidden images stay usable but leave the default image '
                  'lists (os_hidden).')
    policy_rules = (('image', 'modify_image'),)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Hide Image', 'Hide Images', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Hid Image', 'Hid Images', count)

    def applies(self, datum):
        return not datum.hidden

    def action(self, request, obj_id):
        imports.hide_image(request, obj_id)


class DeactivateImage(_LifecycleAction):
    name = 'deactivate'
    help_text = _('Running instances keep working; no new instance can '
                  'be launched from a deactivated image.')
    policy_rules = (('image', 'deactivate'),)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Deactivate Image', 'Deactivate Images', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Deactivated Image', 'Deactivated Images',
                             count)

    def applies(self, datum):
        return datum.image.get('status') == 'active'

    def action(self, request, obj_id):
        imports.deactivate_image(request, obj_id)


class UpdateImportRow(tables.Row):
    ajax = True

    def get_data(self, request, image_id):
        if not imports.is_uuid(image_id):
            raise exceptions.NotFound()
        try:
            return import_rows.import_row(request, image_id)
        except imports.glance.GlanceNotFound as exc:
            # Horizon's row update removes the row of a deleted image.
            raise exceptions.NotFound() from exc
        except imports.RECOVERABLE as exc:
            # Glance, the marketplace or the settings failed this time:
            # the row says why and polls again (never a server error).
            return import_rows.unchecked_row({'id': image_id}, exc)


#: Glance's visibilities, as the column shows them (an image: feminine in
#: French)
VISIBILITY_DISPLAY = (
    ('private', pgettext_lazy('Image visibility', 'Private')),
    ('shared', pgettext_lazy('Image visibility', 'Shared')),
    ('community', pgettext_lazy('Image visibility', 'Community')),
    ('public', pgettext_lazy('Image visibility', 'Public')),
)


class ImportsTable(tables.DataTable):
    name = tables.Column('name', verbose_name=_('Image Name'),
                         link=image_detail_url)
    endorser = tables.Column('endorser', verbose_name=_('Endorser'))
    visibility = tables.Column('visibility', verbose_name=_('Visibility'),
                               display_choices=VISIBILITY_DISPLAY,
                               filters=(defaultfilters.title,))
    state = tables.Column('state', verbose_name=_('Status'), status=True,
                          status_choices=STATE_STATUS,
                          display_choices=STATE_DISPLAY)
    progress = tables.Column(progress_text, verbose_name=_('Progress'))
    reasons = tables.Column(reasons_text, verbose_name=_('Problems'),
                            classes=('word-wrap',))
    lifecycle = tables.Column(lifecycle_text, verbose_name=_('Lifecycle'))

    def get_object_display(self, datum):
        return datum.name

    class Meta:
        name = 'imports'
        verbose_name = _('Marketplace Images')
        status_columns = ['state']
        row_class = UpdateImportRow
        table_actions = (HideImage, DeactivateImage)
        row_actions = (LaunchImport, CopyImportLink, HideImage,
                       DeactivateImage)
