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


"""The search form above the appliances table.

The search is a plain GET form: the filter state lives in the query
string, so a search can be bookmarked and shared, and the marketplace does
the filtering.
"""

from django import forms
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

__all__ = [
    'DEFAULTS', 'DIR_CHOICES', 'KIND_CHOICES', 'LOCATION_CHOICES',
    'SORT_CHOICES', 'STATUS_CHOICES', 'TERM_MAX', 'TEXT_MAX', 'SearchForm',
]

STATUS_CHOICES = (
    ('valid', _('Valid')),
    ('expired', _('Expired')),
    ('deprecated', _('Deprecated')),
    ('all', _('Any')),
)
LOCATION_CHOICES = (
    ('all', _('All')),
    ('web', _('Web (http, https, ftp)')),
    ('pdisk', _('Persistent disk (pdisk)')),
)
KIND_CHOICES = (
    ('', _('Any')),
    ('machine', _('Machine')),
    ('disk', _('Disk')),
)
DIR_CHOICES = (('desc', _('Descending')), ('asc', _('Ascending')))
# Keys are the core client's listing columns (core.client.COLUMNS).
SORT_CHOICES = (
    ('created', _('Endorsed')),
    ('title', _('Title')),
    ('os', _('OS')),
    ('os_version', _('OS version')),
    ('os_arch', _('Architecture')),
    ('email', _('Endorser')),
    ('kind', _('Kind')),
    ('identifier', _('Identifier')),
)
DEFAULTS = {'status': 'valid', 'location': 'all', 'sort': 'created',
            'dir': 'desc'}
# The marketplace takes these terms as regular expressions: keep them
# short and printable.
TEXT_MAX = 200
TERM_MAX = 100


def _text(label, max_length, placeholder=None):
    attrs = {'class': 'form-control input-sm'}
    if placeholder:
        attrs['placeholder'] = placeholder
    return forms.CharField(label=label, max_length=max_length,
                           required=False, strip=True,
                           widget=forms.TextInput(attrs=attrs))


def _choice(label, choices):
    return forms.ChoiceField(
        label=label, choices=choices, required=False,
        widget=forms.Select(attrs={'class': 'form-control input-sm'}))


class SearchForm(forms.Form):
    marketplace = _choice(_('Marketplace'), ())
    q = _text(_('Search'), TEXT_MAX, _('Free text'))
    os = _text(_('OS'), TERM_MAX)
    os_version = _text(_('OS version'), TERM_MAX)
    arch = _text(_('Architecture'), TERM_MAX, 'x86_64')
    endorser = _text(_('Endorser'), TERM_MAX, _('e-mail'))
    kind = _choice(_('Kind'), KIND_CHOICES)
    status = _choice(_('Status'), STATUS_CHOICES)
    location = _choice(_('Location'), LOCATION_CHOICES)
    sort = _choice(_('Sort by'), SORT_CHOICES)
    dir = _choice(_('Order'), DIR_CHOICES)

    def __init__(self, data, names, **kwargs):
        super().__init__(data, **kwargs)
        self.names = list(names)
        self.fields['marketplace'].choices = [(n, n) for n in self.names]
        if len(self.names) < 2:
            self.fields['marketplace'].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        for key, default in DEFAULTS.items():
            if not cleaned.get(key):
                cleaned[key] = default
        if not cleaned.get('marketplace') and self.names:
            cleaned['marketplace'] = self.names[0]
        for key, value in cleaned.items():
            if isinstance(value, str) and any(
                    ord(c) < 32 or ord(c) == 127 for c in value):
                self.add_error(key, _('Control characters are not '
                                      'allowed.'))
        return cleaned

    def _without_defaults(self, params):
        return {key: value for key, value in params.items()
                if value not in (None, '') and DEFAULTS.get(key) != value
                and not (key == 'marketplace' and len(self.names) < 2)}

    @property
    def query(self):
        """The search as query-string pairs (defaults left out)."""
        if not self.is_valid():
            return {}
        return self._without_defaults(self.cleaned_data)

    def url_with(self, **changes):
        """Query string of this search with *changes* applied."""
        params = dict(self.query)
        params.update(changes)
        return '?' + urlencode(sorted(self._without_defaults(params).items()))

    def filters(self):
        return {key: self.cleaned_data.get(key)
                for key in ('q', 'os', 'os_version', 'arch', 'endorser',
                            'kind', 'status', 'location')}
