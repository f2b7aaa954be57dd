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

"""The API reference documents every module of the package.

``core`` and ``server`` are listed by the ``package-modules`` directive
(generated at build time); ``api``'s page is written by hand (its modules
re-export names that must be excluded), so it is checked here.
"""

import importlib.util
import pathlib
import pkgutil
import re

REPO = pathlib.Path(__file__).resolve().parents[2]
REFERENCE = REPO / 'doc' / 'source' / 'reference'


def _modules(package):
    spec = importlib.util.find_spec(package)
    return {package} | {package + '.' + info.name for info in
                         pkgutil.iter_modules(spec.submodule_search_locations)}


def test_every_api_module_is_in_the_reference():
    page = (REFERENCE / 'api.rst').read_text()
    documented = set(re.findall(r'^\.\. automodule:: (\S+)$', page, re.M))
    assert documented == _modules('marketplace_dashboard.api')


def test_core_and_server_are_listed_whole():
    for name, package in (('core', 'marketplace_dashboard.core'),
                          ('server', 'marketplace_dashboard.server')):
        page = (REFERENCE / (name + '.rst')).read_text()
        assert '.. package-modules:: %s\n' % package in page
        assert '.. automodule::' not in page  # no hand-kept list
