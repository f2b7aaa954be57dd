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

"""File store of signed metadata documents with a SQLite index.

Layout (as the original service)::

    <data-dir>/metadata/<identifier>/<email>/<created>.xml
    <data-dir>/index.sqlite3

Every path component is validated against its pattern *before* any path is
built (:mod:`~marketplace_dashboard.server.records`), documents are written
atomically and the index is updated in a ``BEGIN IMMEDIATE`` transaction so
that concurrent uploads, from threads or from several processes, never lose
an entry nor break the rules of an upload:

* stored documents are immutable: an upload of a stored key is accepted
  only when it is byte for byte the stored document (nothing is written),
  anything else is :class:`EntryConflict`;
* an (identifier, e-mail) pair is bound to the certificate of its first
  entry: later entries must be signed with the same public key, or (with
  *allow_renewal*, on a service whose trust policy checks the CA chain)
  by a certificate with the same subject and issuer
  (:class:`EndorserMismatch`);
* no entry older than the latest of its pair (:class:`OlderThanLatest`).

The binding is the first entry's certificate, so it is recovered from the
files whenever the index is rebuilt (:meth:`Store.rebuild_index`); an
index written by an earlier version (an older :data:`SCHEMA_VERSION`) is
rebuilt when the store opens.  Dates are indexed with four-digit years.
"""

import contextlib
import fcntl
import logging
import os
import sqlite3
import tempfile
import threading
import time

from marketplace_dashboard.core.errors import (
    EndorserMismatch,
    EntryConflict,
    MarketplaceError,
    OlderThanLatest,
    StoreError,
)
from marketplace_dashboard.core.formats import DATE_RE, is_email
from marketplace_dashboard.core.identifier import IDENTIFIER_RE
from marketplace_dashboard.server.endorsers import (
    binding_problem,
    document_key,
)
from marketplace_dashboard.server.records import (
    EntryRecord,
    atomic_write,
    index_row,
    relative_path,
)

__all__ = [
    'INDEX_NAME', 'SCHEMA_VERSION', 'Store',
]

LOG = logging.getLogger(__name__)

INDEX_NAME = 'index.sqlite3'
#: how long a connection waits for another one's lock
_BUSY_SECONDS = 30
#: ``PRAGMA user_version`` of the index; an older index is rebuilt.
SCHEMA_VERSION = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
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
    -- the listing columns lower-cased for literal search terms
    -- (search.search_text), NULL when too long
    search_text TEXT,
    PRIMARY KEY (identifier, email, created)
);
-- the page's walk in the default order (newest first, ties by identifier
-- and e-mail), with the status and location columns: the rows an OFFSET
-- skips are neither read from the table nor sorted
CREATE INDEX IF NOT EXISTS entries_latest
    ON entries (latest, created DESC, identifier, email, deprecated, valid,
                has_pdisk, has_web);
CREATE INDEX IF NOT EXISTS entries_email ON entries (email, latest);
-- covers the listing's counts (status and location kind of the latest
-- entries), so they read the index, never the table; created when an
-- index of an earlier version is opened
CREATE INDEX IF NOT EXISTS entries_listing
    ON entries (latest, deprecated, valid, has_pdisk, has_web);
