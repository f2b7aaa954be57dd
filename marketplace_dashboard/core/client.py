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


"""REST client of StratusLab-compatible marketplaces (Django-free).

Talks the StratusLab API (``<url>/metadata``, ``/endorsers``...) with
connect/read timeouts, bounded retries with backoff for GET only (connect
errors and 502/503/504), TLS verification always on (optionally against a
private CA bundle), a size limit on every response, and an optional cache
(:mod:`marketplace_dashboard.core.cache`).  Every failure is raised as a
:class:`~marketplace_dashboard.core.errors.MarketplaceClientError` whose
message says what to do.
"""

import dataclasses
import datetime
import hashlib
import importlib.metadata
import json
import os
import re
import socket
import threading
import unicodedata
import urllib.parse

from lxml import etree
import requests
from requests.adapters import HTTPAdapter
from urllib3 import connection as u3_connection
from urllib3 import connectionpool as u3_pool
from urllib3.util.retry import Retry

from marketplace_dashboard.core import cache as cache_mod
from marketplace_dashboard.core import xmlsafe
from marketplace_dashboard.core.errors import (
    MarketplaceClientError,
    MarketplaceError,
    MarketplaceHTTPError,
    MarketplaceResponseError,
    MarketplaceUnavailable,
    MetadataError,
)
from marketplace_dashboard.core.identifier import is_identifier
from marketplace_dashboard.core.model import DATE_RE, parse_appliance

try:
    _VERSION = importlib.metadata.version('marketplace-dashboard')
except importlib.metadata.PackageNotFoundError:  # pragma: no cover
    _VERSION = 'unknown'

USER_AGENT = 'marketplace-dashboard/%s' % _VERSION
DEFAULT_TIMEOUT = (5.0, 30.0)
#: Least time a whole request may take (connection, retries, every byte of
#: the answer); the default deadline is the larger of this and the sum of
#: the connect and read timeouts.
DEFAULT_DEADLINE = 60.0
MAX_SECONDS = 86400
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
DEFAULT_RETRIES = 2
MAX_RETRIES = 10
LISTING_TTL = 30
VERDICT_TTL = 300
_CHUNK = 64 * 1024
_ERROR_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32
# possessive: linear even on an unterminated string
_JSON_STRING_RE = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b'[]{}')
_EMAIL_RE = re.compile(r'^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\Z')

#: Listing columns 1-10 by name (the StratusLab row layout).
COLUMNS = ('os', 'os_version', 'os_arch', 'email', 'kind', 'created',
           'identifier', 'location', 'description', 'title')
STATUSES = ('valid', 'expired', 'deprecated', 'all')
LOCATIONS = ('all', 'pdisk', 'web')


def _seconds(value):
    """A finite positive number of seconds (at most a day), else None."""
    if isinstance(value, bool):
        return None
    try:
        value = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if 0 < value <= MAX_SECONDS else None


def _timeout(value, name=None):
    if value is None:
        return DEFAULT_TIMEOUT
    pair = (value, value) if isinstance(value, (int, float, str)) else value
    try:
        connect, read = (_seconds(v) for v in pair)
    except (TypeError, ValueError):
        connect = read = None
    if connect is None or read is None:
        raise MarketplaceClientError(
            'invalid timeout %r for marketplace %r: give seconds (more than '
            '0, at most %d) or a (connect, read) pair of them'
            % (value, name, MAX_SECONDS))
    return (connect, read)


