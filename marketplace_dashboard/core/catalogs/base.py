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

"""What a catalogue type provides (:class:`CatalogType`) and the catalogue
of one configured source (:class:`Catalog`).

An entry of any catalogue is identified, as a StratusLab entry is, by
``(identifier, endorser e-mail, endorsement date)``, and carried as its
*document*: the exact bytes its trust is decided on.  The type reads
documents into the appliance model and judges them; the type's client
talks to the source (listing, one entry, every entry of an identifier).

The client interface is the one of the StratusLab client
(:class:`~marketplace_dashboard.core.client.MarketplaceClient`):
``search(query)``, ``search_documents(query)``, ``fetch_entry(identifier,
email, created)``, ``entries(identifier, email=None, status='all')``,
``latest_entry(identifier, email)``, ``verified_entry(identifier, email,
created, policy, now=None)`` and ``close()``; optionally
``search_appliances(query, on_rows=None)``, ``search_documents`` with
each document's parsed model (the panel then does not parse the page
again), calling ``on_rows(page)`` between the listing and the documents
when the page has rows.
"""

import urllib.parse

__all__ = ['Catalog', 'CatalogType']


class CatalogType:
    """One kind of source; subclasses override every method.

    Stateless: the panel asks a type to judge documents without building
    a client.
    """

    #: the ``type`` setting naming it
    name = None
    #: media type of a document (the detail page's download)
    document_media_type = 'application/octet-stream'

    def make_client(self, settings, cache=None):
        """The client of the source a marketplace setting describes."""
        raise NotImplementedError

    def parse(self, document):
        """The :class:`~marketplace_dashboard.core.model.Appliance` of
        *document*; a ``MarketplaceError`` when it is unusable."""
        raise NotImplementedError

    def evaluate(self, document, policy, now=None):
        """The :class:`~marketplace_dashboard.core.verdict.Verdict` of
        *document* under the trust *policy*."""
        raise NotImplementedError

    def is_identifier(self, value):
        """Whether *value* may be an identifier in this catalogue."""
        raise NotImplementedError

    def entry_url(self, base, identifier, email, created):
        """The URL recorded on an image imported from this entry (its
        provenance): *base* is the marketplace's ``url``."""
        return '%s/metadata/%s' % (base.rstrip('/'), '/'.join(
            urllib.parse.quote(p, safe='@:')
            for p in (identifier, email, created)))

    def owns_url(self, base, url):
        """Whether *url* (an image's recorded entry URL) is an entry of
        the marketplace at *base*."""
        return url.startswith(base.rstrip('/') + '/')

    def __repr__(self):
        return '<%s %r>' % (type(self).__name__, self.name)


class Catalog:
    """One configured source: its type and its client.

    The client's operations are available on the catalogue itself.
    """

    def __init__(self, catalog_type, client):
        self.type = catalog_type
        self.client = client

    @property
    def type_name(self):
        return self.type.name

    def parse(self, document):
        return self.type.parse(document)

    def evaluate(self, document, policy, now=None):
        return self.type.evaluate(document, policy, now=now)

    def search(self, query=None):
        return self.client.search(query)

    def search_documents(self, query=None):
        return self.client.search_documents(query)

    def fetch_entry(self, identifier, email, created):
        return self.client.fetch_entry(identifier, email, created)

    def entries(self, identifier, email=None, status='all'):
        return self.client.entries(identifier, email, status=status)

    def latest_entry(self, identifier, email):
        return self.client.latest_entry(identifier, email)

    def verified_entry(self, identifier, email, created, policy, now=None):
        return self.client.verified_entry(identifier, email, created,
                                          policy, now=now)

    def close(self):
        self.client.close()
