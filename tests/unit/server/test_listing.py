"""Paging, sorting and counting over a few thousand index rows."""

import datetime
import hashlib
import random
import re
import time

import pytest

from marketplace_dashboard.core.errors import ListingError
from marketplace_dashboard.core.identifier import identifier_from_sha1
from marketplace_dashboard.server import listing, search
from marketplace_dashboard.server.records import COLUMNS, EntryRecord
from marketplace_dashboard.server.store import Store
from tests.unit.server.web import listing as get_listing

COUNT = 3000
NOW = datetime.datetime.now(datetime.UTC)


def fmt(delta_days):
    return (NOW + datetime.timedelta(days=delta_days)).strftime(
        '%Y-%m-%dT%H:%M:%SZ')


def generated_records():
    rng = random.Random(4242)
    records = []
    for i in range(COUNT):
        ident = identifier_from_sha1(hashlib.sha1(  # noqa: S324
            b'%d' % i).hexdigest())
        records.append(EntryRecord(
            identifier=ident,
            email='user%d@example.org' % rng.randrange(40),
            created=fmt(-rng.randrange(1, 400)),
            os=rng.choice(['Ubuntu', 'CentOS', 'Debian', None]),
            os_version=rng.choice(['8', '9', '10', '22.04']),
            os_arch=rng.choice(['x86_64', 'i686', 'aarch64']),
            kind=rng.choice(['machine', 'disk']),
            locations=(rng.choice(['https://h/%d' % i, 'pdisk:x:1:%d' % i]),),
            description=rng.choice(['alpha', 'beta', 'gamma', None]),
            title=rng.choice(['same title', 'T%d' % rng.randrange(100)]),
            valid=fmt(rng.choice([-5, 30, 300])),
            deprecated=rng.random() < 0.1))
    return records


