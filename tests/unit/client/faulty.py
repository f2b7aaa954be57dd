"""A deliberately misbehaving marketplace on loopback, for client tests."""

import contextlib
import http.server
import json
import ssl
import threading
import time

LISTING = {
    'sEcho': 1, 'iTotalRecords': 3, 'iTotalDisplayRecords': 1,
    'rMsg': 'no metadata matching query found',
    'aaData': [['', 'Ubuntu', '14.04', 'x86_64', 'a@example.org', 'machine',
                '2016-05-17T06:39:18Z', 'LHfKVPoHcv4oMirHU0KuOQc-TvI',
                'http://example.org/img', 'null', 'Title']],
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def _send(self, status, body, ctype='application/json', length=None):
        if self.server.status_override is not None:
            status = self.server.status_override
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length',
                         str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self, data, interval=0.05):
        self.close_connection = True
        with contextlib.suppress(OSError):
            for i in range(len(data)):
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
                time.sleep(interval)

    def do_POST(self):  # noqa: N802
        self.server.hits.append(('POST', self.path))
        length = int(self.headers.get('Content-Length') or 0)
        self.rfile.read(length)
        if self.path.startswith('/busy/'):
            self._send(503, b'<error>busy</error>', 'application/xml')
        elif self.path.startswith('/pending/'):
            self._send(202, b'confirmation email sent for new metadata '
                       b'entry', 'text/plain')
        else:
            self._send(400, b'{"400" : "invalid metadata: no signature"}')

    def do_GET(self):  # noqa: N802
        self.server.hits.append(('GET', self.path))
        self.server.headers.append(dict(self.headers))
        mode = self.path.split('/')[1]
        if mode == 'ok':
            self._send(200, json.dumps(LISTING).encode())
        elif mode == 'slow':
            time.sleep(3)
            self._send(200, json.dumps(LISTING).encode())
        elif mode == 'err500':
            self._send(500, b'<?xml version="1.0"?><error>index broken '
                       b'&amp; unavailable</error>', 'application/xml')
        elif mode == 'err404':
            self._send(404, b'<?xml version="1.0" encoding="UTF-8" '
                       b'standalone="no"?><error>metadata entry not found.\n'
                       b'</error>', 'application/xml')
        elif mode == 'errjson':
            self._send(400, b'{"400" : "invalid search expression: bad"}')
        elif mode == 'garbage':
            self._send(200, b'{"aaData": [oops')
        elif mode == 'badrows':
            self._send(200, b'{"aaData": [["only", "three", "values"]]}')
        elif mode == 'html':
            self._send(200, b'<html>login page</html>', 'text/html')
        elif mode == 'bigheader':
            self._send(200, b'{}', length=50 * 1024 * 1024)
        elif mode == 'bigstream':
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Transfer-Encoding', 'chunked')
            self.end_headers()
            chunk = b'x' * 65536
            with contextlib.suppress(OSError):
                for _ in range(64):
                    self.wfile.write(b'%x\r\n%s\r\n' % (len(chunk), chunk))
                self.wfile.write(b'0\r\n\r\n')
        elif mode == 'truncated':
            self._send(200, b'{"aaData": [', length=5000)
            self.close_connection = True
        elif mode == 'flaky':
            self.server.flaky += 1
            if self.server.flaky <= 2:
                self._send(503, b'<error>busy</error>', 'application/xml')
            else:
                self._send(200, json.dumps(LISTING).encode())
        elif mode == 'trickle':
            # valid headers, then the body one byte at a time: each byte
            # comes well within any read timeout
            body = json.dumps(LISTING).encode()
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self._trickle(body)
        elif mode == 'trickleheaders':
            self.wfile.write(b'HTTP/1.1 200 OK\r\n')
            self._trickle(b'X-Slow: ' + b'x' * 300 + b'\r\n\r\n{}')
        elif mode == 'errraw':
            # the original service does not escape its error text
            self._send(400, b'<?xml version="1.0" encoding="UTF-8" '
                       b'standalone="no"?><error>unable to parse metadata: '
                       b'bad <tag> & stuff</error>', 'application/xml')
        elif mode == 'errctl':
            self._send(400, b'{"400" : "bad \\u001b[2J\\u009b31m\\u202e'
                       b'input"}')
        elif mode == 'deepjson':
            self._send(200, b'[' * 100000)
        elif mode == 'deeperror':
            self._send(400, b'[' * 100000)
        elif mode == 'infinity':
            self._send(200, b'{"aaData": [], "iTotalRecords": Infinity}')
        elif mode == 'sample':
            path = self.path.split('?')[0]
            if path in self.server.documents:
                self._send(200, self.server.documents[path],
                           'application/rdf+xml')
            else:
                self._send(404, b'<error>metadata entry not found.\n'
                           b'</error>', 'application/xml')
        elif mode == 'busy':
            self._send(503, b'<error>busy</error>', 'application/xml')
        else:
            self._send(404, b'<error>no such test path</error>',
                       'application/xml')


class FaultyServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, ssl_context=None):
        super().__init__(('127.0.0.1', 0), Handler)
        self.hits = []
        self.headers = []
        self.flaky = 0
        self.status_override = None   # answer every request with it
        self.documents = {}           # path -> body, for mode 'sample'
        if ssl_context is not None:
            self.socket = ssl_context.wrap_socket(self.socket,
                                                  server_side=True)
        self.thread = threading.Thread(target=self.serve_forever,
                                       daemon=True)
        self.thread.start()

    def url(self, mode, scheme='http'):
        return '%s://127.0.0.1:%d/%s/marketplace' % (
            scheme, self.server_address[1], mode)

    def stop(self):
        self.shutdown()
        self.server_close()


def tls_context(cert_pem, key_pem, tmp_path):
    cert = tmp_path / 'server.pem'
    key = tmp_path / 'server.key'
    cert.write_bytes(cert_pem)
    key.write_bytes(key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return context


def server_credential(ca):
    """A TLS server certificate for 127.0.0.1 issued by the test CA *ca*."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    from tests import pki

    server_key = pki.key('tls-server')
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(pki.name('127.0.0.1'))
            .issuer_name(ca.cert.subject)
            .public_key(server_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                           critical=True)
            .sign(ca.key, hashes.SHA256()))
    return pki.Credential(server_key, cert, [ca])
