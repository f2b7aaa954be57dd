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

"""Catalogue types: where appliances come from and how they are trusted.

Every configured marketplace has a ``type`` (default ``stratuslab``).  A
type (:class:`~marketplace_dashboard.core.catalogs.base.CatalogType`)
knows how to read one kind of source (a StratusLab marketplace, an OCI
registry, a HEPiX image list), how to turn its entries into the
appliance model (:mod:`marketplace_dashboard.core.model`) and how to
judge them (:mod:`marketplace_dashboard.core.verdict`'s ``Verdict``), so
the panel, the API layer, the command line and the import engine treat
all sources alike.

:func:`for_config` builds the :class:`~.base.Catalog` of one marketplace
setting; :func:`get_type` gives the (stateless) type of a setting or type
name.  Types are registered by name with :func:`register`; the built-in
ones are imported only when first used.
"""

import importlib

from marketplace_dashboard.core.catalogs.base import Catalog, CatalogType
from marketplace_dashboard.core.errors import ConfigurationError

__all__ = [
    'DEFAULT_TYPE', 'TYPES', 'Catalog', 'CatalogType', 'for_config',
    'get_type', 'register', 'type_name',
]

DEFAULT_TYPE = 'stratuslab'

#: Built-in types: name -> ``module:attribute`` of its CatalogType.
_BUILTIN = {
    'stratuslab':
        'marketplace_dashboard.core.catalogs.stratuslab:STRATUSLAB',
    'oci': 'marketplace_dashboard.core.catalogs.oci:OCI',
    'hepix': 'marketplace_dashboard.core.catalogs.hepix:HEPIX',
}

#: The type names a ``type`` setting (and ``--catalog-type``) accepts.
TYPES = tuple(_BUILTIN)

_registered = {}


def register(catalog_type):
    """Register *catalog_type* (a :class:`CatalogType`) under its name."""
    if not isinstance(catalog_type, CatalogType) or not catalog_type.name:
        raise TypeError('register() needs a named CatalogType')
    _registered[catalog_type.name] = catalog_type
    return catalog_type


def type_name(settings):
    """The validated ``type`` of a marketplace setting (dict) or a type
    name; :class:`ConfigurationError` naming the valid types otherwise."""
    if isinstance(settings, dict):
        name = settings.get('type', DEFAULT_TYPE)
    else:
        name = DEFAULT_TYPE if settings is None else settings
    known = sorted(set(TYPES) | set(_registered))
    if not isinstance(name, str) or name not in known:
        raise ConfigurationError(
            'unknown catalogue type %r: the type of a marketplace is one of '
            '%s' % (name, ', '.join(known)))
    return name


def get_type(settings=None):
    """The :class:`CatalogType` of a marketplace setting or type name."""
    name = type_name(settings)
    found = _registered.get(name)
    if found is not None:
        return found
    module_name, _, attribute = _BUILTIN[name].partition(':')
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if getattr(exc, 'name', None) != module_name:
            raise
        raise ConfigurationError(
            'the catalogue type %r is not available in this version of '
            'marketplace-dashboard' % name) from None
    return register(getattr(module, attribute))


def for_config(settings, cache=None):
    """The :class:`Catalog` of one marketplace setting (a dict with at
    least ``url``; ``type`` defaults to ``stratuslab``), its HTTP answers
    and verdicts kept in *cache* (the core's cache interface) if given."""
    catalog_type = get_type(settings)
    return Catalog(catalog_type, catalog_type.make_client(settings, cache))
