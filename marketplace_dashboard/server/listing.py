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

"""Listing over the index (StratusLab ``/metadata`` queries).

A :class:`ListingQuery` is built from the request parameters and path
segments (the search terms checked by
:mod:`~marketplace_dashboard.server.search`) and run on the index by
:func:`run_query`.

Ordering is always deterministic: the requested column (default 6, the
endorsement date, descending), then identifier, e-mail and date.  The XML
and JSON listings share this module so they return the same rows in the
same order.
"""

import dataclasses
import datetime
import re

from marketplace_dashboard.core.errors import ListingError
from marketplace_dashboard.core.formats import DATE_RE, format_date, is_email
from marketplace_dashboard.server.records import COLUMNS
from marketplace_dashboard.server.search import (
    SEARCH_BUDGET,
    compile_pattern,
    literal_needle,
    register_functions,
    search_budget,
)

__all__ = [
    'DEFAULT_SORT_COLUMN', 'MAX_INT', 'MAX_TERMS', 'STATUSES',
    'ListingQuery', 'ListingResult', 'ascii_int', 'classify', 'json_row',
    'now_string', 'run_query',
]

MAX_TERMS = 20
DEFAULT_SORT_COLUMN = 6
#: Largest paging value and sEcho (a Java int, as in the original service).
MAX_INT = 2 ** 31 - 1
_ASCII_INT_RE = re.compile(r'-?[0-9]+\Z')
STATUSES = ('valid', 'expired', 'deprecated')
_INDEX_COLUMNS = frozenset(COLUMNS + ('path', 'valid', 'deprecated'))


def classify(value):
    """Kind of a path segment / filter value: email, created or identifier.

    As the original service: an e-mail-looking value filters the endorser,
    a date-looking value the endorsement date, anything else the identifier.
    """
    if is_email(value):
        return 'email'
    if DATE_RE.match(value):
        return 'created'
    return 'identifier'


def ascii_int(raw, maximum=MAX_INT):
    """*raw* as an int if it is ASCII digits (optionally after ``-``) and
    at most *maximum* in absolute value, else ``None``.

    ``str.isdigit`` and ``int`` also accept other Unicode digits (``'²'``,
    ``'٣'``), spaces, ``+`` and ``_``; this does not.
    """
    if not isinstance(raw, str) or not _ASCII_INT_RE.match(raw):
        return None
    digits = raw.lstrip('-').lstrip('0')
    if len(digits) > len(str(maximum)) or (digits and int(digits) > maximum):
        return None
    return int(raw)


def _int_param(args, name, default=None, minimum=0):
    raw = args.get(name)
    if raw is None or raw == '':
        return default
    value = ascii_int(raw)
    if value is None:
        if _ASCII_INT_RE.match(raw):
            raise ListingError('invalid %s: must be at most %d'
                               % (name, MAX_INT))
        raise ListingError('invalid %s: %r is not an integer'
                           % (name, raw[:40])) from None
    if value < minimum:
        raise ListingError('invalid %s: must be at least %d'
                           % (name, minimum))
    return value


@dataclasses.dataclass
class ListingQuery:
    status: str = 'valid'
    location: str = 'all'
    identifier: str | None = None
    email: str | None = None
    created: str | None = None
    terms: tuple = ()
    column_terms: dict = dataclasses.field(default_factory=dict)
    start: int = 0
    length: int | None = None
    sort_column: int = DEFAULT_SORT_COLUMN
    sort_dir: str = 'desc'
    echo: int = 0

    @property
    def has_filter(self):
        return bool(self.identifier or self.email or self.created
                    or self.terms or self.column_terms)

    @classmethod
    def from_args(cls, args, segments=()):
        """Build a query from request parameters and path segments."""
        query = cls()
        status = (args.get('status') or 'valid').lower()
        query.status = status if status in STATUSES else 'all'
        location = (args.get('location') or 'all').lower()
        query.location = location if location in ('pdisk', 'web') else 'all'
        values = list(segments)
        for name in ('identifier', 'email', 'created'):
            if args.get(name):
                values.append(args[name])
        for value in values:
            setattr(query, classify(value), value)
        text = args.get('sSearch') or ''
        terms = tuple(t for t in text.split(' ') if t)
        if len(terms) > MAX_TERMS:
            raise ListingError('invalid search expression: more than %d '
                               'terms' % MAX_TERMS)
        for term in terms:
            compile_pattern(term)
        query.terms = terms
        for col in range(1, 6):
            term = args.get('sSearch_%d' % col)
            if term:
                compile_pattern(term)
                query.column_terms[col] = term
        query.start = _int_param(args, 'iDisplayStart', 0)
        length = _int_param(args, 'iDisplayLength', None, minimum=-1)
        query.length = None if length is None or length < 0 else length
        col = _int_param(args, 'iSortCol_0', DEFAULT_SORT_COLUMN)
        if not 1 <= col <= len(COLUMNS):
            raise ListingError('invalid iSortCol_0: must be 1 to %d'
                               % len(COLUMNS))
        query.sort_column = col
        direction = (args.get('sSortDir_0') or '').lower()
        if direction not in ('', 'asc', 'desc'):
            raise ListingError("invalid sSortDir_0: use 'asc' or 'desc'")
        query.sort_dir = direction or ('desc' if col == 6 else 'asc')
        echo = ascii_int(args.get('sEcho') or '0')
        query.echo = echo if echo is not None and echo >= 0 else 0
        return query


