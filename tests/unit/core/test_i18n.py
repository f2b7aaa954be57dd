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

"""The core's English messages, translated where they are shown."""

import importlib.util
import pathlib
import re

import pytest

from marketplace_dashboard.core import i18n, verdict

REPO = pathlib.Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location(
    'marketplace_msgfmt', REPO / 'tools' / 'msgfmt.py')
msgfmt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(msgfmt)

FRENCH_PO = pathlib.Path(i18n.LOCALEDIR) / 'fr' / 'LC_MESSAGES' / (
    i18n.DOMAIN + '.po')


@pytest.fixture(scope='module', autouse=True)
def compiled():
    """The shipped catalogues compiled (the .mo files are not in git)."""
    msgfmt.compile_tree(str(REPO / 'marketplace_dashboard'))
    i18n.catalogue.cache_clear()
    yield
    i18n.catalogue.cache_clear()


@pytest.fixture
def catalogue(tmp_path, monkeypatch):
    """A private catalogue: ``write({msgid: msgstr}, language)``."""
    def write(entries, language='xx'):
        folder = tmp_path / language / 'LC_MESSAGES'
        folder.mkdir(parents=True, exist_ok=True)
        po = folder / (i18n.DOMAIN + '.po')
        lines = ['msgid ""', 'msgstr "Content-Type: text/plain; '
                 'charset=UTF-8\\n"', '']
        for msgid, msgstr in entries.items():
            lines += ['msgid %s' % _quote(msgid),
                      'msgstr %s' % _quote(msgstr), '']
        po.write_text('\n'.join(lines), encoding='utf-8')
        msgfmt.compile_po(str(po), str(folder / (i18n.DOMAIN + '.mo')))
        i18n.catalogue.cache_clear()
    monkeypatch.setattr(i18n, 'LOCALEDIR', str(tmp_path))
    yield write
    i18n.catalogue.cache_clear()


def _quote(text):
    return '"%s"' % text.replace('\\', '\\\\').replace('"', '\\"')


def french_entries():
    return [e for e in msgfmt.read_entries(str(FRENCH_PO)) if e.msgid]


def test_the_marker_is_the_identity():
    assert i18n._('expired on %(date)s') == 'expired on %(date)s'


def test_a_message_without_parameters(catalogue):
    catalogue({'no signature': 'pas de signature'})
    assert i18n.translate('no signature', 'xx') == 'pas de signature'


def test_parameters_are_carried_over_in_the_translation_order(catalogue):
    catalogue({'%(a)s before %(b)s': '%(b)s après %(a)s'})
    assert i18n.translate('one before two', 'xx') == 'two après one'


def test_positional_parameters(catalogue):
    catalogue({'%s of %s': '%s sur %s'})
    assert i18n.translate('3 of 4', 'xx') == '3 sur 4'


def test_a_parameter_that_is_itself_a_message_is_translated(catalogue):
    catalogue({'the endorser certificate': "le certificat de l'endosseur",
               'revocation of %(what)s failed': 'révocation : %(what)s'})
    assert i18n.translate('revocation of the endorser certificate failed',
                          'xx') == "révocation : le certificat de l'endosseur"


def test_joined_messages_are_translated_each(catalogue):
    catalogue({'no signature': 'pas de signature',
               'expired on %(date)s': 'expiré le %(date)s'})
    assert i18n.translate('no signature; expired on 2020-01-01', 'xx') == \
        'pas de signature; expiré le 2020-01-01'


def test_a_list_inside_a_message_is_not_split_at_the_top(catalogue):
    catalogue({'no signature': 'pas de signature',
               'expired on %(date)s': 'expiré le %(date)s',
               'refused (%(reasons)s).': 'refusé (%(reasons)s).'})
    assert i18n.translate('refused (no signature; expired on 2020).',
                          'xx') == 'refusé (pas de signature; expiré le 2020).'


def test_a_parameter_does_not_swallow_the_next_message(catalogue):
    catalogue({'size is %(size)s bytes, %(want)s endorsed':
               'taille %(size)s, %(want)s endossés',
               'sha512 differs': 'sha512 diffère'})
    assert i18n.translate('size is 1 bytes, 2 endorsed; sha512 differs',
                          'xx') == 'taille 1, 2 endossés; sha512 diffère'


def test_a_joined_text_with_unknown_parts_keeps_them(catalogue):
    catalogue({'deprecated: %(reason)s': 'obsolète : %(reason)s'})
    # the creator's own reason holds a separator: it stays as written
    assert i18n.translate('deprecated: old; use v2', 'xx') == \
        'obsolète : old; use v2'


