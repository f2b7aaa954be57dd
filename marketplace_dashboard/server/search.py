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

r"""Search terms of the listing: the safe subset of regular expressions.

Search terms (``sSearch`` terms and ``sSearch_1..5``) are case-insensitive
regular expressions, as in the original service, so DataTables clients and
clients that ``re.escape`` user text behave the same against both.  The
regular expressions run inside SQLite queries, under the GIL, where nothing
can interrupt them, so only a safe subset of Python ``re`` syntax is
accepted (:func:`check_pattern`) whose matching cost is bounded:

* at most 200 characters;
* no backreferences, lookarounds or conditionals;
* a repetition (``*``, ``+``, ``?``, ``{m,n}``) applies to one character
  (a literal, ``.``, a class such as ``\w`` or ``[a-z]``) or to a group of
  such characters, e.g. ``(ab)+``, never to a group holding an alternation
  or another repetition (``(a+)+``, ``(.|.)*``); groups only take ``?``,
  ``*`` or ``+`` (no counted repetition of groups, ``(.*a){12}``), counts
  are at most 100;
* at most one unbounded repetition (``*``, ``+``, ``{m,}``) per expression,
  not counting one that ends it (as in ``^ubuntu\s+14.*``): two
  overlapping ones such as ``.*.*x`` already cost the cube of the text
  length;
* at most 16 ways of matching at one position (the product of the
  alternatives and of the spans of bounded repetitions such as ``a{0,3}``),
  4 with an unbounded repetition.

Literal expressions (plain text, ``re.escape`` output) see the whole
value and are matched in linear time.  The index keeps the listing columns
of each entry lower-cased and joined (:func:`search_text`, up to
:data:`MAX_INDEXED_TEXT` characters), so a literal term is one ``instr``
in SQLite's C code, run without the GIL; an entry whose columns are longer
is matched in Python, the lower-cased text looked up in each lower-cased
value with ``str.find``'s two-way algorithm (Python's ``re`` takes seconds
to find a 200-character literal in a few MiB of text without matching
case).  Every other expression is matched in Python against the first 512
characters of each value, which bounds one match to well under a second
even for hostile values.  So each value costs a few milliseconds at most
while the matching holds the GIL, and other requests run between two
values: a search that still takes more than its budget
(:data:`SEARCH_BUDGET` seconds, ``marketplace-server --search-budget``)
is aborted between two values or two rows.  Anything refused gives
``ListingError`` (HTTP 400 ``invalid search expression``).
"""

import contextlib
import functools
import re
from re import _constants as sre
from re import _parser as sre_parse
import sqlite3
import threading
import time

from marketplace_dashboard.core.errors import ListingError

__all__ = [
    'MAX_COUNT', 'MAX_INDEXED_TEXT', 'MAX_PATTERN', 'MAX_SEARCH_TEXT',
    'MAX_UNBOUNDED', 'MAX_WAYS', 'MAX_WAYS_UNBOUNDED', 'SEARCH_BUDGET',
    'check_pattern', 'compile_pattern', 'literal_needle', 'matcher',
    'register_functions', 'search_budget', 'search_text',
]

MAX_PATTERN = 200
MAX_COUNT = 100
MAX_UNBOUNDED = 1
MAX_WAYS = 16
MAX_WAYS_UNBOUNDED = 4
#: Characters of each value a non-literal expression is matched against.
MAX_SEARCH_TEXT = 512
#: Seconds a listing with search terms may take before it is interrupted.
SEARCH_BUDGET = 10.0
#: Longest :func:`search_text` kept in the index (characters): ``instr``
#: compares the needle at each position, at most 200 characters each.
MAX_INDEXED_TEXT = 64 * 1024
#: Joins the values in :func:`search_text`; XML text never holds it.
_SEPARATOR = '\x00'
#: SQLite virtual machine steps between two checks of the budget.
_PROGRESS_STEPS = 10000
#: Characters of a value a literal is looked for in at once: a few
#: milliseconds, after which another thread may take the GIL.
_SLICE = 256 * 1024

