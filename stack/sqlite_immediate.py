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
"""SQLite transactions that wait for the writer instead of failing.

The loopback stack keeps the OpenStack services on SQLite in WAL mode.
A transaction that starts by reading and then writes has to upgrade its
snapshot; if another connection committed in between, SQLite answers
``database is locked`` at once, without waiting for the busy timeout
(SQLITE_BUSY_SNAPSHOT). Glance's stage and import paths do exactly
that from several threads, and an import failed on it in CI.

``install()`` makes every SQLite transaction in the process start with
``BEGIN IMMEDIATE``: it takes the write lock up front, waits for it
(``?timeout=`` of the connection URL) and so never needs an upgrade.
It is SQLAlchemy's recipe for pysqlite transactions, cooperating with
the one oslo.db installs (which emits a deferred ``BEGIN``). Only
the stack's WSGI services, Nova's conductor, scheduler and compute, and
``nova-manage cell_v2 discover_hosts`` (which runs beside them) use it:
Nova's conductor failed a server build on the same error in CI, and
``discover_hosts`` did once the conductor took the lock up front.
Production deployments use a server database and are not affected.
"""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

__all__ = ["MARKER", "install"]

# oslo.db's own SQLite "begin" hook emits a deferred BEGIN unless this
# marker is set; it removes the marker on commit and rollback.
MARKER = 'in_transaction'

_installed = False


def _on_connect(dbapi_connection, connection_record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        # pysqlite must not emit its own (deferred) BEGIN
        dbapi_connection.isolation_level = None


def _on_begin(conn):
    if conn.dialect.name == 'sqlite' and MARKER not in conn.info:
        conn.exec_driver_sql('BEGIN IMMEDIATE')
        conn.info[MARKER] = True


def _immediate(conn, cursor, statement, parameters, context, executemany):
    # oslo.db's hook may run before ours and emit its plain BEGIN
    if conn.dialect.name == 'sqlite' and statement.strip().upper() == 'BEGIN':
        statement = 'BEGIN IMMEDIATE'
    return statement, parameters


def _on_end(conn):
    conn.info.pop(MARKER, None)


def _listen(target, pool):
    event.listen(pool, 'connect', _on_connect)
    event.listen(target, 'begin', _on_begin)
    event.listen(target, 'before_cursor_execute', _immediate, retval=True)
    event.listen(target, 'commit', _on_end)
    event.listen(target, 'rollback', _on_end)


def install(engine=None):
    """Register the hooks for one engine, or every engine of the process.

    Without ``engine`` the hooks apply to all engines (that is what the
    stack's WSGI files do before importing a service); installing them
    process-wide twice is a no-op.
    """
    global _installed
    if engine is not None:
        _listen(engine, engine.pool)
        return
    if not _installed:
        _listen(Engine, Pool)
        _installed = True
