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

__all__ = ['compile_po', 'compile_tree', 'parse_po', 'write_mo']


def _unquote(line, path, number):
    try:
        value = ast.literal_eval(line)
    except (SyntaxError, ValueError):
        value = None
    if not isinstance(value, str):
        raise ValueError('%s:%d: not a quoted string: %s'
                         % (path, number, line))
    return value


def parse_po(path):
    """The {msgid: msgstr} of a .po file, without fuzzy entries.

    Keys and values are what the .mo holds: a context is joined with
    ``\\x04``, plural forms with ``\\x00``.
    """
    messages = {}
    entry = {}
    fuzzy = False
    field = None

    def flush():
        nonlocal entry, fuzzy
        if 'msgid' in entry and not fuzzy:
            key = entry['msgid']
            if 'msgid_plural' in entry:
                key += '\0' + entry['msgid_plural']
                forms = sorted(k for k in entry if k.startswith('msgstr['))
                value = '\0'.join(entry[k] for k in forms)
            else:
                value = entry.get('msgstr', '')
            if 'msgctxt' in entry:
                key = entry['msgctxt'] + '\x04' + key
            if value.replace('\0', '') or not key:
                messages[key] = value
        entry = {}
        fuzzy = False

    with open(path, encoding='utf-8') as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith('#'):
                if line.startswith('#,') and 'fuzzy' in line[2:].split(','):
                    if 'msgid' in entry:
                        flush()
                    fuzzy = True
                elif 'msgid' in entry and field != 'comment':
                    flush()
                continue
            keyword, _, rest = line.partition(' ')
            if line.startswith('"'):
                if field is None:
                    raise ValueError('%s:%d: string without keyword'
                                     % (path, number))
                entry[field] += _unquote(line, path, number)
                continue
            if keyword in ('msgctxt', 'msgid') and (
                    'msgstr' in entry
                    or any(k.startswith('msgstr[') for k in entry)):
                flush()
            if keyword not in ('msgctxt', 'msgid', 'msgid_plural',
                               'msgstr') and not (
                    keyword.startswith('msgstr[') and keyword.endswith(']')):
                raise ValueError('%s:%d: unknown keyword %s'
                                 % (path, number, keyword))
            field = keyword
            entry[field] = _unquote(rest.strip(), path, number)
    flush()
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
