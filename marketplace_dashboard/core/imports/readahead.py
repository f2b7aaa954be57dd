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

"""Read a file object ahead in a thread of its own, a few chunks at most.

A streamed import downloads and uploads with one thread otherwise: while
it sends a chunk to Glance nobody reads the marketplace's mirror, and
while it reads, Glance has nothing to take, so each chunk costs the
download *plus* the upload.  :class:`ReadAhead` reads (downloads,
decompresses and hashes, through :class:`~.stream.StreamedImage`) in its
own thread while the caller's thread uploads: a chunk then costs the
slower of the two.  Memory stays bounded: at most ``depth`` chunks wait.
"""

import io
import queue
import threading

__all__ = ['CHUNK_SIZE', 'DEPTH', 'ReadAhead']

#: bytes per read of the source (python-glanceclient sends 1 MiB chunks)
CHUNK_SIZE = 1024 * 1024
#: chunks read ahead at most
DEPTH = 4
_EOF = object()
#: seconds between the reader's checks that the consumer is still there
_POLL = 0.5


class _Failed:
    """What the reader raised, raised again where the consumer reads."""

    def __init__(self, error):
        self.error = error


class ReadAhead(io.RawIOBase):
    """Binary file object reading *source* ahead in a daemon thread.

    *source* is read with ``read(chunk_size)`` in the thread only; an
    exception it raises is raised by the consumer's next read, after every
    byte read before it.  Use it as a context manager (or call
    :meth:`close`): closing stops the thread and waits for it, so that
    *source* is no longer used once it returns (the caller may then read
    the state *source* holds, or close it).  *source* is not closed.
    """

    def __init__(self, source, chunk_size=CHUNK_SIZE, depth=DEPTH,
                 name='readahead'):
        super().__init__()
        if depth < 1 or chunk_size < 1:
            raise ValueError('depth and chunk_size must be positive')
        self._source = source
        self._chunk_size = chunk_size
        self._queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._rest = memoryview(b'')
        self._done = False
        self.name = getattr(source, 'name', name)
        self._thread = threading.Thread(target=self._run, name=name,
                                        daemon=True)
        self._thread.start()

    def readable(self):
        return True

    def _put(self, item):
        """Queue *item* unless the consumer closed; True if queued."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def _run(self):
        try:
            while not self._stop.is_set():
                chunk = self._source.read(self._chunk_size)
                if not chunk:
                    self._put(_EOF)
                    return
                if not self._put(chunk):
                    return
        except BaseException as e:  # noqa: BLE001 - handed to the reader
            self._put(_Failed(e))

    def _next(self):
        """The next chunk (a memoryview), empty at the end."""
        if self.closed:
            raise ValueError('I/O operation on closed file.')
        if self._done:
            return memoryview(b'')
        item = self._queue.get()
        if item is _EOF:
            self._done = True
            return memoryview(b'')
        if isinstance(item, _Failed):
            self._done = True
            raise item.error
        return memoryview(item)

    def read(self, size=-1):
        """Up to *size* bytes (all that is left for a negative size); the
        chunk as read when it fits, without a copy."""
        if size is None or size < 0:
            return self.readall()
        if size == 0:
            return b''
        if not self._rest:
            self._rest = self._next()
        if len(self._rest) <= size:
            part, self._rest = self._rest, memoryview(b'')
            obj = part.obj if part.nbytes == len(part.obj) else None
            return obj if isinstance(obj, bytes) else part.tobytes()
        part, self._rest = self._rest[:size], self._rest[size:]
        return part.tobytes()

    def readinto(self, buffer):
        view = memoryview(buffer).cast('B')
        if not view:
            return 0
        if not self._rest:
            self._rest = self._next()
        count = min(len(view), len(self._rest))
        view[:count] = self._rest[:count]
        self._rest = self._rest[count:]
        return count

    def close(self):
        """Stop reading ahead and wait until *source* is no longer read."""
        if not self.closed:
            self._stop.set()
            while self._thread.is_alive():
                try:  # a reader blocked on a full queue sees the stop
                    while True:
                        self._queue.get_nowait()
                except queue.Empty:
                    pass
                self._thread.join(_POLL)
            self._rest = memoryview(b'')
        super().close()
