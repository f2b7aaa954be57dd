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

"""The OCI distribution API of one registry (Harbor included).

``GET /v2/_catalog`` (paged with ``n``/``last`` and the ``Link`` header),
``/v2/<repository>/tags/list`` and ``/v2/<repository>/manifests/<tag>``
(OCI image manifest or Docker v2), over the project's HTTP transport
(:class:`~marketplace_dashboard.core.client.http.Transport`: timeouts,
retries, size bounds, TLS verification on).  Anonymous, or with a bearer
token obtained as the registry's ``WWW-Authenticate: Bearer realm=...,
service=...,scope=...`` challenge says (optionally with a user name and
password or robot token).  Every answer is bounded and checked: garbage is
a :class:`~marketplace_dashboard.core.errors.MarketplaceResponseError`.
"""

import hashlib
import re
import urllib.parse

import requests

from marketplace_dashboard.core.client.config import MarketplaceConfig
from marketplace_dashboard.core.client.http import Transport
from marketplace_dashboard.core.client.responses import load_json, printable
from marketplace_dashboard.core.errors import (
    MarketplaceClientError,
    MarketplaceHTTPError,
    MarketplaceResponseError,
)

__all__ = ['DOCKER_MANIFEST', 'MANIFEST_ACCEPT', 'MAX_CATALOG_PAGES',
           'MAX_MANIFEST_BYTES', 'MAX_PAGE_BYTES', 'OCI_INDEX',
           'OCI_MANIFEST', 'RegistryClient', 'is_digest',
           'is_repository', 'is_tag', 'parse_challenge', 'split_endpoint']

OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
MANIFEST_ACCEPT = '%s, %s' % (OCI_MANIFEST, DOCKER_MANIFEST)
#: a manifest larger than this is refused (EGI's are about 1 KiB)
MAX_MANIFEST_BYTES = 256 * 1024
#: one page of the catalogue or of a tag list
MAX_PAGE_BYTES = 2 * 1024 * 1024
#: pages of the catalogue (or of one tag list) read at most
MAX_CATALOG_PAGES = 50
PAGE_SIZE = 100
MAX_TOKEN_BYTES = 64 * 1024

_REPOSITORY_RE = re.compile(
    r'[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
    r'(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\Z')
_TAG_RE = re.compile(r'[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\Z')
_DIGEST_RE = re.compile(r'sha256:[0-9a-f]{64}\Z')
_CHALLENGE_RE = re.compile(r'([A-Za-z_]+)="([^"]*)"')
_LINK_RE = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')


def is_repository(value):
    return isinstance(value, str) and len(value) <= 255 and bool(
        _REPOSITORY_RE.match(value))


def is_tag(value):
    return isinstance(value, str) and bool(_TAG_RE.match(value))


def is_digest(value):
    return isinstance(value, str) and bool(_DIGEST_RE.match(value))


def split_endpoint(url):
    """``(registry base URL, repository prefix)`` of an endpoint such as
    ``https://registry.egi.eu/egi_vm_images``."""
    parts = urllib.parse.urlsplit(url if isinstance(url, str) else '')
    if parts.scheme not in ('http', 'https') or not parts.hostname \
            or parts.query or parts.fragment:
        raise MarketplaceClientError(
            'invalid registry endpoint %r: use http(s)://host[:port]'
            '[/repository prefix]' % (url,))
    prefix = parts.path.strip('/')
    if prefix.startswith('v2/') or prefix == 'v2':
        prefix = prefix[3:]
    if prefix and not is_repository(prefix):
        raise MarketplaceClientError(
            'invalid repository prefix %r in registry endpoint %r'
            % (prefix, url))
    return '%s://%s' % (parts.scheme, parts.netloc), prefix


def parse_challenge(header):
    """The parameters of a ``Bearer`` ``WWW-Authenticate`` challenge, or
    None when it is not one."""
    scheme, _, rest = (header or '').strip().partition(' ')
    if scheme.lower() != 'bearer':
        return None
    return dict(_CHALLENGE_RE.findall(rest))


