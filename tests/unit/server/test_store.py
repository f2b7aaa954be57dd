import multiprocessing
import os
import sqlite3
import threading

import pytest

from marketplace_dashboard.core.errors import (
    EntryConflict,
    OlderThanLatest,
    StoreError,
)
from marketplace_dashboard.core.model import parse_appliance
from marketplace_dashboard.server import store as store_mod
from marketplace_dashboard.server.records import EntryRecord
from marketplace_dashboard.server.store import Store
from tests import SAMPLES

ID = 'BEE8-MMAw-Lk_IgsEExAy3d9R8h'


def record(created='2030-01-01T00:00:00Z', identifier=ID,
           email='a@example.org', **kw):
    kw.setdefault('valid', '2099-01-01T00:00:00Z')
    return EntryRecord(identifier=identifier, email=email, created=created,
                       **kw)


def test_add_writes_file_and_tracks_latest(tmp_path):
    st = Store(tmp_path)
    st.add(record('2030-01-01T00:00:00Z'), b'<one/>')
    st.add(record('2031-01-01T00:00:00Z'), b'<two/>')
    path = tmp_path / 'metadata' / ID / 'a@example.org' / \
        '2031-01-01T00:00:00Z.xml'
    assert path.read_bytes() == b'<two/>'
    latest = st.db.execute('SELECT created FROM entries WHERE latest=1') \
        .fetchall()
    assert [r[0] for r in latest] == ['2031-01-01T00:00:00Z']
    assert st.read(ID, 'a@example.org', '2030-01-01T00:00:00Z') == b'<one/>'
    # no temporary files left behind
    assert not list(tmp_path.rglob('.tmp-*'))


def test_older_than_latest_refused_equal_conflicts(tmp_path):
    st = Store(tmp_path)
    st.add(record('2031-01-01T00:00:00Z'), b'<two/>')
    with pytest.raises(OlderThanLatest):
        st.add(record('2030-01-01T00:00:00Z'), b'<one/>')
    assert st.read(ID, 'a@example.org', '2030-01-01T00:00:00Z') is None
    # the same key: accepted only byte for byte, nothing is overwritten
    with pytest.raises(EntryConflict):
        st.add(record('2031-01-01T00:00:00Z', title='again'), b'<again/>')
    st.add(record('2031-01-01T00:00:00Z', title='again'), b'<two/>')
    assert st.count() == 1
    assert st.read(ID, 'a@example.org', '2031-01-01T00:00:00Z') == \
        b'<two/>'
    assert st.get(ID, 'a@example.org', '2031-01-01T00:00:00Z')['title'] \
        is None
    # another endorser of the same identifier is independent
    st.add(record('2020-01-01T00:00:00Z', email='b@example.org'), b'<b/>')
    assert st.db.execute('SELECT count(*) FROM entries WHERE latest=1') \
        .fetchone()[0] == 2


@pytest.mark.parametrize('key', [
    ('../../../etc/passwd', 'a@example.org', '2030-01-01T00:00:00Z'),
    (ID + '/x', 'a@example.org', '2030-01-01T00:00:00Z'),
    (ID, '../../x@y', '2030-01-01T00:00:00Z'),
    (ID, 'a/b@example.org', '2030-01-01T00:00:00Z'),
    (ID, 'no-at-sign', '2030-01-01T00:00:00Z'),
    (ID, 'a@example.org', '../../2030-01-01T00:00:00Z'),
    (ID, 'a@example.org', '2030-01-01T00:00:00Z/../x'),
    (None, 'a@example.org', '2030-01-01T00:00:00Z'),
])
def test_unsafe_keys_never_reach_the_disk(tmp_path, key):
    st = Store(tmp_path / 'data')
    with pytest.raises(StoreError):
        st.add(record(identifier=key[0], email=key[1], created=key[2]),
               b'<x/>')
    assert st.read(*key) is None
    files = [p for p in (tmp_path).rglob('*') if p.is_file()]
    assert all(p.name.startswith('index.sqlite3') or p.name == '.index.lock'
               for p in files)


def test_rebuild_index_from_files(tmp_path):
    st = Store(tmp_path, parse=parse_appliance)
    for name in ('06-signed-testca.xml',
                 '05-signed-ca-issued-no-san-email.xml',
                 '04-signed-selfsigned-full.xml'):
        data = (SAMPLES / name).read_bytes()
        st.add(EntryRecord.from_appliance(parse_appliance(data)), data)
    # a stray file and a file stored under a key that is not its own
    (tmp_path / 'metadata' / 'junk.txt').write_text('x')
    wrong = tmp_path / 'metadata' / ID / 'x@example.org'
    wrong.mkdir(parents=True)
    (wrong / '2015-01-01T00:00:00Z.xml').write_bytes(
        (SAMPLES / '06-signed-testca.xml').read_bytes())
    before = st.db.execute(
        'SELECT identifier, email, created, latest, title, valid, '
        'alternative FROM entries ORDER BY 1, 2, 3').fetchall()
    os.unlink(st.index_path)
    st2 = Store(tmp_path, parse=parse_appliance)  # rebuilt automatically
    after = st2.db.execute(
        'SELECT identifier, email, created, latest, title, valid, '
        'alternative FROM entries ORDER BY 1, 2, 3').fetchall()
    assert [tuple(r) for r in after] == [tuple(r) for r in before]
    assert len(after) == 3
    assert st2.rebuild_index() == 3


