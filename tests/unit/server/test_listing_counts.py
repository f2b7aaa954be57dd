"""The listing's counts (total and filtered) and the index its queries use:
the counts read the ``entries_listing`` index only, the page walks
``entries_latest`` in endorsement-date order, and an index of an earlier
version gets ``entries_listing`` when it is opened."""

import datetime
import hashlib
import re
import sqlite3

import pytest

from marketplace_dashboard.core.identifier import identifier_from_sha1
from marketplace_dashboard.server import listing
from marketplace_dashboard.server.records import EntryRecord
from marketplace_dashboard.server.store import (
    INDEX_NAME,
    SCHEMA_VERSION,
    Store,
)

NOW = datetime.datetime.now(datetime.UTC)

# The schema before entries_listing (version 2 had no such index).
OLD_SCHEMA = """
CREATE TABLE entries (
    identifier TEXT NOT NULL,
    email TEXT NOT NULL,
    created TEXT NOT NULL,
    os TEXT, os_version TEXT, os_arch TEXT, kind TEXT, location TEXT,
    description TEXT, title TEXT, alternative TEXT, valid TEXT,
    deprecated INTEGER NOT NULL DEFAULT 0, deprecated_reason TEXT,
    subject TEXT, issuer TEXT,
    has_pdisk INTEGER NOT NULL DEFAULT 0, has_web INTEGER NOT NULL DEFAULT 1,
    path TEXT NOT NULL, sha256 TEXT, key_sha256 TEXT,
    latest INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (identifier, email, created)
);
CREATE INDEX entries_latest ON entries (latest, created);
CREATE INDEX entries_email ON entries (email, latest);
"""


def fmt(delta_days):
    return (NOW + datetime.timedelta(days=delta_days)).strftime(
        '%Y-%m-%dT%H:%M:%SZ')


def generated_records():
    """Valid, expired, deprecated and undated entries, web and pdisk
    locations, and older versions (not latest) of some of them."""
    records = []
    for i in range(240):
        ident = identifier_from_sha1(hashlib.sha1(  # noqa: S324
            b'count%d' % i).hexdigest())
        valid = (fmt(30), fmt(-3), None)[i % 3] if i % 7 else fmt(90)
        location = 'pdisk:x:1:%d' % i if i % 4 == 0 else 'https://h/%d' % i
        for version in range(1 + (i % 5 == 0)):  # a fifth have two
            records.append(EntryRecord(
                identifier=ident, email='user%d@example.org' % (i % 6),
                created=fmt(-100 + version - i / 1000), os='Ubuntu',
                kind='machine', locations=(location,), title='T%d' % i,
                # the older version is valid and current: not listed
                valid=fmt(300) if version == 0 and i % 5 == 0 else valid,
                deprecated=i % 11 == 0))
    return records


def latest_records(records):
    latest = {}
    for r in records:
        pair = (r.identifier, r.email)
        if pair not in latest or r.created > latest[pair].created:
            latest[pair] = r
    return list(latest.values())


def expected(records, status='valid', location='all', email=None):
    now = listing.now_string()
    rows = [r for r in latest_records(records) if r.valid]
    if status == 'valid':
        rows = [r for r in rows if r.valid > now and not r.deprecated]
    elif status == 'expired':
        rows = [r for r in rows if r.valid < now and not r.deprecated]
    elif status == 'deprecated':
        rows = [r for r in rows if r.deprecated]
    total = len(rows)
    if location == 'pdisk':
        rows = [r for r in rows if r.locations[0].startswith('pdisk')]
    elif location == 'web':
        rows = [r for r in rows if r.locations[0].startswith('https')]
    if email:
        rows = [r for r in rows if r.email == email]
    return total, rows


class Recording:
    """The connection :func:`listing.run_query` is given: records the
    statements it runs, with their parameters."""

    def __init__(self, conn):
        self.conn = conn
        self.statements = []

    def execute(self, sql, params=()):
        self.statements.append((sql, list(params)))
        return self.conn.execute(sql, params)

    def create_function(self, *args, **kwargs):
        return self.conn.create_function(*args, **kwargs)

    def set_progress_handler(self, *args):
        return self.conn.set_progress_handler(*args)

    def plans(self, kind):
        """``(sql, plan lines)`` of the recorded count or page queries."""
        out = []
        for sql, params in self.statements:
            if sql.startswith('SELECT count(*)') == (kind == 'count'):
                plan = [row[3] for row in self.conn.execute(
                    'EXPLAIN QUERY PLAN ' + sql, params)]
                out.append((sql, plan))
        return out


@pytest.fixture(scope='module')
def store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp('counts'))
    records = generated_records()
    store.add_many((r, b'<doc/>') for r in records)
    return store, records


CASES = [
    {}, {'status': 'expired'}, {'status': 'deprecated'}, {'status': 'all'},
    {'location': 'pdisk'}, {'location': 'web', 'status': 'all'},
    {'email': 'user2@example.org'},
    {'email': 'user3@example.org', 'status': 'deprecated'},
]


