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

"""The one place an import writes to Glance.

The stages decide what Glance should do (create, update, delete,
deactivate an image, share it, start its import) and ask a writer to do
it.  :class:`GlanceWriter` does it through
:class:`marketplace_dashboard.core.glance.GlanceImages`;
:class:`RecordingWriter` records the same :class:`Action` list without
writing, and shows the engine the images as they would then be
(:attr:`RecordingWriter.images`), so that a dry run
(``marketplace-metadata reconcile --dry-run``) is the real engine
deciding the same thing.  Both keep :attr:`Writer.actions`.
"""

import dataclasses
import itertools

from marketplace_dashboard.core.errors import GlanceNotFound

__all__ = ['Action', 'DryRunImages', 'GlanceWriter', 'RecordingWriter',
           'Writer']


@dataclasses.dataclass(frozen=True)
class Action:
    """One change to Glance: *name* (``create``, ``update``, ``delete``,
    ``deactivate``, ``add_members``, ``web_download``, ``stage``,
    ``glance_direct``), the image and what it sets."""

    name: str
    image_id: str | None
    fields: tuple = ()

    @property
    def values(self):
        """:attr:`fields` as a dict."""
        return dict(self.fields)


def _stores(stores):
    """The ``stores`` argument of an import call (none: Glance's default
    store, and the argument is not sent)."""
    return {'stores': list(stores)} if stores else {}


def _fields(values):
    return tuple(sorted((k, v if not isinstance(v, list) else tuple(v))
                        for k, v in values.items()))


class Writer:
    """What every writer does; :attr:`actions`, in the order done."""

    def __init__(self):
        self.actions = []

    def _did(self, action, image_id, values=None):
        self.actions.append(Action(action, image_id, _fields(values or {})))

    def actions_on(self, image_id):
        """The :attr:`actions` on one image."""
        return [a for a in self.actions if a.image_id == image_id]


class GlanceWriter(Writer):
    """Apply the stages' decisions to Glance (*images*: a
    :class:`~marketplace_dashboard.core.glance.GlanceImages`)."""

    def __init__(self, images):
        super().__init__()
        self.images = images

    def create(self, **props):
        image = self.images.create(**props)
        self._did('create', image['id'], props)
        return image

    def update(self, image_id, **props):
        image = self.images.update(image_id, **props)
        self._did('update', image_id, props)
        return image

    def delete(self, image_id):
        self.images.delete(image_id)
        self._did('delete', image_id)

    def deactivate(self, image_id):
        self.images.deactivate(image_id)
        self._did('deactivate', image_id)

    def add_members(self, image_id, members):
        self.images.add_members(image_id, members)
        self._did('add_members', image_id, {'members': list(members)})

    def web_download(self, image_id, url, stores=()):
        self.images.web_download(image_id, url, **_stores(stores))
        self._did('web_download', image_id, dict(_stores(stores), url=url))

    def stage(self, image_id, stream):
        self.images.stage(image_id, stream)
        self._did('stage', image_id)

    def glance_direct(self, image_id, stores=()):
        self.images.glance_direct(image_id, **_stores(stores))
        self._did('glance_direct', image_id, _stores(stores) or None)


class DryRunImages:
    """Glance as a :class:`RecordingWriter` would have left it: reads go
    to *images*, with the recorded changes applied on top."""

    def __init__(self, images):
        self._images = images
        self.changed = {}
        self.deleted = set()
        self.created = {}

    def __getattr__(self, name):
        if name in ('tasks', 'import_methods', 'project_id', 'is_admin',
                    'member'):
            return getattr(self._images, name)
        raise AttributeError(name)

    def _view(self, image):
        return dict(image, **self.changed.get(image['id'], {}))

    def get(self, image_id):
        if image_id in self.deleted:
            raise GlanceNotFound('Cannot get image %s: not found in Glance '
                                 '(deleted by this dry run).' % image_id)
        if image_id in self.created:
            return self._view(self.created[image_id])
        return self._view(self._images.get(image_id))

    def find(self, **filters):
        listed = self._images.find(**filters)
        return [self._view(i) for i in listed
                if i['id'] not in self.deleted]


class RecordingWriter(Writer):
    """Record what a :class:`GlanceWriter` would do, write nothing.

    The engine reads through :attr:`images` (a :class:`DryRunImages` over
    the real *images*), so that the decisions after a recorded action see
    its effect, as they would in Glance.
    """

    def __init__(self, images):
        super().__init__()
        self.images = DryRunImages(images)
        self._ids = itertools.count(1)

    def _change(self, image_id, **values):
        self.images.changed.setdefault(image_id, {}).update(values)

    def create(self, **props):
        image_id = 'dry-run-%d' % next(self._ids)
        self.images.created[image_id] = dict(
            props, id=image_id, status='queued',
            owner=props.get('owner', self.images.project_id))
        self._did('create', image_id, props)
        return self.images.get(image_id)

    def update(self, image_id, **props):
        image = self.images.get(image_id)
        self._change(image_id, **props)
        self._did('update', image_id, props)
        return dict(image, **props)

    def delete(self, image_id):
        self.images.deleted.add(image_id)
        self._did('delete', image_id)

    def deactivate(self, image_id):
        self.images.get(image_id)
        self._change(image_id, status='deactivated')
        self._did('deactivate', image_id)

    def add_members(self, image_id, members):
        self._did('add_members', image_id, {'members': list(members)})

    def web_download(self, image_id, url, stores=()):
        self._did('web_download', image_id, dict(_stores(stores), url=url))

    def stage(self, image_id, stream):
        self._did('stage', image_id)

    def glance_direct(self, image_id, stores=()):
        self._did('glance_direct', image_id, _stores(stores) or None)
