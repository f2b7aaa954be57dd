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

"""The ``hepix`` catalogue type: a HEPiX image list (the format EGI's
AppDB serves), S/MIME-signed JSON ``hv:imagelist``.

``url`` is the list's URL; ``token`` (or ``token_file``) an optional
access token, sent as ``Authorization: Bearer`` (``token_auth:
'basic'``: as AppDB's ``<token>:x-oauth-basic``) over https or to
loopback only.  Each ``hv:image`` is an entry: ``(dc:identifier,
hv:email of the endorser, dc:date:created of the list)``.

Modules: ``smime`` (the signature), ``imagelist`` (the JSON and its
images as the appliance model), ``document`` (an entry's document),
``judge`` (verdicts) and ``client`` (the list's download and listing).
"""

from marketplace_dashboard.core.catalogs.base import CatalogType
from marketplace_dashboard.core.catalogs.hepix import imagelist, judge

__all__ = ['HEPIX', 'HepixType']


class HepixType(CatalogType):
    name = 'hepix'
    document_media_type = 'text/plain'

    def make_client(self, settings, cache=None):
        from marketplace_dashboard.core.catalogs.hepix.client import (
            HepixClient,
        )
        return HepixClient(settings, cache=cache)

    def parse(self, document):
        return judge.parse(document)

    def evaluate(self, document, policy, now=None):
        return judge.evaluate(document, policy, now=now)

    def is_identifier(self, value):
        return isinstance(value, str) and bool(
            imagelist.IDENTIFIER_RE.match(value))

    def entry_url(self, base, identifier, email, created):
        """``<list URL>#<identifier>``: the list is the provenance, the
        fragment the image in it."""
        return '%s#%s' % (base, identifier)

    def owns_url(self, base, url):
        return url.startswith(base + '#')


HEPIX = HepixType()
