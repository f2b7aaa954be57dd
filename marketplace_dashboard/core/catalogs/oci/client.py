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

"""The catalogue of one OCI registry, with the StratusLab client's
interface (``search``, ``search_documents``, ``fetch_entry``, ``entries``,
``latest_entry``, ``verified_entry``, ``close``).

A registry has no search: the client reads every repository under the
endpoint's prefix, its tags and their manifests (at most
:data:`MAX_ENTRIES`), keeps that index in the cache for
:data:`LISTING_TTL` seconds and filters, sorts and pages it as the
marketplace's listing does.  A tag whose manifest is not a disk image
(an SBOM referrer, a container image) is left out of the listing, and
cosign's own tags (``sha256-<hex>.sig``, ``.att``, ``.sbom``) are not read.

The cosign signature of an artifact (:mod:`.cosign`) is looked up only for
the documents the client returns -- a page of the listing, the entries of
an identifier, one entry --, never for the whole index: one more request
per artifact shown (a ``404`` for an unsigned one), kept in the cache for
:data:`LISTING_TTL` seconds as the index is.
"""

import hashlib
import logging

from marketplace_dashboard.core import cache as cache_mod
from marketplace_dashboard.core.catalogs.oci import cosign, cosign_keys
from marketplace_dashboard.core.catalogs.oci import document as document_mod
from marketplace_dashboard.core.catalogs.oci.auth import RegistryAuth
from marketplace_dashboard.core.catalogs.oci.registry import RegistryClient
from marketplace_dashboard.core.client.query import (
    ListingRow,
    SearchPage,
    SearchQuery,
)
from marketplace_dashboard.core.errors import (
    MarketplaceClientError,
    MarketplaceHTTPError,
    MarketplaceResponseError,
    MetadataError,
)

__all__ = ['LISTING_TTL', 'MAX_ENTRIES', 'VERDICT_TTL', 'OCIClient']

LOG = logging.getLogger(__name__)

LISTING_TTL = 60
VERDICT_TTL = 300
#: manifests read for one listing at most
MAX_ENTRIES = 500


def _row(app):
    return ListingRow(
        os=app.os, os_version=app.os_version, os_arch=app.os_arch,
        email=app.endorsement.email, kind=app.kind,
        created=app.endorsement.created_text, identifier=app.identifier,
        location=app.locations[0] if app.locations else None,
        description=app.description, title=app.title)


def _matches(row, query):
    def has(value, wanted):
        return (value or '').lower() == wanted.strip().lower()

    def contains(value, wanted):
        return wanted.strip().lower() in (value or '').lower()

    if query.identifier and row.identifier != query.identifier:
        return False
    if query.os and not contains(row.os, query.os):
        return False
    if query.os_version and not contains(row.os_version, query.os_version):
        return False
    for value, wanted in ((row.os_arch, query.arch),
                          (row.email, query.endorser),
                          (row.kind, query.kind)):
        if wanted and not has(value, wanted):
            return False
    if query.status in ('expired', 'deprecated'):
        return False  # an artifact neither expires nor is deprecated
    words = (query.text or '').lower().split()
    text = ' '.join(v or '' for v in (
        row.os, row.os_version, row.os_arch, row.email, row.kind,
        row.created, row.identifier, row.location, row.description,
        row.title)).lower()
    return all(w in text for w in words)


