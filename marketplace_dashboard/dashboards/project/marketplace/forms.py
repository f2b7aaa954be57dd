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


"""The search form above the appliances table, and the import form.

The search is a plain GET form: the filter state lives in the query
string, so a search can be bookmarked and shared, and the marketplace does
the filtering.
"""

import re

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from horizon import exceptions, messages
from horizon import forms as horizon_forms
from openstack_dashboard import policy

from marketplace_dashboard.api import imports

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



# -- import ------------------------------------------------------------------

# Keystone project IDs as Glance members: hex or UUID-like, nothing else.
PROJECT_ID_RE = re.compile(r'^[A-Za-z0-9_-]{1,64}\Z')
MAX_MEMBERS = 50
MAX_PROPERTIES = 50
VISIBILITY_CHOICES = (
    ('private', _('Private (this project)')),
    ('shared', _('Shared with projects')),
    ('community', _('Community')),
    ('public', _('Public')),
)
# Visibilities that need a Glance policy rule besides add_image.
VISIBILITY_RULES = {
    'community': (('image', 'communitize_image'),),
    'public': (('image', 'publicize_image'),),
}


def allowed_visibilities(request):
    """The visibilities the user's Glance policy allows."""
    return [(value, label) for value, label in VISIBILITY_CHOICES
            if value not in VISIBILITY_RULES
            or policy.check(VISIBILITY_RULES[value], request)]


def parse_properties(text):
    """``key=value`` lines as a dict; ``ValidationError`` when malformed.

    Reserved keys are refused by the engine's ``check_properties`` (the
    same rule the import applies).
    """
    props = {}
    for number, line in enumerate((text or '').splitlines(), 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        key, sep, value = line.partition('=')
        if not sep or not key.strip():
            raise forms.ValidationError(
                _('Line %(n)d: expected key=value, got "%(line)s".')
                % {'n': number, 'line': line[:60]})
        if key.strip() in props:
            raise forms.ValidationError(
                _('Line %(n)d: property "%(key)s" is given twice.')
                % {'n': number, 'key': key.strip()})
        props[key.strip()] = value.strip()
    if len(props) > MAX_PROPERTIES:
        raise forms.ValidationError(_('At most %d properties.')
                                    % MAX_PROPERTIES)
    try:
        return imports.check_properties(props)
    except imports.ImportRefused as exc:
        raise forms.ValidationError(str(exc)) from None


class ImportForm(horizon_forms.SelfHandlingForm):
    name = forms.CharField(label=_('Image Name'), max_length=255)
    visibility = forms.ChoiceField(
        label=_('Visibility'), choices=VISIBILITY_CHOICES,
        help_text=_('Applied once the image data is verified against the '
                    'endorsed checksums; until then the image is private.'),
        widget=forms.Select(attrs={'class': 'switchable',
                                   'data-slug': 'visibility'}))
    members = forms.CharField(
        label=_('Share With (project IDs)'), required=False,
        help_text=_('Project IDs separated by commas or spaces; each '
                    'project must accept the shared image.'),
        widget=forms.TextInput(attrs={
            'class': 'switched', 'data-switch-on': 'visibility',
            'data-visibility-shared': _('Share With (project IDs)')}))
    properties = forms.CharField(
        label=_('Extra Properties'), required=False,
        help_text=_('One key=value per line. os_*, marketplace_* and '
                    'Glance attributes are set by the import.'),
        widget=forms.Textarea(attrs={'rows': 3}))

    def __init__(self, request, *args, **kwargs):
        self.marketplace = kwargs.pop('marketplace')
        self.key = kwargs.pop('key')
        super().__init__(request, *args, **kwargs)
        self.fields['visibility'].choices = allowed_visibilities(request)

    def clean_name(self):
        name = self.cleaned_data['name'].strip()
        if not name or any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise forms.ValidationError(_('Enter a name without control '
                                          'characters.'))
        return name

    def clean_members(self):
        members = [m for m in re.split(r'[\s,]+',
                                       self.cleaned_data['members'] or '')
                   if m]
        bad = [m for m in members if not PROJECT_ID_RE.match(m)]
        if bad:
            raise forms.ValidationError(
                _('Not a project ID: %s') % ', '.join(bad[:3]))
        if len(members) > MAX_MEMBERS:
            raise forms.ValidationError(_('At most %d projects.')
                                        % MAX_MEMBERS)
        return list(dict.fromkeys(members))

    def clean_properties(self):
        return parse_properties(self.cleaned_data['properties'])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get('visibility') != 'shared':
            cleaned['members'] = []
        return cleaned

    def handle(self, request, data):
        try:
            verdict = imports.verified_entry(request, self.marketplace,
                                             *self.key)
            status = imports.start_import(
                request, self.marketplace, verdict, image_name=data['name'],
                visibility=data['visibility'], members=data['members'],
                properties=data['properties'])
        except imports.ImportRefused as exc:
            self.api_error(str(exc))
            return False
        except imports.RECOVERABLE as exc:
            exceptions.handle(request, _('Unable to import the image: %s')
                              % exc)
            return False
        if status.existing:
            self._existing(request, status, data)
        elif status.state == 'failed':
            messages.error(request, _('The import failed: %s')
                           % '; '.join(status.reasons))
            return False
        else:
            messages.success(request, _(
                'Import of "%(name)s" started (image %(id)s); follow it in '
                'the Imports view.') % {'name': data['name'],
                                        'id': status.image_id})
        return status

    def _existing(self, request, status, data):
        """Messages for an import that found the entry in Glance already:
        nothing was imported, and what was asked for is not applied."""
        image = status.image or {'id': status.image_id}
        launch_id = imports.launch_image_id(request, image)
        if launch_id:
            messages.info(request, format_html(
                '{} <a href="{}">{}</a>', _(
                    'This appliance is already in the image service as '
                    'image %s, with the endorsed data.') % launch_id,
                reverse('horizon:project:marketplace:launch',
                        kwargs={'image_id': launch_id}),
                _('Launch it instead.')))
        else:
            messages.info(request, _(
                'This appliance is already being imported as image %s: '
                'follow it in the Imports view.') % image['id'])
        if image.get('owner') == imports.project_id(request) and \
                imports.request_unapplied(
                    image, data['visibility'], data['members']):
            messages.warning(request, _(
                'Your project already has this import: the visibility '
                '"%(visibility)s"%(members)s you asked for was not applied '
                '(image %(id)s is %(current)s). Change it with Edit Image '
                'in Project > Compute > Images.') % {
                    'visibility': data['visibility'],
                    'members': _(' and the members') if data['members']
                    else '',
                    'id': image['id'], 'current': image.get('visibility')})