class RegistryClient:
    """Reads one registry (*settings*: the marketplace's dict, ``url`` the
    endpoint; optional ``username`` and ``password`` for the token
    service)."""

    def __init__(self, settings):
        settings = dict(settings)
        self.endpoint = settings['url']
        self.base, self.prefix = split_endpoint(self.endpoint)
        config = dict(settings, url=self.base)
        config['name'] = settings.get('name') or self.endpoint
        self.config = MarketplaceConfig.from_dict(config)
        self.http = Transport(self.config)
        self._credentials = None
        if settings.get('username'):
            self._credentials = (str(settings['username']),
                                 str(settings.get('password') or ''))
        self._tokens = {}
        #: whether the registry asked for a token (the blobs too, then)
        self.needs_token = False

    def close(self):
        self.http.close()

    def describe(self):
        return 'registry %s' % self.base

    # ----------------------------------------------------------- requests
    def _get(self, path, accept, max_bytes, params=None, scope=None):
        headers = {'Accept': accept}
        token = self._tokens.get(scope)
        if token:
            headers['Authorization'] = 'Bearer ' + token
        try:
            return self.http.request('GET', path, params=params,
                                     headers=headers, max_bytes=max_bytes)
        except MarketplaceHTTPError as exc:
            if exc.status != 401 or token:
                raise
            challenge = parse_challenge(
                (exc.headers or {}).get('WWW-Authenticate'))
            if not challenge or not challenge.get('realm'):
                raise
        self.needs_token = True
        self._tokens[scope] = self._token(challenge, scope)
        headers['Authorization'] = 'Bearer ' + self._tokens[scope]
        return self.http.request('GET', path, params=params,
                                 headers=headers, max_bytes=max_bytes)

    def _token(self, challenge, scope):
        """A bearer token from the challenge's realm (the token service:
        Harbor's ``/service/token``)."""
        realm = challenge['realm']
        parts = urllib.parse.urlsplit(realm)
        if parts.scheme not in ('http', 'https') or not parts.hostname or (
                parts.scheme == 'http' and
                urllib.parse.urlsplit(self.base).scheme == 'https'):
            raise MarketplaceResponseError(
                '%s asked for a token from %r: not an https URL'
                % (self.describe(), printable(realm)))
        params = {}
        if challenge.get('service'):
            params['service'] = challenge['service']
        if challenge.get('scope') or scope:
            params['scope'] = challenge.get('scope') or scope
        try:
            response = self.http.session.get(
                realm, params=params, auth=self._credentials,
                timeout=self.config.timeout, verify=self.config.verify,
                headers={'Accept': 'application/json'}, stream=True)
        except requests.exceptions.RequestException as exc:
            raise MarketplaceClientError(
                'cannot get a token for %s from %s: %s'
                % (self.describe(), realm, printable(str(exc)))) from None
        with response:
            body = self.http._read(response, MAX_TOKEN_BYTES)
        if response.status_code != 200:
            raise MarketplaceHTTPError(
                'the token service of %s answered HTTP %d: check the '
                'username and password of this marketplace'
                % (self.describe(), response.status_code),
                status=response.status_code)
        value = self._json(body, 'token')
        token = value.get('token') or value.get('access_token') \
            if isinstance(value, dict) else None
        if not isinstance(token, str) or not token.isascii() or \
                not token.isprintable():
            raise MarketplaceResponseError(
                'the token service of %s sent no usable token'
                % self.describe())
        return token

    def _json(self, body, what):
        try:
            return load_json(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise MarketplaceResponseError(
                '%s sent invalid JSON for %s (%s); is the URL that of an OCI '
                'registry?' % (self.describe(), what,
                               printable(str(exc))[:200])) from None

    def _next(self, response, path):
        """The next page's ``(path, params)`` from a ``Link`` header."""
        match = _LINK_RE.search(response.headers.get('Link') or '')
        if not match:
            return None
        parts = urllib.parse.urlsplit(match.group(1))
        if parts.netloc and '%s://%s' % (parts.scheme, parts.netloc) != \
                self.base:
            raise MarketplaceResponseError(
                '%s sent a next-page link to another host' % self.describe())
        if parts.path != path:
            raise MarketplaceResponseError(
                '%s sent a next-page link to %r, not %r'
                % (self.describe(), printable(parts.path), path))
        return dict(urllib.parse.parse_qsl(parts.query))

    def _pages(self, path, key, what, scope=None):
        params = {'n': str(PAGE_SIZE)}
        seen = set()
        for _ in range(MAX_CATALOG_PAGES):
            response, body = self._get(path, 'application/json',
                                       MAX_PAGE_BYTES, params, scope)
            value = self._json(body, what)
            items = value.get(key) if isinstance(value, dict) else None
            if items is None and isinstance(value, dict) and key in value:
                items = []
            if not isinstance(items, list) or not all(
                    isinstance(i, str) for i in items):
                raise MarketplaceResponseError(
                    '%s sent %s without a list of %s'
                    % (self.describe(), what, key))
            for item in items:
                if item not in seen:
                    seen.add(item)
                    yield item
            params = self._next(response, path)
            if not params or not items:
                return
        raise MarketplaceResponseError(
            '%s sent more than %d pages of %s' % (
                self.describe(), MAX_CATALOG_PAGES, what))

    # ------------------------------------------------------------ reading
    def repositories(self):
        """The repositories under the endpoint's prefix (sorted)."""
        prefix = self.prefix + '/' if self.prefix else ''
        found = [r for r in self._pages('/v2/_catalog', 'repositories',
                                        'its catalogue',
                                        'registry:catalog:*')
                 if r.startswith(prefix) and is_repository(r)]
        return sorted(found)

    def tags(self, repository):
        self._check_repository(repository)
        return sorted(t for t in self._pages(
            '/v2/%s/tags/list' % repository, 'tags',
            'the tags of %s' % repository, self._scope(repository))
            if is_tag(t))

    def manifest(self, repository, reference, max_bytes=MAX_MANIFEST_BYTES):
        """``(manifest bytes, digest)`` of *repository* at *reference* (a
        tag or a digest); an image manifest of at most *max_bytes*,
        checked."""
        self._check_repository(repository)
        if not (is_tag(reference) or is_digest(reference)):
            raise MarketplaceClientError('invalid tag or digest %r'
                                         % (reference,))
        response, body = self._get(
            '/v2/%s/manifests/%s' % (repository, reference), MANIFEST_ACCEPT,
            max_bytes, scope=self._scope(repository))
        media_type = (response.headers.get('Content-Type') or '').split(
            ';')[0].strip()
        if media_type not in (OCI_MANIFEST, DOCKER_MANIFEST):
            raise MarketplaceResponseError(
                '%s sent %s:%s as %r, not an OCI or Docker v2 image manifest'
                % (self.describe(), repository, reference,
                   printable(media_type)[:100]))
        digest = response.headers.get('Docker-Content-Digest') or ''
        computed = 'sha256:' + hashlib.sha256(body).hexdigest()
        if digest and digest != computed:
            raise MarketplaceResponseError(
                '%s sent a manifest for %s:%s whose digest is %s, not the '
                '%s it announced' % (self.describe(), repository, reference,
                                     computed, printable(digest)[:80]))
        if is_digest(reference) and reference != computed:
            raise MarketplaceResponseError(
                '%s sent a manifest for %s@%s whose digest is %s'
                % (self.describe(), repository, reference, computed))
        return body, computed

    def blob(self, repository, digest, max_bytes):
        """The bytes of a small blob (at most *max_bytes*: a signature's
        payload); its digest is checked by the caller."""
        self._check_repository(repository)
        if not is_digest(digest):
            raise MarketplaceClientError('invalid blob digest %r' % (digest,))
        _response, body = self._get(
            '/v2/%s/blobs/%s' % (repository, digest),
            'application/octet-stream, */*', max_bytes,
            scope=self._scope(repository))
        return body

    def blob_url(self, repository, digest):
        self._check_repository(repository)
        if not is_digest(digest):
            raise MarketplaceClientError('invalid blob digest %r' % (digest,))
        return '%s/v2/%s/blobs/%s' % (self.base, repository, digest)

    def reference(self, repository, tag):
        """``host[:port]/repository:tag``, as ``oras pull`` takes it."""
        return '%s/%s:%s' % (urllib.parse.urlsplit(self.base).netloc,
                             repository, tag)

    @staticmethod
    def _scope(repository):
        return 'repository:%s:pull' % repository

    def _check_repository(self, repository):
        if not is_repository(repository):
            raise MarketplaceClientError('invalid repository name %r'
                                         % (repository,))

