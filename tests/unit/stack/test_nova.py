"""Nova's services and nova-manage run with the stack's SQLite hook."""

import os
import subprocess
import sys
import textwrap


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
