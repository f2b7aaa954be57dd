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

"""A token service on loopback for :class:`stack.registry.Registry`'s
token authentication (as Harbor's ``/service/token``).

The distribution registry, configured with ``auth: token``, answers
``401`` with ``WWW-Authenticate: Bearer realm=<this>/token,service=...,
scope=...``; this server checks HTTP Basic credentials and returns a JWT
(RS256, its self-signed certificate in the ``x5c`` header, the same
certificate the registry's ``rootcertbundle`` holds) granting the scope
asked for.  ``requests`` counts the token requests answered.
"""

import base64
import datetime
import http.server
import json
import threading
import urllib.parse
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

__all__ = ["TokenService"]


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - stdlib naming
        owner = self.server.owner
        parts = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parts.query)
        expected = "Basic " + base64.b64encode(
            ("%s:%s" % (owner.username, owner.password)).encode()).decode()
        if parts.path != "/token":
            status, body = 404, {"error": "not found"}
        elif self.headers.get("Authorization") != expected:
            status, body = 401, {"error": "bad credentials"}
        else:
            status = 200
            body = {"token": owner.token(query.get("scope", []))}
            with owner.lock:
                owner.requests += 1
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class TokenService:
    """Issues registry tokens to *username*/*password* on loopback."""

    issuer = "marketplace-stack"
    service = "loopback-registry"

    def __init__(self, username="robot",
                 password="s3cret"):  # noqa: S107 - a test service
        self.username, self.password = username, password
        self.key = rsa.generate_private_key(public_exponent=65537,
                                            key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                             "registry token signer")])
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (x509.CertificateBuilder()
                     .subject_name(name).issuer_name(name)
                     .public_key(self.key.public_key())
                     .serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(hours=1))
                     .not_valid_after(now + datetime.timedelta(days=2))
                     .add_extension(x509.BasicConstraints(ca=True,
                                                          path_length=None),
                                    critical=True)
                     .sign(self.key, hashes.SHA256()))
        self.lock = threading.Lock()
        self.requests = 0
        self._httpd = None

    def start(self):
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      _Handler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self
        threading.Thread(target=self._httpd.serve_forever, args=(0.1,),
                         daemon=True).start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def realm(self):
        return "http://127.0.0.1:%d/token" % self._httpd.server_address[1]

    def cert_pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def token(self, scopes):
        """A JWT granting *scopes* (``type:name:actions`` strings)."""
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            access.append({"type": kind, "name": name,
                           "actions": actions.split(",")})
        now = int(datetime.datetime.now(datetime.UTC).timestamp())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [
            base64.b64encode(self.cert.public_bytes(
                serialization.Encoding.DER)).decode()]}
        claims = {"iss": self.issuer, "sub": self.username,
                  "aud": self.service, "exp": now + 300, "nbf": now - 60,
                  "iat": now, "jti": uuid.uuid4().hex, "access": access}
        signing_input = "%s.%s" % (_b64(json.dumps(header).encode()),
                                   _b64(json.dumps(claims).encode()))
        signature = self.key.sign(signing_input.encode(),
                                  padding.PKCS1v15(), hashes.SHA256())
        return "%s.%s" % (signing_input, _b64(signature))
