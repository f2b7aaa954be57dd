"""tools/msgfmt.py against GNU gettext and Python's gettext reader."""

import gettext
import importlib.util
import pathlib
import subprocess

REPO = pathlib.Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location(
    'marketplace_msgfmt', REPO / 'tools' / 'msgfmt.py')
msgfmt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(msgfmt)

PO = '''# a comment
msgid ""
msgstr ""
"Language: fr\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"

#, python-format
msgid "Image %(id)s"
msgstr "L'image %(id)s"

msgid ""
"Two "
"lines \\"quoted\\""
msgstr "Deux lignes « citées »"

msgctxt "verb"
msgid "Launch"
msgstr "Lancer"

msgid "Hide Image"
msgid_plural "Hide Images"
msgstr[0] "Masquer l'image"
msgstr[1] "Masquer les images"

#, fuzzy
msgid "Fuzzy"
msgstr "Approximatif"

msgid "Empty"
msgstr ""

#~ msgid "Obsolete"
#~ msgstr "Obsolète"
'''


def compiled(tmp_path):
    po = tmp_path / 'django.po'
    po.write_text(PO, encoding='utf-8')
    return po, pathlib.Path(msgfmt.compile_po(str(po)))


def test_python_gettext_reads_the_mo(tmp_path):
    _po, mo = compiled(tmp_path)
    with open(mo, 'rb') as f:
        t = gettext.GNUTranslations(f)
    assert t.gettext('Image %(id)s') == "L'image %(id)s"
    assert t.gettext('Two lines "quoted"') == 'Deux lignes « citées »'
    assert t.pgettext('verb', 'Launch') == 'Lancer'
    assert t.ngettext('Hide Image', 'Hide Images', 1) == "Masquer l'image"
    assert t.ngettext('Hide Image', 'Hide Images', 2) == 'Masquer les images'
    # fuzzy, empty and obsolete entries are left out, as msgfmt does
    assert t.gettext('Fuzzy') == 'Fuzzy'
    assert t.gettext('Empty') == 'Empty'
    assert t.gettext('Obsolete') == 'Obsolete'


def test_same_messages_as_gnu_msgfmt(tmp_path):
    po, mo = compiled(tmp_path)
    gnu = tmp_path / 'gnu.mo'
    subprocess.run(['msgfmt', '-o', str(gnu), str(po)], check=True)

    def unformat(path):
        return subprocess.run(['msgunfmt', str(path)], check=True,
                              capture_output=True, text=True).stdout
    assert unformat(mo) == unformat(gnu)


def test_entries_keep_flags_and_forms(tmp_path):
    po, _mo = compiled(tmp_path)
    entries = {e.msgid: e for e in msgfmt.read_entries(str(po))}
    assert 'python-format' in entries['Image %(id)s'].flags
    assert entries['Fuzzy'].fuzzy
    assert entries['Hide Image'].msgstrs == [
        "Masquer l'image", 'Masquer les images']
    assert entries['Empty'].msgstrs == ['']
    assert 'Obsolete' not in entries


def test_compile_tree_finds_every_catalogue(tmp_path):
    for lang in ('fr', 'de'):
        where = tmp_path / 'locale' / lang / 'LC_MESSAGES'
        where.mkdir(parents=True)
        (where / 'django.po').write_text(PO, encoding='utf-8')
    done = msgfmt.compile_tree(str(tmp_path))
    assert sorted(pathlib.Path(p).relative_to(tmp_path).as_posix()
                  for p in done) == [
        'locale/de/LC_MESSAGES/django.mo', 'locale/fr/LC_MESSAGES/django.mo']
