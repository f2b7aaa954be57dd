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

"""The client of one HEPiX image list: download (bounded, cached
briefly), listing with the panel's filters, sorting and paging, entries.

The whole list is one signed document, so listing, filtering and paging
happen here, on the images of the list as downloaded.  An access token
(AppDB's, for VO-wide lists) is sent in the ``Authorization`` header, and
only over https or to a loopback address: never in clear over a network.
"""

import datetime
import hashlib
import ipaddress
import os
import urllib.parse

from marketplace_dashboard.core import cache as cache_mod
from marketplace_dashboard.core import verdict as verdict_mod
from marketplace_dashboard.core.catalogs.hepix import document as document_mod
from marketplace_dashboard.core.catalogs.hepix import imagelist, judge, smime
from marketplace_dashboard.core.client.config import MarketplaceConfig
from marketplace_dashboard.core.client.http import Transport
from marketplace_dashboard.core.client.query import (
    ListingRow,
    SearchPage,
    SearchQuery,
)
from marketplace_dashboard.core.errors import (
    ConfigurationError,
    MarketplaceClientError,
    MarketplaceHTTPError,
    MarketplaceResponseError,
    MetadataError,
)

__all__ = ['LIST_TTL', 'MAX_CACHED_LIST', 'MAX_TOKEN_BYTES', 'TOKEN_AUTH',
           'HepixClient']

LIST_TTL = 30
VERDICT_TTL = 300
#: larger lists are not put in the shared cache (memcached refuses items
#: over 1 MiB): each request downloads them again, within max_bytes
MAX_CACHED_LIST = 900 * 1024
MAX_TOKEN_BYTES = 8192
#: how the token is sent: ``Authorization: Bearer <token>``, or as HTTP
#: basic authentication with the token as user name (AppDB's
#: ``<token>:x-oauth-basic``, as atrope sends it)
TOKEN_AUTH = ('bearer', 'basic')


def _is_loopback(host):
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _token(settings, name):
    token = settings.get('token')
    path = settings.get('token_file')
    if token is not None and path is not None:
        raise ConfigurationError('image list %r: give token or token_file, '
                                 'not both' % name)
    if path is not None:
        try:
            with open(os.path.expanduser(str(path)), 'rb') as f:
                data = f.read(MAX_TOKEN_BYTES + 1)
        except OSError as exc:
            raise ConfigurationError('image list %r: cannot read its '
                                     'token_file %s: %s'
                                     % (name, path, exc.strerror or exc)) \
                from None
        if len(data) > MAX_TOKEN_BYTES:
            raise ConfigurationError('image list %r: its token_file is '
                                     'larger than %d bytes'
                                     % (name, MAX_TOKEN_BYTES))
        token = data.decode('utf-8', 'replace')
    if token is None:
        return None
    token = str(token).strip()
    if not token or any(ord(c) < 33 or ord(c) > 126 for c in token):
        raise ConfigurationError('image list %r: the access token must be '
                                 'printable ASCII without blanks' % name)
    return token


def _matches(row, appliance, query, status):
    if query.status != 'all' and status != query.status:
        return False
    location = row.location or ''
    if query.location == 'web' and not location.startswith(
            ('http://', 'https://')):
        return False
    if query.location == 'pdisk' and not location.startswith('pdisk:'):
        return False
    for value, have, exact in ((query.os, row.os, False),
                               (query.os_version, row.os_version, False),
                               (query.arch, row.os_arch, True),
                               (query.endorser, row.email, True),
                               (query.kind, row.kind, True)):
        if value:
            value, have = value.strip().lower(), (have or '').lower()
            if (value != have) if exact else (value not in have):
                return False
    if query.identifier and row.identifier != query.identifier:
        return False
    cells = ' '.join(str(getattr(row, c) or '') for c in
                     ('os', 'os_version', 'os_arch', 'email', 'kind',
                      'created', 'identifier', 'location', 'description',
                      'title')).lower()
    return all(word.lower() in cells for word in (query.text or '').split())


