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


"""An entry's detail page (its tabs) and its signed document download."""

from django import http
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import generic
from django.views.decorators.cache import never_cache
from horizon import tabs as horizon_tabs

from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.dashboards.project.marketplace import (
    mixins,
    tables,
    tabs,
    views,
)

__all__ = ['DetailView', 'DownloadView']


class DetailView(mixins.EntryMixin, horizon_tabs.TabView):
    tab_group_class = tabs.DetailTabs
    template_name = 'horizon/common/_detail.html'
    page_title = '{{ entry.title|default:identifier }}'

    def get_context_data(self, **kwargs):
        # before the tabs load: the Locations tab's Launch reads it too
        entry = self.get_entry()
        views.mark_imported(self.request, [entry])
        context = super().get_context_data(**kwargs)
        table = tables.AppliancesTable(self.request)
        context['entry'] = entry
        context['url'] = reverse(mixins.INDEX_URL)
        context['actions'] = table.render_row_actions(entry)
        return context

    def get_tabs(self, request, *args, **kwargs):
        return self.tab_group_class(request, entry=self.get_entry(),
                                    **kwargs)


@method_decorator(never_cache, name='dispatch')
class DownloadView(mixins.EntryMixin, generic.View):
    """The signed document exactly as the marketplace served it."""

    def get(self, request, *args, **kwargs):
        entry = self.get_entry()
        kind = api.catalog_type(self.kwargs['marketplace'])
        xml = kind.document_media_type == 'application/xml'
        response = http.HttpResponse(
            entry.document,
            content_type='application/rdf+xml' if xml
            else kind.document_media_type)
        response['Content-Disposition'] = (
            'attachment; filename="%s.%s"' % (self.kwargs['identifier'],
                                              'xml' if xml else 'txt'))
        response['X-Content-Type-Options'] = 'nosniff'
        return response
