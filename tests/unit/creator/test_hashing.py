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

"""core.hashing: one-pass multi-hash and streaming decompression."""

import bz2
import gzip
import hashlib
import io
import lzma
import os

import pytest

from marketplace_dashboard.core import hashing
from marketplace_dashboard.core.compression import (
    guess_compression,
    open_decompressed,
)
from marketplace_dashboard.core.errors import (
    DecompressedTooLarge,
    ImageDataError,
)

# Compressible but not trivial: random blocks repeated, plus a tail that is
# not a multiple of any chunk size.
BLOCK = os.urandom(100_000)
DATA = BLOCK * 30 + os.urandom(12_345)


def reference(data):
    return hashing.HashResult(len(data), {
        'MD5': hashlib.md5(data, usedforsecurity=False).hexdigest(),
        'SHA-1': hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        'SHA-256': hashlib.sha256(data).hexdigest(),
        'SHA-512': hashlib.sha512(data).hexdigest(),
    })


COMPRESSORS = {
    'gz': gzip.compress,
    'bz2': bz2.compress,
    'xz': lzma.compress,
}


def test_plain_file_matches_hashlib(tmp_path):
    path = tmp_path / 'image.img'
    path.write_bytes(DATA)
    assert hashing.hash_stream(str(path)) == reference(DATA)


@pytest.mark.parametrize('compression', sorted(COMPRESSORS))
def test_compressed_gives_digests_of_uncompressed(tmp_path, compression):
    path = tmp_path / ('image.img.' + compression)
    path.write_bytes(COMPRESSORS[compression](DATA))
    result = hashing.hash_stream(str(path), compression=compression)
    assert result == reference(DATA)


@pytest.mark.parametrize('compression', sorted(COMPRESSORS))
def test_concatenated_members(tmp_path, compression):
    # gzip -c a b > c, pbzip2 and xz --block-size produce such streams.
    compress = COMPRESSORS[compression]
    parts = [DATA[:1_000_000], DATA[1_000_000:], b'last member']
    path = tmp_path / 'multi'
    path.write_bytes(b''.join(compress(p) for p in parts))
    result = hashing.hash_stream(str(path), compression=compression)
    assert result == reference(b''.join(parts))


def test_multi_member_gzip_with_trailing_padding(tmp_path):
    path = tmp_path / 'padded.gz'
    path.write_bytes(gzip.compress(DATA[:500]) + gzip.compress(DATA[500:])
                     + b'\0' * 1024)
    assert hashing.hash_stream(str(path), compression='gz') == \
        reference(DATA)


def test_file_object_is_read_but_not_closed():
    fileobj = io.BytesIO(gzip.compress(DATA))
    result = hashing.hash_stream(fileobj, compression='gz')
    assert result == reference(DATA)
    assert not fileobj.closed


def test_small_ring_reuses_buffers_safely():
    # Many more chunks than buffers: a buffer refilled too early would
    # corrupt at least one digest.
    hasher = hashing.MultiHasher(chunk_size=1000, buffers=3)
    with hasher:
        for start in range(0, len(DATA), 777):
            hasher.update(DATA[start:start + 777])
    assert hasher.result() == reference(DATA)


def test_pass_through_accepts_memoryviews_and_large_updates():
    hasher = hashing.MultiHasher(('SHA-1', 'SHA-256'), chunk_size=4096)
    buffer = bytearray(DATA)
    hasher.update(memoryview(buffer)[:10])
    hasher.update(memoryview(buffer)[10:])
    buffer[:] = b'\0' * len(buffer)  # the hasher copied, not referenced
    expected = reference(DATA)
    assert hasher.hexdigests() == {
        'SHA-1': expected.digests['SHA-1'],
        'SHA-256': expected.digests['SHA-256']}
    assert hasher.size == len(DATA)
    with pytest.raises(ValueError):
        hasher.update(b'more')


def test_empty_input():
    assert hashing.hash_stream(io.BytesIO(b'')) == reference(b'')


def test_unknown_algorithm_is_refused():
    with pytest.raises(ValueError, match='unsupported checksum'):
        hashing.MultiHasher(('CRC32',))


def test_progress_reports_input_bytes(tmp_path):
    compressed = gzip.compress(DATA)
    path = tmp_path / 'image.gz'
    path.write_bytes(compressed)
    seen = []
    hashing.hash_stream(str(path), compression='gz', progress=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == len(compressed)


def test_truncated_compressed_data(tmp_path):
    path = tmp_path / 'cut.gz'
    path.write_bytes(gzip.compress(DATA)[:-100])
    with pytest.raises(ImageDataError, match='truncated'):
        hashing.hash_stream(str(path), compression='gz')


@pytest.mark.parametrize('compression', sorted(COMPRESSORS))
def test_not_compressed_data(tmp_path, compression):
    path = tmp_path / 'plain'
    path.write_bytes(DATA)
    with pytest.raises(ImageDataError,
                       match='not valid %s-compressed' % compression):
        hashing.hash_stream(str(path), compression=compression)


def test_empty_compressed_file(tmp_path):
    path = tmp_path / 'empty.xz'
    path.write_bytes(b'')
    with pytest.raises(ImageDataError, match='empty'):
        hashing.hash_stream(str(path), compression='xz')


def test_decompression_bomb_guard():
    bomb = gzip.compress(b'\0' * 10_000_000)
    with pytest.raises(DecompressedTooLarge, match='more than'):
        hashing.hash_stream(io.BytesIO(bomb), compression='gz',
                            max_output=1_000_000)
    # Exactly at the limit is fine.
    result = hashing.hash_stream(io.BytesIO(bomb), compression='gz',
                                 max_output=10_000_000)
    assert result.size == 10_000_000


def test_unreadable_image(tmp_path):
    with pytest.raises(ImageDataError, match='No such file'):
        hashing.hash_stream(str(tmp_path / 'missing.img'))
    with pytest.raises(ImageDataError, match='Is a directory'):
        hashing.hash_stream(str(tmp_path))


def test_open_decompressed_reads_stream():
    reader = open_decompressed(io.BytesIO(bz2.compress(DATA)), 'bz2')
    assert reader.read() == DATA


@pytest.mark.parametrize('name, expected', [
    ('image.img.gz', 'gz'), ('IMAGE.GZ', 'gz'), ('a.bz2', 'bz2'),
    ('a.qcow2.xz', 'xz'), ('https://h/p/a.img', None), ('a.gz.img', None),
])
def test_guess_compression(name, expected):
    assert guess_compression(name) == expected
