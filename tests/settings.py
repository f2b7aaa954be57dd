"""Django settings for the Horizon-layer unit tests.

Built on Horizon's own test settings (as neutron-vpnaas-dashboard and
manila-ui do) with this plugin's ``enabled/`` files applied the same way a
deployment applies them from ``openstack_dashboard/local/enabled``.
"""

import os
import sys
import types

from openstack_dashboard import enabled as _os_enabled
from openstack_dashboard.test.settings import *  # noqa: F403
from openstack_dashboard.utils import settings as _settings_utils

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The top-level ``enabled/`` directory is what deployers copy into Horizon's
# ``local/enabled``; expose it as a package so update_dashboards() can load
# it exactly as Horizon loads ``openstack_dashboard.local.enabled``.
_enabled = types.ModuleType('marketplace_dashboard_enabled')
_enabled.__path__ = [os.path.join(_REPO, 'enabled')]
sys.modules.setdefault('marketplace_dashboard_enabled', _enabled)

HORIZON_CONFIG.pop('dashboards', None)  # noqa: F405
HORIZON_CONFIG.pop('default_dashboard', None)  # noqa: F405
INSTALLED_APPS = list(INSTALLED_APPS)  # noqa: F405
_settings_utils.update_dashboards(
    [_os_enabled, sys.modules['marketplace_dashboard_enabled']],
    HORIZON_CONFIG,  # noqa: F405
    INSTALLED_APPS,
)
# update_dashboards() may add apps twice; keep the first occurrence so that
# template precedence stays as Horizon computed it.
INSTALLED_APPS = list(dict.fromkeys(INSTALLED_APPS))

# The verdict cache and import state live in the Django cache.
CACHES = {
    'default': {
        'BACKEND': 'django.core.cache.backends.locmem.LocMemCache',
        'OPTIONS': {'MAX_ENTRIES': 100000},
    },
}

# One marketplace for the panel tests (every call to it is mocked).
MARKETPLACE_DASHBOARD = {
    'marketplaces': [{'name': 'stratuslab',
                      'url': 'https://marketplace.example.org/marketplace'}],
    'page_size': 20,
}
