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

"""What the stack's launchers and Horizon settings take from outside the
state directory: the SQLite hook (a copy in ``lib/``) and this plugin's
``enabled`` files (the checkout's, else the installed wheel's)."""

import os
import subprocess
import sys
import textwrap

import marketplace_dashboard
import stack
from stack import horizon, processes


def test_launchers_find_the_sqlite_hook_without_the_checkout(tmp_path):
    st = stack.Stack(str(tmp_path / 'state'), nova=False, horizon=False,
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
    with open(hook) as copy, open(processes.SQLITE_HOOK) as orig:
        assert copy.read() == orig.read()


def test_enabled_files_of_a_checkout_else_of_the_installed_wheel(
        tmp_path, monkeypatch):
    checkout = tmp_path / 'checkout'
    (checkout / 'marketplace_dashboard').mkdir(parents=True)
    (checkout / 'enabled').mkdir()
    monkeypatch.setattr(marketplace_dashboard, '__file__', str(
        checkout / 'marketplace_dashboard' / '__init__.py'))
    monkeypatch.setattr(horizon.sysconfig, 'get_paths',
                        lambda: {'data': str(tmp_path / 'prefix')})
    assert stack.Stack.enabled_source_dir() == str(checkout / 'enabled')
    (checkout / 'enabled').rmdir()  # a wheel installs no enabled/ beside it
    assert stack.Stack.enabled_source_dir() == str(
        tmp_path / 'prefix' / 'share' / 'marketplace-dashboard' / 'enabled')
