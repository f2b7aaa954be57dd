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


"""The Imports view's rows: each marketplace image of the project with
its import status (advanced by whichever worker serves the poll), its
lifecycle flags against the marketplace's current entry, and the
failed imports whose image is gone.
"""

import logging

from django.utils.translation import gettext_lazy as _

from marketplace_dashboard.api import imports, localize, marketplace
from marketplace_dashboard.core import errors
from marketplace_dashboard.core.imports import ImportStatus, record, withdraw

__all__ = [
    'ImportRow', 'LIFECYCLE_TTL', 'LIFECYCLE_UNKNOWN', 'UNCHECKED',
    'failed_row', 'import_row', 'import_rows', 'lifecycle', 'unchecked_row',
]

LOG = logging.getLogger(__name__)

#: Lifecycle flag: the marketplace cannot tell whether the entry is
#: current (unreachable, unconfigured, or no longer listing it).
LIFECYCLE_UNKNOWN = 'unknown'
#: Row state (not an import state): the image's status could not be
#: checked this time (e.g. Glance unreachable); the row polls again.
UNCHECKED = 'unchecked'
#: Seconds an entry's current document is reused for lifecycle flags.
LIFECYCLE_TTL = 30


class ImportRow:
    """One marketplace image in the Imports view."""

    def __init__(self, image, status, flags=()):
        self.image = image
        self.status = status
        self.flags = list(flags)

    @property
    def id(self):
        return self.image['id']

    @property
    def name(self):
        return self.image.get('name') or self.id

    @property
    def state(self):
        return self.status.state

    @property
    def verified(self):
        return self.status.verified

    @property
    def launchable(self):
        return (self.status.state == 'active' and self.status.verified
                and self.image.get('status') == 'active')

    @property
    def reasons(self):
        return localize.texts(self.status.reasons)

    @property
    def progress(self):
        return self.status.progress or {}

    @property
    def identifier(self):
        return record.ImageRecord(self.image).identifier or ''

    @property
    def endorser(self):
        return record.ImageRecord(self.image).endorser or ''

    @property
    def visibility(self):
        return self.image.get('visibility') or ''

    @property
    def hidden(self):
        return bool(self.image.get('os_hidden'))


def _marketplace_of(image):
    """Configured marketplace whose URL the image's entry URL starts with."""
    url = record.ImageRecord(image).url or ''
    for entry in marketplace.get_settings().marketplaces:
        if marketplace.catalog_type(entry['name']).owns_url(entry['url'],
                                                            url):
            return entry['name']
    return None


def _latest_entry(request, name, identifier, email):
    """The entry's newest document, shared by workers for a short while.

    Row polls come every few seconds; the marketplace is asked at most once
    per ``LIFECYCLE_TTL`` per entry, and an unreachable one is not retried
    (with its timeouts) on every poll.  ``b''`` means "no such entry".
    """
    cache = marketplace.DjangoCache(LIFECYCLE_TTL, 'lifecycle')
    key = (name, identifier, email)
    cached = cache.get(key)
    if isinstance(cached, Exception):
        raise cached
    if cached is not None:
        return cached
    try:
        document = marketplace.client(request, name).latest_entry(
            identifier, email) or b''
    except errors.MarketplaceError as exc:
        cache.set(key, errors.MarketplaceError(str(exc)))
        raise
    cache.set(key, document)
    return document


def lifecycle(request, image, _cache=None):
    """Lifecycle flags of an imported image; ``[LIFECYCLE_UNKNOWN]`` if
    unsure.

    The current verdict of its entry (newest endorsement by the same
    endorser) comes through the api layer's cached client and verifier;
    an unreachable or unconfigured marketplace never fails the page.
    """
    held = record.ImageRecord(image)
    identifier, email = held.identifier, held.endorser
    if not identifier or not email:
        return [LIFECYCLE_UNKNOWN]
    key = (identifier, email)
    if _cache is not None and key in _cache:
        current = _cache[key]
    else:
        current = None
        try:
            name = _marketplace_of(image)
            document = None if name is None else _latest_entry(
                request, name, identifier, email)
            if document:
                current = marketplace.Verifier().entry(name, document)
        except (errors.MarketplaceError, ValueError) as exc:
            LOG.info('No lifecycle verdict for %s: %s', identifier, exc)
        if _cache is not None:
            _cache[key] = current
    if current is None or current.appliance is None:
        return [LIFECYCLE_UNKNOWN]
    return withdraw.lifecycle_flags(image, current)


def import_row(request, image_id, image=None, _cache=None):
    """The :class:`ImportRow` of one image, its status advanced.

    ``status()`` verifies an active web-download image (and deactivates
    it on mismatch): whichever worker serves the poll does it.
    """
    eng = imports.engine(request)
    status = eng.status(image_id, image=image)
    if status.state == 'duplicate':
        # A concurrent import won and this image is gone: show the winner,
        # saying it replaced this one.
        replaced = _('Image %(id)s was a duplicate import of the same '
                     'entry and was deleted: this image replaces it.') % {
                         'id': image_id}
        status = eng.status(status.duplicate_of, image=status.image)
        status.reasons.insert(0, replaced)
    if status.image is None and image is None and status.state == 'failed':
        # Gone (a failed streamed import deletes its image): the row keeps
        # its name and the reason recorded when it failed.
        failure = eng.failed_import(image_id)
        if failure is not None:
            return failed_row(failure)
    image = status.image or image or {'id': image_id}
    return ImportRow(image, status, lifecycle(request, image, _cache))


def failed_row(failure):
    """The row of a failed import whose image is gone (its failure record
    from the Django cache, kept for a day)."""
    image = {k: v for k, v in failure.items() if k not in ('reason',
                                                           'failed_at')}
    image['status'] = 'deleted'
    status = ImportStatus(failure['id'], 'failed', image=image,
                          reasons=[failure.get('reason') or
                                   _('The import failed.')])
    return ImportRow(image, status, [])


def unchecked_row(image, exc):
    """The row of an image whose status check failed (it polls again)."""
    image_id = image['id']
    LOG.warning('Cannot check marketplace image %s: %s', image_id, exc)
    status = ImportStatus(
        image_id, UNCHECKED, image=image,
        method=record.ImageRecord(image).import_method,
        reasons=[_('Could not check this image: %s') % localize.text(exc)])
    return ImportRow(image, status, [])


def import_rows(request):
    """Marketplace images (Glance tag ``marketplace``), hidden or not,
    owned by the request's project, newest first (other projects' images,
    e.g. community ones, are not its imports).  A row whose check fails
    shows why; it never empties the table."""
    owner = imports.project_id(request)
    # Hidden ones too: an image hidden by an administrator, or a
    # mismatching one Glance would neither deactivate nor delete.
    images = [] if owner is None else [
        i for i in imports.glance_images(request).find(
            tag=[record.TAG], owner=owner, include_hidden=True)
        if i.get('owner') == owner]
    cache = {}
    rows = []
    for image in images:
        try:
            rows.append(import_row(request, image['id'], image, cache))
        except imports.RECOVERABLE as exc:
            rows.append(unchecked_row(image, exc))
    # Failed imports whose image was deleted (streamed mismatch, Glance
    # refusing the stage...) stay visible, with their reason, for a day.
    listed = {i['id'] for i in images}
    rows.extend(failed_row(failure)
                for failure in imports.engine(request).failed_imports()
                if failure.get('id') not in listed)
    rows.sort(key=lambda r: r.image.get('created_at') or
              r.image.get('failed_at') or '', reverse=True)
    return rows