def _whole_number(value, key, name, minimum, maximum, expected):
    """*value* (an int or a string of digits) as an int within bounds."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and \
            value.strip().isdigit() and len(value.strip()) <= 18:
        number = int(value)
    if number is None or number < minimum or (
            maximum is not None and number > maximum):
        raise MarketplaceClientError(
            'invalid %s %r for marketplace %r: give %s'
            % (key, value, name, expected))
    return number


def _deadline(value, timeout, name=None):
    if value is None:
        return max(DEFAULT_DEADLINE, sum(timeout))
    seconds = _seconds(value)
    if seconds is None:
        raise MarketplaceClientError(
            'invalid deadline %r for marketplace %r: give seconds (more '
            'than 0, at most %d)' % (value, name, MAX_SECONDS))
    return seconds


@dataclasses.dataclass(frozen=True)
class MarketplaceConfig:
    """One configured marketplace.

    *url* is the service root, e.g. ``https://mp.example.org/marketplace``;
    *verify* is ``True`` (system CAs) or the path of a PEM CA bundle.
    *timeout* bounds connecting and each wait for data; *deadline* (default:
    the larger of 60 s and connect + read timeout) bounds a whole request,
    retries included, so a server sending its answer a byte at a time
    cannot hold a caller.
    """

    name: str
    url: str
    verify: bool | str = True
    timeout: tuple = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    user_agent: str = USER_AGENT
    retries: int = DEFAULT_RETRIES
    deadline: float | None = None

    def __post_init__(self):
        url = self.url if isinstance(self.url, str) else ''
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise MarketplaceClientError(
                'invalid URL %r for marketplace %r: use an http:// or '
                'https:// URL such as https://host/marketplace'
                % (self.url, self.name))
        if self.verify is not True and not isinstance(self.verify, str):
            # False, but also 0 or None, would turn verification off
            raise MarketplaceClientError(
                'TLS verification cannot be disabled for marketplace %r; '
                'give the path of its CA bundle instead (verify: %r)'
                % (self.name, self.verify))
        if isinstance(self.verify, str) and not os.path.isfile(self.verify):
            raise MarketplaceClientError(
                'CA bundle %s for marketplace %r does not exist'
                % (self.verify, self.name))
        if not isinstance(self.user_agent, str) or not self.user_agent:
            raise MarketplaceClientError(
                'invalid user_agent %r for marketplace %r: give a string'
                % (self.user_agent, self.name))
        object.__setattr__(self, 'timeout',
                           _timeout(self.timeout, self.name))
        object.__setattr__(self, 'deadline',
                           _deadline(self.deadline, self.timeout, self.name))
        object.__setattr__(self, 'max_bytes', _whole_number(
            self.max_bytes, 'max_bytes', self.name, 1, None,
            'a number of bytes such as %d' % DEFAULT_MAX_BYTES))
        object.__setattr__(self, 'retries', _whole_number(
            self.retries, 'retries', self.name, 0, MAX_RETRIES,
            'a whole number from 0 to %d' % MAX_RETRIES))

    @classmethod
    def from_dict(cls, settings):
        """Build from a settings dict.

        Keys: ``name``, ``url`` (required), ``verify`` or ``ca_file``,
        ``timeout`` (seconds or ``[connect, read]``), ``deadline``
        (seconds), ``max_bytes``, ``user_agent``, ``retries``.
        """
        if not isinstance(settings, dict) or not settings.get('url'):
            raise MarketplaceClientError(
                'a marketplace setting needs at least a "url"')
        verify = settings.get('verify', True)
        if settings.get('ca_file'):
            verify = settings['ca_file']
        return cls(name=settings.get('name') or settings['url'],
                   url=settings['url'], verify=verify,
                   timeout=settings.get('timeout', DEFAULT_TIMEOUT),
                   max_bytes=settings.get('max_bytes', DEFAULT_MAX_BYTES),
                   user_agent=settings.get('user_agent', USER_AGENT),
                   retries=settings.get('retries', DEFAULT_RETRIES),
                   deadline=settings.get('deadline'))


@dataclasses.dataclass(frozen=True)
class ListingRow:
    """One row of a marketplace listing (``None`` for missing values)."""

    os: str | None
    os_version: str | None
    os_arch: str | None
    email: str | None
    kind: str | None
    created: str | None
    identifier: str | None
    location: str | None
    description: str | None
    title: str | None

    @property
    def key(self):
        return (self.identifier, self.email, self.created)

    @classmethod
    def from_json(cls, row):
        if not isinstance(row, list) or len(row) < 11 or \
                not all(isinstance(v, str) for v in row[:11]):
            raise ValueError('a row is not a list of 11 strings')
        values = [None if v == 'null' else v for v in row[1:11]]
        return cls(*values)


@dataclasses.dataclass(frozen=True)
class SearchPage:
    rows: list
    total: int
    total_filtered: int
    start: int
    length: int


@dataclasses.dataclass(frozen=True)
class SearchQuery:
    """A listing query, mapped to the StratusLab/DataTables parameters.

    *text* is split on white space; every word must appear (case
    insensitively) in one of the listing columns.  *os* and *os_version*
    match as substrings, *arch*, *endorser* and *kind* exactly (case
    insensitively).  User text is always escaped: the service treats
    search terms as regular expressions.
    """

    text: str = ''
    os: str | None = None
    os_version: str | None = None
    arch: str | None = None
    endorser: str | None = None
    kind: str | None = None
    status: str = 'valid'
    location: str = 'all'
    start: int = 0
    length: int = 20
    sort: str = 'created'
    sort_dir: str = 'desc'
    identifier: str | None = None

    def __post_init__(self):
        if self.status not in STATUSES:
            raise MarketplaceClientError(
                'invalid status %r: use one of %s'
                % (self.status, ', '.join(STATUSES)))
        if self.location not in LOCATIONS:
            raise MarketplaceClientError(
                'invalid location %r: use one of %s'
                % (self.location, ', '.join(LOCATIONS)))
        if self.sort not in COLUMNS:
            raise MarketplaceClientError(
                'invalid sort column %r: use one of %s'
                % (self.sort, ', '.join(COLUMNS)))
        if self.sort_dir not in ('asc', 'desc'):
            raise MarketplaceClientError("sort direction must be 'asc' or "
                                         "'desc'")
        if int(self.start) < 0 or int(self.length) < 1:
            raise MarketplaceClientError(
                'start must be 0 or more and length at least 1')

    def params(self):
        params = {
            'status': self.status, 'location': self.location,
            'iDisplayStart': str(int(self.start)),
            'iDisplayLength': str(int(self.length)),
            'iSortCol_0': str(COLUMNS.index(self.sort) + 1),
            'sSortDir_0': self.sort_dir, 'sEcho': '1',
        }
        words = (self.text or '').split()
        if words:
            params['sSearch'] = ' '.join(re.escape(w) for w in words)
        columns = ((1, self.os, False), (2, self.os_version, False),
                   (3, self.arch, True), (4, self.endorser, True),
                   (5, self.kind, True))
        for number, value, exact in columns:
            if value:
                pattern = re.escape(value.strip())
                params['sSearch_%d' % number] = (
                    '^%s$' % pattern if exact else pattern)
        if self.identifier:
            params['identifier'] = self.identifier
        return params


_current = threading.local()


class _Deadline:
    """Shuts down the sockets of one request when its deadline passes.

    A socket timeout only bounds each wait for data; a server that sends
    one byte now and then never triggers it.  The watched connections
    register themselves when they wait for an answer (see
    :class:`_WatchedConnection`), and a timer shuts their sockets down at
    the deadline, which ends any blocked read at once.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.expired = False
        self._lock = threading.Lock()
        self._connections = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self):
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info):
        self._timer.cancel()
        _current.deadline = None
        with self._lock:
            self._connections = []

    def watch(self, conn):
        with self._lock:
            self._connections.append(conn)
            expired = self.expired
        if expired:
            _shutdown(conn)

    def _expire(self):
        with self._lock:
            self.expired = True
            connections = list(self._connections)
        for conn in connections:
            _shutdown(conn)


