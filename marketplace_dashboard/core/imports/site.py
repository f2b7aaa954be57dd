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

"""What the site's Glance does to imported data (the ``glance`` part of
the import settings).

Production clouds configure Glance's import plugins: ``image_conversion``
(``[image_conversion] output_format``, e.g. raw for Ceph),
``image_decompression`` (gzip, zip, lha), several stores
(``enabled_backends``).  :class:`GlanceSite` says which, so that the plan
stage never gives Glance data it would convert before anything checked
it, and the verification stage knows what Glance stored.
:func:`conversion` tells whether Glance will convert an entry's data.
"""

import dataclasses
import re

from marketplace_dashboard.core.errors import ConfigurationError

__all__ = ['CONVERT_TO', 'GlanceSite', 'conversion', 'refuse_unknown']

#: The output formats of Glance's ``image_conversion`` plugin.
CONVERT_TO = ('raw', 'qcow2', 'vmdk')
_STORE_RE = re.compile(r'[A-Za-z0-9_.-]{1,255}')


@dataclasses.dataclass(frozen=True)
class GlanceSite:
    """The site's Glance, as far as imports care.

    ``convert_to``: Glance's ``image_conversion`` output format (``None``:
    the plugin is not enabled).  ``decompresses``: Glance runs
    ``image_decompression`` (a gzip location can then be given to
    web-download).  ``stores``: the store ids imports go to (empty:
    Glance's default store).
    """

    convert_to: str | None = None
    decompresses: bool = False
    stores: tuple = ()

    def __post_init__(self):
        if self.convert_to is not None and self.convert_to not in CONVERT_TO:
            raise ConfigurationError(
                'Import setting glance.convert_to must be one of %s (the '
                'output_format of Glance\'s image_conversion) or None, not '
                '%r.' % (', '.join(CONVERT_TO), self.convert_to))
        if not isinstance(self.decompresses, bool):
            raise ConfigurationError(
                'Import setting glance.decompresses must be true or false, '
                'not %r.' % (self.decompresses,))
        stores = self.stores
        if isinstance(stores, str) or not isinstance(stores, (list, tuple)) \
                or not all(isinstance(s, str) and _STORE_RE.fullmatch(s)
                           for s in stores):
            raise ConfigurationError(
                'Import setting glance.stores must be a list of Glance store '
                'ids (enabled_backends names), not %r.' % (stores,))
        object.__setattr__(self, 'stores', tuple(dict.fromkeys(stores)))

    @classmethod
    def from_dict(cls, settings):
        """A :class:`GlanceSite` of *settings* (a dict, or one already)."""
        if isinstance(settings, cls):
            return settings
        if settings is None:
            return cls()
        if not isinstance(settings, dict):
            raise ConfigurationError(
                'Import setting glance must be a dict (convert_to, '
                'decompresses, stores), not %r.' % (settings,))
        refuse_unknown(cls, settings, 'glance.')
        return cls(**settings)


def refuse_unknown(cls, settings, prefix=''):
    """Raise :class:`ConfigurationError` when *settings* has keys that
    are not fields of the dataclass *cls* (named *prefix* + key)."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise ConfigurationError(
            'Unknown import setting(s): %s (known: %s).'
            % (', '.join(prefix + key for key in unknown),
               ', '.join(sorted(known))))


def conversion(site, disk_format):
    """The format Glance will convert data of *disk_format* to, or None
    (no ``image_conversion``, the data already is its output, or an ISO,
    which Glance never converts)."""
    target = site.convert_to
    if target is None or disk_format in (target, 'iso'):
        return None
    return target
