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

"""One-pass multi-hash of image data, decompressing gz/bz2/xz on the fly.

Image checksums (``slreq:bytes`` and the MD5, SHA-1, SHA-256 and SHA-512
``slreq:checksum`` values) are those of the *uncompressed* image.  Images
are large, so everything here streams in constant memory:

* :class:`MultiHasher` hashes what it is given with one thread per
  algorithm (hashlib releases the GIL on large buffers, so the digests are
  computed in parallel).  Data is copied into a small ring of reusable
  buffers; :meth:`MultiHasher.update` can be used as a pass-through while
  downloading or uploading.
* :func:`hash_stream` reads the input once in large chunks, through
  :func:`~marketplace_dashboard.core.compression.open_decompressed`.
"""

import collections
import hashlib
import queue
import threading

from marketplace_dashboard.core.compression import open_decompressed
from marketplace_dashboard.core.errors import ImageDataError
from marketplace_dashboard.core.formats import ALGORITHMS, hashlib_name

__all__ = [
    'CHUNK_SIZE', 'DEFAULT_ALGORITHMS', 'HashResult', 'MultiHasher',
    'hash_stream',
]

DEFAULT_ALGORITHMS = tuple(ALGORITHMS)
CHUNK_SIZE = 4 * 1024 * 1024
_BUFFERS = 4


HashResult = collections.namedtuple('HashResult', ['size', 'digests'])
HashResult.__doc__ = """Size in bytes and ``{'SHA-1': hex, ...}`` digests."""


def _hashlib_name(algorithm):
    """hashlib's name of one of the metadata's :data:`ALGORITHMS`;
    ValueError for any other algorithm."""
    name = hashlib_name(algorithm)
    if name not in ALGORITHMS.values():
        raise ValueError('unsupported checksum algorithm %r (supported: %s)'
                         % (algorithm, ', '.join(ALGORITHMS)))
    return name


class _Worker(threading.Thread):
    """Feeds the chunks of its queue to one hash object."""

    def __init__(self, name, queue_size):
        super().__init__(name='hash-%s' % name, daemon=True)
        self.hash = hashlib.new(name)
        self.queue = queue.Queue(maxsize=queue_size)

    def run(self):
        while True:
            chunk = self.queue.get()
            if chunk is None:
                return
            self.hash.update(chunk)


class MultiHasher:
    """Size and several digests of a byte stream, one thread per digest.

    ``update(data)`` copies *data* into the current ring buffer; full
    buffers are handed to every worker.  With ``N`` buffers and worker
    queues of ``N - 2`` entries, a buffer is refilled only after every
    worker has finished with it: a worker takes chunk ``k + 1`` from its
    queue only after hashing chunk ``k``, so when ``put`` of chunk ``n - 1``
    returns, every worker is done with chunk ``n - N``.

    ``hexdigests()`` (or ``result()``) flushes, waits for the workers and
    returns the digests; the object cannot be updated afterwards.  Use it
    as a context manager (or call ``close()``) so that the threads stop
    when an error interrupts the stream.
    """

    def __init__(self, algorithms=DEFAULT_ALGORITHMS, chunk_size=CHUNK_SIZE,
                 buffers=_BUFFERS):
        if buffers < 3:
            raise ValueError('at least 3 buffers are needed')
        self.algorithms = tuple(algorithms)
        self.size = 0
        self._chunk_size = chunk_size
        self._buffers = [bytearray(chunk_size) for _ in range(buffers)]
        self._index = 0
        self._fill = 0
        self._result = None
        self._workers = {
            algorithm: _Worker(_hashlib_name(algorithm), buffers - 2)
            for algorithm in self.algorithms}
        for worker in self._workers.values():
            worker.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _dispatch(self):
        if not self._fill:
            return
        view = memoryview(self._buffers[self._index])[:self._fill]
        for worker in self._workers.values():
            worker.queue.put(view)
        self._index = (self._index + 1) % len(self._buffers)
        self._fill = 0

    def _check_open(self):
        if self._result is not None:
            raise ValueError('MultiHasher already finalized')

    def update(self, data):
        """Add *data* (any bytes-like object); it is copied, not kept."""
        self._check_open()
        view = memoryview(data).cast('B')
        self.size += len(view)
        while view:
            room = self._chunk_size - self._fill
            take = min(room, len(view))
            self._buffers[self._index][self._fill:self._fill + take] = \
                view[:take]
            self._fill += take
            view = view[take:]
            if self._fill == self._chunk_size:
                self._dispatch()

    def readfrom(self, reader):
        """Read once from *reader* straight into the ring; 0 means EOF.

        *reader* is a binary file object with ``readinto`` (raw files,
        :func:`open_decompressed` readers).  Saves the copy of ``update``.
        """
        self._check_open()
        view = memoryview(self._buffers[self._index])[self._fill:]
        count = reader.readinto(view)
        if not count:
            return 0
        self.size += count
        self._fill += count
        if self._fill == self._chunk_size:
            self._dispatch()
        return count

    def _finish(self):
        if self._result is None:
            self._dispatch()
            for worker in self._workers.values():
                worker.queue.put(None)
            for worker in self._workers.values():
                worker.join()
            self._result = HashResult(self.size, {
                algorithm: self._workers[algorithm].hash.hexdigest()
                for algorithm in self.algorithms})
        return self._result

    def hexdigests(self):
        """``{'MD5': hex, 'SHA-1': hex, ...}`` of everything added."""
        return dict(self._finish().digests)

    def result(self):
        """:class:`HashResult` of everything added."""
        return self._finish()

    def close(self):
        """Stop the worker threads (idempotent)."""
        self._finish()


def hash_stream(fileobj, algorithms=DEFAULT_ALGORITHMS, compression=None,
                progress=None, max_output=None, chunk_size=CHUNK_SIZE):
    """:class:`HashResult` of the uncompressed content of *fileobj*.

    *fileobj* is a path or a binary file object (read to its end, not
    closed).  See :func:`open_decompressed` for the other arguments.
    Raises :class:`ImageDataError` when the data cannot be read.
    """
    reader = open_decompressed(fileobj, compression, max_output=max_output,
                               progress=progress)
    name = getattr(fileobj, 'name', fileobj)
    try:
        with MultiHasher(algorithms, chunk_size=chunk_size) as hasher:
            try:
                while hasher.readfrom(reader):
                    pass
            except OSError as exc:
                raise ImageDataError('cannot read image %s: %s' % (
                    name, exc.strerror or exc)) from None
            return hasher.result()
    finally:
        reader.close()
