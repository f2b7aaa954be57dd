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

import importlib.util
import os

import setuptools
from setuptools.command import build_py

_HERE = os.path.dirname(os.path.abspath(__file__))


def _msgfmt():
    """tools/msgfmt.py, loaded by path (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        'marketplace_msgfmt', os.path.join(_HERE, 'tools', 'msgfmt.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildPy(build_py.build_py):
    """build_py that also compiles the message catalogues.

    Every marketplace_dashboard/locale/<lang>/LC_MESSAGES/*.po is compiled
    to a .mo in the build tree, so the wheel holds the .mo files although
    they are never committed; no Django or GNU gettext is needed.
    """

    def run(self):
        super().run()
        msgfmt = _msgfmt()
        source = os.path.join(_HERE, 'marketplace_dashboard', 'locale')
        for top, _dirs, files in os.walk(source):
            for name in files:
                if not name.endswith('.po'):
                    continue
                relative = os.path.relpath(os.path.join(top, name), _HERE)
                target = os.path.join(
                    self.build_lib, os.path.splitext(relative)[0] + '.mo')
                os.makedirs(os.path.dirname(target), exist_ok=True)
                msgfmt.compile_po(os.path.join(top, name), target)
                self.announce('compiled %s' % target, level=2)


class Distribution(setuptools.Distribution):
    """Keeps BuildPy as build_py.

    pbr replaces the cmdclass given to setup() with the one it reads from
    setup.cfg, so the command is chosen here instead.
    """

    def get_command_class(self, command):
        if command == 'build_py':
            return BuildPy
        return super().get_command_class(command)


setuptools.setup(
    setup_requires=['pbr>=6.0.0'],
    distclass=Distribution,
    pbr=True)
