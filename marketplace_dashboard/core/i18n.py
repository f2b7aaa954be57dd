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


"""The core's messages in the reader's language, without Django.

The core makes its reasons and errors in English, as plain strings: they
are stored where every reader sees them (Glance image properties, the
progress records in the shared cache, cached verdicts, logs), and one
cloud's users do not share one language.  So messages are translated
where they are *shown*, not where they are made:

* the core marks each message with :func:`_` (the identity, like
  ``gettext_noop``), formatting it with ``%`` and named parameters::

      reasons.append(_('expired on %(date)s') % {'date': when})

  ``tools/update-catalogues`` extracts the marked msgids into the
  catalogue of the :data:`DOMAIN` domain
  (``locale/<lang>/LC_MESSAGES/marketplace_dashboard.po``), compiled at
  build time like the Horizon layer's;
* :func:`translate` takes a finished English message and a language: it
  finds the catalogue msgid the text was made from (the literal parts
  must match exactly, each placeholder takes what lies between them),
  translates the parameters that are themselves core messages (a reason
  quoting another), and formats the translation with them.  Text that no
  msgid made (a creator's deprecation note, a Glance error, an older
  wording) is returned unchanged: never a wrong translation, at worst an
  English one.

The panel translates into the request's language (Django's
``get_language()``); the command-line tool into the process locale
(:func:`process_languages`: ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
``LANG``, as :mod:`gettext` reads them).  Cost: each catalogue is read and
its patterns compiled once per process; a message is matched only against
the msgids sharing its first literal characters, and text over
:data:`MAX_LENGTH` characters is not matched at all.
"""

import functools
import gettext
import os
import re

__all__ = ['DOMAIN', 'LOCALEDIR', 'MAX_LENGTH', 'SEPARATOR', 'catalogue',
           'localized', 'process_languages', 'translate', 'translate_all', '_']

DOMAIN = 'marketplace_dashboard'
LOCALEDIR = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'locale')
#: longer text is shown as it is (no message of the core comes near it)
MAX_LENGTH = 4000
#: how deep the parameters of a message are themselves translated
_DEPTH = 3
#: length of the literal prefix messages are indexed by
_PREFIX = 3

#: how the core joins several messages into one (reasons, problems)
SEPARATOR = '; '

_PLACEHOLDER = re.compile(
    r'%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGrsa%])')


def _(message):
    """Mark *message* for extraction; returns it unchanged (English)."""
    return message


def process_languages():
    """The languages of the process locale, most wanted first (may be [])."""
    for name in ('LANGUAGE', 'LC_ALL', 'LC_MESSAGES', 'LANG'):
        value = os.environ.get(name)
        if value:
            break
    else:
        return []
    languages = []
    for item in value.split(':'):
        language = item.split('.')[0].split('@')[0]
        if language and language not in ('C', 'POSIX'):
            languages.append(language)
    return languages


def _locale_name(language):
    """``pt-br`` (Django) -> ``pt_BR`` (gettext); ``fr_FR`` unchanged."""
    language = language.replace('-', '_')
    head, sep, tail = language.partition('_')
    if not sep:
        return head.lower()
    return '%s_%s' % (head.lower(), tail.upper() if len(tail) <= 2
                      else tail.title())


class _Pattern:
    """One msgid as a matcher of the English text it makes.

    The literal parts are found left to right with :meth:`str.find` (the
    first occurrence, no backtracking) and the last one must end the text:
    linear in the text, whatever it holds.
    """

    def __init__(self, msgid, translation, catalogue):
        self.msgid = msgid
        self.translation = translation
        self.catalogue = catalogue
        self.names = []
        self.literals = []
        literal = []
        position = 0
        for match in _PLACEHOLDER.finditer(msgid):
            literal.append(msgid[position:match.start()])
            position = match.end()
            if match.group(2) == '%':
                literal.append('%')
                continue
            self.literals.append(''.join(literal))
            literal = []
            self.names.append(match.group(1))
        literal.append(msgid[position:])
        self.literals.append(''.join(literal))
        self.prefix = self.literals[0][:_PREFIX]
        self.named = bool(self.names) and all(self.names)
        #: how much of the msgid is literal text (more: more specific)
        self.weight = sum(len(part) for part in self.literals)

    def split(self, text):
        """The English parameters *text* was made with, or None."""
        head, tail = self.literals[0], self.literals[-1]
        if not text.startswith(head) or not text.endswith(tail) or \
                len(text) < len(head) + len(tail):
            return None
        end = len(text) - len(tail)
        values = []
        position = len(head)
        for literal in self.literals[1:-1]:
            found = text.find(literal, position, end)
            if found < 0:
                return None
            values.append(text[position:found])
            position = found + len(literal)
        values.append(text[position:end])
        return values

    def apply(self, text, depth, lists=True):
        """The translation of *text* if this msgid made it, else None
        (also None, unless *lists*, when a parameter would hold a
        :data:`SEPARATOR`)."""
        values = self.split(text)
        if values is None:
            return None
        if not lists and any(SEPARATOR in value for value in values):
            return None
        values = [_translate(value, self.catalogue, depth + 1)
                  for value in values]
        try:
            if self.named:
                return self.translation % dict(zip(self.names, values,
                                                    strict=True))
            return self.translation % tuple(values)
        except (KeyError, TypeError, ValueError):
            return None  # a broken translation: keep the English