"""


class Store:
    """Signed documents on disk plus their SQLite index.

    *parse* turns document bytes into an
    :class:`~marketplace_dashboard.core.model.Appliance`; it is only needed
    to rebuild the index from the files.
    """

    def __init__(self, data_dir, parse=None, rebuild_missing=True):
        self.data_dir = os.path.abspath(data_dir)
        self.index_path = os.path.join(self.data_dir, INDEX_NAME)
        self._parse = parse
        self._local = threading.local()
        os.makedirs(os.path.join(self.data_dir, 'metadata'), exist_ok=True)
        if rebuild_missing and self._outdated():
            with self._rebuild_lock():
                # another process (e.g. a gunicorn worker) may have rebuilt
                # it while this one waited for the lock
                if self._outdated():
                    self.rebuild_index()

    def _outdated(self):
        """True if the index is missing or of an older schema."""
        if not os.path.exists(self.index_path):
            return True
        conn = sqlite3.connect(self.index_path, timeout=30)
        try:
            version = conn.execute('PRAGMA user_version').fetchone()[0]
        finally:
            conn.close()
        return version < SCHEMA_VERSION

    @contextlib.contextmanager
    def _rebuild_lock(self):
        fd = os.open(os.path.join(self.data_dir, '.index.lock'),
                     os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    # -- connections -------------------------------------------------------

    def connect(self, path=None):
        conn = sqlite3.connect(path or self.index_path,
                               timeout=_BUSY_SECONDS,
                               isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute('PRAGMA busy_timeout=%d' % (_BUSY_SECONDS * 1000))
        # Switching to WAL (a no-op once the file is in WAL mode, which
        # persists) can answer SQLITE_BUSY at once, without the busy
        # handler, while another connection opens or checkpoints the WAL:
        # retried here for as long as the busy timeout.
        deadline = time.monotonic() + _BUSY_SECONDS
        while True:
            try:
                conn.execute('PRAGMA journal_mode=WAL')
                break
            except sqlite3.OperationalError as exc:
                if 'locked' not in str(exc) or time.monotonic() > deadline:
                    conn.close()
                    raise
                time.sleep(0.01)
        conn.execute('PRAGMA synchronous=NORMAL')
        conn.executescript(_SCHEMA)
        return conn

    @property
    def db(self):
        """This thread's connection to the index."""
        conn = getattr(self._local, 'conn', None)
        if conn is None:
            conn = self.connect()
            self._local.conn = conn
        return conn

    @contextlib.contextmanager
    def _write(self, conn=None):
        conn = conn or self.db
        conn.execute('BEGIN IMMEDIATE')
        try:
            yield conn
        except BaseException:
            conn.execute('ROLLBACK')
            raise
        conn.execute('COMMIT')

    # -- writing -----------------------------------------------------------

    def add(self, record, document, allow_renewal=False):
        """Store *document* under *record*'s key and index it.

        Refused with :class:`EndorserMismatch`, :class:`EntryConflict` or
        :class:`OlderThanLatest` (see the module documentation); the
        same document again is accepted and nothing is written.  Returns
        the record.
        """
        rel = relative_path(*record.key())
        with self._write() as conn:
            # The file is written while holding the index write lock so
            # that two uploads of the same key cannot interleave.
            if self._admit(conn, record, rel, document, allow_renewal):
                self._insert(conn, record, rel)
                atomic_write(os.path.join(self.data_dir, rel), document)
        return record

    def _admit(self, conn, record, rel, document, allow_renewal):
        """False for a byte-identical re-upload, True for a new entry;
        raises for a refused one."""
        pair = (record.identifier, record.email)
        stored = conn.execute(
            'SELECT path FROM entries WHERE identifier=? AND email=? AND '
            'created=?', pair + (record.created,)).fetchone()
        if stored is not None:
            try:
                same = self.read_path(stored['path']) == document
            except FileNotFoundError:
                same = None  # indexed but lost: store it again
            if same:
                return False
        first = conn.execute(
            'SELECT created, subject, issuer, key_sha256 FROM entries WHERE '
            'identifier=? AND email=? ORDER BY created LIMIT 1',
            pair).fetchone()
        if first is not None:
            problem = binding_problem(first, record, allow_renewal)
            if problem:
                raise EndorserMismatch(problem)
        if stored is not None and same is not None:
            raise EntryConflict(
                'an entry %s is already stored with other content; stored '
                'entries are never replaced' % '/'.join(record.key()))
        latest = conn.execute(
            'SELECT max(created) FROM entries WHERE identifier=? AND email=?',
            pair).fetchone()[0]
        if latest is not None and record.created < latest:
            raise OlderThanLatest('older than latest entry')
        return True

    def _insert(self, conn, record, rel):
        latest = conn.execute(
            'SELECT max(created) FROM entries WHERE identifier=? AND email=?',
            (record.identifier, record.email)).fetchone()[0]
        is_latest = latest is None or record.created >= latest
        if is_latest:
            conn.execute(
                'UPDATE entries SET latest=0 WHERE identifier=? AND email=?',
                (record.identifier, record.email))
        row = index_row(record, rel, is_latest)
        # Only the constant column names are joined; values are parameters.
        conn.execute(
            'INSERT OR REPLACE INTO entries (%s) VALUES (%s)'  # noqa: S608
            % (', '.join(row), ', '.join('?' * len(row))),
            tuple(row.values()))

    def add_many(self, pairs):
        """Bulk :meth:`add` of ``(record, document)`` pairs (one txn)."""
        with self._write() as conn:
            for record, document in pairs:
                rel = relative_path(*record.key())
                if self._admit(conn, record, rel, document, False):
                    self._insert(conn, record, rel)
                    atomic_write(os.path.join(self.data_dir, rel), document)

    def rebuild_index(self):
        """Recreate the index from the stored files; returns the count.

        The new index is built next to the old one and renamed over it;
        run it with the service stopped (``--rebuild-index``) or let it run
        automatically when the index is missing.
        """
        fd, tmp = tempfile.mkstemp(dir=self.data_dir, prefix='.index-',
                                   suffix='.rebuild')
        os.close(fd)
        conn = self.connect(tmp)
        count = 0
        try:
            with self._write(conn):
                for rel in self._stored_files():
                    record = self._record_from_file(rel)
                    if record is not None:
                        self._insert(conn, record, rel)
                        count += 1
            conn.execute('PRAGMA user_version = %d' % SCHEMA_VERSION)
            conn.execute('PRAGMA wal_checkpoint(TRUNCATE)')
            conn.execute('PRAGMA journal_mode=DELETE')
        except BaseException:
            conn.close()
            for suffix in ('', '-wal', '-shm'):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp + suffix)
            raise
        conn.close()
        old = getattr(self._local, 'conn', None)
        if old is not None:
            old.close()
            self._local.conn = None
        # a WAL left by the old index must never be applied to the new one
        for suffix in ('-wal', '-shm'):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.index_path + suffix)
        os.replace(tmp, self.index_path)
        LOG.info('index rebuilt from %d stored documents', count)
        return count

    def _stored_files(self):
        root = os.path.join(self.data_dir, 'metadata')
        for identifier in sorted(os.listdir(root)):
            id_dir = os.path.join(root, identifier)
            if not IDENTIFIER_RE.match(identifier) or \
                    not os.path.isdir(id_dir):
                continue
            for email in sorted(os.listdir(id_dir)):
                email_dir = os.path.join(id_dir, email)
                if not is_email(email) or not os.path.isdir(email_dir):
                    continue
                for name in sorted(os.listdir(email_dir)):
                    created = name[:-4]
                    if name.endswith('.xml') and DATE_RE.match(created):
                        yield relative_path(identifier, email, created)

    def _record_from_file(self, rel):
        if self._parse is None:
            raise StoreError('cannot rebuild the index without a parser')
        try:
            with open(os.path.join(self.data_dir, rel), 'rb') as handle:
                document = handle.read()
            record = EntryRecord.from_appliance(self._parse(document))
            record.key_sha256 = document_key(document)
        except (OSError, MarketplaceError) as exc:
            LOG.warning('skipping %s: %s', rel, exc)
            return None
        if relative_path(*record.key()) != rel:
            LOG.warning('skipping %s: its content is for %s', rel,
                        '/'.join(record.key()))
            return None
        return record

    # -- reading -----------------------------------------------------------

    def read(self, identifier, email, created):
        """Stored bytes of one entry, or ``None`` when there is none."""
        try:
            rel = relative_path(identifier, email, created)
        except StoreError:
            return None
        try:
            with open(os.path.join(self.data_dir, rel), 'rb') as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    def read_path(self, rel):
        with open(os.path.join(self.data_dir, rel), 'rb') as handle:
            return handle.read()

    def get(self, identifier, email, created):
        return self.db.execute(
            'SELECT * FROM entries WHERE identifier=? AND email=? AND '
            'created=?', (identifier, email, created)).fetchone()

    def count(self):
        return self.db.execute('SELECT count(*) FROM entries').fetchone()[0]
