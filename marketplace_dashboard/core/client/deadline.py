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

"""A deadline for a whole request, enforced on the connection's socket.

:class:`Deadline` is the context of one request; :class:`WatchedAdapter`
is the ``requests`` adapter whose connections register with the
deadline of the request they serve.
"""

import socket
import threading

from requests.adapters import HTTPAdapter
from urllib3 import connection as u3_connection
from urllib3 import connectionpool as u3_pool

__all__ = ['Deadline', 'WatchedAdapter']

_current = threading.local()


class Deadline:
    """Shuts down the sockets of one request when its deadline passes.

    A socket timeout only bounds each wait for data; a server that sends
    one byte now and then never triggers it.  The watched connections
    register themselves when they wait for an answer (see
    :class:`_WatchedConnection`), and a timer shuts their sockets down at
    the deadline, which ends any blocked read at once.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.expired = False
        self._lock = threading.Lock()
        self._connections = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self):
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info):
        self._timer.cancel()
        _current.deadline = None
        with self._lock:
            self._connections = []

    def watch(self, conn):
        with self._lock:
            self._connections.append(conn)
            expired = self.expired
        if expired:
            _shutdown(conn)

    def _expire(self):
        with self._lock:
            self.expired = True
            connections = list(self._connections)
        for conn in connections:
            _shutdown(conn)


def _shutdown(conn):
    sock = getattr(conn, 'sock', None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _WatchedConnection:
    def getresponse(self, *args, **kwargs):
        deadline = getattr(_current, 'deadline', None)
        if deadline is not None:
            deadline.watch(self)
        return super().getresponse(*args, **kwargs)


class _HTTPConnection(_WatchedConnection, u3_connection.HTTPConnection):
    pass


class _HTTPSConnection(_WatchedConnection, u3_connection.HTTPSConnection):
    pass


class _HTTPPool(u3_pool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(u3_pool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_WATCHED_POOLS = {'http': _HTTPPool, 'https': _HTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections honour :class:`Deadline`."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_WATCHED_POOLS)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        known = proxy in self.proxy_manager
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not known and not proxy.lower().startswith('socks'):
            manager.pool_classes_by_scheme = dict(_WATCHED_POOLS)
        return manager
