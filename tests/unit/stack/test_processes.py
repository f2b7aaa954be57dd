"""The loopback stack's process bookkeeping, without starting OpenStack:
the marker environment, the sweep of marked processes and the refusal to
start anything once stopping, and the SQLite hook the launchers find in
the state directory.
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


def test_launchers_find_the_sqlite_hook_without_the_checkout(tmp_path):
    st = stack_mod.Stack(str(tmp_path / 'state'), nova=False, horizon=False,
                     marketplace=False)
    code = st.sqlite_hook() + textwrap.dedent('''
        print(sqlite_immediate.__file__)
        print('stack' in sys.modules)
        ''')
    # neither this checkout nor anything that holds the stack package
    path = [p for p in sys.path[1:] if p and not os.path.exists(
        os.path.join(p, 'stack', '__init__.py'))]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
    r = subprocess.run([sys.executable, '-c', code], env=env,  # noqa: S603
                       cwd=tmp_path, capture_output=True, text=True,
                       timeout=120, check=True)
    hook, imported = r.stdout.split()
    assert hook == os.path.join(st.base, 'lib', 'sqlite_immediate.py')
    assert imported == 'False'
    with open(hook) as copy, open(stack_mod.processes.SQLITE_HOOK) as orig:
        assert copy.read() == orig.read()
