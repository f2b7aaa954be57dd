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
* :func:`open_decompressed` opens a file (or wraps a binary file object)
  behind a streaming gzip (multi-member), bzip2 or xz decoder, with an
  optional bound on the output size (decompression-bomb guard).
* :func:`hash_stream` combines both: one read of the input in large chunks.
"""

import bz2
import collections
import hashlib
import io
import lzma
import os
import queue
import threading
import zlib

from marketplace_dashboard.core.errors import (  # noqa: F401
    DecompressedTooLarge,
    ImageDataError,
    MarketplaceError,
)

#: Marketplace algorithm names (``slreq:algorithm``) -> hashlib names.
ALGORITHMS = collections.OrderedDict([
    ('MD5', 'md5'),
    ('SHA-1', 'sha1'),
    ('SHA-256', 'sha256'),
    ('SHA-512', 'sha512'),
])
DEFAULT_ALGORITHMS = tuple(ALGORITHMS)
COMPRESSIONS = ('gz', 'bz2', 'xz')
CHUNK_SIZE = 4 * 1024 * 1024
_BUFFERS = 4
_EXTENSIONS = {'.gz': 'gz', '.gzip': 'gz', '.bz2': 'bz2', '.xz': 'xz'}


HashResult = collections.namedtuple('HashResult', ['size', 'digests'])
HashResult.__doc__ = """Size in bytes and ``{'SHA-1': hex, ...}`` digests."""


def _hashlib_name(algorithm):
    name = ALGORITHMS.get(algorithm)
    if name is None and algorithm.lower() in ALGORITHMS.values():
        name = algorithm.lower()
    if name is None:
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


class _ZlibDecoder:
    """``zlib.decompressobj`` with the bz2/lzma decompressor interface."""

    def __init__(self):
        # 47 = 32 + 15: gzip or zlib header, detected automatically.
        self._obj = zlib.decompressobj(wbits=47)

    @property
    def eof(self):
        return self._obj.eof

    @property
    def unused_data(self):
        return self._obj.unused_data

    @property
    def needs_input(self):
        return not self._obj.unconsumed_tail

    def decompress(self, data, max_length):
        if not data:
            data = self._obj.unconsumed_tail
        return self._obj.decompress(data, max_length)


_DECODERS = {
    'gz': _ZlibDecoder,
    'bz2': bz2.BZ2Decompressor,
    'xz': lambda: lzma.LZMADecompressor(format=lzma.FORMAT_AUTO),
}
_DECODER_ERRORS = (zlib.error, OSError, EOFError, lzma.LZMAError)


class DecompressingReader(io.RawIOBase):
    """Streaming decoder of concatenated gz, bz2 or xz members."""

    def __init__(self, raw, compression, max_output=None, name=None,
                 progress=None, close_raw=False):
        super().__init__()
        self._raw = raw
        self._compression = compression
        self._factory = _DECODERS[compression]
        self._decoder = self._factory()
        self._max_output = max_output
        self._name = name or getattr(raw, 'name', 'image')
        self._progress = progress
        self._close_raw = close_raw
        self._pending = b''
        self._raw_eof = False
        self._output = 0
        self._input = 0
        self._chunk = CHUNK_SIZE

    def readable(self):
        return True

    def close(self):
        if not self.closed and self._close_raw:
            self._raw.close()
        super().close()

    def _error(self, detail):
        return ImageDataError(
            '%s is not valid %s-compressed data (%s); check the file and '
            'its compression type' % (self._name, self._compression, detail))

    def _read_input(self):
        data = self._raw.read(self._chunk)
        if not data:
            self._raw_eof = True
            return b''
        self._input += len(data)
        if self._progress:
            self._progress(self._input)
        return data

    def _next_member(self):
        """Start a decoder on the data after a finished member, if any."""
        tail = self._decoder.unused_data
        while True:
            # NUL padding after a member is tolerated, as gzip(1) does.
            tail = tail.lstrip(b'\0')
            if tail:
                self._decoder = self._factory()
                self._pending = tail
                return True
            tail = self._read_input()
            if not tail:
                return False

    def readinto(self, buffer):
        view = memoryview(buffer).cast('B')
        if not len(view):
            return 0
        while True:
            decoder = self._decoder
            if decoder.eof:
                if not self._next_member():
                    return 0
                continue
            if decoder.needs_input and not self._pending:
                self._pending = self._read_input()
            try:
                out = decoder.decompress(self._pending, len(view))
            except _DECODER_ERRORS as exc:
                raise self._error(exc) from None
            self._pending = b''
            if out:
                self._output += len(out)
                if (self._max_output is not None and
                        self._output > self._max_output):
                    raise DecompressedTooLarge(
                        '%s decompresses to more than %d bytes; refusing '
                        'it (decompression bomb?)'
                        % (self._name, self._max_output))
                view[:len(out)] = out
                return len(out)
            if self._raw_eof and not decoder.eof and decoder.needs_input:
                raise self._error('the file is empty' if not self._input
                                  else 'the data is truncated')


def guess_compression(name):
    """Compression implied by a file name or URL path (``None``: none)."""
    lowered = str(name).lower()
    for extension, compression in _EXTENSIONS.items():
        if lowered.endswith(extension):
            return compression
    return None


def open_decompressed(path_or_fileobj, compression=None, max_output=None,
                      progress=None):
    """Binary reader of the uncompressed content.

    *compression* is ``None`` (plain data), ``'gz'``, ``'bz2'`` or ``'xz'``;
    *max_output* bounds the decompressed size (:class:`DecompressedTooLarge`
    beyond it); *progress* is called with the number of input bytes read so
    far.  A path is opened (and closed with the reader); a file object is
    wrapped and left open.  Raises :class:`ImageDataError` with a readable
    message when the file cannot be opened.
    """
    if compression not in (None,) + COMPRESSIONS:
        raise ValueError('unsupported compression %r (supported: %s)'
                         % (compression, ', '.join(COMPRESSIONS)))
    owned = isinstance(path_or_fileobj, (str, bytes, os.PathLike))
    if owned:
        try:
            raw = open(path_or_fileobj, 'rb', buffering=0)
        except OSError as exc:
            raise ImageDataError('cannot read image %s: %s' % (
                os.fsdecode(path_or_fileobj), exc.strerror or exc)) from None
    else:
        raw = path_or_fileobj
    if compression is None:
        if progress is None:
            return raw if owned else _Unowned(raw)
        return _Counting(raw, progress, close_raw=owned)
    return DecompressingReader(raw, compression, max_output=max_output,
                               name=getattr(raw, 'name', None),
                               progress=progress, close_raw=owned)


class _Counting(io.RawIOBase):
    """Pass-through reader reporting the bytes read so far."""

    def __init__(self, raw, progress, close_raw):
        super().__init__()
        self._raw = raw
        self._progress = progress
        self._close_raw = close_raw
        self._count = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        count = self._raw.readinto(buffer)
        if count:
            self._count += count
            self._progress(self._count)
        return count

    def close(self):
        if not self.closed and self._close_raw:
            self._raw.close()
        super().close()


class _Unowned(_Counting):
    def __init__(self, raw):
        super().__init__(raw, lambda count: None, close_raw=False)


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
