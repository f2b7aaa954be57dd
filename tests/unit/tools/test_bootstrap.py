"""tools/bootstrap with fake Debian and pip commands.

The real script runs with a PATH whose first directory holds stand-ins for
``dpkg-query``, ``id`` and ``apt-get``, a fake virtualenv whose ``pip`` and
``python`` record their calls, and ``POLICY_RC_D`` pointing into the test's
directory: nothing is installed and /usr/sbin is never touched.
"""

import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
BOOTSTRAP = REPO / 'tools' / 'bootstrap'

FAKES = {
    # installed unless listed in $FAKE_MISSING
    'dpkg-query': '''#!/bin/sh
pkg=$(eval echo \\${$#})
for m in $FAKE_MISSING; do
    [ "$m" = "$pkg" ] && { echo "unknown ok not-installed"; exit 0; }
done
echo "install ok installed"
''',
    'id': '#!/bin/sh\necho "${FAKE_UID:-0}"\n',
    # records its arguments and what policy-rc.d held meanwhile
    'apt-get': '''#!/bin/sh
echo "apt-get $*" >> "$FAKE_LOG"
if [ "$1" = install ]; then
    printf 'policy-rc.d during install: ' >> "$FAKE_LOG"
    tr '\\n' ' ' < "$POLICY_RC_D" >> "$FAKE_LOG"
    echo >> "$FAKE_LOG"
    exit "${FAKE_APT_STATUS:-0}"
fi
''',
}

FAKE_PIP = '''#!/bin/sh
echo "pip $* PIP_CONSTRAINT=$PIP_CONSTRAINT" >> "$FAKE_LOG"
echo "WARNING: Location 'file:///nowhere' is ignored" >&2
echo "pip says hello" >&2
case "$*" in *"$FAKE_PIP_FAIL_ON"*) exit 1;; esac
exit 0
'''


@pytest.fixture
def env(tmp_path):
    fake_bin = tmp_path / 'bin'
    fake_bin.mkdir()
    for name, text in FAKES.items():
        (fake_bin / name).write_text(text)
        (fake_bin / name).chmod(0o755)
    venv = tmp_path / 'venv'
    (venv / 'bin').mkdir(parents=True)
    (venv / 'bin' / 'pip').write_text(FAKE_PIP)
    (venv / 'bin' / 'python').write_text('#!/bin/sh\nexit 0\n')
    for name in ('pip', 'python'):
        (venv / 'bin' / name).chmod(0o755)
    return {
        'PATH': '%s:%s' % (fake_bin, os.environ.get('PATH', '/usr/bin:/bin')),
        'VENV': str(venv), 'FAKE_LOG': str(tmp_path / 'log'),
        'POLICY_RC_D': str(tmp_path / 'policy-rc.d'),
        'FAKE_MISSING': '', 'FAKE_PIP_FAIL_ON': 'never-fails',
        'HOME': str(tmp_path),
    }


def run(env, **extra):
    return subprocess.run([str(BOOTSTRAP)], env=dict(env, **extra),
                          capture_output=True, text=True, timeout=60,
                          check=False)


def log(env):
    path = pathlib.Path(env['FAKE_LOG'])
    return path.read_text() if path.exists() else ''


def stamp(env):
    return pathlib.Path(env['VENV']) / '.marketplace-dashboard-stamp'


def test_installs_pinned_and_writes_the_stamp(env):
    r = run(env)
    assert r.returncode == 0, r.stderr
    pip_calls = [line for line in log(env).splitlines()
                 if line.startswith('pip ')]
    assert len(pip_calls) == 3
    constraints = 'PIP_CONSTRAINT=%s' % (REPO / 'constraints.txt')
    assert all(call.endswith(constraints) for call in pip_calls)
    assert 'install -q --upgrade pip setuptools wheel' in pip_calls[0]
    assert '-e %s' % REPO in pip_calls[2]
    # the documentation's requirements come with the others
    assert '-r %s' % (REPO / 'doc' / 'requirements.txt') in pip_calls[1]
    # pip's noise is filtered out, the rest of what it says is kept
    assert 'WARNING: Location' not in r.stdout + r.stderr
    assert 'pip says hello' in r.stdout + r.stderr
    assert stamp(env).read_text().strip()
    # a second run only checks the stamp
    pathlib.Path(env['FAKE_LOG']).unlink()
    assert run(env).returncode == 0
    assert log(env) == ''


@pytest.mark.parametrize('failing', ['--upgrade pip', '-r ', '-e '])
def test_a_pip_failure_fails_without_a_stamp(env, failing):
    r = run(env, FAKE_PIP_FAIL_ON=failing)
    assert r.returncode != 0
    assert not stamp(env).exists()
    assert 'ready:' not in r.stderr


def test_python_venv_and_git_are_installed_when_missing(env):
    r = run(env, FAKE_MISSING='python3 python3-venv git')
    assert r.returncode == 0, r.stderr
    install = [line for line in log(env).splitlines()
               if line.startswith('apt-get install')]
    assert len(install) == 1
    assert install[0].split()[-3:] == ['python3', 'python3-venv', 'git']


def test_not_root_only_reports(env):
    r = run(env, FAKE_MISSING='git', FAKE_UID='1000')
    assert r.returncode == 0, r.stderr
    assert 'run as root to install): git' in r.stderr
    assert 'apt-get' not in log(env)


@pytest.mark.parametrize('apt_status', ['0', '100'])
def test_an_existing_policy_rc_d_is_restored(env, apt_status):
    policy = pathlib.Path(env['POLICY_RC_D'])
    policy.write_text('#!/bin/sh\n# the admin\'s own policy\nexit 0\n')
    policy.chmod(0o750)
    r = run(env, FAKE_MISSING='memcached', FAKE_APT_STATUS=apt_status)
    assert (r.returncode == 0) == (apt_status == '0'), r.stderr
    # apt-get ran with the "do not start services" policy...
    assert 'policy-rc.d during install: #!/bin/sh exit 101' in log(env)
    # ...and the admin's file is back, content and mode, whatever happened
    assert policy.read_text() == '#!/bin/sh\n# the admin\'s own policy\n' \
        'exit 0\n'
    assert policy.stat().st_mode & 0o777 == 0o750
    assert sorted(p.name for p in policy.parent.iterdir()
                  if p.name.startswith('policy-rc.d')) == ['policy-rc.d']
    if apt_status != '0':
        assert not stamp(env).exists()


@pytest.mark.parametrize('apt_status', ['0', '100'])
def test_no_policy_rc_d_is_left_behind(env, apt_status):
    r = run(env, FAKE_MISSING='rabbitmq-server', FAKE_APT_STATUS=apt_status)
    assert (r.returncode == 0) == (apt_status == '0'), r.stderr
    assert 'policy-rc.d during install: #!/bin/sh exit 101' in log(env)
    assert not pathlib.Path(env['POLICY_RC_D']).exists()
