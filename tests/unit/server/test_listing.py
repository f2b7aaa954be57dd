"""Paging, sorting and counting over a few thousand index rows."""

import datetime
import hashlib
import random

import pytest

from marketplace_dashboard.core.identifier import identifier_from_sha1
from marketplace_dashboard.server import listing
from marketplace_dashboard.server.store import COLUMNS, EntryRecord, Store
from tests.unit.server.test_app import listing as get_listing

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


@pytest.mark.parametrize('column', [1, 4, 6, 7, 9, 10])
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
