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


"""Django side of the marketplace core.

Views never talk to the core directly: they call the functions here, which
build one core client per request and marketplace, keep verdicts in the
Django cache (keyed by the document hash and the trust-policy fingerprint)
and wrap core results in :class:`Entry` objects the tables and tabs render.
Nothing here parses or verifies XML itself.
"""

import datetime
import hashlib
import logging

from django.core.cache import cache as django_cache
from django.utils.translation import gettext_lazy as _
from horizon.utils.memoized import memoized
from openstack_dashboard.api import glance
from oslo_utils import timeutils

from marketplace_dashboard import conf
from marketplace_dashboard.api.entries import Entry, SearchResult
from marketplace_dashboard.core import cache as core_cache
from marketplace_dashboard.core import catalogs, errors, trust
from marketplace_dashboard.core import client as core_client
from marketplace_dashboard.core.imports import record

__all__ = [
    'CACHE_PREFIX', 'GLANCE_ID_PROPERTY', 'GLANCE_TAG', 'NO_DOCUMENT',
    'RECOVERABLE', 'ConfigurationError', 'DjangoCache', 'Entry',
    'SearchResult', 'Verifier', 'catalog_type', 'client', 'entry',
    'get_settings',
    'imported_images', 'marketplace_names', 'parse_document', 'search',
    'trust_policy', 'versions',
]

LOG = logging.getLogger(__name__)

CACHE_PREFIX = 'marketplace-dashboard'
# What the import engine (core.imports) sets on the images it creates.
GLANCE_TAG = record.TAG
GLANCE_ID_PROPERTY = record.IDENTIFIER

#: Any configuration error (the dashboard's settings, the import
#: settings the engine validates).
ConfigurationError = errors.ConfigurationError
# Verdict of a listed row whose signed document the marketplace did not
# send: nothing about it can be trusted.
NO_DOCUMENT = {'level': 'invalid', 'reasons': [
    _('the marketplace did not send the signed document of this entry')]}
# What a view catches and reports without failing the page.
RECOVERABLE = (errors.MarketplaceError,)


class DjangoCache:
    """The Django cache behind the core's cache interface.

    Keys are hashed (memcached refuses long keys and spaces) and prefixed
    so that several deployments may share one cache.
    """

    def __init__(self, ttl, namespace='client', cache=None):
        self.ttl = ttl
        self.namespace = namespace
        self._cache = cache or django_cache

    def _key(self, key):
        digest = hashlib.sha256(str(key).encode('utf-8')).hexdigest()
        return '%s:%s:%s' % (CACHE_PREFIX, self.namespace, digest)

    def get(self, key, default=None):
        return self._cache.get(self._key(key), default)

    def get_many(self, keys):
        """``{key: value}`` of the *keys* found, in one round trip."""
        hashed = {self._key(key): key for key in keys}
        return {hashed[k]: value
                for k, value in self._cache.get_many(list(hashed)).items()}

    def set(self, key, value, ttl=None):
        self._cache.set(self._key(key), value,
                        self.ttl if ttl is None else ttl)

    def delete(self, key):
        self._cache.delete(self._key(key))


def get_settings():
    """Validated settings; raises :class:`ConfigurationError`."""
    return conf.get_settings()


def marketplace_names():
    return get_settings().names


def _marketplace_settings(name):
    entry = get_settings().marketplace(name)
    if entry is None:
        raise ConfigurationError(
            _('No marketplace named %r is configured.') % name)
    return entry


def catalog_type(name):
    """The core catalogue type (``core.catalogs``) of marketplace *name*;
    a name no longer configured (an old image's record) is read as the
    default type."""
    entry = get_settings().marketplace(name)
    try:
        return catalogs.get_type(entry)
    except errors.ConfigurationError as exc:
        raise ConfigurationError(
            _('Marketplace %(name)r is misconfigured: %(reason)s')
            % {'name': name, 'reason': exc}) from exc


