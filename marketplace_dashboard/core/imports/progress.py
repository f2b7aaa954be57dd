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

"""Progress of streamed transfers, and the slots they run in.

:class:`ProgressStore` keeps each transfer's progress and heartbeat in a
Django-like cache (``get``/``set``: the dashboard's Django cache, or a
:class:`marketplace_dashboard.core.cache.MemoryCache`), so that any
worker can report it and a dead worker shows up as stalled.
:class:`TransferSlots` bounds the transfers one process runs in background
threads; :data:`PROCESS_SLOTS` is the process's own, the default of every
:class:`~.importer.Importer`.
"""

import threading
import time

__all__ = ['PROCESS_SLOTS', 'ProgressStore', 'TransferSlots', 'busy']


class TransferSlots:
    """Streamed transfers running in background threads of this process
    (a web worker): bounded by ``max_streamed_transfers``."""

    def __init__(self):
        self._lock = threading.Lock()
        self.running = 0

    def acquire(self, limit):
        """Take a slot if fewer than *limit* are taken; True if taken."""
        with self._lock:
            if self.running >= limit:
                return False
            self.running += 1
            return True

    def release(self):
        with self._lock:
            self.running -= 1


#: Background transfer slots of this process.
PROCESS_SLOTS = TransferSlots()


def busy(limit):
    """Why a streamed transfer is refused when all *limit* slots are
    taken."""
    return ('This server is already streaming %d image(s) into Glance '
            '(import setting max_streamed_transfers); try again in a few '
            'minutes.' % limit)


class ProgressStore:
    """Progress of transfers keyed by image id in a Django-like cache.

    *cache* needs ``get``/``set`` (the dashboard passes the Django cache,
    memcached in production; the CLI and tests an in-process
    :class:`marketplace_dashboard.core.cache.MemoryCache`).  Each record
    carries a ``heartbeat`` timestamp so that a dead worker shows up as
    stalled.
    """

    PREFIX = 'marketplace-import-progress:'

    def __init__(self, cache, timeout=24 * 3600, interval=1.0,
                 clock=time.time):
        self.cache = cache
        self.timeout = timeout
        self.interval = interval
        self.clock = clock
        self._last = {}

    def update(self, image_id, done, total, state='transferring',
               force=False, reason=None):
        now = self.clock()
        if (not force and state == 'transferring'
                and now - self._last.get(image_id, 0) < self.interval):
            return
        self._last[image_id] = now
        percent = int(done * 100 / total) if total else None
        record = {'done': done, 'total': total, 'percent': percent,
                  'state': state, 'heartbeat': now}
        if reason:
            record['reason'] = reason
        self.cache.set(self.PREFIX + image_id, record, self.timeout)

    def get(self, image_id):
        return self.cache.get(self.PREFIX + image_id)

    def callback(self, image_id):
        """A ``progress(done, total)`` function for one image."""
        return lambda done, total: self.update(image_id, done, total)
