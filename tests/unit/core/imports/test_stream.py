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

"""The streamed download: URL checks, redirects, hashing, progress."""

import gzip
import hashlib
import http.server
import lzma
import threading
import tracemalloc

import pytest

from marketplace_dashboard.core.cache import MemoryCache
from marketplace_dashboard.core.errors import TransferError
from marketplace_dashboard.core.imports.progress import ProgressStore
from marketplace_dashboard.core.imports.stream import (
    check_url,
    open_url,
    stream_image,
    usable_locations,
)
from stack.imageserver import ImageServer
from tests.unit.core.imports import fakes

SUMS = fakes.checksums(fakes.IMAGE)


@pytest.mark.parametrize('url', [
    'ftp://example.org/a.img', 'file:///etc/passwd', 'javascript:alert(1)',
    'pdisk:host:1234:uuid', 'https:onehost-7.lal.in2p3.fr:uuid',
    'http:///nohost', '', None, 'data:text/plain,x'])
def test_only_absolute_http_urls(url):
    with pytest.raises(TransferError, match='only absolute'):
        check_url(url)


def test_http_and_https_accepted():
    assert check_url('HTTPS://x.example/a') == 'HTTPS://x.example/a'
    assert usable_locations(['ftp://a/b', 'http://c/d']) == [
        'http://c/d']


DEEP_LINK = ('https://dash.example/dashboard/project/marketplace/launch/'
             '5c4f2a2e-8f0e-4b4a-9d8e-0d8b3c6f1a11/')
LEGACY_LINK = ('http://dash.example/project/instances/launch?source_id='
               '5c4f2a2e-8f0e-4b4a-9d8e-0d8b3c6f1a11&source_type=image_id')


def test_launch_links_are_never_image_data():
    assert usable_locations([DEEP_LINK, LEGACY_LINK, 'pdisk:h:1:x',
                             'http://c/d.img']) == ['http://c/d.img']
    assert usable_locations([DEEP_LINK, LEGACY_LINK]) == []


def test_an_html_page_is_not_image_data():
    session = fakes.FakeSession({'http://a.example/x': fakes.FakeResponse(
        body=b'<html>login</html>', content_type='text/html; charset=utf-8')})
    with pytest.raises(TransferError, match='HTML page .*text/html.*not '
                                            'image data'):
        open_url('http://a.example/x', session=session)


def test_redirect_is_followed_and_rechecked():
    session = fakes.FakeSession({
        'http://a.example/x': fakes.FakeResponse(
            status=302, location='https://b.example/y'),
        'https://b.example/y': fakes.FakeResponse(body=b'data')})
    response = open_url('http://a.example/x', session=session)
    assert list(response.iter_content(10)) == [b'data']
    for _url, kwargs in session.requested:
        assert kwargs['allow_redirects'] is False
        assert kwargs['stream'] is True and kwargs['verify'] is True
        assert kwargs['timeout']
        assert kwargs['headers'] == {'Accept-Encoding': 'identity'}


def test_redirect_to_other_scheme_refused():
    session = fakes.FakeSession({'http://a.example/x': fakes.FakeResponse(
        status=301, location='file:///etc/passwd')})
    with pytest.raises(TransferError, match='only absolute'):
        open_url('http://a.example/x', session=session)
    assert len(session.requested) == 1


def test_redirect_loop_is_bounded():
    session = fakes.FakeSession({'http://a.example/x': fakes.FakeResponse(
        status=302, location='/x')})
    with pytest.raises(TransferError, match='redirects'):
        open_url('http://a.example/x', session=session,
                          max_redirects=3)
    assert len(session.requested) == 4


