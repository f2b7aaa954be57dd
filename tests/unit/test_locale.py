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


"""The French catalogues: the Horizon layer's (django.po) and the core's
(marketplace_dashboard.po: verdict reasons, import states and errors).

Complete (no empty, no fuzzy msgstr), placeholders kept, and in step with
the sources: tools/update-catalogues, run on a copy of the package, must
find exactly the catalogues' msgids and leave nothing to translate.
"""

import importlib.util
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

import marketplace_dashboard

REPO = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = pathlib.Path(marketplace_dashboard.__file__).resolve().parent
PO = PACKAGE / 'locale' / 'fr' / 'LC_MESSAGES' / 'django.po'
CORE_PO = PO.with_name('marketplace_dashboard.po')
BOTH = pytest.mark.parametrize('po', [PO, CORE_PO], ids=['django', 'core'])

_spec = importlib.util.spec_from_file_location(
    'marketplace_msgfmt', REPO / 'tools' / 'msgfmt.py')
msgfmt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(msgfmt)

# %(name)s, %s, %d, %r, %% ... and {{ var }} (blocktrans)
PLACEHOLDER = re.compile(
    r'%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]'
    r'|\{\{\s*[\w.]+\s*\}\}')


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


def messages(path):
    """The entries of a .po, the header left out."""
    return [e for e in msgfmt.read_entries(path) if e.msgid]


def keys(path):
    return {(e.msgctxt, e.msgid, e.msgid_plural) for e in messages(path)}


def test_catalogue_is_not_empty():
    assert len(messages(PO)) > 100


def test_core_catalogue_is_not_empty():
    assert len(messages(CORE_PO)) > 50


@BOTH
def test_header_declares_french_plurals(po):
    header = [e for e in msgfmt.read_entries(po) if e.msgid == ''][0]
    assert not header.fuzzy
    assert 'Language: fr\n' in header.msgstrs[0]
    assert ('Plural-Forms: nplurals=2; plural=(n > 1);\n'
            in header.msgstrs[0])


@BOTH
def test_every_message_is_translated_and_not_fuzzy(po):
    untranslated = [e.msgid for e in messages(po)
                    if e.fuzzy or not all(e.msgstrs)]
    assert untranslated == []


def test_plural_messages_have_two_forms():
    plurals = [e for e in messages(PO) if e.msgid_plural is not None]
    assert plurals
    assert all(len(e.msgstrs) == 2 for e in plurals)


@BOTH
def test_placeholders_are_kept(po):
    wrong = []
    for e in messages(po):
        want = placeholders(e.msgid)
        if e.msgid_plural is not None:
            allowed = (want, placeholders(e.msgid_plural))
        else:
            allowed = (want,)
        for form in e.msgstrs:
            if placeholders(form) not in allowed:
                wrong.append((e.msgid, form))
    assert wrong == []


def test_placeholder_pattern():
    assert placeholders('%(a)s of %(b)d (%s%%) {{ c }}') == [
        '%%', '%(a)s', '%(b)d', '%s', '{{ c }}']


@BOTH
def test_gnu_msgfmt_accepts_the_catalogue(po):
    subprocess.run(['msgfmt', '--check', '-o', '/dev/null', str(po)],
                   check=True)


@pytest.fixture(scope='module')
def refreshed(tmp_path_factory):
    """The catalogues' folder after tools/update-catalogues on a copy."""
    tree = tmp_path_factory.mktemp('catalogues')
    (tree / 'tools').mkdir()
    shutil.copy(REPO / 'tools' / 'update-catalogues', tree / 'tools')
    shutil.copytree(PACKAGE, tree / 'marketplace_dashboard',
                    ignore=shutil.ignore_patterns('__pycache__', '*.mo'))
    subprocess.run([str(tree / 'tools' / 'update-catalogues')],
                   env={'PATH': '/usr/bin:/bin', 'PYTHON': sys.executable},
                   check=True, capture_output=True)
    return tree / 'marketplace_dashboard' / PO.parent.relative_to(PACKAGE)


@BOTH
def test_sources_yield_exactly_the_catalogue(refreshed, po):
    assert keys(refreshed / po.name) == keys(po)


@BOTH
def test_a_run_on_unchanged_sources_changes_nothing(refreshed, po):
    """tools/update-catalogues is idempotent: the committed catalogues are
    exactly what it writes (order, wrapping, header)."""
    assert (refreshed / po.name).read_text() == po.read_text()


@BOTH
def test_sources_leave_nothing_to_translate(refreshed, po):
    untranslated = [e.msgid for e in messages(refreshed / po.name)
                    if e.fuzzy or not all(e.msgstrs)]
    assert untranslated == []


def test_a_new_string_is_caught(tmp_path):
    """The comparison above sees a string added to a template."""
    tree = tmp_path
    (tree / 'tools').mkdir()
    shutil.copy(REPO / 'tools' / 'update-catalogues', tree / 'tools')
    shutil.copytree(PACKAGE, tree / 'marketplace_dashboard',
                    ignore=shutil.ignore_patterns('__pycache__', '*.mo'))
    template = next((tree / 'marketplace_dashboard' / 'dashboards')
                    .rglob('index.html'))
    template.write_text(template.read_text()
                        + '{% trans "A string nobody translated" %}\n')
    subprocess.run([str(tree / 'tools' / 'update-catalogues')],
                   env={'PATH': '/usr/bin:/bin', 'PYTHON': sys.executable},
                   check=True, capture_output=True)
    fresh = tree / 'marketplace_dashboard' / PO.relative_to(PACKAGE)
    assert keys(fresh) - keys(PO) == {
        (None, 'A string nobody translated', None)}
    new = [e for e in messages(fresh)
           if e.msgid == 'A string nobody translated'][0]
    assert new.msgstrs == ['']


def test_a_new_core_string_is_caught(tmp_path):
    """A message marked in the core lands in the core's catalogue only."""
    tree = tmp_path
    (tree / 'tools').mkdir()
    shutil.copy(REPO / 'tools' / 'update-catalogues', tree / 'tools')
    shutil.copytree(PACKAGE, tree / 'marketplace_dashboard',
                    ignore=shutil.ignore_patterns('__pycache__', '*.mo'))
    module = tree / 'marketplace_dashboard' / 'core' / 'verdict.py'
    module.write_text(module.read_text()
                      + "\n_NEW = _('a reason nobody translated')\n")
    subprocess.run([str(tree / 'tools' / 'update-catalogues')],
                   env={'PATH': '/usr/bin:/bin', 'PYTHON': sys.executable},
                   check=True, capture_output=True)
    folder = tree / 'marketplace_dashboard' / PO.parent.relative_to(PACKAGE)
    assert keys(folder / CORE_PO.name) - keys(CORE_PO) == {
        (None, 'a reason nobody translated', None)}
    assert keys(folder / PO.name) == keys(PO)
