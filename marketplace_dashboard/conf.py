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

"""The ``MARKETPLACE_DASHBOARD`` setting: defaults and validation.

Only the dashboard's own structure is checked here (marketplace names used
in URLs, their catalogue ``type``, cache and paging numbers).  What a
marketplace entry or the trust policy means is the core's business:
``api.marketplace`` hands those dicts to the catalogue type
(``core.catalogs``) and ``TrustPolicy.from_dict``.
"""

import copy
import dataclasses
import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from marketplace_dashboard.core import catalogs
from marketplace_dashboard.core.errors import ConfigurationError

__all__ = [
    'DEFAULTS', 'MAX_PAGE_SIZE', 'NAME_RE', 'SETTING', 'DashboardSettings',
    'get_settings', 'validate',
]

SETTING = 'MARKETPLACE_DASHBOARD'

DEFAULTS = {
    'marketplaces': [],
    'trust': {'ca_files': [], 'trusted_endorsers': [], 'sha1': 'warn'},
    'cache_ttl': 300,
    'page_size': 20,
    'import': {},
}

# Marketplace names appear in URLs and cache keys.
NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z')
MAX_PAGE_SIZE = 200


@dataclasses.dataclass(frozen=True)
class DashboardSettings:
    marketplaces: tuple  # of dicts, each with a valid unique 'name'
    trust: dict
    cache_ttl: int
    page_size: int
    import_options: dict

    @property
    def names(self):
        return [m['name'] for m in self.marketplaces]

    def marketplace(self, name):
        for entry in self.marketplaces:
            if entry['name'] == name:
                return entry
        return None


def _int(value, key, minimum, maximum):
    if isinstance(value, bool) or not isinstance(value, int) \
            or not minimum <= value <= maximum:
        raise ConfigurationError(
            _('%(setting)s[%(key)r] must be an integer between %(min)d and '
              '%(max)d, not %(value)r.')
            % {'setting': SETTING, 'key': key, 'min': minimum,
               'max': maximum, 'value': value})
    return value


def _dict(value, key):
    if not isinstance(value, dict):
        raise ConfigurationError(
            _('%(setting)s[%(key)r] must be a dict, not %(type)s.')
            % {'setting': SETTING, 'key': key,
               'type': type(value).__name__})
    return value


def validate(value):
    """Merge *value* over :data:`DEFAULTS`; a :class:`DashboardSettings`.

    Raises :class:`~marketplace_dashboard.core.errors.ConfigurationError`
    with a message naming the bad key.
    """
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ConfigurationError(
            _('%(setting)s must be a dict, not %(type)s.')
            % {'setting': SETTING, 'type': type(value).__name__})
    unknown = sorted(set(value) - set(DEFAULTS), key=str)
    if unknown:
        raise ConfigurationError(
            _('%(setting)s has unknown keys %(keys)s; valid keys are '
              '%(valid)s.')
            % {'setting': SETTING, 'keys': ', '.join(map(repr, unknown)),
               'valid': ', '.join(map(repr, DEFAULTS))})
    merged = copy.deepcopy(DEFAULTS)
    merged.update(copy.deepcopy(value))

    marketplaces = merged['marketplaces']
    if not isinstance(marketplaces, (list, tuple)):
        raise ConfigurationError(
            _("%s['marketplaces'] must be a list of dicts.") % SETTING)
    seen = set()
    for index, entry in enumerate(marketplaces):
        key = 'marketplaces[%d]' % index
        _dict(entry, key)
        name = entry.get('name')
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise ConfigurationError(
                _("%(setting)s[%(key)r]['name'] must be 1-64 letters, "
                  "digits, '.', '_' or '-' (it is used in URLs), not "
                  "%(value)r.")
                % {'setting': SETTING, 'key': key, 'value': name})
        if name in seen:
            raise ConfigurationError(
                _('%(setting)s: the marketplace name %(name)r is used '
                  'twice.') % {'setting': SETTING, 'name': name})
        seen.add(name)
        if not isinstance(entry.get('url'), str) or not entry['url']:
            raise ConfigurationError(
                _("%(setting)s[%(key)r]['url'] must be the http(s) URL of "
                  "the marketplace.") % {'setting': SETTING, 'key': key})
        kind = entry.get('type', catalogs.DEFAULT_TYPE)
        if not isinstance(kind, str) or kind not in catalogs.TYPES:
            raise ConfigurationError(
                _("%(setting)s[%(key)r]['type'] must be one of %(types)s "
                  "(the kind of catalogue: a StratusLab marketplace, an OCI "
                  "registry or a HEPiX image list), not %(value)r.")
                % {'setting': SETTING, 'key': key, 'value': kind,
                   'types': ', '.join(map(repr, catalogs.TYPES))})

    trust = dict(DEFAULTS['trust'])
    trust.update(_dict(merged['trust'], 'trust'))
    return DashboardSettings(
        marketplaces=tuple(marketplaces),
        trust=trust,
        cache_ttl=_int(merged['cache_ttl'], 'cache_ttl', 0, 7 * 24 * 3600),
        page_size=_int(merged['page_size'], 'page_size', 1, MAX_PAGE_SIZE),
        import_options=_dict(merged['import'], 'import'),
    )


def get_settings():
    """The validated ``MARKETPLACE_DASHBOARD`` of the running Django."""
    return validate(getattr(settings, SETTING, None))