def test_an_index_of_schema_2_is_rebuilt_with_the_search_text(tmp_path):
    st = Store(tmp_path, parse=parse_appliance)
    data = (SAMPLES / '06-signed-testca.xml').read_bytes()
    st.add(EntryRecord.from_appliance(parse_appliance(data)), data)
    st.db.execute('UPDATE entries SET search_text = NULL')
    st.db.execute('PRAGMA user_version = 2')
    st.db.close()
    st2 = Store(tmp_path, parse=parse_appliance)
    [(version,)] = st2.db.execute('PRAGMA user_version').fetchall()
    assert version == store_mod.SCHEMA_VERSION == 3
    [(text, identifier)] = st2.db.execute(
        'SELECT search_text, identifier FROM entries').fetchall()
    assert text is not None and identifier.lower() in text


def _upload_many(data_dir, prefix, count):
    st = Store(data_dir)
    for i in range(count):
        st.add(record('2030-01-01T00:00:%02dZ' % (i % 60),
                      email='%s%d@example.org' % (prefix, i)),
               b'<doc/>')


class _BusyOnce:
    """A connection whose first ``PRAGMA journal_mode=WAL`` answers
    SQLITE_BUSY at once, as SQLite does while another connection opens
    or checkpoints the WAL (the busy handler is not called then)."""

    def __init__(self, conn, failures):
        self._conn = conn
        self._failures = failures

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def __setattr__(self, name, value):
        if name.startswith('_'):
            object.__setattr__(self, name, value)
        else:
            setattr(self._conn, name, value)

    def execute(self, sql, *args):
        if sql == 'PRAGMA journal_mode=WAL' and self._failures:
            self._failures.pop()
            raise sqlite3.OperationalError('database is locked')
        return self._conn.execute(sql, *args)


def test_a_busy_journal_mode_switch_is_retried(tmp_path, monkeypatch):
    Store(tmp_path)
    failures = [1, 1, 1]
    real = sqlite3.connect
    monkeypatch.setattr(store_mod.sqlite3, 'connect',
                        lambda *a, **kw: _BusyOnce(real(*a, **kw), failures))
    st = Store(tmp_path)
    st.add(record('2030-01-01T00:00:00Z'), b'<doc/>')
    assert failures == []
    assert st.db.execute('PRAGMA journal_mode').fetchone()[0] == 'wal'


def test_a_lock_held_past_the_busy_time_is_an_error(tmp_path, monkeypatch):
    Store(tmp_path)
    real = sqlite3.connect
    monkeypatch.setattr(store_mod, '_BUSY_SECONDS', 0.05)
    monkeypatch.setattr(store_mod.sqlite3, 'connect',
                        lambda *a, **kw: _BusyOnce(real(*a, **kw),
                                                   [1] * 10000))
    with pytest.raises(sqlite3.OperationalError, match='locked'):
        Store(tmp_path).db.execute('SELECT 1')


def test_concurrent_writers_threads_and_processes(tmp_path):
    Store(tmp_path)
    threads = [threading.Thread(target=_upload_many,
                                args=(tmp_path, 't%d-' % n, 25))
               for n in range(4)]
    ctx = multiprocessing.get_context('spawn')
    procs = [ctx.Process(target=_upload_many, args=(tmp_path, 'p%d-' % n, 25))
             for n in range(2)]
    for worker in threads + procs:
        worker.start()
    for worker in threads + procs:
        worker.join(120)
    assert all(p.exitcode == 0 for p in procs)
    conn = sqlite3.connect(os.path.join(tmp_path, store_mod.INDEX_NAME))
    assert conn.execute('SELECT count(*) FROM entries').fetchone()[0] == 150
    assert len(list((tmp_path / 'metadata').rglob('*.xml'))) == 150


def test_concurrent_versions_of_one_key_keep_single_latest(tmp_path):
    st = Store(tmp_path)
    errors = []

    def worker(second):
        try:
            Store(tmp_path).add(
                record('2030-01-01T00:00:%02dZ' % second), b'<v/>')
        except OlderThanLatest:
            errors.append(second)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = st.db.execute('SELECT created, latest FROM entries').fetchall()
    latest = [r[0] for r in rows if r[1]]
    assert latest == ['2030-01-01T00:00:19Z']
    # every upload was either stored or refused as older, never lost
    assert len(rows) + len(errors) == 20
