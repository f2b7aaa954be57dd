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


"""The import form: the image's name, visibility, members and properties.

What the user asks for is checked here; whether the entry may be imported
at all, and how, is the import engine's decision (``api.imports``).
"""

import re

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from horizon import exceptions, messages
from horizon import forms as horizon_forms
from openstack_dashboard import policy

from marketplace_dashboard.api import imports, localize

__all__ = [
    'MAX_MEMBERS', 'MAX_PROPERTIES', 'PROJECT_ID_RE', 'VISIBILITY_CHOICES',
    'VISIBILITY_RULES', 'ImportForm', 'allowed_visibilities',
    'parse_properties',
]

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
            self.api_error(localize.text(exc))
            return False
        except imports.RECOVERABLE as exc:
            exceptions.handle(request, _('Unable to import the image: %s')
                              % localize.text(exc))
            return False
        if status.existing:
            self._existing(request, status, data)
        elif status.state == 'failed':
            # Glance may already have finished (a small web-download) and
            # the stored data been checked when start_import() reads the
            # status: the failed image is on Imports with its reason, the
            # same place a failure a second later would be.
            messages.error(request, _('The import failed: %s')
                           % '; '.join(localize.texts(status.reasons)))
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