class HepixClient:
    """Client of one image list (a marketplace setting of type hepix)."""

    def __init__(self, settings, cache=None, list_ttl=LIST_TTL,
                 verdict_ttl=VERDICT_TTL):
        settings = dict(settings)
        name = settings.get('name') or settings.get('url')
        self.config = MarketplaceConfig.from_dict(settings)
        self.http = Transport(self.config)
        self.url = self.config.url
        self.base = self.http.base
        self.cache = cache or cache_mod.NullCache()
        self.list_ttl = list_ttl
        self.verdict_ttl = verdict_ttl
        token = _token(settings, name)
        auth = settings.get('token_auth', 'bearer')
        if auth not in TOKEN_AUTH:
            raise ConfigurationError('image list %r: token_auth is one of '
                                     '%s, not %r'
                                     % (name, ', '.join(TOKEN_AUTH), auth))
        if token is not None:
            parts = urllib.parse.urlsplit(self.url)
            if parts.scheme != 'https' and not _is_loopback(parts.hostname):
                raise ConfigurationError(
                    'image list %r: an access token is only sent over '
                    'https (or to a loopback address), not to %s'
                    % (name, self.url))
            if auth == 'bearer':
                self.http.session.headers['Authorization'] = \
                    'Bearer ' + token
            else:
                self.http.session.auth = (token, 'x-oauth-basic')
        self._loaded = None

    def close(self):
        self.http.close()

    # -- the list ------------------------------------------------------

    def signed_list(self):
        """The list exactly as served (bytes), cached briefly."""
        key = cache_mod.digest_key('hepix-list', self.url)
        body = self.cache.get(key)
        if body is None:
            _, body = self.http.get('', None, 'application/pkcs7-mime, '
                                    'application/json;q=0.5, */*;q=0.1')
            if len(body) <= MAX_CACHED_LIST:
                self.cache.set(key, body, self.list_ttl)
        return body

    def _document(self, appliance):
        """The entry document of an image of the list (built when needed:
        each holds the whole signed list)."""
        return document_mod.entry_document(appliance.identifier, self.url,
                                           self._loaded[0])

    def _entries(self):
        """The appliances of the list's images, in order (their
        ``document`` left empty: see :meth:`_document`)."""
        signed = self.signed_list()
        if self._loaded is not None and self._loaded[0] == signed:
            return self._loaded[1]
        result = smime.verify(signed)
        try:
            if result.content is None:
                raise MetadataError(result.reason or 'no content')
            image_list = imagelist.parse_list(result.content)
        except MetadataError as exc:
            raise MarketplaceResponseError(
                '%s did not send a readable HEPiX image list: %s; is the '
                'URL that of an image list?'
                % (self.http.describe(), exc)) from None
        entries = []
        for image in image_list.images:
            try:
                entries.append(imagelist.appliance_of(
                    image_list, image['dc:identifier'], list_url=self.url,
                    image=image))
            except MetadataError:
                continue   # listed as nothing: its verdict would say why
        self._loaded = (signed, entries)
        return entries

    @staticmethod
    def _row(appliance):
        return ListingRow(
            os=appliance.os, os_version=appliance.os_version,
            os_arch=appliance.os_arch, email=appliance.endorsement.email,
            kind=appliance.kind, created=appliance.endorsement.created_text,
            identifier=appliance.identifier,
            location=(appliance.locations or [None])[0],
            description=appliance.description, title=appliance.title)

    # -- listing -------------------------------------------------------

    def search_documents(self, query=None):
        """``(SearchPage, documents)`` as the StratusLab client gives."""
        query = query or SearchQuery()
        now = datetime.datetime.now(datetime.UTC)
        entries = self._entries()
        rows = []
        for appliance in entries:
            row = self._row(appliance)
            if _matches(row, appliance, query,
                        verdict_mod.entry_status(appliance, now)):
                rows.append((row, appliance))
        rows.sort(key=lambda r: (getattr(r[0], query.sort) or '').lower(),
                  reverse=query.sort_dir == 'desc')
        start, length = int(query.start), int(query.length)
        window = rows[start:start + length]
        page = SearchPage(rows=[r for r, _ in window], total=len(entries),
                          total_filtered=len(rows), start=start,
                          length=length)
        return page, [self._document(a) for _, a in window]

    def search(self, query=None):
        return self.search_documents(query)[0]

    # -- entries -------------------------------------------------------

    def entries(self, identifier, email=None, status='all'):
        """The documents of *identifier* (of *email*) in the list."""
        now = datetime.datetime.now(datetime.UTC)
        return [self._document(a) for a in self._entries()
                if a.identifier == identifier
                and (email is None or a.endorsement.email == email)
                and (status == 'all'
                     or verdict_mod.entry_status(a, now) == status)]

    def latest_entry(self, identifier, email):
        documents = self.entries(identifier, email)
        return documents[0] if documents else None

    def fetch_entry(self, identifier, email, created):
        """The document of one image, as the list now holds it."""
        if not imagelist.IDENTIFIER_RE.match(identifier or ''):
            raise MarketplaceClientError('invalid image identifier %r'
                                         % (identifier,))
        for appliance in self._entries():
            if appliance.key == (identifier, email, created):
                return self._document(appliance)
        raise MarketplaceHTTPError(
            'the image list %s holds no image %s endorsed by %s on %s (the '
            'list may have been renewed since)'
            % (self.url, identifier, email, created), status=404)

    def verified_entry(self, identifier, email, created, policy, now=None):
        """``(document, Verdict)`` of one image, the verdict cached."""
        document = self.fetch_entry(identifier, email, created)
        key = cache_mod.digest_key(
            'hepix-verdict', hashlib.sha256(document).hexdigest(),
            cache_mod.policy_fingerprint(policy))
        result = self.cache.get(key)
        if result is None:
            result = judge.evaluate(document, policy, now=now)
            ttl = self.verdict_ttl
            valid = getattr(result.appliance, 'valid', None)
            if valid is not None:
                # never kept past the list's or the image's expiry
                remaining = (valid - (now or datetime.datetime.now(
                    datetime.UTC))).total_seconds()
                if remaining > 0:
                    ttl = min(ttl, remaining)
            self.cache.set(key, result, ttl)
        return document, result
