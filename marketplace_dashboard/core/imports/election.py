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

"""Stage 4 of an import: one image per entry and project.

Dedupe: an entry this project already imported (same identifier and
strongest endorsed hash, live, not failed) is returned instead of
imported again; one whose streamed transfer died is deleted and imported
anew.  Election: concurrent importers of the same entry
converge on one image, the oldest (``created_at`` then ``id``); a younger
duplicate is deleted and reported as ``duplicate`` of the winner.  And
what may be offered for launch instead of an import: a public image, or a
shared one this project accepted, whose Glance-computed facts match the
entry (never a community image).
"""

import logging

from marketplace_dashboard.core import formats
from marketplace_dashboard.core.errors import (
    GlanceError,
    GlanceForbidden,
    GlanceNotFound,
    ImportRefused,
)
from marketplace_dashboard.core.glance import LIVE_STATUSES
from marketplace_dashboard.core.imports import mapping, plan, record
from marketplace_dashboard.core.imports.status import ImportStatus
from marketplace_dashboard.core.imports.verify import (
    entry_problems,
    integrity_problems,
)

__all__ = ['Election', 'age', 'identity', 'launch_ready', 'live_import',
           'offerable', 'request_unapplied']

LOG = logging.getLogger(__name__)


def live_import(image, identifier, key, owner):
    """True when *image* is, as far as it tells, a live import by project
    *owner* of the entry with *identifier* and dedupe *key* (see
    :func:`~.mapping.dedupe_key`): live in Glance, not hidden, made by
    this engine (``marketplace_import_method``), no recorded failure, and
    -- once active -- Glance's facts match its endorsed values.  Another
    project's image never is.  :meth:`Election.existing` also asks the
    engine whether it stalled or failed meanwhile."""
    prop, value = key
    return (owner is not None and image.get('owner') == owner
            and image.get('status') in LIVE_STATUSES
            and not image.get('os_hidden')
            and image.get(record.IMPORT_METHOD) in plan.METHODS
            and image.get(record.IDENTIFIER) == identifier
            and image.get(prop) == value
            and not record.ImageRecord(image).error
            and not image.get('os_glance_failed_import')
            and not (image.get('status') == 'active'
                     and integrity_problems(image)))


def offerable(image, appliance, project_id):
    """True when *image*, of another project than *project_id*, may be
    offered for launch instead of importing *appliance*: active, not
    hidden, public or shared (then only once this project accepted it:
    :meth:`Election.existing`), never community (any project can make
    one), and its Glance-computed size and hash are the entry's endorsed
    ones (:func:`~.verify.entry_problems`), whatever its properties
    claim."""
    return (image.get('owner') is not None
            and image.get('owner') != project_id
            and image.get('visibility') in ('public', 'shared')
            and image.get('status') == 'active'
            and not image.get('os_hidden')
            and image.get(record.IDENTIFIER) == appliance.identifier
            and not record.ImageRecord(image).error
            and not entry_problems(image, appliance))


def launch_ready(image, project_id):
    """True when the image :meth:`Election.existing` found can be
    launched now: active, and verified when it is *project_id*'s own
    import (another project's image is only found when Glance's facts
    match the entry)."""
    return bool(image) and image.get('status') == 'active' and (
        image.get('owner') != project_id
        or image.get(record.VERIFIED) == 'true')


def request_unapplied(image, visibility, members=()):
    """True when *visibility* and *members*, asked for by a new import
    that found *image* (the project's existing import of the entry),
    differ from what was asked for it: they are not applied."""
    asked = record.ImageRecord(image)
    return visibility != asked.requested_visibility or bool(
        set(members or ()) - set(asked.members))


def identity(image):
    """What :meth:`Election.older_twin` needs to know of an image."""
    keep = ('id', 'owner', 'created_at', record.IDENTIFIER) + tuple(
        record.hash_property(name) for name in mapping.STRENGTH)
    return {k: image[k] for k in keep if image.get(k)}


def age(image):
    """The sort key of the election: oldest first."""
    return (image.get('created_at') or '', image['id'])


