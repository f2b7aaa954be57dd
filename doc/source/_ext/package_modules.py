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

"""``.. package-modules:: PACKAGE``: every module of a package, documented.

Walks *PACKAGE* (``pkgutil.walk_packages``) and emits, for the package
itself and each module below it, a section titled with the module's name
holding its ``automodule``, so the reference cannot miss a module added
later.  ``:exclude:`` names modules to leave out (one per line).
"""

import importlib
import pkgutil

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective, switch_source_input

__all__ = ['PackageModules', 'modules_of', 'setup']


def modules_of(package_name):
    """*package_name* and every module below it, sorted by name."""
    package = importlib.import_module(package_name)
    names = [package_name] + [
        info.name for info in pkgutil.walk_packages(
            package.__path__, prefix=package_name + '.')]
    return sorted(names)


class PackageModules(SphinxDirective):
    required_arguments = 1
    option_spec = {'exclude': directives.unchanged}

    def run(self):
        excluded = set((self.options.get('exclude') or '').split())
        lines = []
        for name in modules_of(self.arguments[0]):
            if name in excluded:
                continue
            title = '``%s``' % name
            lines += [title, '-' * len(title), '',
                      '.. automodule:: %s' % name, '']
        source = StringList(lines, source=self.get_source_info()[0])
        section = nodes.section()
        section.document = self.state.document
        with switch_source_input(self.state, source):
            self.state.nested_parse(source, 0, section, match_titles=True)
        return list(section.children)


def setup(app):
    app.add_directive('package-modules', PackageModules)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
