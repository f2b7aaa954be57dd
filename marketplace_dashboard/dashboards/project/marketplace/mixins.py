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


"""What the panel's views share: the entry, image and policy of a URL.

Each mixin validates its part of the URL and fetches what it names once
per request; what goes wrong becomes a message and a redirect to the
index (or a 404), never a server error.
"""

import logging

from django import http
from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon.utils import memoized
from openstack_dashboard import policy

from marketplace_dashboard.api import imports, localize
from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core import errors, formats

__all__ = [
    'IMPORTS_URL', 'INDEX_URL', 'EntryMixin', 'ImageMixin', 'PolicyMixin',
    'report_misconfiguration',
]

LOG = logging.getLogger(__name__)

INDEX_URL = 'horizon:project:marketplace:index'
IMPORTS_URL = 'horizon:project:marketplace:imports'


def _log_misconfiguration(exc):
    LOG.error('Marketplace panel misconfigured: %s', exc)


def report_misconfiguration(request, exc):
    """Log the settings error *exc* and tell the user about it."""
    _log_misconfiguration(exc)
    messages.error(request, _(
        'The marketplace panel is not configured correctly: %s') % exc)


class EntryMixin:
    """Validates the entry key of the URL and fetches the entry once."""

    def entry_key(self):
        """(marketplace, identifier, e-mail, date) of the URL, checked."""
        kwargs = self.kwargs
        if not formats.is_email(kwargs['email']):
            raise http.Http404(_('Not a valid endorser e-mail address.'))
        try:
            settings = api.get_settings()
        except api.ConfigurationError as exc:
            _log_misconfiguration(exc)
            raise http.Http404(str(exc)) from exc
        if settings.marketplace(kwargs['marketplace']) is None:
            raise http.Http404(_('No such marketplace.'))
        try:
            kind = api.catalog_type(kwargs['marketplace'])
        except api.ConfigurationError as exc:
            _log_misconfiguration(exc)
            raise http.Http404(str(exc)) from exc
        # each catalogue type has its own identifiers (the URL takes any)
        if not kind.is_identifier(kwargs['identifier']):
            raise http.Http404(_('Not a valid identifier.'))
        return (kwargs['marketplace'], kwargs['identifier'],
                kwargs['email'], kwargs['created'])

    @memoized.memoized_method
    def get_entry(self):
        key = self.entry_key()
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


class ImageMixin:
    """The launchable image of the URL, or a message and the index."""

    @memoized.memoized_method
    def get_image(self):
        image_id = self.kwargs['image_id']
        try:
            return imports.launchable_image(self.request, image_id)
        except errors.ImportFailed as exc:
            msg = localize.text(exc)
        except imports.RECOVERABLE as exc:
            msg = _('Unable to read image %(id)s from the image service: '
                    '%(reason)s') % {'id': image_id,
                                     'reason': localize.text(exc)}
        exceptions.handle(self.request, msg, redirect=reverse(INDEX_URL))
