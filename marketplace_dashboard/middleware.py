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


"""Seed-era launch links, opt-in: ``LegacyLaunchLinkMiddleware``.

StratusLab's creators were told to publish
``<WEBROOT>project/instances/launch?source_id=<uuid>&source_type=image_id``
as a location; Horizon removed that page in 2021 (it is a 404, or the
Instances page with no wizard).  Enabled in ``MIDDLEWARE`` (see
``doc/source/install/index.rst`` and
``local_settings.d/_1920_marketplace_settings.py.example``),
this middleware answers such a URL with a redirect to the plugin's deep
link, which opens Horizon's launch wizard on that image (after login if
needed) or says why it cannot.  A link that names no valid image gives a
message and the Marketplace panel.  Every other request passes through
untouched.
"""

from django import http
from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from marketplace_dashboard.core import locations

__all__ = ['LegacyLaunchLinkMiddleware', 'MIDDLEWARE_PATH', 'legacy_redirect']

#: What an operator adds to ``MIDDLEWARE``.
MIDDLEWARE_PATH = 'marketplace_dashboard.middleware.LegacyLaunchLinkMiddleware'


def legacy_redirect(request):
    """The redirect that answers a seed-era launch link, else None."""
    if request.method not in ('GET', 'HEAD'):
        return None
    target = locations.launch_target(request.path_info,
                                     request.META.get('QUERY_STRING', ''))
    # path_info has the script prefix (WEBROOT) removed already
    if target is None or target.form != locations.LEGACY or \
            target.webroot != '/':
        return None
    if target.image_id is None:
        messages.error(request, _(
            'This launch link names no valid image: it needs '
            'source_type=image_id and an image ID (a UUID) as source_id.'),
            fail_silently=True)
        return http.HttpResponseRedirect(
            reverse('horizon:project:marketplace:index'))
    return http.HttpResponseRedirect(reverse(
        'horizon:project:marketplace:launch',
        kwargs={'image_id': target.image_id}))


class LegacyLaunchLinkMiddleware:
    """Redirects ``project/instances/launch?source_id=...`` to the deep
    link (see the module's documentation)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return legacy_redirect(request) or self.get_response(request)
