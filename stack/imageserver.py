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

"""A threaded HTTP file server on loopback for image downloads in tests.

Serves the regular files of one directory (no listings, no symlinks out of
it), answers ``GET`` and ``HEAD``, single ``Range: bytes=`` requests, and
counts the requests and body bytes sent per path, so that a test or a
benchmark can prove who downloaded what.  A path can be *overridden* with
other content (``override``): the server then sends those bytes instead of
the file -- a tampered image -- or answers with an HTTP error status.

    with ImageServer(directory) as srv:
        url = srv.url("cirros.img")
        srv.override("cirros.img", b"evil")        # tampered content
        srv.override("cirros.img", status=503)     # or a failure
        srv.override("cirros.img")                 # back to the file
        srv.stats("cirros.img")  # -> PathStats(requests=2, bytes_sent=...)
"""

import dataclasses
import email.utils
import gzip
import http.server
import os
import re
import shutil
import subprocess
import tempfile
import threading
import urllib.parse

__all__ = ["CHUNK", "ImageServer", "PathStats", "make_disk_images"]

CHUNK = 64 * 1024
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclasses.dataclass
class PathStats:
    requests: int = 0
    bytes_sent: int = 0


@dataclasses.dataclass(frozen=True)
class _Override:
    data: bytes | None
    status: int | None


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "marketplace-imageserver"

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        self.server.owner._log(format % args)

    def do_HEAD(self):  # noqa: N802 - stdlib naming
        self._serve(body=False)

    def do_GET(self):  # noqa: N802 - stdlib naming
        self._serve(body=True)

    def _error(self, status, message):
        data = (message + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _serve(self, body):
        owner = self.server.owner
        rel = owner.normalise(urllib.parse.urlsplit(self.path).path)
        if rel is None:
            return self._error(404, "not found")
        owner._count(rel, 0, request=True)
        ov = owner._overrides.get(rel)
        if ov is not None and ov.status is not None:
            return self._error(ov.status, "overridden status")
        if ov is not None:
            size, mtime, opener = len(ov.data), None, None
        else:
            path = os.path.join(owner.root, rel)
            if not os.path.isfile(path) or os.path.islink(path):
                return self._error(404, "not found")
            st = os.stat(path)
            size, mtime = st.st_size, st.st_mtime
            opener = path
        start, end = 0, size - 1
        status = 200
        rng = self.headers.get("Range")
        if rng:
            m = _RANGE_RE.match(rng.strip())
            if not m or not (m.group(1) or m.group(2)):
                return self._error(416, "unsupported range")
            if m.group(1):
                start = int(m.group(1))
                end = size - 1
                if m.group(2):
                    end = min(int(m.group(2)), end)
            else:
                start, end = max(size - int(m.group(2)), 0), size - 1
            if start >= size or start > end:
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            status = 206
        length = end - start + 1 if size else 0
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(length))
        if status == 206:
            self.send_header("Content-Range",
                             "bytes %d-%d/%d" % (start, end, size))
        if mtime is not None:
            self.send_header("Last-Modified",
                             email.utils.formatdate(mtime, usegmt=True))
        self.end_headers()
        if not body or not length:
            return None
        if opener is None:
            self._send(rel, memoryview(ov.data)[start:end + 1])
        else:
            with open(opener, "rb") as f:
                f.seek(start)
                remaining = length
                while remaining:
                    chunk = f.read(min(CHUNK, remaining))
                    if not chunk:
                        break
                    self._send(rel, chunk)
                    remaining -= len(chunk)
        return None

    def _send(self, rel, data):
        for i in range(0, len(data), CHUNK):
            piece = data[i:i + CHUNK]
            self.wfile.write(piece)
            self.server.owner._count(rel, len(piece))


