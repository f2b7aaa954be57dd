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

"""The limits of one request: the size of its body and the time a client
may take to send it.

Every body is bounded before the application reads it: the
``Content-Length`` is checked first, and the input stream is wrapped in
:class:`BoundedInput`, which refuses (413) a body, chunked or not, as soon
as reading goes past the limit.  A DataTables form
(``application/x-www-form-urlencoded``) gets :data:`DEFAULT_MAX_FORM`
bytes, anything else the upload limit.  The development server
(``marketplace-server``) gives each connection a socket timeout
(:func:`request_handler`); behind gunicorn, its ``--timeout`` and a
front proxy's client timeouts do that job.
"""

import io

from werkzeug import exceptions as wexc
from werkzeug.serving import WSGIRequestHandler

from marketplace_dashboard.server.responses import HTTPError

__all__ = [
    'DEFAULT_CLIENT_TIMEOUT', 'DEFAULT_MAX_FORM', 'FORM_TYPE',
    'BoundedInput', 'bound_body', 'request_handler',
]

#: Bytes of a DataTables listing form (its queries are a few hundred).
DEFAULT_MAX_FORM = 64 * 1024
#: Seconds a client may stay silent on its connection.
DEFAULT_CLIENT_TIMEOUT = 30
FORM_TYPE = 'application/x-www-form-urlencoded'
_CHUNK = 64 * 1024


class BoundedInput(io.RawIOBase):
    """A WSGI input stream that raises ``RequestEntityTooLarge`` (with
    *message*) once more than *limit* bytes have been read from it."""

    def __init__(self, stream, limit, message):
        super().__init__()
        self._stream = stream
        self._limit = limit
        self._message = message
        self._seen = 0

    def readable(self):
        return True

    def _count(self, data):
        self._seen += len(data)
        if self._seen > self._limit:
            raise wexc.RequestEntityTooLarge(self._message)
        return data

    def read(self, size=-1):
        if size is None or size < 0:
            chunks = []
            while True:
                chunk = self.read(_CHUNK)
                if not chunk:
                    return b''.join(chunks)
                chunks.append(chunk)
        # one byte past the limit is enough to know it is exceeded
        size = min(size, self._limit - self._seen + 1)
        return self._count(self._stream.read(size))

    def readline(self, size=-1):
        if size is None or size < 0 or size > self._limit - self._seen + 1:
            size = self._limit - self._seen + 1
        return self._count(self._stream.readline(size))

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def bound_body(request, form_limit, upload_limit, upload_message):
    """Bound the body of a Werkzeug *request*: *form_limit* bytes for a
    form, else *upload_limit* (*upload_message* when refused).  A declared
    ``Content-Length`` over it is an :class:`HTTPError` 413 (nothing of
    the body is read); reading past it raises ``RequestEntityTooLarge``.
    """
    if request.mimetype == FORM_TYPE:
        limit = form_limit
        message = 'request body too large: the limit is %d bytes' % limit
    else:
        limit, message = upload_limit, upload_message
    raw = (request.environ.get('CONTENT_LENGTH') or '').strip()
    if raw.isascii() and raw.isdigit() and int(raw) > limit:
        raise HTTPError(413, message)
    request.environ['wsgi.input'] = BoundedInput(
        request.environ['wsgi.input'], limit, message)
    # not max_content_length: Werkzeug would silently truncate a chunked
    # body at it
    request.max_form_memory_size = limit


def request_handler(timeout=DEFAULT_CLIENT_TIMEOUT):
    """A Werkzeug request handler class whose connections time out after
    *timeout* seconds without data from the client."""
    return type('TimeoutRequestHandler', (WSGIRequestHandler,),
                {'timeout': timeout})