def _shutdown(conn):
    sock = getattr(conn, 'sock', None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _WatchedConnection:
    def getresponse(self, *args, **kwargs):
        deadline = getattr(_current, 'deadline', None)
        if deadline is not None:
            deadline.watch(self)
        return super().getresponse(*args, **kwargs)


class _HTTPConnection(_WatchedConnection, u3_connection.HTTPConnection):
    pass


class _HTTPSConnection(_WatchedConnection, u3_connection.HTTPSConnection):
    pass


class _HTTPPool(u3_pool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(u3_pool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_WATCHED_POOLS = {'http': _HTTPPool, 'https': _HTTPSPool}


class _Adapter(HTTPAdapter):
    """An HTTPAdapter whose connections honour :class:`_Deadline`."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_WATCHED_POOLS)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        known = proxy in self.proxy_manager
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not known and not proxy.lower().startswith('socks'):
            manager.pool_classes_by_scheme = dict(_WATCHED_POOLS)
        return manager


def _load_json(body):
    """``json.loads`` of *body* (bytes), refusing nesting deeper than
    :data:`MAX_JSON_DEPTH` before parsing: the parser recurses once per
    level, and a hostile ``[[[[...`` would run it (and whatever the garbage
    collector finalizes meanwhile) at the edge of the recursion limit.
    """
    brackets = _JSON_STRING_RE.sub(b'', body).translate(None, _NOT_BRACKETS)
    for _ in range(MAX_JSON_DEPTH):
        shorter = brackets.replace(b'[]', b'').replace(b'{}', b'')
        if shorter == brackets:
            break
        brackets = shorter
    if brackets:
        raise ValueError('brackets unbalanced or nested more than %d '
                         'levels deep' % MAX_JSON_DEPTH)
    return json.loads(body.decode('utf-8'))


def _raw_error_text(body):
    """The text of an ``<error>`` element that is not well-formed XML.

    The original service does not escape its error text (spec 3.5), e.g.
    ``<error>unable to parse metadata: bad <tag> & stuff</error>``.
    """
    head = body[:_ERROR_BYTES]
    start = head.find(b'<error>')
    end = head.rfind(b'</error>')
    if start < 0 or end < start:
        return None
    return head[start + len(b'<error>'):end].decode('utf-8', 'replace')


def _printable(text):
    """*text* on one line, without control or format characters (terminal
    escapes, bidi overrides), at most 500 characters."""
    text = ''.join(' ' if unicodedata.category(c)[0] == 'C' else c
                   for c in text[:_ERROR_BYTES])
    return ' '.join(text.split())[:500]


def _server_message(response, body):
    """The error text of a StratusLab error response, if any."""
    ctype = response.headers.get('Content-Type', '').lower()
    text = None
    try:
        if 'json' in ctype:
            value = _load_json(body)
            if isinstance(value, dict) and value:
                text = str(next(iter(value.values())))
        elif 'xml' in ctype:
            try:
                root = xmlsafe.parse_xml(body, max_bytes=_ERROR_BYTES)
            except MarketplaceError:
                text = _raw_error_text(body)
            else:
                if root.tag == 'error':
                    text = ''.join(root.itertext())
        elif ctype.startswith('text/plain'):
            text = body.decode('utf-8', 'replace')
    except (ValueError, RecursionError, MarketplaceError):
        text = None
    if text:
        text = _printable(text)
    return text or None


class MarketplaceClient:
    """Client of one marketplace."""

    def __init__(self, config, cache=None, listing_ttl=LISTING_TTL,
                 verdict_ttl=VERDICT_TTL):
        if isinstance(config, dict):
            config = MarketplaceConfig.from_dict(config)
        self.config = config
        self.base = config.url.rstrip('/')
        self.cache = cache or cache_mod.NullCache()
        self.listing_ttl = listing_ttl
        self.verdict_ttl = verdict_ttl
        self.session = requests.Session()
        self.session.max_redirects = 5
        self.session.headers['User-Agent'] = config.user_agent
        retry = Retry(total=config.retries, connect=config.retries, read=False,
                      status=config.retries, other=0, redirect=5,
                      allowed_methods=frozenset(['GET']),
                      status_forcelist=(502, 503, 504), backoff_factor=0.3,
                      backoff_max=5, raise_on_status=False,
                      respect_retry_after_header=False)
        adapter = _Adapter(max_retries=retry)
        self.session.mount('http://', adapter)
        self.session.mount('https://', adapter)

    def close(self):
        self.session.close()

    # -- transport ---------------------------------------------------------

    def _describe(self):
        if self.config.name in (self.config.url, self.base):
            return 'marketplace %s' % self.base
        return 'marketplace %r (%s)' % (self.config.name, self.base)

    def _request(self, method, path, params=None, data=None, headers=None,
                 max_bytes=None):
        with _Deadline(self.config.deadline) as deadline:
            try:
                result = self._send(method, path, params, data, headers,
                                    max_bytes, deadline)
            except MarketplaceClientError:
                if deadline.expired:
                    raise self._past_deadline() from None
                raise
            if deadline.expired:
                # the shut-down socket may have looked like a complete
                # (e.g. header-only) answer
                raise self._past_deadline()
            return result

    def _past_deadline(self):
        return MarketplaceUnavailable(
            '%s did not send its whole answer within %g seconds; try again '
            'later or raise its "deadline" setting (CLI: --timeout, '
            'or --endpoint-timeout for import)'
            % (self._describe(), self.config.deadline))

    def _send(self, method, path, params, data, headers, max_bytes,
              deadline):
        url = self.base + path
        limit = max_bytes or self.config.max_bytes
        what = self._describe()
        try:
            response = self.session.request(
                method, url, params=params, data=data, headers=headers,
                timeout=self.config.timeout, verify=self.config.verify,
                stream=True)
        except requests.exceptions.SSLError as exc:
            reason = _reason(exc)
            if 'WRONG_VERSION_NUMBER' in reason or 'record layer' in reason:
                raise MarketplaceUnavailable(
                    'TLS handshake with %s failed: %s; the port does not '
                    'seem to speak TLS, check whether the URL should be '
                    'http://' % (what, reason)) from None
            hint = ('check that its certificate is issued by the CA bundle '
                    'configured with the "verify" setting (CLI: --ca-file '
                    '%s)' % self.config.verify
                    if isinstance(self.config.verify, str) else
                    'if it uses a private CA, set the marketplace\'s '
                    '"verify" setting (CLI: --ca-file) to that CA\'s PEM '
                    'bundle')
            raise MarketplaceUnavailable(
                'TLS certificate problem with %s: %s; %s'
                % (what, reason, hint)) from None
        except requests.exceptions.Timeout:
            raise MarketplaceUnavailable(
                '%s did not answer within %g seconds; try again later or '
                'raise its "timeout" setting (CLI: --timeout, or '
                '--endpoint-timeout for import)'
                % (what, max(self.config.timeout))) from None
        except requests.exceptions.ConnectionError as exc:
            raise MarketplaceUnavailable(
                'cannot connect to %s: %s; check the URL and that the '
                'service is running' % (what, _reason(exc))) from None
        except requests.exceptions.RequestException as exc:
            raise MarketplaceUnavailable('request to %s failed: %s'
                                         % (what, _reason(exc))) from None
        with response:
            body = self._read(response, limit, deadline)
        if response.status_code >= 400:
            message = _server_message(response, body)
            raise MarketplaceHTTPError(
                '%s answered HTTP %d%s' % (
                    what, response.status_code,
                    ': %s' % message if message else
                    ' %s' % _printable(response.reason or '')),
                status=response.status_code, server_message=message)
        return response, body

    def _read(self, response, limit, deadline=None):
        what = self._describe()
        length = response.headers.get('Content-Length') or ''
        if length.isascii() and length.isdigit() and (
                len(length) > 18 or int(length) > limit):
            raise MarketplaceResponseError(
                '%s sent a response of %s bytes, more than the limit of %d '
                'bytes (max_bytes setting)' % (what, length, limit))
        chunks = []
        size = 0
        try:
            for chunk in response.iter_content(_CHUNK):
                if deadline is not None and deadline.expired:
                    raise self._past_deadline()
                size += len(chunk)
                if size > limit:
                    raise MarketplaceResponseError(
                        '%s sent more than the limit of %d bytes (max_bytes '
                        'setting)' % (what, limit))
                chunks.append(chunk)
        except requests.exceptions.RequestException as exc:
            raise MarketplaceUnavailable(
                'the response of %s was cut short: %s; try again later'
                % (what, _reason(exc))) from None
        return b''.join(chunks)

    def _get(self, path, params=None, accept='application/xml', **kw):
        return self._request('GET', path, params=params,
                             headers={'Accept': accept}, **kw)

    # -- listing -----------------------------------------------------------

    def search(self, query=None):
        """One page of the listing (:class:`SearchPage`)."""
        query = query or SearchQuery()
        params = dict(query.params(), media='json')
        key = cache_mod.digest_key('mp-listing', self.base + '/metadata',
                                   urllib.parse.urlencode(sorted(
                                       params.items())))
        page = self.cache.get(key)
        if page is None:
            _, body = self._get('/metadata', params, 'application/json')
            page = self._parse_listing(body, query)
            self.cache.set(key, page, self.listing_ttl)
        return page

    def _parse_listing(self, body, query):
        try:
            value = _load_json(body)
            rows = [ListingRow.from_json(row) for row in value['aaData']]
            total = int(value.get('iTotalRecords', len(rows)))
            filtered = int(value.get('iTotalDisplayRecords', len(rows)))
        except RecursionError:   # not expected after _load_json's check
            raise MarketplaceResponseError(
                '%s sent an invalid JSON listing (nested too deeply); is the '
                'URL that of a StratusLab marketplace?' % self._describe()) \
                from None
        except (ValueError, TypeError, KeyError, AttributeError,
                OverflowError) as exc:
            raise MarketplaceResponseError(
                '%s sent an invalid JSON listing (%s); is the URL that of '
                'a StratusLab marketplace?' % (self._describe(),
                                               _printable(str(exc)))) \
                from None
        return SearchPage(rows=rows, total=total, total_filtered=filtered,
                          start=int(query.start), length=int(query.length))

    def search_documents(self, query=None):
        """A page of rows and, for each row, its signed document.

        Issues the JSON listing and the XML listing with the same filters,
        order and paging, and pairs documents with rows by (identifier,
        e-mail, created).  Returns ``(SearchPage, documents)`` where
        ``documents[i]`` is the standalone signed document (bytes) of
        ``page.rows[i]``, or ``None`` if the XML listing did not have it
        (e.g. an entry uploaded between the two calls).
        """
        query = query or SearchQuery()
        page = self.search(query)
        if not page.rows:
            return page, []
        params = dict(query.params(), media='xml')
        try:
            _, body = self._get('/metadata', params, 'application/xml')
        except MarketplaceHTTPError as exc:
            if exc.status != 404:
                raise
            body = None
        by_key = {}
        for document in self._split(body) if body else []:
            try:
                by_key[parse_appliance(document).key] = document
            except MarketplaceError:
                continue
        return page, [by_key.get(row.key) for row in page.rows]

    def _split(self, body):
        try:
            return xmlsafe.split_documents(
                body, max_list_bytes=self.config.max_bytes)
        except MarketplaceError as exc:
            raise MarketplaceResponseError(
                '%s sent an invalid XML listing: %s'
                % (self._describe(), exc)) from None

    # -- entries -----------------------------------------------------------

    @staticmethod
    def _entry_path(identifier, email=None, created=None):
        if not is_identifier(identifier):
            raise MarketplaceClientError(
                'invalid identifier %r: expected 27 characters A-Z, a-z, '
                '0-9, "-" or "_"' % (identifier,))
        if email is not None and not _EMAIL_RE.match(email):
            raise MarketplaceClientError('invalid endorser e-mail %r'
                                         % (email,))
        if created is not None and not DATE_RE.match(created):
            raise MarketplaceClientError(
                'invalid endorsement date %r: expected '
                'yyyy-mm-ddThh:mm:ssZ' % (created,))
        parts = [p for p in (identifier, email, created) if p is not None]
        return '/metadata/' + '/'.join(
            urllib.parse.quote(p, safe='@:') for p in parts)

    def fetch_entry(self, identifier, email, created):
        """The signed document of one entry, exactly as served.

        :class:`MarketplaceResponseError` when the answer is not an
        ``rdf:RDF`` document (a login page, an error page sent with
        status 200...): a fault of the marketplace, not an invalid entry.
        """
        path = self._entry_path(identifier, email, created)
        _, body = self._get(path, {'media': 'xml'})
        try:
            root = xmlsafe.parse_xml(body, max_bytes=self.config.max_bytes)
            if root.tag != xmlsafe.RDF_ROOT:
                raise MetadataError('its root element is <%s>, not rdf:RDF'
                                    % etree.QName(root).localname)
        except MetadataError as exc:
            raise MarketplaceResponseError(
                '%s sent something that is not a metadata document for '
                'entry %s/%s/%s (%s); is the URL that of a StratusLab '
                'marketplace?' % (self._describe(), identifier, email,
                                  created, _printable(str(exc)))) from None
        return body

    def entries(self, identifier, email=None, status='all'):
        """Every listed entry of *identifier* (standalone documents).

        With the default ``status='all'`` this is the latest entry of each
        endorser, whatever its status.
        """
        try:
            _, body = self._get(self._entry_path(identifier, email),
                                {'status': status, 'media': 'xml'})
        except MarketplaceHTTPError as exc:
            if exc.status == 404:
                return []
            raise
        return self._split(body)

    def latest_entry(self, identifier, email):
        """Newest entry of (identifier, endorser), any status, or None."""
        documents = self.entries(identifier, email)
        return documents[0] if documents else None

    # -- endorsers and tags ------------------------------------------------

    def _sparql(self, path, params=None):
        _, body = self._get(path, params, 'application/xml')
        try:
            root = xmlsafe.parse_xml(body, max_bytes=self.config.max_bytes)
        except MarketplaceError as exc:
            raise MarketplaceResponseError(
                '%s sent invalid XML for %s: %s'
                % (self._describe(), path, exc)) from None
        rows = []
        for result in root.iter('{*}result'):
            row = {}
            for binding in result.iter('{*}binding'):
                row[binding.get('name')] = ''.join(binding.itertext())
            rows.append(row)
        return rows

    def endorsers(self):
        """Endorsers as dicts with ``email``, ``subject``, ``issuer``."""
        return self._sparql('/endorsers')

    def tags(self, email):
        """Tags (``dcterms:alternative``) used by an endorser."""
        if not _EMAIL_RE.match(email or ''):
            raise MarketplaceClientError('invalid endorser e-mail %r'
                                         % (email,))
        path = '/endorsers/%s/tags' % urllib.parse.quote(email, safe='@')
        return [row['tag'] for row in self._sparql(path) if row.get('tag')]

    # -- upload ------------------------------------------------------------

    def upload(self, data):
        """POST a signed document; returns the new entry's URL.

        The URL is the ``Location`` the service gives, else (as the
        original client did, e.g. for an upload pending e-mail
        confirmation, HTTP 202) the one built from the document's key.
        """
        response, _ = self._request(
            'POST', '/metadata', data=data,
            headers={'Content-Type': 'application/xml',
                     'Accept': 'application/xml'})
        location = response.headers.get('Location')
        if location:
            return location
        try:
            key = parse_appliance(data).key
            return self.base + self._entry_path(*key)
        except MarketplaceError:
            raise MarketplaceResponseError(
                '%s accepted the upload (HTTP %d) but gave no entry URL'
                % (self._describe(), response.status_code)) from None

    # -- verification ------------------------------------------------------

    def verified_entry(self, identifier, email, created, policy, now=None):
        """``(document, Verdict)`` of one entry, the verdict cached.

        The document is always fetched; the verdict is cached under the
        SHA-256 of those exact bytes plus the policy fingerprint, so a
        changed document or policy is never served a stale verdict.
        """
        from marketplace_dashboard.core import verdict as verdict_mod

        document = self.fetch_entry(identifier, email, created)
        key = cache_mod.digest_key(
            'mp-verdict', hashlib.sha256(document).hexdigest(),
            cache_mod.policy_fingerprint(policy))
        result = self.cache.get(key)
        if result is None:
            result = verdict_mod.evaluate(document, policy, now=now)
            self.cache.set(key, result, self._verdict_ttl(result, now))
        return document, result

    def _verdict_ttl(self, result, now):
        """Never cache a verdict past the entry's expiry."""
        ttl = self.verdict_ttl
        valid = getattr(getattr(result, 'appliance', None), 'valid', None)
        if isinstance(valid, datetime.datetime):
            now = now or datetime.datetime.now(datetime.UTC)
            remaining = (valid - now).total_seconds()
            if remaining > 0:
                ttl = min(ttl, remaining)
        return ttl


def _reason(exc):
    """A short reason from a requests exception (innermost cause)."""
    seen = exc
    while True:
        inner = next((a for a in getattr(seen, 'args', ())
                      if isinstance(a, BaseException)), None)
        if inner is not None and inner is not seen:
            seen = inner
            continue
        reason = getattr(seen, 'reason', None)
        if isinstance(reason, BaseException) and reason is not seen:
            seen = reason
            continue
        break
    text = str(seen) or seen.__class__.__name__
    return ' '.join(text.split())[:300]