def test_the_most_specific_message_wins(catalogue):
    catalogue({'Cannot download %(url)s: %(error)s': 'A %(url)s %(error)s',
               'Cannot download %(url)s: HTTP %(code)s': 'B %(url)s %(code)s'})
    assert i18n.translate('Cannot download u: HTTP 404', 'xx') == 'B u 404'
    assert i18n.translate('Cannot download u: timeout', 'xx') == 'A u timeout'


def test_text_no_message_made_is_unchanged(catalogue):
    catalogue({'no signature': 'pas de signature'})
    for text in ('a creator\'s note', 'no signature!', 'No signature', ''):
        assert i18n.translate(text, 'xx') == text


def test_a_broken_translation_keeps_the_english(catalogue):
    catalogue({'expired on %(date)s': 'expiré le %(day)s'})
    assert i18n.translate('expired on 2020', 'xx') == 'expired on 2020'


def test_languages_without_catalogue_keep_the_english(catalogue):
    catalogue({'no signature': 'pas de signature'})
    assert i18n.translate('no signature', 'en') == 'no signature'
    assert i18n.translate('no signature', []) == 'no signature'
    assert i18n.translate('no signature', ['en', 'xx']) == 'pas de signature'


def test_non_strings_are_returned_as_they_are():
    assert i18n.translate(None, 'fr') is None
    assert i18n.translate(42, 'fr') == 42


def test_text_over_the_bound_is_not_matched(catalogue):
    catalogue({'%(a)s; %(b)s!': '%(b)s ; %(a)s !'})
    long = 'x' * i18n.MAX_LENGTH + '; y!'
    assert i18n.translate(long, 'xx') == long
    assert i18n.translate('x; y!', 'xx') == 'y ; x !'


def test_django_language_codes_map_to_gettext_locales(catalogue):
    catalogue({'no signature': 'sem assinatura'}, language='pt_BR')
    assert i18n.translate('no signature', 'pt-br') == 'sem assinatura'
    assert i18n.translate('no signature', 'pt_BR') == 'sem assinatura'


@pytest.mark.parametrize('environ,want', [
    ({}, []),
    ({'LANG': 'C.UTF-8'}, []),
    ({'LANG': 'fr_FR.UTF-8'}, ['fr_FR']),
    ({'LANG': 'en_US.UTF-8', 'LC_ALL': 'fr_FR@euro'}, ['fr_FR']),
    ({'LANGUAGE': 'fr:de', 'LANG': 'en_US'}, ['fr', 'de']),
])
def test_process_languages(monkeypatch, environ, want):
    for name in ('LANGUAGE', 'LC_ALL', 'LC_MESSAGES', 'LANG'):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert i18n.process_languages() == want


def test_localized_follows_the_process_locale(monkeypatch):
    for name in ('LANGUAGE', 'LC_ALL', 'LC_MESSAGES'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('LANG', 'fr_FR.UTF-8')
    assert i18n.localized('no signature') == 'pas de signature'
    monkeypatch.setenv('LANG', 'C')
    assert i18n.localized('no signature') == 'no signature'


# The shipped French catalogue.

def test_the_french_catalogue_is_complete():
    entries = french_entries()
    assert len(entries) > 50
    assert [e.msgid for e in entries if e.fuzzy or not all(e.msgstrs)] == []


def test_core_messages_use_string_placeholders_only():
    """Parameters come back from the English text as strings: a %d or
    %x in a msgid could not be formatted again."""
    wrong = [e.msgid for e in french_entries()
             if re.search(r'%(?:\(\w+\))?[^s(%]', e.msgid.replace('%%', ''))]
    assert wrong == []


def test_every_french_message_is_recognised():
    """Each msgid, formatted with sample values, comes back translated
    with the same values: no msgid hides another."""
    wrong = []
    for entry in french_entries():
        names = re.findall(r'%\((\w+)\)s', entry.msgid)
        values = {name: 'V%d' % i for i, name in enumerate(names)}
        english = entry.msgid % values if names else entry.msgid
        want = entry.msgstrs[0] % values if names else entry.msgstrs[0]
        if i18n.translate(english, 'fr') != want:
            wrong.append((english, i18n.translate(english, 'fr')))
    assert wrong == []


def test_a_real_verdict_reads_in_french():
    """A document with no signature, as the verdict makes its reasons."""
    document = b'''<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns:dcterms="http://purl.org/dc/terms/"><rdf:Description
 rdf:about="#x"><dcterms:identifier>x</dcterms:identifier></rdf:Description>
 </rdf:RDF>'''
    result = verdict.evaluate(document)
    assert result.reasons
    french = i18n.translate_all(result.reasons, 'fr')
    assert 'pas de signature' in french
    assert french != result.reasons
