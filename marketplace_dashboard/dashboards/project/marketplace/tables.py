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


import datetime

from django import urls
from django.template import defaultfilters
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import exceptions, tables

from marketplace_dashboard.api import imports

# Bootstrap 3 label class of each verdict level (core/verdict.py Level).
LEVEL_CLASSES = {
    'verified': 'label-success',
    'untrusted': 'label-warning',
    'invalid': 'label-danger',
    'expired': 'label-default',
    'deprecated': 'label-info',
}
LEVEL_NAMES = {
    'verified': _('Verified'),
    'untrusted': _('Untrusted'),
    'invalid': _('Invalid'),
    'expired': _('Expired'),
    'deprecated': _('Deprecated'),
}
# Columns the marketplace can sort (forms.SORT_CHOICES keys).
SORTABLE = {'title': 'title', 'os': 'os', 'os_arch': 'os_arch',
            'email': 'email', 'created': 'created'}


def entry_kwargs(entry):
    return {'marketplace': entry.marketplace,
            'identifier': entry.identifier,
            'email': entry.email, 'created': entry.created_key}


def _reverse(name, entry):
    try:
        return urls.reverse(name, kwargs=entry_kwargs(entry))
    except urls.NoReverseMatch:
        return None  # a row without a usable key gets no link


def detail_url(entry):
    return _reverse('horizon:project:marketplace:detail', entry)


def download_url(entry):
    return _reverse('horizon:project:marketplace:download', entry)


def format_date(value):
    if isinstance(value, datetime.datetime):
        return defaultfilters.date(value, 'Y-m-d H:i')
    return value or ''


def level_label(level):
    """``{'label_class', 'level_name'}`` of a verdict level (an unknown
    level is shown as itself, in the danger colour)."""
    return {'label_class': LEVEL_CLASSES.get(level, 'label-danger'),
            'level_name': LEVEL_NAMES.get(level, level)}


def verdict_badge(entry):
    label = level_label(entry.level)
    return render_to_string('project/marketplace/_verdict.html', {
        'level': entry.level,
        'label_class': label['label_class'],
        'name': label['level_name'],
        'reasons': entry.reasons + entry.warnings,
    })


def glance_mark(entry):
    """The *In Glance* mark: ``entry.image`` is the image the entry is in
    Glance as, by the import engine's rule (see ``views._mark_imported``)."""
    return render_to_string('project/marketplace/_in_glance.html',
                            {'image': getattr(entry, 'image', None)})


def os_and_version(entry):
    return ' '.join(v for v in (entry.os, entry.os_version) if v)


class DownloadMetadata(tables.LinkAction):
    name = 'download'
    verbose_name = _('Download Metadata')
    icon = 'download'
    policy_rules = (('image', 'get_images'),)

    def get_link_url(self, datum=None):
        return download_url(datum) or '#'

    def allowed(self, request, datum=None):
        return datum is not None and download_url(datum) is not None


def import_url(entry):
    return _reverse('horizon:project:marketplace:import', entry)


def entry_image_id(request, entry):
    """ID of the entry's Glance image when it can be launched now (the
    project's verified import, or another project's image the engine
    offers), else None."""
    image = getattr(entry, 'image', None)
    return imports.launch_image_id(request, image) if image else None


class ImportEntry(tables.LinkAction):
    name = 'import'
    verbose_name = _('Import')
    classes = ('ajax-modal',)
    icon = 'cloud-download'
    policy_rules = (('image', 'add_image'),)

    def get_link_url(self, datum=None):
        return import_url(datum) or '#'

    def allowed(self, request, datum=None):
        return (datum is not None and datum.appliance is not None
                and entry_image_id(request, datum) is None
                and import_url(datum) is not None)


class LaunchAction(tables.LinkAction):
    """Opens Horizon's Angular launch-instance wizard, like LaunchImageNG.

    The image ID goes into a JavaScript expression: it is only rendered
    when it is a canonical UUID.
    """

    name = 'launch'
    verbose_name = _('Launch')
    classes = ('btn-launch',)
    icon = 'cloud-upload'
    ajax = False
    policy_rules = (('compute', 'os_compute_api:servers:create'),)

    def __init__(self, attrs=None, **kwargs):
        kwargs['preempt'] = True
        super().__init__(attrs, **kwargs)

    def image_id(self, datum):
        raise NotImplementedError

    def allowed(self, request, datum=None):
        return datum is not None and self.image_id(datum) is not None

    def get_link_url(self, datum=None):
        image_id = self.image_id(datum)
        if image_id is None:
            return '#'
        self.attrs.update({
            'ng-controller': 'LaunchInstanceModalController as modal',
            'ng-click': "modal.openLaunchInstanceWizard({successUrl: '%s', "
                        "imageId: '%s'})"
                        % (urls.reverse('horizon:project:instances:index'),
                           image_id)})
        return 'javascript:void(0);'


class LaunchEntry(LaunchAction):
    def image_id(self, datum):
        return entry_image_id(self.table.request, datum)


def copy_link_url(image_id):
    return urls.reverse('horizon:project:marketplace:launch_link',
                        kwargs={'image_id': image_id})


class CopyEntryLink(tables.LinkAction):
    name = 'copy_link'
    verbose_name = _('Copy Launch Link')
    classes = ('ajax-modal',)
    icon = 'link'

    def get_link_url(self, datum=None):
        image_id = entry_image_id(self.table.request, datum)
        return copy_link_url(image_id) if image_id else '#'

    def allowed(self, request, datum=None):
        return datum is not None and \
            entry_image_id(request, datum) is not None


