"""The loopback stack's process bookkeeping, without starting OpenStack:
the marker environment, the sweep of marked processes, the refusal to start
anything once stopping, and Horizon's enabled files in the state directory.
"""

import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import stack as stack_mod


@pytest.fixture
def st(tmp_path):
    st = stack_mod.Stack(str(tmp_path / 'state'), nova=False, horizon=True,
                         marketplace=False)
    os.makedirs(st._p('logs'))
    yield st
    stack_mod.kill_marked(st.base, timeout=2)


def _alive(pid):
    try:
        with open('/proc/%d/status' % pid) as f:
            return 'State:\tZ' not in f.read()
    except FileNotFoundError:
        return False


def test_child_env_has_home_xdg_and_marker_in_the_state_dir(st):
    env = st.child_env(EXTRA='1')
    home = os.path.join(st.base, 'home')
    assert env['HOME'] == home
    for key in ('XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME',
                'XDG_STATE_HOME', 'XDG_RUNTIME_DIR'):
        assert env[key].startswith(home + os.sep)
        assert os.path.isdir(env[key])
    assert os.stat(env['XDG_RUNTIME_DIR']).st_mode & 0o777 == 0o700
    assert env[stack_mod.MARKER] == st.base
    assert env['SPT_NOENV'] == '1'
    assert env['EXTRA'] == '1'
    # the caller's own HOME override wins (RabbitMQ's Erlang cookie)
    assert st.child_env(HOME='/elsewhere')['HOME'] == '/elsewhere'


def test_renamed_and_detached_processes_are_found_and_killed(st):
    # a process that renames itself with setproctitle (as gunicorn and the
    # Nova services do) and one in a session of its own that ignores
    # SIGTERM (as a stuck helper would): the marker finds both
    script = textwrap.dedent('''
        import setproctitle, signal, time
        setproctitle.setproctitle('gunicorn: worker [app] ' + 'x' * 300)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print('ready', flush=True)
        time.sleep(600)
        ''')
    procs = [subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, '-c', script], env=st.child_env(),
        stdout=subprocess.PIPE, start_new_session=new)
        for new in (False, True)]
    for p in procs:
        assert p.stdout.readline() == b'ready\n'
    pids = sorted(p.pid for p in procs)
    cmdline = pathlib.Path('/proc/%d/cmdline' % pids[0]).read_bytes()
    assert st.base.encode() not in cmdline  # nothing to find it by there
    assert stack_mod.marked_processes(st.base) == pids
    # another stack's marker is not ours
    assert stack_mod.marked_processes(st.base + '-other') == []
    began = time.monotonic()
    assert stack_mod.kill_marked(st.base, timeout=1) == pids
    assert time.monotonic() - began < 5
    for p in procs:
        p.wait(5)
        assert p.returncode == -signal.SIGKILL
    assert stack_mod.marked_processes(st.base) == []


def test_stop_sweeps_marked_processes_and_refuses_new_ones(st):
    st._spawn('sleeper', ['sleep', '600'])
    stray = subprocess.Popen(['sleep', '600'],  # noqa: S603,S607
                             env=st.child_env(), start_new_session=True)
    assert st.stop() == [stray.pid]  # the group kill got the sleeper
    stray.wait(5)
    assert not _alive(stray.pid)
    assert st.procs == {}
    with pytest.raises(stack_mod.StackError, match='stopping'):
        st._spawn('late', ['sleep', '600'])
    with pytest.raises(stack_mod.StackError, match='stopping'):
        st._run('late', 'true')
    assert stack_mod.marked_processes(st.base) == []


def test_setup_commands_carry_the_marker(st):
    out = pathlib.Path(st._p('logs', 'env.out'))
    st._run('env', 'env')
    lines = out.read_text().splitlines()
    assert '%s=%s' % (stack_mod.MARKER, st.base) in lines
    assert 'HOME=%s' % st._p('home') in lines


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


def test_describe_lists_every_port(st):
    st.image_server.start()
    st._extra_ports['image_server'] = st.image_server.port
    try:
        described = st.describe()
    finally:
        st.image_server.stop()
    assert set(st.ports) < set(described['ports'])
    assert described['ports']['image_server'] == \
        st._extra_ports['image_server']
    assert described['marker'] == '%s=%s' % (stack_mod.MARKER, st.base)


def test_nova_services_run_their_main_with_begin_immediate(st, tmp_path,
                                                         monkeypatch):
    # the Nova services' DB writes (the conductor's for the compute) and
    # nova-manage's take the SQLite write lock up front, as the WSGI
    # services' do; the log file is still named after the command
    spawned = {}
    monkeypatch.setattr(st, '_spawn', lambda name, cmd, env=None:
                        spawned.setdefault(name, (cmd, env)))
    st._nova_services_start('nova-conductor', 'nova-scheduler')
    conf = st._p('etc', 'nova', 'nova.conf')
    # nova-manage discover_hosts runs beside them
    spawned['nova-manage'] = (st._nova_command('nova-manage') +
                              ['--config-file', conf], st._nova_env())
    fake = tmp_path / 'fake'
    for name in ('conductor', 'scheduler', 'manage'):
        mod = fake / 'nova' / 'cmd' / ('%s.py' % name)
        mod.parent.mkdir(parents=True, exist_ok=True)
        mod.write_text(textwrap.dedent('''
            import sys
            def main():
                import sqlite_immediate
                from oslo_log import handlers
                print(%r, sqlite_immediate._installed,
                      handlers._get_binary_name(), sys.argv[1:])
                return 3
            ''' % name))
    for pkg in (fake / 'nova', fake / 'nova' / 'cmd'):
        (pkg / '__init__.py').write_text('')
    assert len(spawned) == 3
    for name, (cmd, env) in spawned.items():
        assert cmd[0] == st.python
        env = dict(env, PYTHONPATH=os.pathsep.join([str(fake)] +
                                                   sys.path[1:]))
        r = subprocess.run(cmd, env=env, capture_output=True,  # noqa: S603
                           text=True, timeout=120)
        assert r.returncode == 3, r.stderr
        assert r.stdout.strip().split(None, 3) == [
            name.split('-')[1], 'True', name,
            str(['--config-file', conf])]