def test_stream_from_real_server_matches(tmp_path):
    (tmp_path / 'a.img.xz').write_bytes(lzma.compress(fakes.IMAGE))
    seen = []
    with ImageServer(str(tmp_path)) as server:
        stream = stream_image(
            server.url('a.img.xz'), SUMS, len(fakes.IMAGE),
            progress=lambda done, total: seen.append((done, total)),
            rules=fakes.loopback(server.url('a.img.xz')))
        with stream:
            while stream.read(100_000):
                pass
            assert stream.mismatches() == []
    assert seen[-1] == (len(fakes.IMAGE), len(fakes.IMAGE))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_mismatch_reports_every_algorithm():
    session = fakes.FakeSession({'http://a.example/x': fakes.FakeResponse(
        body=fakes.IMAGE[:-1] + b'!')})
    with stream_image('http://a.example/x', SUMS,
                               len(fakes.IMAGE), session=session) as s:
        while s.read(65536):
            pass
        problems = s.mismatches()
    assert sorted(p.split()[0] for p in problems) == [
        'MD5', 'SHA-1', 'SHA-256', 'SHA-512']


def test_unfinished_stream_never_matches():
    session = fakes.FakeSession({'http://a.example/x': fakes.FakeResponse(
        body=fakes.IMAGE)})
    with stream_image('http://a.example/x', SUMS,
                               len(fakes.IMAGE), session=session) as s:
        s.read(10)
        assert s.mismatches() == ['http://a.example/x was not read to its '
                                  'end.']


def test_progress_store_heartbeat_and_throttle():
    clock = [100.0]
    cache = MemoryCache()
    store = ProgressStore(cache, interval=5, clock=lambda: clock[0])
    report = store.callback('img')
    report(10, 200)
    assert store.get('img') == {'done': 10, 'total': 200, 'percent': 5,
                                'state': 'transferring', 'heartbeat': 100.0}
    clock[0] = 101
    report(20, 200)
    assert store.get('img')['done'] == 10  # throttled
    store.update('img', 200, 200, state='verifying')
    assert store.get('img')['state'] == 'verifying'
    assert store.get('img')['heartbeat'] == 101


def test_memory_stays_bounded_whatever_the_size():
    chunk = bytes(range(256)) * 4096  # 1 MiB
    count = 192
    digest = hashlib.sha256()
    for _ in range(count):
        digest.update(chunk)

    class Response(fakes.FakeResponse):
        def iter_content(self, size):
            for _ in range(count):
                yield chunk

    session = fakes.FakeSession({'http://a.example/big': Response()})
    tracemalloc.start()
    try:
        with stream_image(
                'http://a.example/big', {'SHA-256': digest.hexdigest()},
                count * len(chunk), session=session) as stream:
            while stream.read(65536):
                pass
            assert stream.mismatches() == []
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * 2 ** 20, peak  # 192 MiB went through


class _EncodedHandler(http.server.BaseHTTPRequestHandler):
    """Serves a .gz file as a misconfigured mirror does: with
    ``Content-Encoding: gzip`` (an HTTP client would decompress it)."""

    body = b''
    seen = []

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    def do_GET(self):  # noqa: N802 - stdlib naming
        type(self).seen.append(self.headers.get('Accept-Encoding'))
        self.send_response(200)
        self.send_header('Content-Type', 'application/x-gzip')
        self.send_header('Content-Encoding', 'gzip')
        self.send_header('Content-Length', str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


@pytest.fixture
def encoding_server():
    _EncodedHandler.body = gzip.compress(fakes.IMAGE)
    _EncodedHandler.seen = []
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                             _EncodedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield 'http://127.0.0.1:%d/a.img.gz' % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_content_encoding_is_not_undone(encoding_server):
    # The endorsed checksums are those of the decompressed file: the
    # stream must decompress the .gz once, not requests then us again.
    with stream_image(encoding_server, SUMS, len(fakes.IMAGE),
                      rules=fakes.loopback(encoding_server)) as stream:
        while stream.read(65536):
            pass
        assert stream.mismatches() == []
    assert _EncodedHandler.seen == ['identity']


def test_connection_lost_while_reading_is_a_transfer_error():
    import urllib3

    class Broken(fakes.FakeResponse):
        def iter_content(self, size):
            yield fakes.IMAGE[:1000]
            raise urllib3.exceptions.ProtocolError('Connection broken')

    session = fakes.FakeSession({'http://a.example/x': Broken()})
    with stream_image('http://a.example/x', SUMS, len(fakes.IMAGE),
                               session=session) as stream:
        with pytest.raises(TransferError, match='interrupted'):
            while stream.read(65536):
                pass
        assert 'interrupted' in stream.mismatches()[0]