class OCIClient:
    """Client of one registry (*settings*: the marketplace's dict)."""

    def __init__(self, settings, cache=None, listing_ttl=LISTING_TTL,
                 verdict_ttl=VERDICT_TTL):
        self.registry = RegistryClient(settings)
        #: the configured cosign public keys (``cosign_public_keys``)
        self.cosign_keys = cosign_keys.load_public_keys(
            settings.get('cosign_public_keys'))
        self.base = self.registry.base
        self.endpoint = self.registry.endpoint
        self.cache = cache or cache_mod.NullCache()
        self.listing_ttl = listing_ttl
        self.verdict_ttl = verdict_ttl

    def close(self):
        self.registry.close()

    # -------------------------------------------------------------- index
    def _document(self, repository, reference, tag):
        body, digest = self.registry.manifest(repository, reference)
        return document_mod.make_document(self.base, repository, tag,
                                          digest, body,
                                          token=self.registry.needs_token)

    def download_session(self, rules=None):
        """A ``requests`` session for the streamed import of this
        registry's blobs: connecting only where the download *rules* (a
        :class:`~marketplace_dashboard.core.imports.urlfilter.DownloadFilter`)
        allow, with the registry's bearer tokens
        (:class:`~.auth.RegistryAuth`)."""
        from marketplace_dashboard.core.imports import urlfilter
        session = urlfilter.filtered_session(rules or urlfilter.
                                             DownloadFilter())
        session.auth = RegistryAuth(self.registry)
        return session

    def index(self):
        """``[(ListingRow, document)]`` of every disk-image tag, newest
        first (cached)."""
        key = cache_mod.digest_key('oci-index', self.endpoint)
        found = self.cache.get(key)
        if found is not None:
            return found
        entries = []
        read = 0
        for repository in self.registry.repositories():
            for tag in self.registry.tags(repository):
                if cosign.is_signature_tag(tag):
                    continue
                read += 1
                if read > MAX_ENTRIES:
                    raise MarketplaceResponseError(
                        '%s has more than %d tags under %s: give a narrower '
                        'repository prefix in its URL'
                        % (self.registry.describe(), MAX_ENTRIES,
                           self.endpoint))
                try:
                    document = self._document(repository, tag, tag)
                    app = document_mod.appliance_of(document)
                except (MarketplaceResponseError, MetadataError) as exc:
                    LOG.info('%s: %s:%s left out of the listing: %s',
                             self.registry.describe(), repository, tag, exc)
                    continue
                entries.append((_row(app), document))
        entries.sort(key=lambda e: (e[0].created or '', e[0].title or ''),
                     reverse=True)
        self.cache.set(key, entries, self.listing_ttl)
        return entries

    def _signed(self, document):
        """*document* with its artifact's cosign signature material and
        the configured keys (the material cached; a failed lookup is not
        kept)."""
        value = document_mod.load_envelope(document)
        repository, digest = value['repository'], value['digest']
        key = cache_mod.digest_key('oci-cosign', self.base, repository,
                                   digest)
        material = self.cache.get(key)
        if material is None:
            material = cosign.lookup(self.registry, repository, digest)
            if material.get('status') != 'error':
                self.cache.set(key, material, self.listing_ttl)
            else:
                LOG.warning('%s: the cosign signature of %s@%s could not '
                            'be looked up: %s', self.registry.describe(),
                            repository, digest, material.get('reason'))
        return document_mod.with_signature(document, material,
                                           self.cosign_keys)

    # ------------------------------------------------------------ listing
    def search(self, query=None):
        return self.search_documents(query)[0]

    def search_documents(self, query=None):
        query = query or SearchQuery()
        found = [e for e in self.index() if _matches(e[0], query)]
        column = query.sort if query.sort != 'email' else 'email'
        found.sort(key=lambda e: getattr(e[0], column, None) or '',
                   reverse=query.sort_dir == 'desc')
        start, length = int(query.start), int(query.length)
        page = found[start:start + length]
        return (SearchPage(rows=[row for row, _ in page],
                           total=len(self.index()),
                           total_filtered=len(found), start=start,
                           length=length),
                [self._signed(document) for _, document in page])

    # ------------------------------------------------------------ entries
    def entries(self, identifier, email=None, status='all'):
        if status in ('expired', 'deprecated'):
            return []
        return [self._signed(document) for row, document in self.index()
                if row.identifier == identifier and
                (email is None or row.email == email)]

    def latest_entry(self, identifier, email):
        documents = self.entries(identifier, email)
        return documents[0] if documents else None

    def fetch_entry(self, identifier, email, created):
        """The document of one entry, its manifest read again (by
        digest) from the registry."""
        for row, document in self.index():
            if row.key == (identifier, email, created):
                value = document_mod.load_envelope(document)
                return self._signed(self._document(
                    value['repository'], value['digest'], value['tag']))
        raise MarketplaceHTTPError(
            '%s has no entry %s/%s/%s' % (self.registry.describe(),
                                          identifier, email, created),
            status=404)

    def verified_entry(self, identifier, email, created, policy, now=None):
        document = self.fetch_entry(identifier, email, created)
        key = cache_mod.digest_key(
            'oci-verdict', hashlib.sha256(document).hexdigest(),
            cache_mod.policy_fingerprint(policy))
        result = self.cache.get(key)
        if result is None:
            result = document_mod.evaluate(document, policy, now=now)
            self.cache.set(key, result, self.verdict_ttl)
        return document, result

    # ------------------------------------------------------------- search
    def find(self, reference):
        """The document of ``repository:tag`` (under the prefix or not)."""
        repository, _, tag = reference.rpartition(':')
        if not repository or '/' in tag:
            raise MarketplaceClientError(
                'give a repository and a tag (repository:tag), not %r'
                % (reference,))
        if self.registry.prefix and not repository.startswith(
                self.registry.prefix + '/'):
            repository = '%s/%s' % (self.registry.prefix, repository)
        return self._signed(self._document(repository, tag, tag))