# One character each; CATEGORY only occurs inside IN.
_CHARACTER = frozenset([sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN])
_REPEATS = frozenset([sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT])
_REFUSED = {
    sre.GROUPREF: 'backreferences are not allowed',
    sre.GROUPREF_EXISTS: 'conditional groups are not allowed',
    sre.ASSERT: 'lookahead and lookbehind are not allowed',
    sre.ASSERT_NOT: 'lookahead and lookbehind are not allowed',
}


_budget_state = threading.local()


class _Unsafe(Exception):
    pass


def _repeat_cost(av):
    """``(ways, unbounded)`` of a repetition, or raise :class:`_Unsafe`."""
    low, high, body = av
    for count in (low, high):
        if count != sre.MAXREPEAT and count > MAX_COUNT:
            raise _Unsafe('repetition counts above %d are not allowed'
                          % MAX_COUNT)
    if len(body) != 1 or body[0][0] not in _CHARACTER:
        # a group (a non-capturing one is inlined by the parser)
        items = body
        if len(body) == 1 and body[0][0] is sre.SUBPATTERN:
            items = body[0][1][3]
        elif len(body) == 1 and body[0][0] is sre.ATOMIC_GROUP:
            items = body[0][1]
        if not all(op in _CHARACTER or op is sre.AT for op, _ in items):
            raise _Unsafe('a repeated group may only hold characters: no '
                          'alternation or repetition inside it')
        if low > 1 or high not in (1, sre.MAXREPEAT):
            raise _Unsafe('groups may only be repeated with ?, * or +')
    if high == sre.MAXREPEAT:
        return 1, 1
    return high - low + 1, 0


def _cost(items):
    """``(ways, unbounded)`` of a parsed (sub)pattern.

    *ways*: how many ways it can match at one position, not counting
    unbounded repetitions; *unbounded*: how many of those it holds.
    """
    ways, unbounded = 1, 0
    for op, av in items:
        if op in _CHARACTER or op is sre.AT:
            continue
        if op in _REFUSED:
            raise _Unsafe(_REFUSED[op])
        if op is sre.SUBPATTERN:
            w, u = _cost(av[3])
        elif op is sre.ATOMIC_GROUP:
            w, u = _cost(av)
        elif op is sre.BRANCH:
            costs = [_cost(alternative) for alternative in av[1]]
            w = sum(c[0] for c in costs)
            u = sum(c[1] for c in costs)
        elif op in _REPEATS:
            w, u = _repeat_cost(av)
        else:
            raise _Unsafe('unsupported syntax')
        ways = min(ways * w, MAX_WAYS + 1)
        unbounded += u
    return ways, unbounded


def check_pattern(pattern):
    """Text limit of a safe search *pattern* (None: literal), else raise.

    :class:`ListingError` when the pattern is not in the safe subset
    described in the module documentation.
    """
    if len(pattern) > MAX_PATTERN:
        raise ListingError('invalid search expression: longer than %d '
                           'characters' % MAX_PATTERN)
    try:
        items = list(sre_parse.parse(pattern, re.IGNORECASE))
        literal = all(op is sre.LITERAL for op, _ in items)
        trailing = None
        if items and items[-1][0] in _REPEATS:
            # Nothing follows it: once it has matched, the match is found,
            # so it never multiplies the backtracking of what precedes.
            trailing = _repeat_cost(items.pop()[1])
        ways, unbounded = _cost(items)
        if trailing is not None:
            ways = ways * trailing[0] if not trailing[1] else ways
    except re.error as exc:
        raise ListingError('invalid search expression: %s' % exc) from None
    except _Unsafe as exc:
        raise ListingError('invalid search expression: %s' % exc) from None
    except RecursionError:
        raise ListingError('invalid search expression: too deeply '
                           'nested') from None
    if unbounded > MAX_UNBOUNDED:
        raise ListingError('invalid search expression: at most %d unbounded '
                           'repetition (*, + or {n,}) is allowed'
                           % MAX_UNBOUNDED)
    if ways > (MAX_WAYS_UNBOUNDED if unbounded else MAX_WAYS):
        raise ListingError('invalid search expression: too many '
                           'alternatives or optional parts')
    return None if literal else MAX_SEARCH_TEXT


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern):
    """``(regex, text limit)`` of a user search pattern, or ListingError."""
    limit = check_pattern(pattern)
    try:
        return re.compile(pattern, re.IGNORECASE), limit
    except (re.error, RecursionError) as exc:
        raise ListingError('invalid search expression: %s' % exc) from None