class ImportsLink(tables.LinkAction):
    name = 'imports'
    verbose_name = _('Imports')
    url = 'horizon:project:marketplace:imports'
    icon = 'tasks'


class AppliancesTable(tables.DataTable):
    title = tables.Column('title', verbose_name=_('Title'),
                          link=detail_url, sortable=False)
    os = tables.Column(os_and_version, verbose_name=_('OS'), sortable=False)
    os_arch = tables.Column('os_arch', verbose_name=_('Arch'), sortable=False)
    format = tables.Column('format', verbose_name=_('Format'), sortable=False)
    size = tables.Column('bytes', verbose_name=_('Size'),
                         filters=(defaultfilters.filesizeformat,),
                         sortable=False)
    email = tables.Column('email', verbose_name=_('Endorser'), sortable=False)
    created = tables.Column('created', verbose_name=_('Endorsed'),
                            filters=(format_date,), sortable=False)
    valid = tables.Column('valid', verbose_name=_('Valid Until'),
                          filters=(format_date,), sortable=False)
    verdict = tables.Column(verdict_badge, verbose_name=_('Verdict'),
                            sortable=False)
    in_glance = tables.Column(glance_mark, verbose_name=_('In Glance'),
                              sortable=False)

    def __init__(self, request, data=None, needs_form_wrapper=None,
                 **kwargs):
        super().__init__(request, data, needs_form_wrapper, **kwargs)
        self.search_form = None
        self.next_start = self.prev_start = 0

    def get_object_id(self, datum):
        return datum.id

    def get_object_display(self, datum):
        return datum.title

    def _page_url(self, start):
        """Query string of the current search at offset *start*."""
        if self.search_form is None:
            return 'start=%d' % start
        return self.search_form.url_with(start=start or None)[1:]

    def get_pagination_string(self):
        return self._page_url(self.next_start)

    def get_prev_pagination_string(self):
        return self._page_url(self.prev_start)

    def sort_headers(self):
        """Server-side sort links for the column headers."""
        form = self.search_form
        if form is None or not form.is_valid():
            return {}
        current = form.cleaned_data['sort']
        direction = form.cleaned_data['dir']
        headers = {}
        for column, key in SORTABLE.items():
            active = key == current
            new_dir = 'asc' if active and direction == 'desc' else 'desc'
            headers[column] = {'url': form.url_with(sort=key, dir=new_dir),
                               'active': active, 'dir': direction}
        return headers

    def header_cells(self):
        headers = self.sort_headers()
        return [{'column': column, 'sort': headers.get(column.name)}
                for column in self.get_columns()]

    class Meta:
        name = 'appliances'
        verbose_name = _('Appliances')
        template = 'project/marketplace/_table.html'
        pagination_param = 'start'
        prev_pagination_param = 'start'
        table_actions = (ImportsLink,)
        row_actions = (LaunchEntry, ImportEntry, CopyEntryLink,
                       DownloadMetadata)


# -- Imports view ------------------------------------------------------------

STATE_DISPLAY = (
    ('queued', _('Queued')),
    ('importing', _('Importing')),
    ('verifying', _('Verifying')),
    ('active', _('Active (verified)')),
    ('failed', _('Failed')),
    (imports.UNCHECKED, _('Not checked')),
)
STATE_STATUS = (('active', True), ('failed', False), ('queued', None),
                ('importing', None), ('verifying', None),
                (imports.UNCHECKED, None))
FLAG_NAMES = {
    'expired': _('Entry expired'),
    'deprecated': _('Entry deprecated'),
    'replaced': _('Newer endorsement'),
    imports.LIFECYCLE_UNKNOWN: _('Unknown'),
}
FLAG_HELP = {
    'expired': _('The marketplace entry is past its validity date.'),
    'deprecated': _('The endorser deprecated the marketplace entry.'),
    'replaced': _('The endorser has published a newer endorsement of '
                  'this appliance.'),
    imports.LIFECYCLE_UNKNOWN: _('The marketplace could not be reached or '
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


class LaunchImport(LaunchAction):
    def image_id(self, datum):
        return datum.id if datum.launchable and imports.is_uuid(datum.id) \
            else None


class CopyImportLink(tables.LinkAction):
    name = 'copy_link'
    verbose_name = _('Copy Launch Link')
    classes = ('ajax-modal',)
    icon = 'link'

    def get_link_url(self, datum=None):
        return copy_link_url(datum.id)

    def allowed(self, request, datum=None):
        return (datum is not None and datum.launchable
                and imports.is_uuid(datum.id))


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
            return imports.import_row(request, image_id)
        except imports.glance.GlanceNotFound as exc:
            # Horizon's row update removes the row of a deleted image.
            raise exceptions.NotFound() from exc
        except imports.RECOVERABLE as exc:
            # Glance, the marketplace or the settings failed this time:
            # the row says why and polls again (never a server error).
            return imports.unchecked_row({'id': image_id}, exc)


class ImportsTable(tables.DataTable):
    name = tables.Column('name', verbose_name=_('Image Name'),
                         link=image_detail_url)
    endorser = tables.Column('endorser', verbose_name=_('Endorser'))
    visibility = tables.Column('visibility', verbose_name=_('Visibility'),
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