@dataclasses.dataclass
class ListingResult:
    rows: list
    total: int
    total_filtered: int


def _status_sql(status, now, prefix=''):
    """WHERE terms and parameters of a status; *prefix* ``'+'`` writes
    the columns as ``+column``, which keeps SQLite from choosing an index
    for those terms."""
    base = [prefix + 'valid IS NOT NULL', prefix + "valid != ''"]
    if status == 'valid':
        return base + [prefix + 'valid > ?', prefix + 'deprecated = 0'], [now]
    if status == 'expired':
        return base + [prefix + 'valid < ?', prefix + 'deprecated = 0'], [now]
    if status == 'deprecated':
        return base + [prefix + 'deprecated = 1'], []
    return base, []


def now_string(now=None):
    now = now or datetime.datetime.now(datetime.UTC)
    return format_date(now)


def run_query(conn, query, now=None, budget=SEARCH_BUDGET, columns=None):
    """Execute *query*; "now" is evaluated per call (UTC).

    The rows hold the index's *columns* (names; all of them by default).
    A query with search terms is interrupted after *budget* seconds
    (:class:`ListingError`).
    """
    if columns is not None and not set(columns) <= _INDEX_COLUMNS:
        raise ValueError('not index columns: %r' % (columns,))
    selected = '*' if columns is None else ', '.join(columns)
    register_functions(conn)
    if query.terms or query.column_terms:
        with search_budget(budget, conn):
            return _run_query(conn, query, now, selected)
    return _run_query(conn, query, now, selected)


def _filter_sql(query, now, prefix=''):
    """WHERE clause and parameters of the rows *query* lists (*prefix*:
    as :func:`_status_sql`, also for the location kind)."""
    where, params = _status_sql(query.status, now, prefix)
    if not query.created:
        where.append('latest = 1')
    for name in ('identifier', 'email', 'created'):
        value = getattr(query, name)
        if value:
            where.append('%s = ?' % name)
            params.append(value)
    if query.location == 'pdisk':
        where.append(prefix + 'has_pdisk = 1')
    elif query.location == 'web':
        where.append(prefix + 'has_web = 1')
    for term in query.terms:
        needle = literal_needle(term)
        if needle is None:
            where.append('mp_search(?, %s)' % ', '.join(COLUMNS))
            params.append(term)
        else:
            # in C, without the GIL; entries too long for the index's
            # search_text (NULL) are matched in Python
            where.append('coalesce(instr(search_text, ?) > 0, '
                         'mp_search(?, %s))' % ', '.join(COLUMNS))
            params += [needle, term]
    for col, term in sorted(query.column_terms.items()):
        where.append('mp_search(?, %s)' % COLUMNS[col - 1])
        params.append(term)
    return ' AND '.join(where), params


def _count(conn, where_sql, params):
    return conn.execute(
        'SELECT count(*) FROM entries WHERE ' + where_sql,  # noqa: S608
        params).fetchone()[0]


def _run_query(conn, query, now, selected):
    """The page, then the counts.

    The counts read the ``entries_listing`` index only (it holds every
    column of their WHERE clauses); without a filter the filtered count is
    the total, counted once.  The page walks the ``entries_latest`` index
    in endorsement-date order and stops after its rows: its status and
    location terms are written ``+column`` so that SQLite does not choose
    ``entries_listing`` for them and sort every listed row instead.  The
    index holds those columns, so in the default order (newest first) the
    rows before an offset are skipped in the index alone.
    """
    now = now_string(now)
    # Only constant SQL fragments are joined; every value is a parameter.
    page_where, page_params = _filter_sql(query, now, prefix='+')
    paged = query.length is not None or query.start
    direction = 'DESC' if query.sort_dir == 'desc' else 'ASC'
    column = COLUMNS[query.sort_column - 1]
    # ties by the rest of the key; "created" only once, or SQLite sorts
    # every row again instead of reading them in the index's order
    ties = 'identifier, email' + (', created' if column != 'created' else '')
    sql = ('SELECT %s FROM entries WHERE %s ORDER BY %s %s, %s'  # noqa: S608
           % (selected, page_where, column, direction, ties))
    if paged:
        sql += ' LIMIT ? OFFSET ?'
        page_params += [-1 if query.length is None else query.length,
                        query.start]
    rows = conn.execute(sql, page_params).fetchall()
    status_where, status_params = _status_sql(query.status, now)
    total_where = ' AND '.join(['latest = 1'] + status_where)
    listed = _listed_count(query, rows)
    if not query.has_filter and query.location == 'all':
        # the rows listed are the rows the total counts
        if listed is None:
            listed = _count(conn, total_where, status_params)
        return ListingResult(rows=rows, total=listed, total_filtered=listed)
    total = _count(conn, total_where, status_params)
    if listed is None:
        listed = _count(conn, *_filter_sql(query, now))
    return ListingResult(rows=rows, total=total, total_filtered=listed)


def _listed_count(query, rows):
    """How many rows *query* lists in all, when its page tells (``None``
    otherwise): the page reached the last row, so a search is not run a
    second time to count what it found."""
    if rows or not query.start:
        if query.length is None or len(rows) < query.length:
            return query.start + len(rows)
    return None


def json_row(row):
    """The 11-string StratusLab listing row of an index row."""
    values = [''] + [row[name] for name in COLUMNS]
    return [v if v is not None else 'null' for v in values]
