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

"""The appliances table: one page of a marketplace search.

Its columns show an entry's metadata, its verdict badge and whether it is
in Glance already; its row actions import, launch, link and download it.
The helpers that build an entry's URLs serve the detail tabs and the
import view too.
"""

import datetime

from django import urls
from django.template import defaultfilters
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from horizon import tables

from marketplace_dashboard.api import imports
from marketplace_dashboard.dashboards.project.marketplace import actions

__all__ = [
    'LEVEL_CLASSES', 'LEVEL_NAMES', 'SORTABLE', 'ApplianceRow',
    'AppliancesTable',
    'CopyEntryLink', 'DownloadMetadata', 'EntryImage', 'ImportEntry',
    'ImportsLink', 'LaunchEntry', 'detail_url', 'display_date',
    'download_url', 'entry_image_id', 'entry_kwargs', 'glance_mark',
    'import_url', 'level_label', 'os_and_version', 'verdict_badge',
]

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


def display_date(value):
    """A date column's text: ``yyyy-mm-dd hh:mm`` of a datetime."""
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
    Glance as, by the import engine's rule (see ``views.mark_imported``)."""
    return render_to_string('project/marketplace/_in_glance.html',
                            {'image': getattr(entry, 'image', None)})


def os_and_version(entry):
    return ' '.join(v for v in (entry.os, entry.os_version) if v)


class DownloadMetadata(actions.PolicyOncePerTable, tables.LinkAction):
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


class ImportEntry(actions.PolicyOncePerTable, tables.LinkAction):
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


class EntryImage:
    """The image of an entry's row: :func:`entry_image_id`."""

    def image_id(self, datum):
        return entry_image_id(self.table.request, datum)


class LaunchEntry(EntryImage, actions.LaunchAction):
    pass


class CopyEntryLink(EntryImage, actions.CopyLinkAction):
    pass


class ImportsLink(tables.LinkAction):
    name = 'imports'
    verbose_name = _('Imports')
    url = 'horizon:project:marketplace:imports'
    icon = 'tasks'


class ApplianceRow(tables.Row):
    """A row rendered by one template (``_row.html``): Horizon's row and
    cell templates in one, as no cell of this table is edited inline."""

    def render(self):
        return render_to_string('project/marketplace/_row.html',
                                {'row': self})


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
                            filters=(display_date,), sortable=False)
    valid = tables.Column('valid', verbose_name=_('Valid Until'),
                          filters=(display_date,), sortable=False)
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

    def render_row_actions(self, datum, row=False):
        """Horizon's dropdown of the row's actions from one template
        (``_row_actions.html``, the same HTML) when they are all links,
        as this table's are; else Horizon's own templates."""
        actions = self.get_row_actions(datum)
        if row or any(action.method != 'GET' or
                      action.action_type == 'danger' for action in actions):
            return super().render_row_actions(datum, row)
        return render_to_string('project/marketplace/_row_actions.html', {
            'row_actions': actions, 'row_id': self.get_object_id(datum)},
            self.request)

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
        row_class = ApplianceRow
        pagination_param = 'start'
        prev_pagination_param = 'start'
        table_actions = (ImportsLink,)
        row_actions = (LaunchEntry, ImportEntry, CopyEntryLink,
                       DownloadMetadata)