@pytest.fixture(scope='module')
def big(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp('big')
    store = Store(data_dir)
    records = generated_records()
    store.add_many((r, b'<doc/>') for r in records)
    return data_dir, records


def expected_valid(records, now=None):
    now = listing.now_string(now)
    return [r for r in records if r.valid > now and not r.deprecated]


def sort_key_value(record, column):
    value = getattr(record, 'location' if column == 'location'
                    else column, None)
    if column == 'location':
        value = record.locations[0] if record.locations else None
    return (value is not None, value or '')


def ordered(records, column, direction):
    rows = sorted(records, key=lambda r: (r.identifier, r.email, r.created))
    return sorted(rows, key=lambda r: sort_key_value(r, column),
                  reverse=direction == 'desc')


@pytest.mark.parametrize('column', range(1, 11))
@pytest.mark.parametrize('direction', ['asc', 'desc'])
def test_paging_and_sorting_over_thousands(big, live, column, direction):
    data_dir, records = big
    srv = live(data_dir=data_dir)
    want = ordered(expected_valid(records), COLUMNS[column - 1], direction)
    got = []
    start = 0
    while True:
        page = get_listing(srv, iDisplayStart=str(start),
                           iDisplayLength='250', iSortCol_0=str(column),
                           sSortDir_0=direction)
        assert page['iTotalDisplayRecords'] == len(want)
        assert page['iTotalRecords'] == len(want)
        if not page['aaData']:
            break
        got.extend((r[7], r[4], r[6]) for r in page['aaData'])
        start += 250
    assert got == [r.key() for r in want]


def test_counts_with_filters(big, live):
    data_dir, records = big
    srv = live(data_dir=data_dir)
    valid = expected_valid(records)
    page = get_listing(srv, sSearch_1='^ubuntu$', sSearch_5='disk',
                       iDisplayLength='5')
    want = [r for r in valid if r.os == 'Ubuntu' and r.kind == 'disk']
    assert page['iTotalRecords'] == len(valid)
    assert page['iTotalDisplayRecords'] == len(want)
    assert len(page['aaData']) == 5
    page = get_listing(srv, sSearch='GAMMA same', status='all')

    def matches(record, term):
        values = [getattr(record, c, None) for c in COLUMNS
                  if c != 'location'] + list(record.locations)
        return any(v and term in v.lower() for v in values)

    want = [r for r in records if matches(r, 'gamma') and matches(r, 'same')]
    assert len(want) > 100
    assert page['iTotalDisplayRecords'] == len(want)
    expired = get_listing(srv, status='expired', location='pdisk')
    want = [r for r in records if r.valid < listing.now_string()
            and not r.deprecated and r.locations[0].startswith('pdisk')]
    assert sorted((r[7], r[4], r[6]) for r in expired['aaData']) == \
        sorted(r.key() for r in want)


@pytest.mark.parametrize('pattern', [
    'ubuntu', re.escape('c++ (beta) x86_64'), '^x86_64$', '',
    r'^ubuntu\s+14.*', 'colou?r', '(centos|debian)', r'\d{4}-\d{2}',
    '(ab)+x', '(a|b)*c', 'a.*b', '[a-z]+', r'(?i)^\w+@example\.org$'])
def test_safe_patterns_accepted(pattern):
    search.check_pattern(pattern)
    regex, _ = search.compile_pattern(pattern)
    assert regex.flags & re.IGNORECASE


@pytest.mark.parametrize('pattern, reason', [
    ('(.|.)*!', 'no alternation or repetition inside'),
    (r'(\w|\w)*!', 'no alternation or repetition inside'),
    ('(.*a){12}!', 'no alternation or repetition inside'),
    ('(a+)+$', 'no alternation or repetition inside'),
    ('(ab|cd)+', 'no alternation or repetition inside'),
    ('(ab){3}', 'only be repeated with ?, * or +'),
    ('.*.*x', 'at most 1 unbounded repetition'),
    (r'\w+\s+x', 'at most 1 unbounded repetition'),
    ('a{101}', 'above 100'),
    ('a{0,20}x', 'too many alternatives'),
    ('(aa|bb)(aa|bb)(aa|bb)(aa|bb)(aa|bb)', 'too many alternatives'),
    ('(aa|bb)(aa|bb)(aa|bb).*x', 'too many alternatives'),
    (r'(a)\1', 'backreferences'),
    ('(?<=a)b', 'lookahead and lookbehind'),
    ('(', 'missing )'),
])
def test_unsafe_patterns_refused(pattern, reason):
    with pytest.raises(ListingError) as err:
        search.check_pattern(pattern)
    assert str(err.value).startswith('invalid search expression: ')
    assert reason in str(err.value)


@pytest.fixture
def hostile(tmp_path):
    """Two valid entries with 20,000-character values."""
    store = Store(tmp_path)
    records = [EntryRecord(
        identifier=identifier_from_sha1(hashlib.sha1(  # noqa: S324
            b'hostile%d' % i).hexdigest()),
        email='mallory@example.org', created=fmt(-1), valid=fmt(30),
        description='a' * 20000 + '!', title='a' * 20000)
        for i in range(2)]
    store.add_many((r, b'<doc/>') for r in records)
    return store


def test_search_cost_is_bounded_on_hostile_values(hostile):
    def count(**args):
        query = listing.ListingQuery.from_args(args)
        return listing.run_query(hostile.db, query).total_filtered

    started = time.monotonic()
    # quadratic in the length of the text searched: seconds on 20,000
    # characters, milliseconds on the first 512
    assert count(sSearch='.*~') == 0
    assert count(sSearch='a{0,3}.*~') == 0
    assert time.monotonic() - started < 1
    # literal text is searched in the whole value, expressions with a
    # variable-width part in its first 512 characters
    assert count(sSearch='!') == 2
    assert count(sSearch='a!') == 2
    assert count(sSearch='a+!') == 0
    assert count(sSearch='a.*') == 2


@pytest.mark.parametrize('term', ['nothing', 'noth.ng'])
def test_search_time_budget(big, term):
    # a literal term runs in SQLite (the progress handler stops it), an
    # expression in Python (mp_search stops it)
    store = Store(big[0])
    query = listing.ListingQuery.from_args({'sSearch': term})
    with pytest.raises(ListingError) as err:
        listing.run_query(store.db, query, budget=0)
    assert 'took more than 0 seconds' in str(err.value)
    # a listing without search terms is not limited
    plain = listing.ListingQuery.from_args({})
    assert listing.run_query(store.db, plain, budget=0).total == len(
        expected_valid(big[1]))
    # and the connection is usable afterwards
    assert listing.run_query(store.db, query).total_filtered == 0


class CountingCalls:
    """A connection whose ``mp_search`` calls are counted."""

    def __init__(self, conn):
        self.conn = conn
        self.calls = 0

    def __getattr__(self, name):
        return getattr(self.conn, name)

    def create_function(self, name, narg, func, **kwargs):
        def counted(*args):
            self.calls += 1
            return func(*args)
        return self.conn.create_function(name, narg, counted, **kwargs)


@pytest.mark.parametrize('term, needle, in_python', [
    ('alpha', 'alpha', False), ('ALPHA', 'alpha', False),
    (re.escape('22.04'), '22.04', False),
    ('alph.', 'alph', True), ('^alpha', 'alpha', True),
])
def test_literal_terms_are_matched_in_sqlite(big, term, needle, in_python):
    data_dir, records = big
    conn = CountingCalls(Store(data_dir).db)
    result = listing.run_query(conn, listing.ListingQuery.from_args(
        {'sSearch': term, 'iDisplayLength': '10'}))
    want = [r for r in expected_valid(records) if any(
        needle in (getattr(r, c, None) or '').lower()
        for c in ('os', 'os_version', 'description', 'title'))]
    assert want and result.total_filtered == len(want)
    assert (conn.calls > 0) == in_python


def store_of_one(data_dir, name, **fields):
    """A store holding one valid entry of image *name* with *fields*."""
    store = Store(data_dir)
    store.add_many([(EntryRecord(
        identifier=identifier_from_sha1(hashlib.sha1(  # noqa: S324
            name).hexdigest()),
        email='owner@example.org', created=fmt(-1), valid=fmt(30),
        **fields), b'<doc/>')])
    return store


def search_count(store, term, **kwargs):
    """How many entries of *store* the search *term* lists."""
    query = listing.ListingQuery.from_args({'sSearch': term})
    return listing.run_query(store.db, query, **kwargs).total_filtered


def test_a_literal_term_never_matches_across_two_values(tmp_path):
    store = store_of_one(tmp_path, b'join', description='Gazelle',
                         title='Zebra')

    def count(term):
        return search_count(store, term)

    assert count('gazelle') == count('zebra') == 1
    # however the values are joined in the index
    for term in ('ellezeb', 'zebragaz', 'lle\x00zeb', 'ra\x00gaz',
                 'elle\x00', '\x00'):
        assert count(term) == 0, term
    # the row holds the lower-cased values
    [text] = store.db.execute('SELECT search_text FROM entries').fetchone()
    assert 'gazelle' in text and 'zebra' in text and 'Z' not in text


def test_literal_search_of_huge_values_stays_within_budget(tmp_path):
    # issue 14, finding 4: a literal term is found in linear time in the
    # whole value (Python's re took seconds per 3 MiB value)
    store = store_of_one(tmp_path, b'huge', title='big',
                         description='a' * (3 * 1024 * 1024) + 'XYZ')

    def count(term):
        return search_count(store, term, budget=1)

    assert count('a' * 199 + 'b') == 0
    assert count('aaXyZ') == 1
    assert count(re.escape('a.') + 'xyz') == 0


def test_search_over_its_budget_answered_and_others_served(live, jane):
    from tests.unit.server.conftest import make_doc
    from tests.unit.server.web import error_text, get, post

    srv = live(search_budget=0)
    assert post(srv, make_doc(jane, 1)).status_code == 201
    # an expression: matched in Python, so one entry already stops it (a
    # literal term is checked every few thousand SQLite steps, see
    # test_search_time_budget)
    response = get(srv, '/metadata', sSearch='ubunt.')
    assert response.status_code == 400
    assert 'the search took more than 0 seconds' in error_text(response)
    assert get(srv, '/endorsers').status_code == 200
    assert len(get_listing(srv)['aaData']) == 1


def test_the_page_holds_the_columns_asked_for(big):
    store = Store(big[0])
    query = listing.ListingQuery.from_args({'iDisplayLength': '3'})
    result = listing.run_query(store.db, query, columns=('path',))
    assert [r.keys() for r in result.rows] == [['path']] * 3
    everything = listing.run_query(store.db, query)
    assert [r['path'] for r in result.rows] == [
        r['path'] for r in everything.rows]
    assert 'search_text' in everything.rows[0].keys()
    with pytest.raises(ValueError):
        listing.run_query(store.db, query, columns=('path; DROP',))
