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

"""The import engine: :class:`Importer` composes the stages.

An import runs through :mod:`.policy` (may it be imported?),
:mod:`.mapping` (the appliance as Glance properties), :mod:`.plan`
(web-download or streamed, from which location), :mod:`.election` (an
existing import to reuse, concurrent imports converging on one image),
:mod:`.offer` (web-download), :mod:`.transfer` (the streamed path),
:mod:`.status` (where it stands),
:mod:`.verify` (does the stored data match?), :mod:`.publish` (the
visibility asked for) and :mod:`.withdraw` (what must not be used).  The
stages decide; the one :mod:`.writer` applies what they decide to Glance,
or records it for a dry run (:meth:`Importer.dry_run`).
"""

import logging
import time
import uuid

from marketplace_dashboard.core.cache import MemoryCache
from marketplace_dashboard.core.errors import (
    GlanceError,
    ImportRefused,
)
from marketplace_dashboard.core.imports import heartbeat, mapping, plan, record
from marketplace_dashboard.core.imports.election import (
    Election,
    request_unapplied,
)
from marketplace_dashboard.core.imports.offer import WebDownloadOffer
from marketplace_dashboard.core.imports.policy import (
    ImportPolicy,
    check_policy,
    check_request,
)
from marketplace_dashboard.core.imports.progress import (
    PROCESS_SLOTS,
    ProgressStore,
    busy,
)
from marketplace_dashboard.core.imports.publish import Publication
from marketplace_dashboard.core.imports.status import Status
from marketplace_dashboard.core.imports.transfer import StreamedTransfer
from marketplace_dashboard.core.imports.verify import Verification
from marketplace_dashboard.core.imports.withdraw import Withdrawal
from marketplace_dashboard.core.imports.writer import (
    GlanceWriter,
    RecordingWriter,
)

__all__ = ['Importer']

LOG = logging.getLogger(__name__)


