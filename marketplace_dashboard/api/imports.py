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


"""Import and launch: the dashboard side of ``core.imports``.

The engine does the work; this module builds it for a request (Glance
client on the user's token, the Django cache for locks and transfer
progress, the operator's ``MARKETPLACE_DASHBOARD['import']`` policy) and
turns its results into rows the Imports view renders.  Every piece of
import state lives on the Glance image or in the Django cache, so any
worker can serve the next poll.
"""

import logging
import urllib.parse
import uuid

from django.conf import settings
from django.core.cache import cache as django_cache
from django.utils.translation import gettext_lazy as _
from horizon.utils.memoized import memoized
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from openstack_dashboard.api import base

from marketplace_dashboard.api import marketplace
from marketplace_dashboard.core import errors, formats, glance
from marketplace_dashboard.core.imports import (
    Importer,
    ImportPolicy,
    ImportStatus,
    check_policy,
    plan,
    record,
    withdraw,
)
from marketplace_dashboard.core.imports.election import (
    launch_ready,
    request_unapplied,
)
from marketplace_dashboard.core.imports.mapping import (
    check_properties,
    image_name,
)

__all__ = [
    'check_properties', 'ConfigurationError', 'deactivate_image', 'engine',
    'entry_url', 'existing_image', 'failed_row', 'glance_images',
    'GlanceError', 'hide_image', 'image_name', 'import_policy', 'import_row',
    'import_rows', 'ImportFailed', 'ImportRefused', 'ImportRow',
    'is_marketplace_image', 'is_uuid', 'launch_image_id', 'launchable_image',
    'lifecycle', 'LIFECYCLE_TTL', 'LIFECYCLE_UNKNOWN', 'project_id',
    'RECOVERABLE', 'refusal', 'request_unapplied', 'shared_cache',
    'SHARED_CACHE_BACKENDS', 'start_import', 'UNCHECKED', 'unchecked_row',
    'verified_entry',
]

LOG = logging.getLogger(__name__)

ConfigurationError = marketplace.ConfigurationError
GlanceError = glance.GlanceError
ImportRefused = errors.ImportRefused
ImportFailed = errors.ImportFailed
#: Errors a view reports with a message instead of failing.
RECOVERABLE = (errors.MarketplaceError,)
#: Lifecycle flag: the marketplace cannot tell whether the entry is
#: current (unreachable, unconfigured, or no longer listing it).
LIFECYCLE_UNKNOWN = 'unknown'
#: Row state (not an import state): the image's status could not be
#: checked this time (e.g. Glance unreachable); the row polls again.
UNCHECKED = 'unchecked'
#: Seconds an entry's current document is reused for lifecycle flags.
LIFECYCLE_TTL = 30


def is_uuid(value):
    """True for a canonical (hyphenated, any case) UUID string."""
    try:
        return str(uuid.UUID(str(value))) == str(value).lower()
    except ValueError:
        return False


def import_policy():
    """The operator's :class:`core.imports.ImportPolicy` (a
    ``ConfigurationError`` when the settings are wrong)."""
    return ImportPolicy.from_dict(marketplace.get_settings().import_options)


def _verify():
    if getattr(settings, 'OPENSTACK_SSL_NO_VERIFY', False):
        return False
    return getattr(settings, 'OPENSTACK_SSL_CACERT', None) or True


def project_id(request):
    """The project of the request's token (owner of what it imports): the
    one place the Horizon layer derives it."""
    return getattr(request.user, 'project_id', None) or \
        getattr(request.user, 'tenant_id', None)


@memoized
def glance_images(request):
    """Core Glance operations with the user's token (one per request)."""
    endpoint = base.url_for(request, 'image')
    session = ks_session.Session(
        auth=token_endpoint.Token(endpoint, request.user.token.id),
        verify=_verify())
    return glance.GlanceImages(glance.make_client(session,
                                                  endpoint=endpoint),
                               project_id=project_id(request))


#: Django cache backends whose ``add`` is atomic for every dashboard worker
#: (local-memory, dummy and file caches are not).
SHARED_CACHE_BACKENDS = ('django.core.cache.backends.memcached.',
                         'django.core.cache.backends.redis.',
                         'django.core.cache.backends.db.')


def shared_cache():
    """True when the Django cache's locks hold across all workers."""
    backend = settings.CACHES.get('default', {}).get('BACKEND', '')
    return backend.startswith(SHARED_CACHE_BACKENDS)


@memoized
def engine(request):
    """The import engine for this request (Django cache behind it)."""
    # The project is the one glance_images() was given: project_id().
    return Importer(glance_images(request), policy=import_policy(),
                    cache=django_cache, shared_lock=shared_cache())


def entry_url(name, identifier, email, created):
    """URL of one entry on marketplace *name* (recorded on the image)."""
    return '%s/metadata/%s' % (_marketplace_url(name), '/'.join(
        urllib.parse.quote(p, safe='@:') for p in (identifier, email,
                                                   created)))


def _marketplace_url(name):
    entry = marketplace.get_settings().marketplace(name)
    if entry is None:
        raise ConfigurationError(
            _('No marketplace named %r is configured.') % name)
    return entry['url'].rstrip('/')