@pytest.mark.parametrize('paged', [True, False])
@pytest.mark.parametrize('case', CASES)
def test_counts_with_and_without_filters(store, case, paged):
    st, records = store
    args = dict(case, **({'iDisplayLength': '7'} if paged else {}))
    conn = Recording(st.db)
    result = listing.run_query(conn, listing.ListingQuery.from_args(args))
    total, rows = expected(records, **case)
    assert total > 0 and rows
    assert result.total == total
    assert result.total_filtered == len(rows)
    got = sorted((r['identifier'], r['email'], r['created'])
                 for r in result.rows)
    want = sorted(r.key() for r in rows)
    if paged:
        assert len(got) == min(7, len(rows))
        assert set(got) <= set(want)
    else:
        assert got == want
    counts = len(conn.plans('count'))
    unfiltered = not case.get('email') and case.get('location') is None
    # the listed rows are counted only when the page does not tell how
    # many there are (a full page); unfiltered they are the total, else
    # the total is counted too
    counted = int(paged and len(rows) >= 7)
    assert counts == (counted if unfiltered else 1 + counted)


def _scans_table(plan):
    return any(re.match(r'SCAN entries(?! USING)', line) for line in plan)


@pytest.mark.parametrize('case', CASES)
def test_counts_read_the_listing_index_only(store, case):
    st, _ = store
    conn = Recording(st.db)
    listing.run_query(conn, listing.ListingQuery.from_args(
        dict(case, iDisplayLength='1')))  # a full page: counted
    plans = conn.plans('count')
    assert plans
    for sql, plan in plans:
        assert not _scans_table(plan), (sql, plan)
        if 'email = ?' not in sql:  # the endorser's count: its own index
            assert any('USING COVERING INDEX entries_listing' in line
                       for line in plan), (sql, plan)


@pytest.mark.parametrize('case', CASES)
def test_the_page_walks_the_latest_entries_in_date_order(store, case):
    st, _ = store
    conn = Recording(st.db)
    listing.run_query(conn, listing.ListingQuery.from_args(
        dict(case, iDisplayLength='20')))
    [(sql, plan)] = conn.plans('page')
    assert not _scans_table(plan), (sql, plan)
    if not case.get('email'):
        assert any('USING INDEX entries_latest' in line
                   for line in plan), (sql, plan)
        # ordered by the index: only ties of a date are sorted, so the
        # query stops after the page
        assert 'USE TEMP B-TREE FOR ORDER BY' not in plan, (sql, plan)


def test_an_index_of_the_earlier_schema_gets_the_listing_index(tmp_path):
    path = tmp_path / INDEX_NAME
    old = sqlite3.connect(path)
    old.executescript(OLD_SCHEMA)
    old.execute('PRAGMA user_version = %d' % SCHEMA_VERSION)
    old.executemany(
        'INSERT INTO entries (identifier, email, created, valid, path, '
        'deprecated, latest) VALUES (?, ?, ?, ?, ?, ?, 1)',
        [('ID%d' % i, 'a@example.org', fmt(-i), fmt(10 if i % 2 else -10),
          'x', int(i % 5 == 0)) for i in range(1, 31)])
    old.commit()
    assert 'entries_listing' not in {row[0] for row in old.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index'")}
    old.close()
    st = Store(tmp_path)  # not outdated: no rebuild (it has no parser)
    names = {row[0] for row in st.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert 'entries_listing' in names
    conn = Recording(st.db)
    result = listing.run_query(conn, listing.ListingQuery.from_args(
        {'iDisplayLength': '5'}))
    # odd i are valid, multiples of 5 deprecated: 1 3 7 9 11 13 17 ...
    want = [i for i in range(1, 31) if i % 2 and i % 5]
    assert (result.total, result.total_filtered) == (len(want), len(want))
    assert [r['identifier'] for r in result.rows] == [
        'ID%d' % i for i in want[:5]]
    [(sql, plan)] = conn.plans('count')
    assert any('COVERING INDEX entries_listing' in line for line in plan)


@pytest.mark.parametrize('start, counted', [
    (0, False), ('last two', False), ('past the end', True)])
def test_a_page_reaching_the_last_row_is_the_count(store, start, counted):
    st, records = store
    case = {'email': 'user2@example.org'}
    _, rows = expected(records, **case)
    start = {'last two': len(rows) - 2,
             'past the end': len(rows) + 5}.get(start, start)
    conn = Recording(st.db)
    result = listing.run_query(conn, listing.ListingQuery.from_args(
        dict(case, iDisplayStart=str(start),
             iDisplayLength=str(len(rows) + 1))))
    assert result.total_filtered == len(rows)
    assert len(result.rows) == max(len(rows) - start, 0)
    # the total is always counted; the listed rows only past the end
    assert len(conn.plans('count')) == 1 + int(counted)