class Importer(Election, WebDownloadOffer, StreamedTransfer, Status,
               Verification, Publication, Withdrawal):
    """Start, advance and inspect imports.

    *images* is a :class:`marketplace_dashboard.core.glance.GlanceImages`
    (what the engine reads); *writer* applies its decisions (default: a
    :class:`~.writer.GlanceWriter` over *images*).  *cache* (optional,
    default an in-process :class:`~marketplace_dashboard.core.cache.
    MemoryCache`) has Django's ``add``/``get``/``set``/``delete`` and is
    used for a best-effort lock and for transfer progress.  *shared_lock*:
    true when ``cache.add`` is atomic across every importer that may
    import the same entries (default: the cache's ``shared`` attribute,
    else false); an importer holding such a lock needs no ``settle`` wait
    before electing.  *slots*: the :class:`~.progress.TransferSlots`
    background transfers take (default: the process's own).  *now*: the
    current time (timezone-aware) for the times recorded.

    *project_id*: the project importing (default: ``images.project_id``).
    Dedupe, election and the deletion of duplicates only ever consider
    images this project owns: another project's image (e.g. a community
    image carrying an entry's identifier and hash, never uploaded) is
    never returned, elected against, waited on, deleted or written to.
    The one exception is for launching: a *public* image, or a *shared*
    one whose membership this project accepted, whose Glance-computed
    size and hash match the entry's endorsed ones is offered as existing
    (:meth:`existing`, :meth:`start`), and nothing else; community images
    never are.  Images without ``marketplace_import_method`` are ignored.
    *all_projects* (the reconciler, run with an admin token): verify and
    withdraw every image it sees, each among the images of its own
    project -- never publish another project's image, nor trust what its
    owner recorded (:meth:`verify`).
    """

    LOCK_PREFIX = 'marketplace-import-lock:'

    def __init__(self, images, policy=None, cache=None, http_session=None,
                 sleep=time.sleep, clock=time.time, shared_lock=None,
                 project_id=None, all_projects=False, writer=None,
                 slots=None, now=mapping.utc_now):
        self.images = images
        self.writer = writer if writer is not None else GlanceWriter(images)
        self._project_id = project_id
        self.all_projects = all_projects
        self.policy = policy or ImportPolicy()
        self.cache = cache if cache is not None else MemoryCache()
        self.shared_lock = bool(getattr(self.cache, 'shared', False)
                                if shared_lock is None else shared_lock)
        self.progress = ProgressStore(self.cache, clock=clock)
        self.slots = slots if slots is not None else PROCESS_SLOTS
        self.http_session = http_session
        self.sleep = sleep
        self.clock = clock
        self.now = now
        #: images whose background transfer has its slot (see start())
        self._reserved = set()
        #: streamed images this engine created, as read back after their
        #: election: their transfer starts from that, not another read
        self._fresh = {}

    @classmethod
    def dry_run(cls, images, **options):
        """An importer that decides as a real one and writes nothing: its
        ``writer`` is a :class:`~.writer.RecordingWriter` whose
        ``actions`` list what it would have done."""
        writer = RecordingWriter(images)
        return cls(writer.images, writer=writer, **options)

    @property
    def project_id(self):
        """The importing project (owner of the images it creates)."""
        if self._project_id is None:
            self._project_id = getattr(self.images, 'project_id', None)
        return self._project_id

    def _ours(self, image):
        owner = image.get('owner')
        return owner is not None and owner == self.project_id

    def _manages(self, image):
        """May this importer change or delete *image* (verify, deactivate,
        delete as a duplicate)?  Its own project's images only, or any
        image for the reconciler (*all_projects*)."""
        return self._ours(image) or (self.all_projects
                                     and image.get('owner') is not None)

    def start(self, verdict, name=None, visibility='private', members=(),
              marketplace_url=None, properties=None, background=False):
        """Start importing the entry of *verdict*; an :class:`ImportStatus`.

        Raises :class:`ImportRefused` (policy, unusable entry) or
        :class:`GlanceError` (e.g. :class:`GlanceForbidden` when Glance
        policy forbids creating images).  For the streamed method the
        caller then runs :meth:`transfer` (in a thread or in the
        foreground).  *properties*: extra image properties, checked with
        :func:`~.mapping.check_properties`.  *background*: the caller will
        run a streamed transfer with :meth:`transfer_in_background`; its
        slot (``max_streamed_transfers`` per process) is taken here,
        before any image is created (the import is refused when none is
        free), and given back when no transfer is needed (an existing
        image).

        The image is created private: the requested *visibility* and
        *members* are recorded (``marketplace_visibility``,
        ``marketplace_members``...) and applied by :meth:`verify` once
        the stored data matched, by whichever worker verifies it; an image
        is never shared before it is verified.
        """
        level = check_policy(verdict, self.policy)
        extra = mapping.check_properties(properties)
        appliance = verdict.appliance
        hashes = mapping.endorsed_hashes(appliance)
        check_request(visibility, members, hashes, appliance.bytes)
        key = mapping.dedupe_key(hashes)
        found = self.listed(appliance.identifier, key)
        own = self.oldest_live_import(found, appliance.identifier, key)
        if own:
            status = self.existing_status(own)
            if status.state != 'failed':
                if request_unapplied(own, visibility, members):
                    status.reasons.append(
                        'This project already imported this entry as image '
                        '%s (visibility %s): the visibility "%s"%s asked '
                        'for now was not applied; change it with Glance\'s '
                        'image edit (Horizon\'s Edit Image, or openstack '
                        'image set).' % (own['id'], own.get('visibility'),
                                         visibility, ' and the members'
                                         if members else ''))
                return status
        shared = self.shared_copy(found, appliance)
        if shared is not None:
            return self.shared_copy_status(shared)
        chosen = plan.choose_method(appliance, self.images.import_methods(),
                                    self.policy)
        props = dict(extra)
        props.update(mapping.image_properties(
            appliance, level, marketplace_url,
            hypervisor_type=self.policy.set_hypervisor_type))
        if chosen.method == plan.WEB_DOWNLOAD:
            chosen = plan.reachable(chosen, self.policy, self.http_session,
                                    self.clock)
        props.update(chosen.properties())
        if chosen.method == plan.GLANCE_DIRECT:
            # the transfer's first heartbeat comes with the image, not in
            # a call of its own before the data (see heartbeat.py)
            props[record.HEARTBEAT] = heartbeat.stamp(self.clock())
        props.update(record.pack_members(members))
        props[record.VISIBILITY] = visibility
        if not (background and chosen.method == plan.GLANCE_DIRECT):
            return self._begin(appliance, key, chosen, props, name)
        # The background transfer's slot is taken before any image exists
        # and handed over to transfer_in_background().
        limit = self.policy.max_streamed_transfers
        if not self.slots.acquire(limit):
            raise ImportRefused(busy(limit))
        try:
            status = self._begin(appliance, key, chosen, props, name)
        except BaseException:
            self.slots.release()
            raise
        if status.existing:  # no transfer to run
            self.slots.release()
        else:
            self._reserved.add(status.image_id)
        return status

    def _begin(self, appliance, key, chosen, props, name):
        """Create the image (or find the concurrent import that won) and
        start Glance's import; the :class:`ImportStatus`."""
        # Dedupe and election are per project: so is the lock.
        lock = self.LOCK_PREFIX + '%s:%s:%s' % (
            self.project_id, appliance.identifier, key[1][:32])
        locked = self.cache.add(lock, self.clock(),
                                self.policy.lock_timeout)
        try:
            if not locked:
                # Someone else is creating it; give them time to appear.
                self.sleep(self.policy.settle)
                own = self.find_live_import(appliance.identifier, key)
                if own:
                    return self.existing_status(own)
            image = self._create(
                name=name or mapping.image_name(appliance),
                disk_format=mapping.disk_format(appliance.format),
                container_format='bare', visibility='private',
                min_disk=mapping.min_disk_gib(appliance.bytes),
                tags=[record.TAG], **props)
            # Holding a shared lock, no other importer sharing it can be
            # creating this entry: elect at once.  Others may still race
            # (CLI, another deployment): status() re-elects lazily.
            winner = self.elect(image, appliance.identifier, key,
                                settle=not (locked and self.shared_lock))
            if winner['id'] != image['id']:
                return self.existing_status(winner)
        finally:
            if locked:
                self.cache.delete(lock)
        if chosen.method == plan.WEB_DOWNLOAD:
            self.offer_web_download(image, chosen)
        status = self._status(image['id'], None, elect=False)
        if chosen.method == plan.GLANCE_DIRECT and status.image is not None \
                and status.state != 'failed':
            self._fresh[image['id']] = status.image
        return status

    def _create(self, attempts=3, **props):
        """Create the image, retrying server errors (e.g. a busy database).

        Glance may fail *after* storing part of an image; each call is
        marked with a unique ``marketplace_import_token`` so that such
        leftovers of ours are found and deleted before retrying or giving
        up (never anyone else's image).
        """
        token = uuid.uuid4().hex
        props[record.IMPORT_TOKEN] = token
        for attempt in range(1, attempts + 1):
            try:
                return self.writer.create(**props)
            except GlanceError as e:
                for orphan in self.images.find(
                        **{record.IMPORT_TOKEN: token}):
                    LOG.info('Deleting %s, left by a failed create',
                             orphan['id'])
                    self.writer.delete(orphan['id'])
                if attempt == attempts or not (e.status or 0) >= 500:
                    raise
                LOG.info('Glance failed to create an image (%s); retrying',
                         e)
                self.sleep(attempt)

    def wait(self, image_id, timeout=3600, interval=2.0):
        """Poll :meth:`status` until the import is done or *timeout*.

        A ``duplicate`` is followed: the status returned is the winner's.
        """
        deadline = self.clock() + timeout
        while True:
            status = self.status(image_id)
            if status.state == 'duplicate' and self.clock() < deadline:
                image_id = status.duplicate_of
                continue
            if status.done:
                return status
            if self.clock() >= deadline:
                status.reasons.append('Still %s after %d s.'
                                      % (status.state, timeout))
                return status
            self.sleep(interval)
