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

"""Thin, Django-free Glance operations used by the importer.

Everything goes through python-glanceclient v2 on a keystoneauth session
(the dashboard builds the session from the user's token, the CLI from the
``OS_*`` variables or clouds.yaml).  Images are returned as plain ``dict``
objects; Glance errors become :class:`GlanceError` whose text a user can act
on (a 403 from Glance policy says so).
"""

import contextlib
import json
import logging
import time

from glanceclient import exc as glance_exc
from keystoneauth1 import exceptions as ks_exc

from marketplace_dashboard.core.errors import (  # noqa: F401
    GlanceError,
    GlanceForbidden,
    GlanceNotFound,
    MarketplaceError,
)

__all__ = [
    'CONNECT_RETRIES', 'DEFAULT_TIMEOUT', 'JSON_PATCH', 'LIVE_STATUSES',
    'GlanceError', 'GlanceForbidden', 'GlanceImages', 'GlanceNotFound',
    'MarketplaceError', 'json_pointer', 'make_client',
]

LOG = logging.getLogger(__name__)

#: Statuses of an image that is usable or on its way to be.
LIVE_STATUSES = frozenset({'queued', 'saving', 'uploading', 'importing',
                           'active'})

#: The media type of an image update (``PATCH /v2/images/{id}``)
JSON_PATCH = 'application/openstack-images-v2.1-json-patch'

#: Default timeout (seconds) of every call to Glance.
DEFAULT_TIMEOUT = 60
#: A pooled keep-alive connection that Glance's WSGI server closed while it
#: was idle (e.g. during the importer's settle pause) fails with "connection
#: reset"; keystoneauth retries such connection failures this many times.
CONNECT_RETRIES = 2


def json_pointer(key):
    """*key* as one JSON-pointer token (RFC 6901: ``~`` and ``/``)."""
    return key.replace('~', '~0').replace('/', '~1')


@contextlib.contextmanager
def _translated(action):
    try:
        yield
    except glance_exc.HTTPForbidden as e:
        raise GlanceForbidden(
            'Glance policy does not allow you to %s (HTTP 403: %s). Ask '
            'your cloud operator, or choose another option (e.g. private '
            'visibility).' % (action, _details(e))) from None
    except glance_exc.HTTPNotFound as e:
        raise GlanceNotFound('Cannot %s: not found in Glance (%s).'
                             % (action, _details(e))) from None
    except glance_exc.HTTPException as e:
        raise GlanceError('Glance could not %s: %s'
                          % (action, _details(e)),
                          status=getattr(e, 'code', None)) from None
    except (ks_exc.Unauthorized, ks_exc.AuthorizationFailure) as e:
        raise GlanceError('Authentication failed while trying to %s: %s. '
                          'Check your OpenStack credentials.'
                          % (action, e), status=401) from None
    except (ks_exc.ClientException, glance_exc.BaseException) as e:
        # glanceclient's session client turns connection failures into
        # its own CommunicationError / InvalidEndpoint.
        raise GlanceError('Cannot reach Glance to %s: %s' % (action, e)
                          ) from None


def _details(e):
    return (getattr(e, 'details', None) or str(e)).strip()


def _store_args(stores):
    """image_import's store arguments: every store asked for must take
    the data (an import that lands in some only fails)."""
    if not stores:
        return {}
    return {'stores': list(stores), 'allow_failure': False}


def make_client(session, region_name=None, interface=None,
                endpoint=None, timeout=DEFAULT_TIMEOUT):
    """A glanceclient v2 ``Client`` over a keystoneauth ``session``.

    A session without a timeout gets *timeout* (seconds per socket
    operation), so that no call to Glance can hang forever; connection
    failures are retried (:data:`CONNECT_RETRIES`).
    """
    from glanceclient.v2 import client

    if getattr(session, 'timeout', None) is None:
        session.timeout = timeout
    kwargs = {'session': session, 'connect_retries': CONNECT_RETRIES}
    if endpoint:
        kwargs['endpoint_override'] = endpoint
    if region_name:
        kwargs['region_name'] = region_name
    if interface:
        kwargs['interface'] = interface
    return client.Client(**kwargs)


