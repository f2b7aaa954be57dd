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

"""Streaming decompression of image data: gz (multi-member), bz2, xz.

:func:`open_decompressed` opens a file (or wraps a binary file object)
behind a streaming decoder, in constant memory, with an optional bound on
the output size (decompression-bomb guard) and a progress callback;
:func:`guess_compression` tells the compression from a file name or URL.
"""

import bz2
import io
import lzma
import os
import zlib

from marketplace_dashboard.core.errors import (
    DecompressedTooLarge,
    ImageDataError,
)

__all__ = [
    'COMPRESSIONS', 'DecompressingReader', 'guess_compression',
    'open_decompressed',
]

COMPRESSIONS = ('gz', 'bz2', 'xz')
#: Bytes of compressed input read at a time.
READ_SIZE = 4 * 1024 * 1024
_EXTENSIONS = {'.gz': 'gz', '.gzip': 'gz', '.bz2': 'bz2', '.xz': 'xz'}


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
        self._chunk = READ_SIZE

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