class Election:
    """The dedupe and election stage of :class:`~.importer.Importer`."""

    #: what the last check saw of an image that may yet be deleted as a
    #: younger duplicate (see :meth:`deleted_as_duplicate`)
    SEEN_PREFIX = 'marketplace-import-seen:'

    def existing(self, appliance, images=None):
        """The image already holding *appliance*'s data, or None: the one
        rule of dedupe (:meth:`start`), of the import form's "launch it
        instead" and of the panel's *In Glance* mark.

        This project's oldest live import of the entry (same identifier
        and strongest endorsed hash: :func:`live_import`, and neither
        stalled nor failed as far as the engine can tell), else the oldest
        image of another project that this project may launch and whose
        Glance-computed size and hash are the entry's endorsed ones
        (:func:`offerable`): a public image, or a shared one whose
        membership this project accepted.  Community images are never
        offered: any project can make one.  *images*: the images to look
        among when the caller listed them already (else Glance is asked).
        """
        try:
            key = mapping.dedupe_key(mapping.endorsed_hashes(appliance))
        except ImportRefused:
            return None
        if images is None:
            images = self.listed(appliance.identifier, key)
        return self.oldest_live_import(images, appliance.identifier, key) \
            or self.shared_copy(images, appliance)

    def listed(self, identifier, key, **filters):
        """Images Glance lists with the entry's identifier and hash."""
        prop, value = key
        filters.update({record.IDENTIFIER: identifier, prop: value})
        return self.images.find(**filters)

    def oldest_live_import(self, images, identifier, key, owner=None):
        """The oldest live import of the entry among *images* owned by
        *owner* (default: this project), or None."""
        owner = owner or self.project_id
        live = []
        for image in images:
            if not live_import(image, identifier, key, owner):
                continue
            if not self.stopped(image):
                live.append(image)
            else:  # this project's dead transfer goes (status.py)
                self.discard_dead(image)
        return min(live, key=age) if live else None

    def find_live_import(self, identifier, key, owner=None):
        """The oldest live import of the entry by *owner* (default: this
        project), asked of Glance."""
        owner = owner or self.project_id
        if owner is None:
            LOG.warning('Unknown project: no image is considered a '
                        'previous import of %s', identifier)
            return None
        return self.oldest_live_import(
            self.listed(identifier, key, owner=owner), identifier, key,
            owner)

    def shared_copy(self, images, appliance):
        """The oldest image of another project among *images* that may be
        offered for launch instead of importing *appliance* (see
        :meth:`existing`), or None."""
        for image in sorted((i for i in images
                             if offerable(i, appliance, self.project_id)),
                            key=age):
            if image.get('visibility') == 'public' or self._accepted(image):
                return image
        return None

    def linked_image_problem(self, image_id, appliance):
        """Why the image a launch link of *appliance*'s entry names
        (*image_id*, on this dashboard) cannot be launched here as that
        appliance, or None when it can.

        It can when Glance shows it to this project, active and not
        hidden, and either it is this project's verified import of the
        entry, or -- this project's own image of any visibility, a public
        image, or a shared one whose membership this project accepted --
        its Glance-computed size and hash are the entry's endorsed ones
        (:func:`~.verify.entry_problems`).  Another project's community
        image never is: any project can make one.  One or two Glance
        calls (the image; its membership when shared).

        Raises ``GlanceError`` when Glance itself fails.
        """
        try:
            image = self.images.get(image_id)
        except GlanceNotFound:
            return ('Image %s does not exist or is not visible to your '
                    'project.' % image_id)
        if image.get('status') != 'active':
            return 'Image %s is %s, not active.' % (image_id,
                                                     image.get('status'))
        if image.get('os_hidden'):
            return 'Image %s is hidden.' % image_id
        own = self.project_id is not None \
            and image.get('owner') == self.project_id
        if own and image.get(record.IDENTIFIER) == appliance.identifier \
                and image.get(record.VERIFIED) == 'true':
            return None
        visibility = image.get('visibility')
        if not own:
            if visibility == 'community':
                return ('Image %s is a community image of another project: '
                        'any project can publish one, so it is never '
                        'offered.' % image_id)
            if visibility == 'shared' and not self._accepted(image):
                return ('Image %s is shared with your project, but your '
                        'project has not accepted it.' % image_id)
            if visibility not in ('public', 'shared'):
                return ('Image %s is not public or shared with your '
                        'project.' % image_id)
        try:
            problems = entry_problems(image, appliance)
        except ImportRefused as e:
            return 'Image %s cannot be checked: %s' % (image_id, e)
        if problems:
            return ('Image %s does not hold this entry\'s endorsed data: %s'
                    % (image_id, '; '.join(problems)))
        return None

    def _accepted(self, image):
        """Has this project accepted the shared *image*?  (Glance lists
        shared images only once accepted, but lists them all to admins.)"""
        if self.project_id is None:
            return False
        try:
            return self.images.member(image['id'],
                                      self.project_id) == 'accepted'
        except GlanceError as e:
            LOG.info('Cannot read the membership of image %s: %s',
                     image['id'], e)
            return False

    def existing_status(self, image):
        """The status of this project's existing import *image*."""
        # The oldest live candidate just listed: nothing to re-elect.
        status = self._status(image['id'], image, elect=False)
        status.existing = True
        return status

    def shared_copy_status(self, image):
        """Status of an image of another project that holds the entry's
        data: launch it, nothing else."""
        what = 'A public image of this cloud' if image.get(
            'visibility') == 'public' else 'An image shared with your project'
        return ImportStatus(
            image['id'], 'active', verified=True, existing=True, image=image,
            method=image.get(record.IMPORT_METHOD), reasons=[
                '%s holds exactly the endorsed data (its size and %s, '
                'computed by Glance, checked against this entry): launch it '
                'instead.' % (what, formats.hashlib_name(
                    image.get('os_hash_algo') or ''))])

    def elect(self, image, identifier, key, settle=True):
        """The oldest live image of the entry; deletes ours if it lost."""
        if settle:
            self.sleep(self.policy.settle)
        winner = self.find_live_import(identifier, key) or image
        if age(winner) > age(image):
            winner = image
        if winner['id'] != image['id']:
            LOG.info('Concurrent import of %s: keeping %s, deleting %s',
                     image.get(record.IDENTIFIER), winner['id'], image['id'])
            self.writer.delete(image['id'])
        return winner

    def reelect(self, image):
        """Delete *image* if an older live image holds its entry.

        The :class:`ImportStatus` (``duplicate``) if it lost, else None
        (won, not a marketplace image, or not ours to delete).
        """
        winner = self.older_twin(image)
        if winner is None:
            return None
        try:
            self.writer.delete(image['id'])
        except GlanceForbidden:
            return None
        LOG.info('Concurrent import of %s: keeping %s, deleted %s',
                 image.get(record.IDENTIFIER), winner['id'], image['id'])
        return self.duplicate_status(image['id'], winner)

    def older_twin(self, image):
        """The older live image of the same entry and bytes, if any, in
        the image's own project (never another project's)."""
        identifier = image.get(record.IDENTIFIER)
        key = next(((record.hash_property(name),
                     image[record.hash_property(name)])
                    for name in mapping.STRENGTH
                    if image.get(record.hash_property(name))), None)
        if not identifier or key is None or not image.get('owner'):
            return None
        winner = self.find_live_import(identifier, key, owner=image['owner'])
        if winner is None or age(winner) >= age(image):
            return None
        return winner

    def remember_seen(self, image):
        """Keep what :meth:`deleted_as_duplicate` needs of *image*."""
        self.cache.add(self.SEEN_PREFIX + image['id'], identity(image),
                       self.progress.timeout)

    def deleted_as_duplicate(self, image_id, image=None):
        """The ``duplicate`` status of an image that is gone because an
        older live import of the same entry in its project won, else None.

        Worked out from Glance (:meth:`older_twin`), whoever deleted it --
        another dashboard worker, the CLI, the reconciler -- with what was
        last seen of the image: *image*, else the record :meth:`status`
        keeps of images that may yet be deleted as duplicates.
        """
        image = image or self.cache.get(self.SEEN_PREFIX + image_id)
        if not image:
            return None
        try:
            twin = self.older_twin(image)
        except GlanceError as e:
            LOG.info('Cannot look for the twin of %s: %s', image_id, e)
            return None
        return None if twin is None else self.duplicate_status(image_id,
                                                               twin)

    def duplicate_status(self, image_id, winner):
        """The status of *image_id*, deleted as a duplicate of *winner*."""
        return ImportStatus(
            image_id, 'duplicate', image=winner, duplicate_of=winner['id'],
            method=winner.get(record.IMPORT_METHOD), reasons=[
                'Another import of the same entry started first (image '
                '%s); this duplicate was deleted and the import goes on '
                'as that image.' % winner['id']])
