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

"""The streamed path of an import: download, decompress, hash.

Only URLs the import setting ``download_filter`` allows are fetched
(:mod:`.urlfilter`: by default http(s) on ports 80 and 443 of public
addresses), TLS is verified, every request has a timeout, redirects are
followed by hand (a few at most) and each target is checked again.  The
data flows in constant memory: the response is decompressed on the fly
(gz, bz2, xz), hashed with every endorsed algorithm in one pass
(:class:`marketplace_dashboard.core.hashing.MultiHasher`) and handed to
Glance as a file object (:class:`StreamedImage`), never stored.
"""

import hashlib
import io
import urllib.parse

import requests
import urllib3

from marketplace_dashboard.core import formats, hashing, locations
from marketplace_dashboard.core.compression import (
    guess_compression,
    open_decompressed,
)
from marketplace_dashboard.core.errors import ImageDataError, TransferError
from marketplace_dashboard.core.i18n import _
from marketplace_dashboard.core.imports import urlfilter

__all__ = [
    'ALLOWED_SCHEMES', 'CHUNK_SIZE', 'DEFAULT_TIMEOUT', 'MAX_REDIRECTS',
    'PROBE_TIMEOUT', 'SAFE', 'StreamedImage', 'check_url', 'open_url',
    'probe', 'stream_image', 'usable_locations',
]

ALLOWED_SCHEMES = urlfilter.SCHEMES
DEFAULT_TIMEOUT = (10, 60)  # connect, read (seconds)
PROBE_TIMEOUT = (3, 5)
MAX_REDIRECTS = 5
CHUNK_SIZE = 1024 * 1024
#: Image data is fetched as the file it is: no transfer compression, which
#: an HTTP client would undo (a mirror serving ``.gz`` files with
#: ``Content-Encoding: gzip`` would otherwise be decompressed twice).
IDENTITY = {'Accept-Encoding': 'identity'}
#: The algorithms :class:`hashing.MultiHasher` computes in its threads.
_THREADED = frozenset(formats.ALGORITHMS.values())
#: The default ``download_filter``: public addresses, ports 80 and 443.
SAFE = urlfilter.DownloadFilter()


def check_url(url, rules=None):
    """Return *url* if *rules* (a :class:`~.urlfilter.DownloadFilter`,
    default :data:`SAFE`) allow fetching it as written, else raise."""
    return (rules or SAFE).check_url(url)


def _session(session, rules):
    """*session*, or one connecting only where *rules* allow (a session
    passed in is used as given: a test's, or one with a
    :class:`~.urlfilter.FilteredAdapter`)."""
    return session or urlfilter.filtered_session(rules or SAFE)


def usable_locations(values):
    """The image-data locations of *values*, in order.

    Only what :func:`locations.classify` calls image data is ever given to
    Glance or downloaded: launch links (a dashboard's launch page) and
    other schemes are never fetched as data.
    """
    usable = []
    for location in locations.classify_all(values or ()):
        if not location.is_data:
            continue
        try:
            urlfilter.check_syntax(location.url)
            usable.append(location.url)
        except TransferError:
            continue
    return usable


_HTTP_ERROR = _('Cannot download %(url)s: HTTP %(status)s %(reason)s')


def _html_page(url, response):
    """Why *response* is not image data when it is an HTML page."""
    content_type = response.headers.get('Content-Type', '')
    if locations.is_html_content_type(content_type):
        return (_('%(url)s answers an HTML page (%(type)s), not image '
                  'data: a launch link or a login page, never imported')
                % {'url': url, 'type': content_type.split(';', 1)[0].strip()})
    return None


