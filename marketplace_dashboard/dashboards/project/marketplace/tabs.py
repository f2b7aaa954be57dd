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


from django.utils.translation import gettext_lazy as _
from horizon import exceptions, tabs

from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core import locations
from marketplace_dashboard.dashboards.project.marketplace import (
    location_rows,
    tables,
)

__all__ = [
    'LINK_SCHEMES', 'SIGNATURE_STATUS', 'DetailTabs', 'DocumentTab',
    'EndorsementTab', 'EntryTab', 'LocationsTab', 'OverviewTab',
    'VersionsTab', 'endorsement_facts', 'location_link',
]

LINK_SCHEMES = locations.LINK_SCHEMES


def location_link(location):
    """*location* if it is safe to render as a link, else ``None``.

    Only absolute http(s) URLs without spaces, control characters or user
    information are linked (image data and launch links: see
    ``core.locations``); ``pdisk:``, ``ftp:``, ``javascript:`` and
    anything odd stay text.
    """
    kind = locations.classify(location).kind
    return location if kind in (locations.DATA, locations.LAUNCH) else None


# Signature status of core.signature, for people.
SIGNATURE_STATUS = {
    'valid': _('Valid'),
    'invalid': _('Invalid'),
    'missing': _('Missing'),
}


def endorsement_facts(verdict):
    """(label, value) rows from a core verdict dict (``to_dict()``)."""
    cert = verdict.get('certificate') or {}
    signature = verdict.get('signature')
    return [
        (_('Signature'), SIGNATURE_STATUS.get(signature, signature)),
        (_('Signature Algorithm'), verdict.get('signature_method')),
        (_('Digest Algorithm'), verdict.get('digest_method')),
        (_('Uses SHA-1'), verdict.get('uses_sha1')),
        (_('Certificate Subject'), cert.get('subject')),
        (_('Certificate Issuer'), cert.get('issuer')),
        (_('Certificate E-mail'), cert.get('email')),
        (_('Certificate Serial'), cert.get('serial_number')),
        (_('Certificate Valid From'), cert.get('not_before')),
        (_('Certificate Valid Until'), cert.get('not_after')),
        (_('Certificate SHA-256'), cert.get('sha256_fingerprint')),
        (_('Public Key SHA-256'), verdict.get('public_key_sha256')),
        (_('Trusted by the Policy'), verdict.get('trusted')),
        (_('Document SHA-256'), verdict.get('document_sha256')),
    ]


class EntryTab(tabs.Tab):
    """A tab of the entry the tab group was given; a subclass adds to
    its context in :meth:`entry_context`."""

    def get_context_data(self, request):
        entry = self.tab_group.kwargs['entry']
        return {'entry': entry, **self.entry_context(request, entry)}

    def entry_context(self, request, entry):
        return {}


class OverviewTab(EntryTab):
    name = _('Overview')
    slug = 'overview'
    template_name = 'project/marketplace/_detail_overview.html'


class EndorsementTab(EntryTab):
    name = _('Endorsement')
    slug = 'endorsement'
    template_name = 'project/marketplace/_detail_endorsement.html'

    def entry_context(self, request, entry):
        return {**tables.level_label(entry.level),
                'facts': endorsement_facts(entry.verdict),
                'trust_path': entry.verdict.get('trust_path') or []}


class LocationsTab(EntryTab):
    name = _('Checksums and Locations')
    slug = 'locations'
    template_name = 'project/marketplace/_detail_locations.html'

    def entry_context(self, request, entry):
        return {'locations': location_rows.location_rows(request, entry),
                'checksums': sorted((entry.checksums or {}).items())}


class VersionsTab(EntryTab):
    name = _('Versions and Endorsements')
    slug = 'versions'
    template_name = 'project/marketplace/_detail_versions.html'

    def entry_context(self, request, entry):
        try:
            others = api.versions(request, entry.marketplace,
                                  entry.identifier)
        except api.RECOVERABLE:
            others = []
            exceptions.handle(
                request, _('Unable to list the other entries of this '
                           'appliance.'))
        return {'versions': [
            {'entry': other, 'url': tables.detail_url(other),
             'current': other.id == entry.id,
             **tables.level_label(other.level)}
            for other in others]}


class DocumentTab(EntryTab):
    name = _('Signed Metadata')
    slug = 'document'
    template_name = 'project/marketplace/_detail_document.html'

    def entry_context(self, request, entry):
        return {'text': (entry.document or b'').decode('utf-8', 'replace'),
                'download_url': tables.download_url(entry)}


class DetailTabs(tabs.DetailTabsGroup):
    slug = 'marketplace_details'
    tabs = (OverviewTab, EndorsementTab, LocationsTab, VersionsTab,
            DocumentTab)
    sticky = True