def verified_entry(request, name, identifier, email, created):
    """The core :class:`Verdict` (with its appliance) of one entry."""
    _document, verdict = marketplace.client(request, name).verified_entry(
        identifier, email, created, marketplace.trust_policy())
    appliance = verdict.appliance
    if appliance is None or (appliance.identifier, appliance.endorsement.email,
                             appliance.endorsement.created_text) != (
            identifier, email, created):
        raise errors.MarketplaceResponseError(
            _('The marketplace "%s" answered with another entry than the '
              'one requested.') % name)
    return verdict


def refusal(entry):
    """Why the import policy refuses *entry* (an ``Entry``), or None."""
    try:
        check_policy(entry, import_policy())
    except ImportRefused as exc:
        return str(exc)
    return None


def existing_image(request, appliance, images=None):
    """The image already holding *appliance*, or None: the project's live
    import, else an image of another project it may launch (the engine's
    rule, ``Importer.existing``).  *images*: the images listed already
    (``api.marketplace.imported_images``), else Glance is asked."""
    return engine(request).existing(appliance, images)


def launch_image_id(request, image):
    """The ID of *image* (as ``existing_image`` found it) when it can be
    launched now, else None (the ID is rendered in JavaScript: a UUID)."""
    if not launch_ready(image, project_id(request)):
        return None
    return image['id'] if is_uuid(image.get('id')) else None


def start_import(request, name, verdict, image_name=None,
                 visibility='private', members=(), properties=None):
    """Start importing; an ``ImportStatus`` (``existing`` if deduped).

    Never waits for image bytes: Glance web-downloads by itself, and the
    streamed path runs in a background thread of this worker with its
    progress in the Django cache.
    """
    appliance = verdict.appliance
    endorsement = appliance.endorsement
    url = entry_url(name, appliance.identifier, endorsement.email,
                    endorsement.created_text
                    or formats.format_date(endorsement.created))
    eng = engine(request)
    status = eng.start(verdict, name=image_name, visibility=visibility,
                       members=members, marketplace_url=url,
                       properties=properties, background=True)
    if status.method == plan.GLANCE_DIRECT and not status.existing:
        # start() took the transfer's slot: the thread gives it back.
        eng.transfer_in_background(status.image_id)
    return status


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
        return list(self.status.reasons)

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
        root = entry['url'].rstrip('/') + '/'
        if url.startswith(root):
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
    eng = engine(request)
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
        reasons=[_('Could not check this image: %s') % exc])
    return ImportRow(image, status, [])


def import_rows(request):
    """Marketplace images (Glance tag ``marketplace``), hidden or not,
    owned by the request's project, newest first (other projects' images,
    e.g. community ones, are not its imports).  A row whose check fails
    shows why; it never empties the table."""
    owner = project_id(request)
    # Hidden ones too: an image hidden by an administrator, or a
    # mismatching one Glance would neither deactivate nor delete.
    images = [] if owner is None else [
        i for i in glance_images(request).find(
            tag=[record.TAG], owner=owner, include_hidden=True)
        if i.get('owner') == owner]
    cache = {}
    rows = []
    for image in images:
        try:
            rows.append(import_row(request, image['id'], image, cache))
        except RECOVERABLE as exc:
            rows.append(unchecked_row(image, exc))
    # Failed imports whose image was deleted (streamed mismatch, Glance
    # refusing the stage...) stay visible, with their reason, for a day.
    listed = {i['id'] for i in images}
    rows.extend(failed_row(failure)
                for failure in engine(request).failed_imports()
                if failure.get('id') not in listed)
    rows.sort(key=lambda r: r.image.get('created_at') or
              r.image.get('failed_at') or '', reverse=True)
    return rows


def hide_image(request, image_id):
    engine(request).hide(image_id)


def deactivate_image(request, image_id):
    engine(request).deactivate(image_id)


def is_marketplace_image(image):
    return record.ImageRecord(image).tagged


def launchable_image(request, image_id):
    """The image if it exists, is visible, active and -- for a marketplace
    image -- verified against its entry (the engine's ``status()``, which
    verifies it if due); else ``ImportFailed``.  Other images only need
    to be active.

    Raises ``GlanceError`` when Glance itself fails.
    """
    if not is_uuid(image_id):
        raise ImportFailed(_('"%s" is not an image ID.') % image_id)
    try:
        image = glance_images(request).get(image_id)
    except glance.GlanceNotFound:
        raise ImportFailed(_('Image %s does not exist or is not visible '
                             'to your project.') % image_id) from None
    if image.get('status') != 'active':
        raise ImportFailed(_('Image %(id)s cannot be launched: it is '
                             '%(status)s.') % {'id': image_id,
                                               'status': image.get('status')})
    if not is_marketplace_image(image):
        return image
    status = engine(request).status(image_id, image=image)
    if status.state == 'active' and status.verified:
        return status.image or image
    if status.state == 'duplicate':
        reason = _('it was a duplicate import; launch image %s instead') \
            % status.duplicate_of
    else:
        reason = '; '.join(status.reasons) or _(
            'its data has not been verified against its marketplace entry '
            '(%s)') % status.state
    raise ImportFailed(_('Image %(id)s cannot be launched: %(reason)s')
                       % {'id': image_id, 'reason': reason})
