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


"""Import an entry into Glance, and the Imports page that follows it."""

from django import http, urls
from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms as horizon_forms
from horizon import tables as horizon_tables
from horizon.utils import memoized

from marketplace_dashboard.api import import_rows, imports
from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.dashboards.project.marketplace import (
    import_forms,
    imports_tables,
    mixins,
    tables,
)

__all__ = ['ImportView', 'ImportsView']


class ImportView(mixins.PolicyMixin, mixins.EntryMixin,
                 horizon_forms.ModalFormView):
    """Import an entry into Glance (or launch the image already there)."""

    policy_rules = (('image', 'add_image'),)
    policy_denied = _('You are not allowed to import images: the image '
                      'service\'s policy "add_image" refuses it.')

    form_class = import_forms.ImportForm
    form_id = 'marketplace_import_form'
    template_name = 'project/marketplace/import.html'
    page_title = _('Import Appliance')
    modal_header = _('Import Appliance')
    submit_label = _('Import')
    submit_url = 'horizon:project:marketplace:import'
    success_url = urls.reverse_lazy(mixins.IMPORTS_URL)
    cancel_url = urls.reverse_lazy(mixins.INDEX_URL)

    def _unreadable(self):
        """A redirect with the reason when the marketplace did not send a
        metadata document for the entry (nothing to import), else None."""
        entry = self.get_entry()
        if entry.appliance is not None:
            return None
        messages.error(self.request, _(
            'This entry cannot be imported: the marketplace did not send a '
            'readable metadata document (%s).')
            % ('; '.join(entry.reasons) or _('unknown reason')))
        return http.HttpResponseRedirect(reverse(mixins.INDEX_URL))

    def get(self, request, *args, **kwargs):
        return self._unreadable() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self._unreadable() or super().post(request, *args, **kwargs)

    @memoized.memoized_method
    def get_state(self):
        """(refusal reason, existing image) of the entry."""
        entry = self.get_entry()
        try:
            refusal = imports.refusal(entry)
            existing = None if refusal else imports.existing_image(
                self.request, entry.appliance)
        except imports.RECOVERABLE:
            exceptions.handle(self.request, _(
                'Unable to check the image service for this appliance.'),
                redirect=reverse(mixins.INDEX_URL))
        return refusal, existing

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs['marketplace'] = self.kwargs['marketplace']
        kwargs['key'] = self.entry_key()[1:]
        return kwargs

    def get_initial(self):
        entry = self.get_entry()
        return {'name': imports.image_name(entry.appliance),
                'visibility': 'private'}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = self.get_entry()
        refusal, existing = self.get_state()
        context['entry'] = entry
        context['refusal'] = refusal
        context['existing'] = existing
        if existing:
            # Another project's image is offered for launch only.
            context['offered'] = existing.get('owner') != \
                imports.project_id(self.request)
            launch_id = imports.launch_image_id(self.request, existing)
            if launch_id:
                context['launch_image_id'] = launch_id
                context['launch_link'] = reverse(
                    'horizon:project:marketplace:launch',
                    kwargs={'image_id': launch_id})
        context['submit_url'] = reverse(self.submit_url,
                                        kwargs=tables.entry_kwargs(entry))
        context['imports_url'] = reverse(mixins.IMPORTS_URL)
        return context

    def form_valid(self, form):
        if self.get_state()[0]:
            form.api_error(self.get_state()[0])
            return self.form_invalid(form)
        return super().form_valid(form)


class ImportsView(horizon_tables.DataTableView):
    """The project's marketplace images and their import status."""

    table_class = imports_tables.ImportsTable
    template_name = 'project/marketplace/imports.html'
    page_title = _('Marketplace Imports')

    def get_data(self):
        try:
            return import_rows.import_rows(self.request)
        except api.ConfigurationError as exc:
            mixins.report_misconfiguration(self.request, exc)
        except imports.RECOVERABLE:
            exceptions.handle(self.request, _(
                'Unable to list the marketplace images in Glance.'))
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['index_url'] = reverse(mixins.INDEX_URL)
        return context
