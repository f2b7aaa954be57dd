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


import logging
import re

from django import http, urls
from django.contrib import messages
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django.views.decorators.cache import never_cache
from horizon import exceptions
from horizon import forms as horizon_forms
from horizon import tables as horizon_tables
from horizon import tabs as horizon_tabs
from horizon.utils import memoized
from openstack_dashboard import policy

from marketplace_dashboard.api import imports
from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core import errors
from marketplace_dashboard.dashboards.project.marketplace import (
    forms,
    tables,
    tabs,
)

LOG = logging.getLogger(__name__)

# Endorser e-mail as the format allows it (spec section 2.2).
EMAIL_RE = re.compile(r'^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\Z')
MAX_START = 10 ** 6
INDEX_URL = 'horizon:project:marketplace:index'


def _start(request):
    try:
        value = int(request.GET.get('start', '0'))
    except ValueError:
        return 0
    return value if 0 <= value <= MAX_START else 0


def _mark_imported(request, entries):
    """Set ``entry.image``: the image the entry is "In Glance" as, by the
    import engine's rule (``imports.existing_image``: the project's live
    import, else a matching public or accepted shared image)."""
    try:
        images = api.imported_images(request)
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
            LOG.error('Marketplace panel misconfigured: %s', exc)
            messages.error(self.request, _(
                'The marketplace panel is not configured correctly: %s')
                % exc)
            return []
        if not names:
            messages.info(self.request, _(
                'No marketplace is configured; see MARKETPLACE_DASHBOARD '
                'in the README.'))
            return []
        form = self.search_form
        if not form.is_valid():
            return []
        name = form.cleaned_data['marketplace']
        try:
            self._result = api.search(
                self.request, name, form.filters(), start=_start(self.request),
                sort=form.cleaned_data['sort'],
                sort_dir=form.cleaned_data['dir'])
        except api.RECOVERABLE:
            exceptions.handle(self.request, _(
                'Unable to search the marketplace "%s".') % name)
            return []
        entries = self._result.entries
        if entries:
            self._mark_imported(entries)
        return entries

    def _mark_imported(self, entries):
        _mark_imported(self.request, entries)

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


class EntryMixin:
    """Validates the entry key of the URL and fetches the entry once."""

    def _key(self):
        kwargs = self.kwargs
        if not EMAIL_RE.match(kwargs['email']):
            raise http.Http404(_('Not a valid endorser e-mail address.'))
        try:
            settings = api.get_settings()
        except api.ConfigurationError as exc:
            LOG.error('Marketplace panel misconfigured: %s', exc)
            raise http.Http404(str(exc)) from exc
        if settings.marketplace(kwargs['marketplace']) is None:
            raise http.Http404(_('No such marketplace.'))
        return (kwargs['marketplace'], kwargs['identifier'],
                kwargs['email'], kwargs['created'])

    @memoized.memoized_method
    def get_entry(self):
        key = self._key()
        try:
            return api.entry(self.request, *key)
        except errors.MarketplaceHTTPError as exc:
            if exc.status == 404:
                msg = _('The marketplace "%s" has no such entry.') % key[0]
            else:
                msg = _('Unable to retrieve the entry from the marketplace '
                        '"%s".') % key[0]
            exceptions.handle(self.request, msg, redirect=reverse(INDEX_URL))
        except api.RECOVERABLE:
            exceptions.handle(self.request, _(
                'Unable to retrieve the entry from the marketplace "%s".')
                % key[0], redirect=reverse(INDEX_URL))


class DetailView(EntryMixin, horizon_tabs.TabView):
    tab_group_class = tabs.DetailTabs
    template_name = 'horizon/common/_detail.html'
    page_title = '{{ entry.title|default:identifier }}'

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = self.get_entry()
        _mark_imported(self.request, [entry])
        table = tables.AppliancesTable(self.request)
        context['entry'] = entry
        context['url'] = reverse(INDEX_URL)
        context['actions'] = table.render_row_actions(entry)
        return context

    def get_tabs(self, request, *args, **kwargs):
        return self.tab_group_class(request, entry=self.get_entry(),
                                    **kwargs)


@method_decorator(never_cache, name='dispatch')
class DownloadView(EntryMixin, generic.View):
    """The signed document exactly as the marketplace served it."""

    def get(self, request, *args, **kwargs):
        entry = self.get_entry()
        response = http.HttpResponse(entry.document,
                                     content_type='application/rdf+xml')
        response['Content-Disposition'] = (
            'attachment; filename="%s.xml"' % self.kwargs['identifier'])
        response['X-Content-Type-Options'] = 'nosniff'
        return response


# -- import and launch -------------------------------------------------------

IMPORTS_URL = 'horizon:project:marketplace:imports'


