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

"""A small pure-Python .po to .mo compiler (GNU gettext format).

setup.py compiles the message catalogues with it while building the
wheel, where neither Django nor GNU gettext can be assumed; tools/bootstrap
compiles them in the checkout.  Fuzzy entries are left out, as msgfmt
does.  Usage::

    python tools/msgfmt.py DIR [DIR ...]    # every locale/*/LC_MESSAGES/*.po
"""

import ast
import os
import struct
import sys

__all__ = ['Entry', 'compile_po', 'compile_tree', 'parse_po', 'read_entries',
           'write_mo']


def _unquote(line, path, number):
    try:
        value = ast.literal_eval(line)
    except (SyntaxError, ValueError):
        value = None
    if not isinstance(value, str):
        raise ValueError('%s:%d: not a quoted string: %s'
                         % (path, number, line))
    return value


class Entry:
    """One message of a .po file."""

    def __init__(self):
        self.fields = {}
        self.flags = set()

    @property
    def msgid(self):
        return self.fields.get('msgid')

    @property
    def msgid_plural(self):
        return self.fields.get('msgid_plural')

    @property
    def msgctxt(self):
        return self.fields.get('msgctxt')

    @property
    def msgstrs(self):
        """The msgstr, or the plural forms in order."""
        if 'msgid_plural' not in self.fields:
            return [self.fields.get('msgstr', '')]
        forms = sorted((int(k[7:-1]), v) for k, v in self.fields.items()
                       if k.startswith('msgstr['))
        return [v for _, v in forms]

    @property
    def fuzzy(self):
        return 'fuzzy' in self.flags


def read_entries(path):
    """Every entry of a .po file (the header too, obsolete ones not)."""
    entries = []
    entry = Entry()
    field = None

    def flush():
        nonlocal entry, field
        if 'msgid' in entry.fields:
            entries.append(entry)
            entry = Entry()
            field = None

    with open(path, encoding='utf-8') as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith('#'):
                flush()
                if line.startswith('#,'):
                    entry.flags.update(
                        flag.strip() for flag in line[2:].split(','))
                continue
            if line.startswith('"'):
                if field is None:
                    raise ValueError('%s:%d: string without keyword'
                                     % (path, number))
                entry.fields[field] += _unquote(line, path, number)
                continue
            keyword, _, rest = line.partition(' ')
            if keyword not in ('msgctxt', 'msgid', 'msgid_plural',
                               'msgstr') and not (
                    keyword.startswith('msgstr[') and keyword.endswith(']')):
                raise ValueError('%s:%d: unknown keyword %s'
                                 % (path, number, keyword))
            if keyword in ('msgctxt', 'msgid') and any(
                    k.startswith('msgstr') for k in entry.fields):
                flush()
            field = keyword
            entry.fields[field] = _unquote(rest.strip(), path, number)
    flush()
    return entries


def parse_po(path):
    """The {msgid: msgstr} of a .po file, without fuzzy or empty entries.

    Keys and values are what the .mo holds: a context is joined with
    ``\\x04``, plural forms with ``\\x00``.
    """
    messages = {}
    for entry in read_entries(path):
        if entry.fuzzy and entry.msgid:
            continue
        key = entry.msgid
        if entry.msgid_plural is not None:
            key += '\0' + entry.msgid_plural
        if entry.msgctxt is not None:
            key = entry.msgctxt + '\x04' + key
        value = '\0'.join(entry.msgstrs)
        if value.replace('\0', '') or not key:
            messages[key] = value
    return messages


def write_mo(messages, path):
    """Write {msgid: msgstr} as a GNU .mo file (little-endian, sorted)."""
    keys = sorted(messages)
    ids = [k.encode('utf-8') for k in keys]
    strs = [messages[k].encode('utf-8') for k in keys]
    count = len(keys)
    key_start = 7 * 4 + 16 * count
    ids_blob = b''.join(i + b'\0' for i in ids)
    value_start = key_start + len(ids_blob)
    table, offset = [], 0
    for i in ids:
        table.append((len(i), key_start + offset))
        offset += len(i) + 1
    offset = 0
    for s in strs:
        table.append((len(s), value_start + offset))
        offset += len(s) + 1
    out = struct.pack('<7I', 0x950412de, 0, count, 7 * 4,
                      7 * 4 + 8 * count, 0, 0)
    out += b''.join(struct.pack('<2I', *pair) for pair in table)
    out += ids_blob + b''.join(s + b'\0' for s in strs)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(out)
    os.replace(tmp, path)


def compile_po(po_path, mo_path=None):
    """Compile one .po next to itself (or to mo_path); return the .mo."""
    mo_path = mo_path or os.path.splitext(po_path)[0] + '.mo'
    write_mo(parse_po(po_path), mo_path)
    return mo_path


def compile_tree(root):
    """Compile every locale/<lang>/LC_MESSAGES/*.po under root."""
    done = []
    for top, dirs, files in os.walk(root):
        dirs.sort()
        if os.path.basename(top) != 'LC_MESSAGES':
            continue
        for name in sorted(files):
            if name.endswith('.po'):
                done.append(compile_po(os.path.join(top, name)))
    return done


def main(argv):
    if not argv:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    for root in argv:
        for mo in compile_tree(root):
            print(mo)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
