"""The limits of a request (issue 14, findings 5 and 8): bounded bodies on
every endpoint, slow clients timed out, the upload's Location from the
configuration."""

import socket
import threading
import time

import requests
from werkzeug.serving import make_server

from marketplace_dashboard.server import limits
from marketplace_dashboard.server.app import create_app
from tests.unit.server.conftest import make_doc
from tests.unit.server.web import error_text, listing, post

FORM = 'application/x-www-form-urlencoded'


def test_form_bodies_are_bounded(live, jane):
    srv = live(max_form_bytes=4096)
    assert post(srv, make_doc(jane, 1)).status_code == 201
    small = post(srv, 'sSearch=ubuntu&sEcho=3', ctype=FORM)
    assert small.status_code == 200
    assert small.json()['sEcho'] == 3
    body = 'sSearch=' + 'a' * 200000
    # refused on its Content-Length, before it is read
    response = post(srv, body, ctype=FORM)
    assert response.status_code == 413, response.text
    assert error_text(response) == \
        'request body too large: the limit is 4096 bytes'
    # chunked: refused while it is read
    chunks = (body[i:i + 1000].encode() for i in range(0, len(body), 1000))
    response = post(srv, chunks, ctype=FORM)
    assert response.status_code == 413, response.text
    # the server still answers
    assert len(listing(srv)['aaData']) == 1


def test_default_form_limit(live):
    srv = live()
    response = post(srv, 'x=' + 'a' * limits.DEFAULT_MAX_FORM, ctype=FORM)
    assert response.status_code == 413


def test_bodies_of_other_requests_are_bounded(live):
    srv = live(max_upload_bytes=1000)
    response = requests.get(srv.url + '/endorsers', data=b'x' * 5000,
                            timeout=30)
    assert response.status_code == 413
    assert error_text(response) == \
        'metadata document too large: the limit is 1000 bytes'


def _forged(srv, data):
    return requests.post(srv.url + '/metadata', data=data, timeout=30,
                         headers={'Content-Type': 'application/xml',
                                  'Host': 'evil.example',
                                  'X-Forwarded-Proto': 'https'})


def test_location_from_configuration_never_from_host(live, jane, tmp_path):
    srv = live(tmp_path / 'public', public_url='https://mp.example.org/')
    response = _forged(srv, make_doc(jane, 1))
    assert response.status_code == 201
    assert response.headers['Location'].startswith(
        'https://mp.example.org/marketplace/metadata/')
    # without a public URL: the address the server listens on
    srv = live(tmp_path / 'bare')
    response = _forged(srv, make_doc(jane, 1))
    assert response.status_code == 201
    assert response.headers['Location'].startswith(
        srv.url + '/metadata/')


def test_slow_clients_time_out(tmp_path):
    app = create_app(str(tmp_path / 'data'))
    server = make_server('127.0.0.1', 0, app, threaded=True,
                         request_handler=limits.request_handler(0.5))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(('127.0.0.1', server.port),
                                      timeout=10) as sock:
            sock.sendall(b'GET /marketplace/endorsers HTTP/1.1\r\nHost: x')
            started = time.monotonic()
            # the server closes the connection: recv gives b''
            assert sock.recv(100) == b''
            assert time.monotonic() - started < 5
        # and other clients are served
        response = requests.get('http://127.0.0.1:%d/marketplace/endorsers'
                                % server.port, timeout=10)
        assert response.status_code == 200
    finally:
        server.shutdown()
        server.server_close()