@memoized
def client(request, name):
    """The client of marketplace *name* for its catalogue type, one per
    request (``core.client.MarketplaceClient`` for ``stratuslab``)."""
    entry = dict(_marketplace_settings(name))
    try:
        kind = catalogs.get_type(entry)
        if kind is catalogs.get_type(catalogs.DEFAULT_TYPE):
            # the settings are checked before the cache is made, as ever
            entry = core_client.MarketplaceConfig.from_dict(entry)
        cache = DjangoCache(get_settings().cache_ttl, 'client')
        return kind.make_client(entry, cache)
    except (errors.MarketplaceError, ValueError, TypeError) as exc:
        raise ConfigurationError(
            _('Marketplace %(name)r is misconfigured: %(reason)s')
            % {'name': name, 'reason': exc}) from exc


def trust_policy():
    try:
        return trust.TrustPolicy.from_dict(get_settings().trust)
    except (errors.MarketplaceError, ValueError, TypeError) as exc:
        raise ConfigurationError(
            _("%(setting)s['trust'] is wrong: %(reason)s")
            % {'setting': conf.SETTING, 'reason': exc}) from exc


class Verifier:
    """Cached core verdicts under the configured trust policy.

    Verification is the expensive part of a page; the cache key is the
    SHA-256 of the exact bytes plus the trust-policy fingerprint (which
    covers the CA files' content), so a new policy re-verifies everything.
    """

    def __init__(self):
        self.policy = trust_policy()
        self.fingerprint = core_cache.policy_fingerprint(self.policy)
        self.cache = DjangoCache(get_settings().cache_ttl, 'verdict')

    def _key(self, document, kind):
        parts = (document, self.fingerprint)
        if kind.name != catalogs.DEFAULT_TYPE:
            parts = (kind.name,) + parts
        return core_cache.digest_key('dashboard-verdict', *parts)

    def __call__(self, document, appliance=None, kind=None):
        """The verdict (a dict) of *document* of a catalogue of type
        *kind* (default: ``stratuslab``)."""
        kind = kind or catalogs.get_type(catalogs.DEFAULT_TYPE)
        key = self._key(document, kind)
        result = self.cache.get(key)
        if result is None:
            result = self._evaluate(key, document, appliance, kind)
        return result

    def _evaluate(self, key, document, appliance, kind):
        result = kind.evaluate(document, self.policy).to_dict()
        self.cache.set(key, result, self.ttl_for(appliance))
        return result

    def ttl_for(self, appliance):
        """Never keep a verdict past the entry's expiry."""
        ttl = self.cache.ttl
        valid = getattr(appliance, 'valid', None)
        if isinstance(valid, datetime.datetime):
            remaining = int((valid - timeutils.utcnow(True))
                            .total_seconds())
            if 0 < remaining < ttl:
                ttl = remaining
        return ttl

    def entry(self, name, document, row=None):
        kind = catalog_type(name)
        appliance = parse_document(document, kind)
        return Entry(name, document, appliance,
                     self(document, appliance, kind), row=row)

    def entries(self, name, documents, rows, appliances):
        """:meth:`entry` of each ``(document, row, appliance)`` of
        marketplace *name* (an appliance ``None``: parsed here), the
        cached verdicts read in one cache round trip (a page's worth)."""
        kind = catalog_type(name)
        keys = [self._key(document, kind) for document in documents]
        cached = self.cache.get_many(set(keys))
        entries = []
        for key, document, row, appliance in zip(keys, documents, rows,
                                                 appliances, strict=True):
            if appliance is None:
                appliance = parse_document(document, kind)
            verdict = cached.get(key)
            if verdict is None:
                verdict = self._evaluate(key, document, appliance, kind)
            entries.append(Entry(name, document, appliance, verdict,
                                 row=row))
        return entries


def parse_document(document, kind=None):
    """The core model of *document* (of a catalogue of type *kind*,
    default ``stratuslab``), or None when it is unusable."""
    kind = kind or catalogs.get_type(catalogs.DEFAULT_TYPE)
    try:
        return kind.parse(document)
    except errors.MarketplaceError as exc:
        LOG.info('Unusable marketplace document: %s', exc)
        return None


def _search_query(filters, start, length, sort, sort_dir):
    return core_client.SearchQuery(
        text=filters.get('q') or '',
        os=filters.get('os') or None,
        os_version=filters.get('os_version') or None,
        arch=filters.get('arch') or None,
        endorser=filters.get('endorser') or None,
        kind=filters.get('kind') or None,
        status=filters.get('status') or 'valid',
        location=filters.get('location') or 'all',
        start=start, length=length, sort=sort, sort_dir=sort_dir)


