"""Horizon's enabled files in the stack's state directory, and the copies
earlier versions left in the installed Horizon; where the enabled files
come from (the checkout, else the installed wheel)."""

import os
import subprocess
import sys
import textwrap

import marketplace_dashboard
import stack as stack_mod
from stack import horizon


def _run_with_settings(hdir, code):
    """Run *code* in a Python process with the generated Horizon settings
    (*hdir*) as Django's; the finished process."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [hdir] + sys.path[1:]),
        DJANGO_SETTINGS_MODULE='openstack_dashboard.settings')
    return subprocess.run([sys.executable, '-c', code], env=env,  # noqa: S603
                          capture_output=True, text=True, timeout=120,
                          check=True)


def test_horizon_settings_load_the_enabled_files_from_the_state_dir(
        st, monkeypatch):
    # a unit test never touches the installed Horizon (others may be
    # running a stack from it)
    cleaned = []
    monkeypatch.setattr(stack_mod.Stack, 'remove_installed_enabled_files',
                        staticmethod(lambda: cleaned.append(True)))
    hdir = st._horizon_settings()
    assert cleaned == [True]
    enabled = os.path.join(hdir, 'enabled')
    assert os.path.exists(os.path.join(
        enabled, '_1920_project_marketplace_panel.py'))
    # what Horizon's settings.py does: import local_settings, then list
    # openstack_dashboard.local.enabled's modules (update_dashboards)
    code = textwrap.dedent('''
        import pkgutil, sys
        from openstack_dashboard.local import enabled
        from local.local_settings import *  # noqa
        print(enabled.__path__[0])
        import importlib
        mod = importlib.import_module(
            'openstack_dashboard.local.enabled.'
            '_1920_project_marketplace_panel')
        print(mod.__file__)
        ''')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [hdir] + sys.path[1:]))
    r = subprocess.run([sys.executable, '-c', code], env=env,  # noqa: S603
                       capture_output=True, text=True, timeout=120,
                       check=True)
    first, module = r.stdout.split()
    assert first == enabled
    assert module == os.path.join(enabled,
                                  '_1920_project_marketplace_panel.py')


def test_copies_in_the_installed_horizon_are_removed(tmp_path):
    installed = tmp_path / 'enabled'
    installed.mkdir()
    (installed / '_1920_project_marketplace_panel.py').write_text(
        "ADD_INSTALLED_APPS = ['marketplace_dashboard']\n")
    (installed / '_1921_old_name.py').write_text(
        "PANEL = 'x'  # marketplace_dashboard.dashboards...\n")
    (installed / '_50_other_plugin.py').write_text("PANEL = 'other'\n")
    (installed / '__init__.py').write_text('')
    removed = stack_mod.Stack.remove_installed_enabled_files(str(installed))
    assert sorted(os.path.basename(p) for p in removed) == [
        '_1920_project_marketplace_panel.py', '_1921_old_name.py']
    assert sorted(p.name for p in installed.iterdir()) == [
        '_50_other_plugin.py', '__init__.py']


def test_enabled_files_of_a_checkout_else_of_the_installed_wheel(
        tmp_path, monkeypatch):
    checkout = tmp_path / 'checkout'
    (checkout / 'marketplace_dashboard').mkdir(parents=True)
    (checkout / 'enabled').mkdir()
    monkeypatch.setattr(marketplace_dashboard, '__file__', str(
        checkout / 'marketplace_dashboard' / '__init__.py'))
    monkeypatch.setattr(horizon.sysconfig, 'get_paths',
                        lambda: {'data': str(tmp_path / 'prefix')})
    assert stack_mod.Stack.enabled_source_dir() == str(checkout / 'enabled')
    (checkout / 'enabled').rmdir()  # a wheel installs no enabled/ beside it
    assert stack_mod.Stack.enabled_source_dir() == str(
        tmp_path / 'prefix' / 'share' / 'marketplace-dashboard' / 'enabled')


def test_horizon_middleware_is_appended_to_horizons_list(st, monkeypatch):
    monkeypatch.setattr(stack_mod.Stack, 'remove_installed_enabled_files',
                        staticmethod(lambda: None))
    legacy = 'marketplace_dashboard.middleware.LegacyLaunchLinkMiddleware'
    st.horizon_middleware = (legacy,)
    hdir = st._horizon_settings()
    code = textwrap.dedent('''
        from django.conf import settings
        print("\\n".join(settings.MIDDLEWARE))
        ''')
    r = _run_with_settings(hdir, code)
    middleware = r.stdout.split()
    assert middleware[-1] == legacy
    # Horizon's own list is kept, in its order
    assert middleware[0] == ('openstack_auth.middleware.'
                             'OpenstackAuthMonkeyPatchMiddleware')
    assert 'horizon.middleware.HorizonMiddleware' in middleware[:-1]


def test_the_compressor_cache_holds_horizons_entries(st, monkeypatch):
    # LocMem's default of 300 entries is too few for Horizon's compressor
    # entries: culled ones had the SCSS recompiled on page views
    monkeypatch.setattr(stack_mod.Stack, 'remove_installed_enabled_files',
                        staticmethod(lambda: None))
    hdir = st._horizon_settings()
    code = textwrap.dedent('''
        import django
        django.setup()
        from django.conf import settings
        from django.core.cache import caches
        print(settings.COMPRESS_CACHE_BACKEND)
        cache = caches[settings.COMPRESS_CACHE_BACKEND]
        print(type(cache).__name__, cache._max_entries)
        ''')
    r = _run_with_settings(hdir, code)
    assert r.stdout.split() == ['compressor', 'LocMemCache', '10000']


def test_another_horizon_runs_on_the_same_settings(st, monkeypatch):
    spawned = []
    waited = []
    monkeypatch.setattr(st, '_gunicorn', lambda name, source, port, env,
                        workers=1, timeout=300: spawned.append(
                            (name, port, env, workers)))
    monkeypatch.setattr(st, '_wait_http', lambda name, url, ok, timeout:
                        waited.append((name, url)))
    url = st.add_horizon('horizon_load', 4)
    ((name, port, env, workers),) = spawned
    assert (name, workers) == ('horizon_load', 4)
    assert port not in st.all_ports().values()
    assert url == 'http://127.0.0.1:%d' % port
    assert waited == [('horizon_load', url + '/auth/login/')]
    # the settings the stack's own Horizon was given (first on the path)
    assert env['PYTHONPATH'].split(os.pathsep)[0] == st._p('horizon')
    assert env['DJANGO_SETTINGS_MODULE'] == 'openstack_dashboard.settings'