def open_url(url, session=None, timeout=DEFAULT_TIMEOUT, verify=True,
             max_redirects=MAX_REDIRECTS, rules=None):
    """A streamed ``requests`` response for *url*, redirects re-checked
    (*rules*: see :func:`check_url`)."""
    session = _session(session, rules)
    for _attempt in range(max_redirects + 1):
        check_url(url, rules)
        try:
            response = session.get(url, stream=True, timeout=timeout,
                                   verify=verify, allow_redirects=False,
                                   headers=IDENTITY)
        except requests.exceptions.SSLError as e:
            raise TransferError(_('TLS verification of %(url)s failed: '
                                  '%(error)s') % {'url': url, 'error': e}
                                ) from None
        except requests.RequestException as e:
            raise TransferError(_('Cannot download %(url)s: %(error)s')
                                % {'url': url, 'error': e}) from None
        if response.is_redirect:
            target = response.headers.get('Location', '')
            response.close()
            url = urllib.parse.urljoin(url, target)
            continue
        if response.status_code != 200:
            response.close()
            raise TransferError(_HTTP_ERROR % {
                'url': url, 'status': response.status_code,
                'reason': response.reason or ''})
        problem = _html_page(url, response)
        if problem:
            response.close()
            raise TransferError(_('Cannot import from %(problem)s.')
                                % {'problem': problem})
        return response
    raise TransferError(_('Cannot download %(url)s: more than %(count)s '
                          'redirects.') % {'url': url, 'count': max_redirects})


def probe(url, session=None, timeout=PROBE_TIMEOUT, verify=True,
          rules=None):
    """None when *url* looks downloadable, else why not.

    One ``HEAD`` request, redirects not followed: refused connections,
    TLS failures, timeouts, 404/410 and 5xx answers count as down; a
    server that does not implement ``HEAD`` (405, 501) or redirects is
    given the benefit of the doubt.  No body is ever read.  *rules*: see
    :func:`check_url`.
    """
    session = _session(session, rules)
    try:
        check_url(url, rules)
        response = session.head(url, timeout=timeout, verify=verify,
                                allow_redirects=False)
    except TransferError as e:
        return str(e)
    except requests.RequestException as e:
        return (_('Cannot reach %(url)s: %(error)s')
                % {'url': url, 'error': e})
    response.close()
    if response.status_code in (404, 410) or response.status_code >= 500 \
            and response.status_code != 501:
        return _HTTP_ERROR % {'url': url, 'status': response.status_code,
                              'reason': response.reason or ''}
    if response.status_code == 200:
        return _html_page(url, response)
    return None


class _IterReader(io.RawIOBase):
    """Binary file object over an iterator of byte chunks."""

    def __init__(self, chunks, name):
        super().__init__()
        self._chunks = chunks
        self._rest = memoryview(b'')
        self.name = name

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self._rest:
            try:
                self._rest = memoryview(next(self._chunks))
            except StopIteration:
                return 0
            except (requests.RequestException, urllib3.exceptions.HTTPError,
                    OSError) as e:
                raise TransferError(_('Download of %(url)s interrupted: '
                                      '%(error)s')
                                    % {'url': self.name, 'error': e}
                                    ) from None
        count = min(len(buffer), len(self._rest))
        buffer[:count] = self._rest[:count]
        self._rest = self._rest[count:]
        return count


