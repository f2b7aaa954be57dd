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

"""The documentation's screenshots come from the browser tests.

``doc/source/_static/screenshots/MANIFEST`` names, for each picture, the
browser test and the step that takes it (``tools/update-screenshots``
copies them); these tests keep the manifest, the pictures and the pages
that show them in step.
"""

import pathlib
import re

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
FOLDER = REPO / 'doc' / 'source' / '_static' / 'screenshots'
PNG = b'\x89PNG\r\n\x1a\n'


def manifest():
    lines = (FOLDER / 'MANIFEST').read_text().splitlines()
    return [line.split() for line in lines
            if line.strip() and not line.startswith('#')]


def pages():
    found = {}
    for path in [REPO / 'README.rst', *(REPO / 'doc' / 'source').rglob(
            '*.rst')]:
        for name in re.findall(r'_static/screenshots/([\w-]+)\.png',
                               path.read_text()):
            found.setdefault(name, []).append(path)
    return found


def takes_step(source, prefix, step):
    """Whether the test *source* saves ``<prefix>-NN-<step>``: a literal
    ``steps('<step>')``, or ``steps('<head>%s' % ...)`` of a tab name."""
    if not re.search(r"Steps\(browser, '%s'\)" % re.escape(prefix), source):
        return False
    if "steps('%s')" % step in source:
        return True
    for head in re.findall(r"steps\('([\w-]*)%s' %", source):
        rest = step[len(head):]
        if step.startswith(head) and rest and re.search(
                r"'%s\b" % re.escape(rest.capitalize()), source):
            return True
    return False


def test_the_manifest_is_well_formed():
    rows = manifest()
    assert len(rows) >= 5
    assert all(len(row) == 4 for row in rows), rows
    targets = [row[3] for row in rows]
    assert len(set(targets)) == len(targets)


@pytest.mark.parametrize('test,prefix,step,target', manifest(),
                         ids=[row[3] for row in manifest()])
def test_each_picture_is_taken_by_a_browser_test(test, prefix, step, target):
    path, _sep, function = test.partition('::')
    source = (REPO / path).read_text()
    assert re.search(r'^def %s\(' % re.escape(function), source, re.M), test
    assert takes_step(source, prefix, step), (test, prefix, step)
    picture = FOLDER / (target + '.png')
    assert picture.read_bytes()[:8] == PNG, picture


def test_every_picture_is_in_the_manifest_and_shown():
    listed = {row[3] for row in manifest()}
    on_disk = {p.stem for p in FOLDER.glob('*.png')}
    assert on_disk == listed
    assert set(pages()) == listed


def test_the_readme_shows_the_panel():
    assert REPO / 'README.rst' in pages()['panel']


def test_the_step_matcher():
    source = ("steps = Steps(browser, 'journey')\nsteps('search')\n"
              "for tab in ('Overview', 'Checksums and Locations'):\n"
              "    steps('detail-%s' % tab.split()[0].lower())\n")
    assert takes_step(source, 'journey', 'search')
    assert takes_step(source, 'journey', 'detail-checksums')
    assert not takes_step(source, 'journey', 'detail-versions')
    assert not takes_step(source, 'journey', 'imports')
    assert not takes_step(source, 'other', 'search')