class GlanceImages:
    """The handful of Glance image operations the importer needs.

    Idempotent operations (read, list, update, delete, deactivate) are
    retried *retries* times on a Glance server error (5xx), e.g. a busy
    database; the others are not.
    """

    def __init__(self, client, retries=2, backoff=1.0, sleep=time.sleep,
                 project_id=None):
        self.client = client
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self._project_id = project_id

    @property
    def project_id(self):
        """The project the client acts for (the owner of the images it
        creates): given, else asked of its keystoneauth session (None when
        the session cannot tell, e.g. a bare token)."""
        if self._project_id is None:
            http_client = getattr(self.client, 'http_client', None)
            get = getattr(http_client, 'get_project_id', None)
            if get is not None:
                with _translated('identify your project'):
                    self._project_id = get()
        return self._project_id

    @property
    def is_admin(self):
        """True when the token has the ``admin`` role: Glance then lists
        (and lets it change) every project's images."""
        http_client = getattr(self.client, 'http_client', None)
        session = getattr(http_client, 'session', None)
        auth = getattr(http_client, 'auth', None) or getattr(session, 'auth',
                                                             None)
        if auth is None:
            return False
        with _translated('read your roles'):
            access = auth.get_access(session)
        return 'admin' in (getattr(access, 'role_names', None) or ())

    def _idempotent(self, action, func):
        for attempt in range(self.retries + 1):
            try:
                with _translated(action):
                    return func()
            except GlanceError as e:
                if attempt == self.retries or (e.status or 0) < 500:
                    raise
                LOG.info('Glance failed to %s (%s); retrying', action, e)
                self.sleep(self.backoff * (attempt + 1))

    def import_methods(self):
        """Import methods Glance offers (``GET /v2/info/import``)."""
        def call():
            try:
                return self.client.images.get_import_info()
            except glance_exc.HTTPNotFound:
                return {}
        info = self._idempotent('read the import methods', call)
        return list(info.get('import-methods', {}).get('value', []))

    def get(self, image_id):
        return self._idempotent('read image %s' % image_id, lambda: dict(
            self.client.images.get(image_id)))

    def find(self, include_hidden=False, **filters):
        """Images visible to the project matching property ``filters``
        (every visibility unless ``visibility`` is given).

        Glance lists hidden images (``os_hidden``) only when asked, and
        then only those: *include_hidden* lists both (two calls).
        """
        filters = dict(filters)
        filters.setdefault('visibility', 'all')
        found = self._list(filters)
        if include_hidden:
            found += self._list(dict(filters, os_hidden='true'))
        return found

    def _list(self, filters):
        return self._idempotent('list images', lambda: [
            dict(i) for i in self.client.images.list(filters=dict(filters))])

    def create(self, **props):
        with _translated('create an image'):
            return dict(self.client.images.create(**props))

    def update(self, image_id, remove_props=None, **props):
        """Set *props* on the image; the updated image.

        One ``PATCH`` whose answer is the image: JSON-patch ``add`` sets a
        property whether or not the image has it (images API v2.1 media
        type).  python-glanceclient's ``images.update`` reads the image
        and the image schema before and the image again after (four
        calls); it is used only to remove properties (*remove_props*),
        which it skips when the image does not have them.
        """
        action = 'update image %s' % image_id
        if remove_props or not props:
            return self._idempotent(action, lambda: dict(
                self.client.images.update(image_id, remove_props=remove_props,
                                          **props)))
        patch = json.dumps([{'op': 'add', 'path': '/' + json_pointer(key),
                             'value': value} for key, value in props.items()])

        def call():
            _resp, body = self.client.http_client.patch(
                '/v2/images/%s' % image_id, data=patch,
                headers={'Content-Type': JSON_PATCH})
            return dict(body)
        return self._idempotent(action, call)

    def delete(self, image_id):
        """Delete an image; an image already gone is not an error."""
        def call():
            try:
                self.client.images.delete(image_id)
            except glance_exc.HTTPNotFound:
                pass
            except glance_exc.HTTPBadRequest:
                # A retry after a 5xx whose delete went (partly) through:
                # "status transition from deleted to deleted is not
                # allowed".
                try:
                    status = self.client.images.get(image_id).get('status')
                except glance_exc.HTTPNotFound:
                    return
                if status not in ('deleted', 'pending_delete'):
                    raise
        self._idempotent('delete image %s' % image_id, call)

    def deactivate(self, image_id):
        self._idempotent('deactivate image %s' % image_id,
                         lambda: self.client.images.deactivate(image_id))

    def web_download(self, image_id, uri, stores=None):
        """Glance's web-download of *uri*; *stores*: the store ids to
        import to (default: Glance's default store), all of which must
        succeed."""
        with _translated('import image %s from %s' % (image_id, uri)):
            self.client.images.image_import(image_id, method='web-download',
                                            uri=uri, **_store_args(stores))

    def stage(self, image_id, fileobj):
        with _translated('stage data of image %s' % image_id):
            self.client.images.stage(image_id, fileobj)

    def glance_direct(self, image_id, stores=None):
        """Import the staged data (*stores*: as :meth:`web_download`)."""
        with _translated('import staged image %s' % image_id):
            self.client.images.image_import(image_id, method='glance-direct',
                                            **_store_args(stores))

    def tasks(self, image_id):
        """Import tasks of an image, or None when Glance cannot tell (an
        error, or a Glance older than API v2.12).

        ``GET /v2/images/{id}/tasks`` is asked directly: glanceclient's
        ``get_associated_image_tasks`` first asks ``GET /versions`` on
        every call.
        """
        try:
            _resp, body = self.client.http_client.get(
                '/v2/images/%s/tasks' % image_id)
        except (glance_exc.HTTPException, glance_exc.BaseException,
                ks_exc.ClientException) as e:
            LOG.info('Cannot read the tasks of image %s: %s', image_id, e)
            return None
        tasks = body.get('tasks') if isinstance(body, dict) else None
        return list(tasks) if isinstance(tasks, list) else None

    def member(self, image_id, project_id):
        """The status of *project_id*'s membership of a shared image
        (``pending``, ``accepted``, ``rejected``), or None when it is not
        a member (or the image is not shared)."""
        def call():
            try:
                member = self.client.image_members.get(image_id, project_id)
            except (glance_exc.HTTPNotFound, glance_exc.HTTPForbidden):
                return None
            return member.get('status')
        return self._idempotent('read the members of image %s' % image_id,
                                call)

    def add_members(self, image_id, project_ids):
        with _translated('share image %s' % image_id):
            for project_id in project_ids:
                try:
                    self.client.image_members.create(image_id, project_id)
                except glance_exc.HTTPConflict:
                    pass  # already a member