def _contains(needle, value):
    """True if the lower-cased *needle* is in *value* (any case), looked
    for slice by slice (``str.lower`` never shortens a text, so slices
    overlapping by the needle's length miss no match)."""
    if len(value) <= _SLICE:
        return needle in value.lower()
    overlap = max(len(needle) - 1, 0)
    return any(needle in value[start:start + _SLICE + overlap].lower()
               for start in range(0, len(value), _SLICE))


def _needle(pattern):
    return ''.join(chr(code) for _, code in
                   sre_parse.parse(pattern, re.IGNORECASE)).lower()


@functools.lru_cache(maxsize=256)
def matcher(pattern):
    """A function telling whether a value matches the user search
    *pattern* (linear time for a literal one); ListingError if refused."""
    regex, limit = compile_pattern(pattern)
    if limit is None:
        return functools.partial(_contains, _needle(pattern))
    return lambda value: regex.search(value[:limit]) is not None


def literal_needle(pattern):
    """The lower-cased text a literal *pattern* looks for in a
    :func:`search_text`, or ``None`` when it has to be matched value by
    value (a regular expression, or text holding the separator)."""
    if compile_pattern(pattern)[1] is not None:
        return None
    needle = _needle(pattern)
    return None if _SEPARATOR in needle else needle


def search_text(values):
    """The *values* (``None`` skipped) lower-cased and joined, as a literal
    term looks for them; ``None`` when longer than
    :data:`MAX_INDEXED_TEXT`.  A needle never holds the separator
    (:func:`literal_needle`), so it is found in the text exactly when
    :func:`matcher` finds it in one of the values."""
    values = [value for value in values if value is not None]
    if sum(len(value) for value in values) > MAX_INDEXED_TEXT:
        return None
    return _SEPARATOR.join(value.lower() for value in values)


class _OutOfTime(Exception):
    pass


def _search_any(pattern, *values):
    matches = matcher(pattern)
    deadline = getattr(_budget_state, 'deadline', None)
    for value in values:
        if value is None:
            continue
        if deadline is not None and time.monotonic() > deadline:
            raise _OutOfTime()  # SQLite aborts the statement
        if matches(value):
            return 1
    return 0


def register_functions(conn):
    """Install the SQL functions the listing queries use."""
    conn.create_function('mp_search', -1, _search_any, deterministic=True)


@contextlib.contextmanager
def search_budget(seconds, conn=None):
    """Abort the searches run inside after *seconds*: ``mp_search`` calls,
    and the statements of *conn* (checked every few thousand steps)."""
    deadline = time.monotonic() + seconds
    _budget_state.deadline = deadline
    if conn is not None:
        conn.set_progress_handler(lambda: time.monotonic() > deadline,
                                  _PROGRESS_STEPS)
    try:
        yield
    except sqlite3.OperationalError:
        if time.monotonic() <= deadline:
            raise
        raise ListingError('invalid search expression: the search took more '
                           'than %g seconds; use fewer or more specific '
                           'terms' % seconds) from None
    finally:
        _budget_state.deadline = None
        if conn is not None:
            conn.set_progress_handler(None, 0)
