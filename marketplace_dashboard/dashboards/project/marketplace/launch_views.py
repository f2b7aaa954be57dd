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


"""An image's shareable deep link: the launch page and the copy modal."""

from django import http
from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic

from marketplace_dashboard.api import imports
from marketplace_dashboard.dashboards.project.marketplace import mixins

__all__ = ['LaunchLinkView', 'LaunchView']


class LaunchView(mixins.PolicyMixin, mixins.ImageMixin,
                 generic.TemplateView):
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
            return http.HttpResponseRedirect(reverse(mixins.INDEX_URL))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        image = self.get_image()
        context['image'] = image
        context['image_name'] = image.get('name') or image['id']
        context['page_title'] = _('Launch "%s"') % context['image_name']
        context['index_url'] = reverse(mixins.INDEX_URL)
        return context


class LaunchLinkView(mixins.ImageMixin, generic.TemplateView):
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
        context['cancel_url'] = reverse(mixins.IMPORTS_URL)
        # as ModalFormView does: a real modal when loaded by ajax-modal
        context['hide'] = self._ajax()
        context['modal_id'] = 'marketplace_launch_link_modal'
        context['modal_backdrop'] = 'static'
        return context