def _search_page(catalog_client, query, on_rows=None):
    """``(page, documents, appliances)``: the client's
    ``search_appliances`` (the StratusLab client parses each document
    once, to pair it with its row, and hands the models on), else its
    ``search_documents`` with no models (parsed by the verifier).
    *on_rows* is called with a page that has rows before its documents
    are fetched (StratusLab) or judged (the other types)."""
    search_appliances = getattr(catalog_client, 'search_appliances', None)
    if search_appliances is not None:
        return search_appliances(query, on_rows=on_rows)
    page, documents = catalog_client.search_documents(query)
    if page.rows and on_rows is not None:
        on_rows(page)
    return page, documents, [None] * len(documents)


def search(request, name, filters=None, start=0, sort='created',
           sort_dir='desc', on_rows=None):
    """One page of marketplace *name*; a :class:`SearchResult`.

    Only the page is fetched (the marketplace pages server-side); every
    document on it gets a verdict, the cached ones read in one round trip.
    *on_rows(page)* is called once the listing has rows, before their
    documents are fetched and judged (the index starts its Glance list
    there, so that both run at once); never for an empty page.
    """
    page_size = get_settings().page_size
    query = _search_query(filters or {}, start, page_size, sort, sort_dir)
    page, documents, appliances = _search_page(client(request, name), query,
                                               on_rows)
    # A marketplace that ignores the requested length gets no more work.
    rows = page.rows[:page_size]
    entries = [Entry(name, row=row, verdict=NO_DOCUMENT) for row in rows]
    signed = [(index, documents[index], rows[index], appliances[index])
              for index in range(min(len(rows), len(documents)))
              if documents[index] is not None]
    if signed:
        indexes, *columns = zip(*signed, strict=True)
        for index, entry_ in zip(indexes, Verifier().entries(name, *columns),
                                 strict=True):
            entries[index] = entry_
    return SearchResult(entries=entries, total=page.total,
                        total_filtered=page.total_filtered,
                        start=start, page_size=page_size)


def entry(request, name, identifier, email, created):
    """The entry with this key, with its signed document and verdict."""
    document = client(request, name).fetch_entry(identifier, email,
                                                 created)
    result = Verifier().entry(name, document)
    if result.appliance is not None and (
            result.identifier, result.email, result.created_key) != (
            identifier, email, created):
        # Never show one entry under the URL (and name) of another.
        raise errors.MarketplaceResponseError(
            _('The marketplace "%(name)s" answered with another entry '
              '(%(got)s) than the one requested.')
            % {'name': name, 'got': result.id})
    return result


def versions(request, name, identifier):
    """The latest entry of every endorser of *identifier*, newest first.

    Whatever their status (valid, expired or deprecated).
    """
    documents = client(request, name).entries(identifier, status='all')
    verify = Verifier() if documents else None
    entries = [verify.entry(name, doc) for doc in documents]
    entries.sort(key=lambda e: e.created_key, reverse=True)
    return entries


#: Glance attributes an "In Glance" decision reads besides properties.
_IMAGE_ATTRIBUTES = ('id', 'name', 'status', 'owner', 'visibility', 'size',
                     'checksum', 'created_at', 'updated_at')


def _image_dict(image):
    """A Horizon ``api.glance.Image`` as the core's plain image dict."""
    data = dict(image.properties or {})
    for attribute in _IMAGE_ATTRIBUTES:
        data[attribute] = getattr(image, attribute, None)
    return data


def imported_images(request):
    """Marketplace images that may mark an entry "In Glance", by
    identifier: ``{identifier: [image dict, ...]}``.

    One Glance list call (images tagged ``marketplace``), whatever the
    number of rows on the page; which one an entry shows, if any, is the
    import engine's rule (``core.imports.Importer.existing``).
    """
    images, _more, _prev = glance.image_list_detailed(
        request, filters={'tag': [GLANCE_TAG]})
    found = {}
    for image in images:
        data = _image_dict(image)
        identifier = data.get(GLANCE_ID_PROPERTY)
        if identifier:
            found.setdefault(identifier, []).append(data)
    return found
