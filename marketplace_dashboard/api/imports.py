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
starts imports; :mod:`api.import_rows` turns their state into the rows
the Imports view renders.  Every piece of import state lives on the
Glance image or in the Django cache, so any worker can serve the next
poll.
"""

import logging

from django.conf import settings
from django.core.cache import cache as django_cache
from django.utils.translation import gettext_lazy as _
from horizon.utils.memoized import memoized
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from openstack_dashboard.api import base

from marketplace_dashboard.api import localize, marketplace
from marketplace_dashboard.core import errors, formats, glance
from marketplace_dashboard.core.imports import (
    Importer,
    ImportPolicy,
        check_policy,
    plan,
    record,
)
from marketplace_dashboard.core.imports.election import (
    launch_ready,
    request_unapplied,
)
from marketplace_dashboard.core.imports.mapping import (
    check_properties,
    image_name,
)
from marketplace_dashboard.core.locations import is_uuid

__all__ = [
    'check_properties', 'ConfigurationError', 'deactivate_image', 'engine',
    'entry_url', 'existing_image', 'glance_images', 'GlanceError',
    'hide_image', 'image_name', 'import_policy', 'ImportFailed',
    'ImportRefused', 'is_marketplace_image', 'is_uuid', 'launch_image_id',
    'launchable_image', 'linked_image_problem', 'project_id',
    'RECOVERABLE', 'refusal',
    'request_unapplied', 'shared_cache', 'SHARED_CACHE_BACKENDS',
    'start_import', 'verified_entry',
]

LOG = logging.getLogger(__name__)

ConfigurationError = marketplace.ConfigurationError
GlanceError = glance.GlanceError
ImportRefused = errors.ImportRefused
ImportFailed = errors.ImportFailed
#: Errors a view reports with a message instead of failing.
RECOVERABLE = (errors.MarketplaceError,)


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
    return marketplace.catalog_type(name).entry_url(
        _marketplace_url(name), identifier, email, created)


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
        return localize.text(exc)
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


def linked_image_problem(request, image_id, appliance):
    """Why the image a launch link to this dashboard names cannot be
    launched as *appliance* by this project, or None when it can
    (``Election.linked_image_problem``: Glance's facts against the
    entry).  Raises ``GlanceError`` when Glance fails."""
    return engine(request).linked_image_problem(image_id, appliance)


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
    if getattr(appliance, 'download_auth', False):
        # a registry's token: the streamed transfer downloads with the
        # catalogue's session (Glance's web-download cannot authenticate)
        opener = getattr(marketplace.client(request, name),
                         'download_session', None)
        if opener is not None:
            eng.http_session = opener(eng.policy.download_filter)
    status = eng.start(verdict, name=image_name, visibility=visibility,
                       members=members, marketplace_url=url,
                       properties=properties, background=True)
    if status.method == plan.GLANCE_DIRECT and not status.existing:
        # start() took the transfer's slot: the thread gives it back.
        eng.transfer_in_background(status.image_id)
    return status


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
        reason = '; '.join(localize.texts(status.reasons)) or _(
            'its data has not been verified against its marketplace entry '
            '(%s)') % status.state
    raise ImportFailed(_('Image %(id)s cannot be launched: %(reason)s')
                       % {'id': image_id, 'reason': reason})
