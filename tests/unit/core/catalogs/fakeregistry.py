"""A loopback HTTP server answering with recorded registry responses.

``routes`` maps a path (with its query string, if any) to ``(status,
headers, body)``; ``hits`` records ``(path, headers)`` of every request.
The recorded answers of Debian's docker-registry are in ``data/``.
"""

import contextlib
import hashlib
import http.server
import json
import pathlib
import threading

DATA = pathlib.Path(__file__).parent / 'data'
OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'


def recorded(name):
    return (DATA / name).read_bytes()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - stdlib naming
        server = self.server
        server.hits.append((self.path, dict(self.headers)))
        route = server.routes.get(self.path)
        if route is None:
            route = server.routes.get(self.path.split('?', 1)[0])
        if callable(route):
            route = route(self)
        if route is None:
            route = (404, {'Content-Type': 'application/json'},
                     b'{"errors":[{"code":"NAME_UNKNOWN"}]}')
        status, headers, body = route
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FakeRegistry:
    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     _Handler)
        self.httpd.daemon_threads = True
        self.httpd.routes = {}
        self.httpd.hits = []
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       args=(0.05,),
                                       daemon=True)

    @property
    def routes(self):
        return self.httpd.routes

    @property
    def hits(self):
        return self.httpd.hits

    @property
    def base_url(self):
        return 'http://127.0.0.1:%d' % self.httpd.server_address[1]

    def json(self, path, value, status=200, headers=None):
        body = value if isinstance(value, bytes) else \
            json.dumps(value).encode()
        self.routes[path] = (status, dict(
            {'Content-Type': 'application/json'}, **(headers or {})), body)

    def manifest(self, repository, reference, body, media_type=OCI_MANIFEST,
                 headers=None):
        route = (200, dict({'Content-Type': media_type}, **(headers or {})),
                 body)
        self.routes['/v2/%s/manifests/%s' % (repository, reference)] = route
        # and by its digest, as a registry serves it
        digest = 'sha256:' + hashlib.sha256(body).hexdigest()
        self.routes['/v2/%s/manifests/%s' % (repository, digest)] = route

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        with contextlib.suppress(Exception):
            self.httpd.shutdown()
        self.httpd.server_close()
