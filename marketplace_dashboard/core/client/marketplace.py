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

"""The client of one marketplace: listing, entries, endorsers, upload and
verified entries, with an optional cache
(:mod:`marketplace_dashboard.core.cache`)."""

import datetime
import hashlib
import urllib.parse

from lxml import etree

from marketplace_dashboard.core import cache as cache_mod
from marketplace_dashboard.core import xmlsafe
from marketplace_dashboard.core.client.config import MarketplaceConfig
from marketplace_dashboard.core.client.http import Transport
from marketplace_dashboard.core.client.query import (
    ListingRow,
    SearchPage,
    SearchQuery,
)
from marketplace_dashboard.core.client.responses import load_json, printable
from marketplace_dashboard.core.errors import (
    MarketplaceClientError,
    MarketplaceError,
    MarketplaceHTTPError,
    MarketplaceResponseError,
    MetadataError,
)
from marketplace_dashboard.core.formats import DATE_RE, is_email
from marketplace_dashboard.core.identifier import is_identifier
from marketplace_dashboard.core.model import parse_appliance

__all__ = ['LISTING_TTL', 'VERDICT_TTL', 'MarketplaceClient']

LISTING_TTL = 30
VERDICT_TTL = 300


class MarketplaceClient:
    """Client of one marketplace."""

    def __init__(self, config, cache=None, listing_ttl=LISTING_TTL,
                 verdict_ttl=VERDICT_TTL):
        if isinstance(config, dict):
            config = MarketplaceConfig.from_dict(config)
        self.config = config
        self.http = Transport(config)
        self.base = self.http.base
        self.cache = cache or cache_mod.NullCache()
        self.listing_ttl = listing_ttl
        self.verdict_ttl = verdict_ttl

    def close(self):
        self.http.close()

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
            _, body = self.http.get('/metadata', params, 'application/json')
            page = self._parse_listing(body, query)
            self.cache.set(key, page, self.listing_ttl)
        return page

    def _parse_listing(self, body, query):
        try:
            value = load_json(body)
            rows = [ListingRow.from_json(row) for row in value['aaData']]
            total = int(value.get('iTotalRecords', len(rows)))
            filtered = int(value.get('iTotalDisplayRecords', len(rows)))
        except RecursionError:   # not expected after load_json's check
            raise MarketplaceResponseError(
                '%s sent an invalid JSON listing (nested too deeply); is the '
                'URL that of a StratusLab marketplace?'
                % self.http.describe()) from None
        except (ValueError, TypeError, KeyError, AttributeError,
                OverflowError) as exc:
            raise MarketplaceResponseError(
                '%s sent an invalid JSON listing (%s); is the URL that of '
                'a StratusLab marketplace?'
                % (self.http.describe(), printable(str(exc)))) from None
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
        page, documents, _appliances = self.search_appliances(query)
        return page, documents

    def search_appliances(self, query=None, on_rows=None):
        """:meth:`search_documents` and the parsed documents:
        ``(SearchPage, documents, appliances)``, ``appliances[i]`` the
        :class:`~marketplace_dashboard.core.model.Appliance` of
        ``documents[i]`` (``None`` where that is ``None``).  Pairing rows
        with documents parses every document once; this hands the models
        on so that the caller need not parse them again.

        *on_rows*, if given, is called with the page as soon as the JSON
        listing has rows, before their documents are asked for: the
        caller can start what it needs of a non-empty page (the panel's
        Glance list) while they come.  It is not called for an empty page
        or a listing that failed."""
        query = query or SearchQuery()
        page = self.search(query)
        if not page.rows:
            return page, [], []
        if on_rows is not None:
            on_rows(page)
        params = dict(query.params(), media='xml')
        try:
            _, body = self.http.get('/metadata', params, 'application/xml')
        except MarketplaceHTTPError as exc:
            if exc.status != 404:
                raise
            body = None
        by_key = {}
        for document in self._split(body) if body else []:
            try:
                appliance = parse_appliance(document)
            except MarketplaceError:
                continue
            by_key[appliance.key] = (document, appliance)
        found = [by_key.get(row.key, (None, None)) for row in page.rows]
        return (page, [document for document, _ in found],
                [appliance for _, appliance in found])

    def _split(self, body):
        try:
            return xmlsafe.split_documents(
                body, max_list_bytes=self.config.max_bytes)
        except MarketplaceError as exc:
            raise MarketplaceResponseError(
                '%s sent an invalid XML listing: %s'
                % (self.http.describe(), exc)) from None

    # -- entries -----------------------------------------------------------

    @staticmethod
    def _entry_path(identifier, email=None, created=None):
        if not is_identifier(identifier):
            raise MarketplaceClientError(
                'invalid identifier %r: expected 27 characters A-Z, a-z, '
                '0-9, "-" or "_"' % (identifier,))
        if email is not None and not is_email(email):
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
        _, body = self.http.get(path, {'media': 'xml'})
        try:
            root = xmlsafe.parse_xml(body, max_bytes=self.config.max_bytes)
            if root.tag != xmlsafe.RDF_ROOT:
                raise MetadataError('its root element is <%s>, not rdf:RDF'
                                    % etree.QName(root).localname)
        except MetadataError as exc:
            raise MarketplaceResponseError(
                '%s sent something that is not a metadata document for '
                'entry %s/%s/%s (%s); is the URL that of a StratusLab '
                'marketplace?' % (self.http.describe(), identifier, email,
                                  created, printable(str(exc)))) from None
        return body

    def entries(self, identifier, email=None, status='all'):
        """Every listed entry of *identifier* (standalone documents).

        With the default ``status='all'`` this is the latest entry of each
        endorser, whatever its status.
        """
        try:
            _, body = self.http.get(self._entry_path(identifier, email),
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
        _, body = self.http.get(path, params, 'application/xml')
        try:
            root = xmlsafe.parse_xml(body, max_bytes=self.config.max_bytes)
        except MarketplaceError as exc:
            raise MarketplaceResponseError(
                '%s sent invalid XML for %s: %s'
                % (self.http.describe(), path, exc)) from None
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
        if not is_email(email):
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
        response, _ = self.http.request(
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
                % (self.http.describe(), response.status_code)) from None

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