class _Catalogue:
    """The msgids of one language's catalogue, indexed by prefix."""

    def __init__(self, translations):
        # GNUTranslations keeps the parsed catalogue in _catalog (the
        # same since Python 2): the msgids are what we need to match.
        entries = getattr(translations, '_catalog', {})
        self.exact = {}
        self.by_prefix = {}
        for msgid, text in entries.items():
            if not isinstance(msgid, str) or not msgid or not text:
                continue
            pattern = _Pattern(msgid, text, self)
            if not pattern.names:
                self.exact[pattern.literals[0]] = text.replace('%%', '%')
                continue
            self.by_prefix.setdefault(pattern.prefix, []).append(pattern)
        for patterns in self.by_prefix.values():
            # most literal text first: the most specific msgid wins
            patterns.sort(key=lambda p: -p.weight)

    def candidates(self, text):
        for size in range(min(_PREFIX, len(text)), -1, -1):
            yield from self.by_prefix.get(text[:size], ())


@functools.lru_cache(maxsize=32)
def catalogue(language):
    """The :class:`_Catalogue` of *language* (empty if none is shipped)."""
    if not language:
        return None
    translations = gettext.translation(
        DOMAIN, LOCALEDIR, languages=[_locale_name(language)], fallback=True)
    found = _Catalogue(translations)
    if not found.exact and not found.by_prefix:
        return None
    return found


def _translate(text, found, depth):
    """*text* translated with *found*, or unchanged.

    Several messages joined with :data:`SEPARATOR` are taken apart only
    when no single msgid made the text without capturing a separator, and
    when each part is then recognised: a msgid whose parameter is such a
    list (``reasons``, ``problems``) is tried after that.
    """
    if depth > _DEPTH or len(text) > MAX_LENGTH:
        return text
    exact = found.exact.get(text)
    if exact is not None:
        return exact
    joined = SEPARATOR in text
    candidates = list(found.candidates(text))
    for pattern in candidates:
        translated = pattern.apply(text, depth, lists=not joined)
        if translated is not None:
            return translated
    if not joined:
        return text
    parts = text.split(SEPARATOR)
    translated = [_translate(part, found, depth + 1) for part in parts]
    recognised = [new != old for new, old in zip(translated, parts,
                                                 strict=True)]
    if all(recognised):
        return SEPARATOR.join(translated)
    for pattern in candidates:
        whole = pattern.apply(text, depth, lists=True)
        if whole is not None:
            return whole
    if any(recognised):
        return SEPARATOR.join(translated)
    return text


def translate(text, languages):
    """*text* (an English core message) in the first of *languages* that
    has a catalogue; unchanged if none has or no msgid made it.

    *languages*: a language code (``'fr'``, ``'pt-br'``) or a sequence of
    them (:func:`process_languages`).  Non-strings are returned as they are.
    """
    if not isinstance(text, str) or not text:
        return text
    if isinstance(languages, str):
        languages = [languages]
    for language in languages or ():
        found = catalogue(language)
        if found is not None:
            return _translate(str(text), found, 0)
    return text


def localized(text):
    """:func:`translate` into the process locale (the command-line tool)."""
    return translate(str(text), process_languages())


def translate_all(texts, languages):
    """:func:`translate` of each text of *texts*, as a list."""
    return [translate(text, languages) for text in texts or ()]
