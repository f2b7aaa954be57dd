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


"""The panel's index: a marketplace search and its page of entries.

Each entry on the page is marked with the Glance image it is already in,
if any (:func:`mark_imported`), from one Glance call per page, made in a
thread of its own while the page's documents are fetched and judged.
"""

from concurrent import futures

from django.contrib import messages
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import tables as horizon_tables

from marketplace_dashboard.api import imports
from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.dashboards.project.marketplace import (
    forms,
    mixins,
    tables,
)

__all__ = ['MAX_START', 'IndexView', 'mark_imported', 'start_offset']

MAX_START = 10 ** 6


def start_offset(request):
    """The page offset of the query string (0 unless it is sane)."""
    try:
        value = int(request.GET.get('start', '0'))
    except ValueError:
        return 0
    return value if 0 <= value <= MAX_START else 0


def mark_imported(request, entries, images=None):
    """Set ``entry.image``: the image the entry is "In Glance" as, by the
    import engine's rule (``imports.existing_image``: the project's live
    import, else a matching public or accepted shared image).

    *images* is the future of an ``api.imported_images(request)`` already
    under way, if any; else the Glance list is made here.  Its failure is
    reported the same way in both cases."""
    try:
        images = (api.imported_images(request) if images is None
                  else images.result())
        for entry in entries:
            entry.image = None if entry.appliance is None else \
                imports.existing_image(request, entry.appliance,
                                       images.get(entry.identifier, []))
    except Exception:
        exceptions.handle(request, _(
            'Unable to check which appliances are already in Glance.'))


class IndexView(horizon_tables.DataTableView):
    table_class = tables.AppliancesTable
    template_name = 'project/marketplace/index.html'
    page_title = _('Marketplace')

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._result = None
        self._form = None

    @property
    def search_form(self):
        if self._form is None:
            try:
                names = api.marketplace_names()
            except api.ConfigurationError:
                names = []
            self._form = forms.SearchForm(self.request.GET, names)
        return self._form

    def get_data(self):
        try:
            names = api.marketplace_names()
        except api.ConfigurationError as exc:
            mixins.report_misconfiguration(self.request, exc)
            return []
        if not names:
            messages.info(self.request, _(
                'No marketplace is configured: the operator lists them in '
                'the MARKETPLACE_DASHBOARD setting (see the configuration '
                'guide, doc/source/configuration/settings.rst).'))
            return []
        form = self.search_form
        if not form.is_valid():
            return []
        name = form.cleaned_data['marketplace']
        # The Glance list of "In Glance" starts once the listing has rows
        # (never for an empty page or a failed search) and runs while
        # their documents are fetched and judged; leaving the block waits
        # for it, whatever happened to the search.
        with futures.ThreadPoolExecutor(max_workers=1) as pool:
            images = []

            def start_glance_list(_page):
                images.append(pool.submit(api.imported_images, self.request))

            try:
                self._result = api.search(
                    self.request, name, form.filters(),
                    start=start_offset(self.request),
                    sort=form.cleaned_data['sort'],
                    sort_dir=form.cleaned_data['dir'],
                    on_rows=start_glance_list)
            except api.RECOVERABLE:
                exceptions.handle(self.request, _(
                    'Unable to search the marketplace "%s".') % name)
                return []
            entries = self._result.entries
            if entries:
                mark_imported(self.request, entries,
                              images[0] if images else None)
        return entries

    def has_more_data(self, table):
        return bool(self._result and self._result.has_more)

    def has_prev_data(self, table):
        return bool(self._result and self._result.has_prev)

    def get_table(self):
        table = super().get_table()
        table.search_form = self.search_form
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        table = context['table']
        if self._result is not None:
            table.next_start = self._result.next_start
            table.prev_start = self._result.prev_start
        context['search_form'] = self.search_form
        context['result'] = self._result
        return context
