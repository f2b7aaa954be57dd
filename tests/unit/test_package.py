import importlib
import pathlib
import pkgutil
import re

import marketplace_dashboard.core

CORE = pathlib.Path(marketplace_dashboard.core.__file__).parent


def test_core_does_not_import_django():
    """The core must stay usable without Django/Horizon installed."""
    offenders = []
    for path in CORE.rglob('*.py'):
        text = path.read_text()
        if re.search(r'^\s*(from|import)\s+'
                     r'(django|horizon|openstack_dashboard)\b', text, re.M):
            offenders.append(str(path))
    assert offenders == []


def test_core_modules_import():
    for mod in pkgutil.walk_packages(marketplace_dashboard.core.__path__,
                                     'marketplace_dashboard.core.'):
        importlib.import_module(mod.name)