class ImageServer:
    """Serve ``root`` on ``http://127.0.0.1:<port>/`` from a thread."""

    def __init__(self, root, host="127.0.0.1", port=0, log_file=None):
        self.root = os.path.realpath(root)
        os.makedirs(self.root, exist_ok=True)
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self._stats = {}
        self._overrides = {}
        self._log_file = log_file
        self._httpd = None
        self._thread = None

    # ------------------------------------------------------------ lifecycle
    def start(self):
        httpd = http.server.ThreadingHTTPServer(
            (self._host, self._port), _Handler)
        httpd.daemon_threads = True
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, name="imageserver", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(10)
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def url(self, name):
        return "%s/%s" % (self.base_url, urllib.parse.quote(
            self._checked(name)))

    # --------------------------------------------------------------- content
    def normalise(self, name):
        """Relative path for a URL path or name, or None if unsafe."""
        rel = urllib.parse.unquote(name).lstrip("/")
        parts = rel.split("/")
        if not rel or any(p in ("", ".", "..") for p in parts) or \
                "\\" in rel or "\x00" in rel:
            return None
        return rel

    def _checked(self, name):
        rel = self.normalise(name)
        if rel is None:
            raise ValueError("unsafe image server path: %r" % (name,))
        return rel

    def path(self, name):
        return os.path.join(self.root, self._checked(name))

    def add_file(self, name, data):
        """Store ``data`` (bytes) as ``name`` atomically; returns the URL."""
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path),
                                   prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        return self.url(name)

    def override(self, name, data=None, *, status=None):
        """Serve ``data`` (or answer ``status``) for ``name``; no argument
        removes the override and the file is served again."""
        rel = self._checked(name)
        with self._lock:
            if data is None and status is None:
                self._overrides.pop(rel, None)
            else:
                self._overrides[rel] = _Override(
                    bytes(data) if data is not None else None, status)

    # ----------------------------------------------------------- accounting
    def _count(self, rel, nbytes, request=False):
        with self._lock:
            st = self._stats.setdefault(rel, PathStats())
            st.bytes_sent += nbytes
            st.requests += int(request)

    def stats(self, name):
        with self._lock:
            st = self._stats.get(self._checked(name), PathStats())
            return PathStats(st.requests, st.bytes_sent)

    def bytes_sent(self, name=None):
        """Body bytes sent for ``name``, or in total."""
        with self._lock:
            if name is None:
                return sum(s.bytes_sent for s in self._stats.values())
            return self._stats.get(self._checked(name),
                                   PathStats()).bytes_sent

    def reset_stats(self):
        with self._lock:
            self._stats.clear()

    def _log(self, line):
        if self._log_file:
            with self._lock, open(self._log_file, "a") as f:
                f.write(line + "\n")


def make_disk_images(directory, size="16M"):
    """Create small real disk images with qemu-img plus gzip copies.

    Returns ``{name: path}`` for ``disk.qcow2``, ``disk.img`` (raw, with a
    random first MiB so that every run has distinct checksums) and
    ``disk.qcow2.gz``/``disk.img.gz``.
    """
    qemu_img = shutil.which("qemu-img")
    if qemu_img is None:
        raise RuntimeError("qemu-img not found: install the Debian package "
                           "qemu-utils (tools/bootstrap does).")
    os.makedirs(directory, exist_ok=True)
    out = {}
    qcow = os.path.join(directory, "disk.qcow2")
    raw = os.path.join(directory, "disk.img")
    for fmt, path in (("qcow2", qcow), ("raw", raw)):
        # fixed argv, no shell; paths are ours
        subprocess.run(  # noqa: S603
            [qemu_img, "create", "-q", "-f", fmt, path, size], check=True,
            timeout=60, stdin=subprocess.DEVNULL)
        out[os.path.basename(path)] = path
    with open(raw, "r+b") as f:
        f.write(os.urandom(1024 * 1024))
    for path in (qcow, raw):
        gz = path + ".gz"
        with open(path, "rb") as src, gzip.open(gz + ".tmp", "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.replace(gz + ".tmp", gz)
        out[os.path.basename(gz)] = gz
    return out
