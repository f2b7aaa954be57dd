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

"""An empty, read-only Networking API for Nova on a stack without Neutron.

Nova's API calls Neutron even for servers created with ``networks='none'``
(``GET /servers/{id}`` lists the ports of the server to report its security
groups).  Without any network endpoint that is an HTTP 500.  The stack
points only Nova at this stub (``[neutron] endpoint_override``); it is NOT
in the Keystone catalog, so Horizon still sees a cloud without Neutron.

Every ``GET /v2.0/<collection>`` answers an empty list (``ports``,
``security-groups``, ``networks``, ...); ``GET /`` the version document;
anything else is a Neutron-style 404.
"""

import http.server
import json
import threading

__all__ = ["NeutronStub"]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - stdlib naming
        path = self.path.split("?", 1)[0].rstrip("/")
        parts = [p for p in path.split("/") if p]
        if not parts:
            return self._reply(200, {"versions": [{
                "id": "v2.0", "status": "CURRENT", "links": []}]})
        if len(parts) == 2 and parts[0] == "v2.0":
            collection = parts[1].removesuffix(".json").replace("-", "_")
            return self._reply(200, {collection: []})
        return self._not_found()

    def _not_found(self):
        return self._reply(404, {"NeutronError": {
            "type": "HTTPNotFound", "detail": "",
            "message": "This stack has no Neutron (stub)."}})

    do_POST = do_PUT = do_DELETE = do_PATCH = _not_found  # noqa: N815


class NeutronStub:
    def __init__(self, host="127.0.0.1", port=0):
        self._httpd = http.server.ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._thread = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self._httpd.server_address[1]

    def start(self):
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        name="neutron-stub", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(10)
            self._thread = None
        self._httpd.server_close()