class StreamedImage(io.RawIOBase):
    """File object of the uncompressed image that hashes what is read.

    ``expected_bytes`` bounds the data (more is an error, raised while
    reading so that the upload stops); ``progress(done, total)`` is called
    as data goes by.  After EOF, :meth:`mismatches` compares size and every
    endorsed checksum.  *extra*: hashlib names of further digests computed
    in the same pass without an expected value (e.g. the algorithm Glance
    computes), read with :meth:`digest`.
    """

    def __init__(self, fileobj, checksums, expected_bytes, compression=None,
                 progress=None, name='image', extra=()):
        super().__init__()
        self.name = name
        self.checksums = dict(checksums)
        self.expected_bytes = expected_bytes
        # Every algorithm by its hashlib name -> the name it is computed
        # under: the multi-threaded hasher's four, hashlib for the others.
        wanted = {formats.hashlib_name(a): a for a in self.checksums}
        for algorithm in extra:
            wanted.setdefault(formats.hashlib_name(algorithm), algorithm)
        threaded = [a for a in wanted.values()
                    if formats.hashlib_name(a) in _THREADED]
        self._plain = {a: hashlib.new(formats.hashlib_name(a))
                       for a in wanted.values() if a not in threaded}
        self._names = wanted
        self._digests = None
        self._reader = open_decompressed(
            fileobj, compression, max_output=expected_bytes)
        self._hasher = hashing.MultiHasher(tuple(threaded))
        self._progress = progress
        self.done = 0
        self.eof = False
        self.error = None

    def readable(self):
        return True

    def readinto(self, buffer):
        try:
            count = self._reader.readinto(buffer)
        except (ImageDataError, TransferError) as e:
            self.error = e
            raise
        except OSError as e:
            self.error = TransferError(_('Reading %(url)s failed: %(error)s')
                                       % {'url': self.name, 'error': e})
            raise self.error from None
        if not count:
            self.eof = True
        else:
            self.done += count
            if self.done > self.expected_bytes:
                self.error = TransferError(
                    _('%(url)s is larger than the %(size)s bytes endorsed; '
                      'stopped.')
                    % {'url': self.name, 'size': self.expected_bytes})
                raise self.error
            self._hasher.update(memoryview(buffer)[:count])
            for plain in self._plain.values():
                plain.update(memoryview(buffer)[:count])
        if self._progress:
            self._progress(self.done, self.expected_bytes)
        return count

    def close(self):
        if not self.closed:
            self._hasher.close()
            self._reader.close()
        super().close()

    def _hexdigests(self):
        if self._digests is None:
            self._digests = dict(self._hasher.hexdigests())
            self._digests.update((a, h.hexdigest())
                                 for a, h in self._plain.items())
        return self._digests

    def digest(self, algorithm):
        """Hex digest of the data read, by marketplace or hashlib name
        (only after EOF; None when it was not computed)."""
        if not self.eof or self.error is not None:
            return None
        name = self._names.get(formats.hashlib_name(algorithm))
        return None if name is None else self._hexdigests()[name]

    def mismatches(self):
        """Sentences describing every difference (empty: all match)."""
        if self.error is not None:
            return [str(self.error)]
        if not self.eof:
            return [_('%(url)s was not read to its end.')
                    % {'url': self.name}]
        problems = []
        if self.done != self.expected_bytes:
            problems.append(_('size is %(size)s bytes, %(endorsed)s endorsed')
                            % {'size': self.done,
                               'endorsed': self.expected_bytes})
        digests = self._hexdigests()
        for algorithm, expected in sorted(self.checksums.items()):
            if digests[algorithm].lower() != expected.lower():
                problems.append(_('%(algorithm)s is %(stored)s…, '
                                  '%(endorsed)s… %(what)s')
                                % {'algorithm': algorithm,
                                   'stored': digests[algorithm][:16],
                                   'endorsed': expected[:16],
                                   'what': _('endorsed')})
        return problems


def stream_image(url, checksums, expected_bytes, compression=None,
                 progress=None, session=None, timeout=DEFAULT_TIMEOUT,
                 verify=True, extra=(), rules=None):
    """Open *url* and return a :class:`StreamedImage` over its content.

    *compression* ``None`` is guessed from the URL path (``.gz``, ``.bz2``,
    ``.xz``).  The body is read as sent (``decode_content=False``): a
    ``Content-Encoding`` the server adds anyway is never undone here, so
    the bytes hashed are those of the file.  *rules*: see
    :func:`check_url`.  The caller closes the result.
    """
    if compression is None:
        compression = guess_compression(
            urllib.parse.urlsplit(url).path)
    response = open_url(url, session=session, timeout=timeout,
                        verify=verify, rules=rules)
    raw = _IterReader(response.raw.stream(CHUNK_SIZE, decode_content=False),
                      url)
    try:
        return StreamedImage(raw, checksums, expected_bytes,
                             compression=compression, progress=progress,
                             name=url, extra=extra)
    except Exception:
        response.close()
        raise
