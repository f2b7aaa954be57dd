"""The stack's SQLite hook takes the write lock when a transaction begins.

The engines are oslo.db's, as in Keystone, Glance, Placement and Nova.
"""

import sqlite3

from oslo_db.sqlalchemy import engines
import pytest
import sqlalchemy as sa

from stack import sqlite_immediate


@pytest.fixture
def db(tmp_path):
    path = tmp_path / 't.db'
    c = sqlite3.connect(path)
    c.execute('PRAGMA journal_mode=WAL')
    c.execute('CREATE TABLE images (id TEXT PRIMARY KEY, status TEXT)')
    c.execute("INSERT INTO images VALUES ('a', 'queued')")
    c.commit()
    c.close()
    return path


@pytest.fixture
def engine(db):
    engine = engines.create_engine('sqlite:///%s?timeout=5' % db)
    yield engine
    engine.dispose()


@pytest.fixture(params=['oslo.db', 'sqlalchemy'])
def any_engine(request, db):
    url = 'sqlite:///%s?timeout=5' % db
    engine = (engines.create_engine(url) if request.param == 'oslo.db'
              else sa.create_engine(url))
    yield engine
    engine.dispose()


def _other_writer(path):
    """Commit a write from another connection; False if locked out."""
    other = sqlite3.connect(path, timeout=0)
    try:
        other.execute("UPDATE images SET status = 'other'")
        other.commit()
        return True
    except sqlite3.OperationalError as e:
        assert 'locked' in str(e)
        return False
    finally:
        other.close()


def _read_then_write(engine, db):
    """Glance's pattern: read the row, another writer commits, update."""
    with engine.connect() as conn:
        with conn.begin():
            status = conn.execute(sa.text(
                "SELECT status FROM images WHERE id = 'a'")).scalar()
            wrote = _other_writer(db)
            conn.execute(sa.text(
                "UPDATE images SET status = 'uploading' WHERE id = 'a'"))
    return status, wrote


def test_without_the_hook_a_stale_snapshot_fails_at_once(engine, db):
    # SQLITE_BUSY_SNAPSHOT: no wait, whatever the busy timeout
    with pytest.raises(sa.exc.OperationalError, match='locked'):
        _read_then_write(engine, db)


def test_with_the_hook_the_write_lock_is_taken_at_begin(any_engine, db):
    engine = any_engine
    sqlite_immediate.install(engine)
    status, wrote = _read_then_write(engine, db)
    assert status == 'queued'
    assert not wrote  # the other writer had to wait for us
    with engine.connect() as conn:
        assert conn.execute(sa.text('SELECT status FROM images')).scalar() \
            == 'uploading'
    # the lock is released at commit
    assert _other_writer(db)


def test_rollback_releases_the_lock(any_engine, db):
    engine = any_engine
    sqlite_immediate.install(engine)
    with engine.connect() as conn:
        trans = conn.begin()
        conn.execute(sa.text('SELECT 1'))
        assert not _other_writer(db)
        trans.rollback()
        assert _other_writer(db)
        with conn.begin():  # a second transaction on the same connection
            assert not _other_writer(db)
