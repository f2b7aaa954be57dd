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

import io
import os
import threading

import pytest

from marketplace_dashboard.core.errors import TransferError
from marketplace_dashboard.core.imports.readahead import ReadAhead

WAIT = 10  # seconds: only a broken read-ahead waits that long


class Source(io.RawIOBase):
    """Chunks of *data*, counted; *fail_after* bytes then an error;
    each read waits for ``gate`` when one is set."""

    def __init__(self, data, fail_after=None, gate=None):
        super().__init__()
        self.data = memoryview(data)
        self.fail_after = fail_after
        self.gate = gate
        self.reads = 0
        self.given = 0
        self.threads = set()
        self.reading = threading.Event()

    def readable(self):
        return True

    def readinto(self, buffer):
        self.threads.add(threading.get_ident())
        self.reading.set()
        if self.gate is not None:
            assert self.gate.wait(WAIT)
        if self.fail_after is not None and self.given >= self.fail_after:
            raise TransferError('the mirror went away')
        self.reads += 1
        count = min(len(buffer), len(self.data) - self.given)
        buffer[:count] = self.data[self.given:self.given + count]
        self.given += count
        return count


def test_reads_everything_in_order_in_another_thread():
    data = os.urandom(10 * 4096 + 123)
    source = Source(data)
    with ReadAhead(source, chunk_size=4096) as ahead:
        parts = []
        while True:
            part = ahead.read(4096)
            if not part:
                break
            assert isinstance(part, bytes)
            parts.append(part)
        assert ahead.read(4096) == b''
    assert b''.join(parts) == data
    assert threading.get_ident() not in source.threads


def test_reads_of_other_sizes_and_readinto():
    data = os.urandom(5000)
    with ReadAhead(Source(data), chunk_size=1024) as ahead:
        got = ahead.read(100) + ahead.read(3000)
        buffer = bytearray(700)
        count = ahead.readinto(buffer)
        got += bytes(buffer[:count]) + ahead.read()
    assert got == data


def test_empty_reads_neither_wait_nor_lose_data():
    gate = threading.Event()
    source = Source(b'abc', gate=gate)
    with ReadAhead(source, chunk_size=1024) as ahead:
        assert ahead.read(0) == b''  # the source has given nothing yet
        assert ahead.readinto(bytearray()) == 0
        gate.set()
        assert ahead.read() == b'abc'


def _settles_at(source, reads):
    """Wait until *source* was read *reads* times, then a little more:
    the count it settles at."""
    pause = threading.Event()
    for _ in range(100):
        if source.reads >= reads:
            break
        pause.wait(0.05)
    pause.wait(0.3)
    return source.reads


def test_reads_at_most_depth_chunks_ahead():
    source = Source(os.urandom(100 * 1024))
    ahead = ReadAhead(source, chunk_size=1024, depth=3)
    try:
        # the reader fills the queue (3) and holds one more chunk
        assert _settles_at(source, 4) == 4
        assert ahead.read(1024)
        assert _settles_at(source, 5) == 5
    finally:
        ahead.close()


def test_an_error_comes_after_the_data_read_before_it():
    data = os.urandom(3000)
    with ReadAhead(Source(data, fail_after=2048), chunk_size=1024) as ahead:
        assert ahead.read(1024) + ahead.read(1024) == data[:2048]
        with pytest.raises(TransferError, match='went away'):
            ahead.read(1024)
        assert ahead.read(1024) == b''


def test_close_stops_a_reader_waiting_on_a_full_queue():
    source = Source(os.urandom(100 * 1024))
    ahead = ReadAhead(source, chunk_size=1024, depth=2)
    assert source.reading.wait(WAIT)
    ahead.close()
    reads = source.reads
    assert not ahead._thread.is_alive()
    assert reads <= 3
    assert ahead.closed
    with pytest.raises(ValueError):
        ahead.read(1)


def test_close_waits_until_the_source_is_no_longer_read():
    gate = threading.Event()
    source = Source(os.urandom(4096), gate=gate)
    ahead = ReadAhead(source, chunk_size=1024)
    assert source.reading.wait(WAIT)
    closing = threading.Thread(target=ahead.close)
    closing.start()
    closing.join(0.3)
    assert closing.is_alive(), 'close returned while the source was read'
    gate.set()
    closing.join(WAIT)
    assert not closing.is_alive()
    assert not ahead._thread.is_alive()


def test_bad_arguments():
    with pytest.raises(ValueError):
        ReadAhead(Source(b''), depth=0)
    with pytest.raises(ValueError):
        ReadAhead(Source(b''), chunk_size=0)
