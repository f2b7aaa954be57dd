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

"""Is a streamed transfer still alive?

A streamed transfer runs in one process (a dashboard web worker's thread,
or ``marketplace-metadata import``) while any other may look at its image.
The shared place they all read is the image record: while it stages the
data, the transfer writes ``marketplace_heartbeat`` (a UTC timestamp) on
its image every ``heartbeat_interval`` seconds (:class:`Heartbeat`, a
thread, so that a slow mirror does not look dead; never per chunk).  An
image whose transfer has not been heard of for ``dead_after`` seconds
(:func:`silence`: the heartbeat, Glance's ``updated_at`` and the
progress record's heartbeat, whichever is newest) belongs to a process
that died -- a worker restart, an OOM kill -- and the status and election
stages delete it when it is this project's and unverified.
"""

import datetime
import logging
import threading

from marketplace_dashboard.core import formats
from marketplace_dashboard.core.errors import MarketplaceError
from marketplace_dashboard.core.imports import mapping, plan, record

__all__ = ['Heartbeat', 'TRANSFERRING', 'dead_reason', 'recent', 'silence',
           'stamp']

LOG = logging.getLogger(__name__)

#: Glance statuses of a streamed image while this engine moves its data
#: (after ``glance-direct``, ``importing``: Glance's own work).
TRANSFERRING = ('queued', 'saving', 'uploading', 'uploaded')


def stamp(seconds):
    """POSIX *seconds* as the record writes times."""
    return mapping.iso(datetime.datetime.fromtimestamp(seconds,
                                                       datetime.UTC))


def recent(image, now, seconds):
    """True when *image*'s heartbeat was written less than *seconds*
    before *now* (e.g. with the image, by the request that created it)."""
    beat = formats.parse_timestamp(image.get(record.HEARTBEAT))
    return bool(beat) and now - beat < seconds


def silence(image, progress, now, dead_after):
    """Seconds since the streamed transfer of *image* was last heard of
    when that is more than *dead_after*, else None (alive, or not a
    transfer this can tell about: not streamed, verified, past the
    transfer, or no heartbeat ever written, e.g. by an older version).
    *progress*: the image's progress record or None."""
    if image.get(record.IMPORT_METHOD) != plan.GLANCE_DIRECT or \
            image.get('status') not in TRANSFERRING or \
            image.get(record.VERIFIED) == 'true' or \
            not image.get(record.HEARTBEAT):
        return None
    progress = progress or {}
    if progress.get('state') in ('importing', 'failed'):
        return None
    last = max(formats.parse_timestamp(image.get(record.HEARTBEAT)),
               formats.parse_timestamp(image.get('updated_at')),
               progress.get('heartbeat', 0))
    quiet = now - last
    return quiet if quiet > dead_after else None


def dead_reason(image_id, quiet, deleted=True):
    """What the Imports view and the status say of a dead transfer."""
    return ('The transfer of image %s stopped (no heartbeat for %d s): %s'
            % (image_id, quiet, 'it was deleted and the import can start '
               'again.' if deleted else 'it could not be deleted; delete it '
               'and import again.'))


class Heartbeat:
    """Write ``marketplace_heartbeat`` on an image while in the block.

    *write(properties)* updates the image (the engine's writer); the first
    beat is written on entry (unless *first* is false: the image was
    created with one, see ``Importer.start``), then one every *interval*
    seconds from a daemon thread until the block ends.  A beat that cannot
    be written is logged, never a reason to stop the transfer.
    """

    def __init__(self, image_id, write, interval, clock, first=True):
        self.image_id = image_id
        self.write = write
        self.interval = interval
        self.clock = clock
        self.first = first
        self._stop = threading.Event()
        self._thread = None

    def beat(self):
        try:
            self.write(**{record.HEARTBEAT: stamp(self.clock())})
        except MarketplaceError as e:
            LOG.info('Cannot record the heartbeat of %s: %s',
                     self.image_id, e)
        except Exception:
            LOG.exception('Recording the heartbeat of %s crashed',
                          self.image_id)

    def _run(self):
        while not self._stop.wait(self.interval):
            self.beat()

    def __enter__(self):
        if self.first:
            self.beat()
        self._thread = threading.Thread(
            target=self._run, daemon=True,
            name='marketplace-heartbeat-%s' % self.image_id)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False