class PolicyMixin:
    """Refuses the view (an error message and the index) unless the
    user's policy allows :attr:`policy_rules`: the table actions hide
    themselves, but their URLs can be opened directly."""

    policy_rules = ()
    policy_denied = None

    def dispatch(self, request, *args, **kwargs):
        if self.policy_rules and not policy.check(self.policy_rules,
                                                  request):
            messages.error(request, self.policy_denied)
            return http.HttpResponseRedirect(reverse(INDEX_URL))
        return super().dispatch(request, *args, **kwargs)


class ImportView(PolicyMixin, EntryMixin, horizon_forms.ModalFormView):
    """Import an entry into Glance (or launch the image already there)."""

    policy_rules = (('image', 'add_image'),)
    policy_denied = _('You are not allowed to import images: the image '
                      'service\'s policy "add_image" refuses it.')

    form_class = forms.ImportForm
    form_id = 'marketplace_import_form'
    template_name = 'project/marketplace/import.html'
    page_title = _('Import Appliance')
    modal_header = _('Import Appliance')
    submit_label = _('Import')
    submit_url = 'horizon:project:marketplace:import'
    success_url = urls.reverse_lazy(IMPORTS_URL)
    cancel_url = urls.reverse_lazy(INDEX_URL)

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
        return http.HttpResponseRedirect(reverse(INDEX_URL))

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
                redirect=reverse(INDEX_URL))
        return refusal, existing

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs['marketplace'] = self.kwargs['marketplace']
        kwargs['key'] = self._key()[1:]
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
        context['imports_url'] = reverse(IMPORTS_URL)
        return context

    def form_valid(self, form):
        if self.get_state()[0]:
            form.api_error(self.get_state()[0])
            return self.form_invalid(form)
        return super().form_valid(form)


class ImportsView(horizon_tables.DataTableView):
    """The project's marketplace images and their import status."""

    table_class = tables.ImportsTable
    template_name = 'project/marketplace/imports.html'
    page_title = _('Marketplace Imports')

    def get_data(self):
        try:
            return imports.import_rows(self.request)
        except api.ConfigurationError as exc:
            LOG.error('Marketplace panel misconfigured: %s', exc)
            messages.error(self.request, _(
                'The marketplace panel is not configured correctly: %s')
                % exc)
        except imports.RECOVERABLE:
            exceptions.handle(self.request, _(
                'Unable to list the marketplace images in Glance.'))
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['index_url'] = reverse(INDEX_URL)
        return context


class ImageMixin:
    """The launchable image of the URL, or a message and the index."""

    @memoized.memoized_method
    def get_image(self):
        image_id = self.kwargs['image_id']
        try:
            return imports.launchable_image(self.request, image_id)
        except imports.ImportFailed as exc:
            msg = str(exc)
        except imports.RECOVERABLE as exc:
            msg = _('Unable to read image %(id)s from the image service: '
                    '%(reason)s') % {'id': image_id, 'reason': exc}
        exceptions.handle(self.request, msg, redirect=reverse(INDEX_URL))


class LaunchView(PolicyMixin, ImageMixin, generic.TemplateView):
    """Shareable deep link: opens the launch wizard on one image."""

    policy_rules = (('compute', 'os_compute_api:servers:create'),)
    policy_denied = _('You are not allowed to launch instances: the compute '
                      'service\'s policy "os_compute_api:servers:create" '
                      'refuses it.')

    template_name = 'project/marketplace/launch.html'

    def get(self, request, *args, **kwargs):
        if not imports.is_uuid(kwargs['image_id']):
            messages.error(request, _('"%s" is not a valid image ID.')
                           % kwargs['image_id'][:64])
            return http.HttpResponseRedirect(reverse(INDEX_URL))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        image = self.get_image()
        context['image'] = image
        context['image_name'] = image.get('name') or image['id']
        context['page_title'] = _('Launch "%s"') % context['image_name']
        context['index_url'] = reverse(INDEX_URL)
        return context


class LaunchLinkView(ImageMixin, generic.TemplateView):
    """A modal with the absolute deep link of an image, to copy."""

    template_name = 'project/marketplace/launch_link.html'

    def get(self, request, *args, **kwargs):
        if not imports.is_uuid(kwargs['image_id']):
            raise http.Http404(_('Not a valid image ID.'))
        return super().get(request, *args, **kwargs)

    def _ajax(self):
        return self.request.headers.get('x-requested-with') == \
            'XMLHttpRequest'

    def get_template_names(self):
        if self._ajax():
            return ['project/marketplace/_launch_link.html']
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        image = self.get_image()
        path = reverse('horizon:project:marketplace:launch',
                       kwargs={'image_id': image['id']})
        context['image'] = image
        context['link'] = self.request.build_absolute_uri(path)
        context['page_title'] = _('Launch Link')
        context['cancel_url'] = reverse(IMPORTS_URL)
        # as ModalFormView does: a real modal when loaded by ajax-modal
        context['hide'] = self._ajax()
        context['modal_id'] = 'marketplace_launch_link_modal'
        context['modal_backdrop'] = 'static'
        return context
