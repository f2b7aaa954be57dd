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

"""Stage 5 of an import: the streamed path (``glance-direct``).

The data is downloaded from the recorded sources, decompressed and hashed
in one pass while it is staged into Glance (:mod:`.stream`, read ahead in
a thread of its own by :mod:`.readahead`), and imported only when its size
and every endorsed hash match.  In a web worker the transfer runs in a
background thread that holds one of the process's transfer slots
(:mod:`.progress`), then follows Glance's import until it is verified.
"""

import functools
import logging
import threading

from marketplace_dashboard.core import formats
from marketplace_dashboard.core.errors import (
    GlanceError,
    ImageDataError,
    ImportFailed,
    ImportRefused,
    MarketplaceError,
    TransferError,
)
from marketplace_dashboard.core.imports import (
    heartbeat,
    inspection,
    mapping,
    plan,
    record,
    stream,
)
from marketplace_dashboard.core.imports.heartbeat import Heartbeat
from marketplace_dashboard.core.imports.progress import busy
from marketplace_dashboard.core.imports.readahead import ReadAhead
from marketplace_dashboard.core.imports.status import ImportStatus

__all__ = ['FOLLOW_INTERVAL', 'StreamedTransfer']

LOG = logging.getLogger(__name__)

#: seconds between the checks of a streamed import's own thread once
#: Glance imports the staged data
FOLLOW_INTERVAL = 2.0


def _mismatch(reason):
    return 'Image data does not match the endorsed metadata: %s' % reason


class StreamedTransfer:
    """The streamed transfer stage of :class:`~.importer.Importer`."""

    def transfer(self, image_id):
        """Run the streamed import of *image_id* in this thread.

        Downloads from ``marketplace_source_url`` (or, when that cannot
        be downloaded, the next of its recorded sources), decompresses,
        hashes and stages in one pass, then imports with ``glance-direct``
        only if size and every endorsed hash match; otherwise deletes the
        image and raises :class:`ImportFailed`.  Returns the
        :class:`ImportStatus`.
        """
        status = self._stage(image_id)
        return status if status is not None else self._check_imported(
            image_id)

    def _stage(self, image_id):
        """:meth:`transfer` up to Glance accepting the ``glance-direct``
        import: then None (from there on the import is Glance's, and
        nothing here fails it or deletes the image); else the status that
        ended it (not a streamed import, a duplicate)."""
        # the image as start() read it back, if this engine created it
        image = self._fresh.pop(image_id, None) or self.images.get(image_id)
        if image.get(record.IMPORT_METHOD) != plan.GLANCE_DIRECT:
            return self.status(image_id)
        # Until Glance accepts the import, every process can tell that
        # this one is alive (see heartbeat.py); a heartbeat written with
        # the image moments ago need not be written again first.
        interval = self.policy.heartbeat_interval
        with Heartbeat(image_id, functools.partial(self.writer.update,
                                                   image_id),
                       interval, self.clock,
                       first=not heartbeat.recent(image, self.clock(),
                                                  interval)):
            return self._stage_data(image_id, image)

    def _stage_data(self, image_id, image):
        """:meth:`_stage` of a streamed import, its heartbeat beating."""
        held = record.ImageRecord(image)
        checksums = {formats.marketplace_hash_name(name): held.hash(name)
                     for name in mapping.STRENGTH if held.hash(name)}
        total = int(image[record.BYTES])
        report = self.progress.callback(image_id)
        self.progress.update(image_id, 0, total, force=True)
        # Glance's own algorithm is hashed in the same pass, so that its
        # os_hash_value can be checked even when the entry does not
        # endorse that algorithm (see verify.integrity_problems).
        glance_algo = self.policy.glance_hash_algo
        errors = []
        for url, compression in held.sources:
            try:
                data = stream.stream_image(
                    url, checksums, total, compression=compression,
                    progress=report, session=self.http_session,
                    verify=self.policy.verify_tls, extra=(glance_algo,),
                    rules=self.policy.download_filter)
                break
            except (TransferError, ImageDataError) as e:
                LOG.info('Streamed import of %s: %s', image_id, e)
                errors.append(str(e))
        else:  # no source could be read: nothing was compared
            return self.fail_transfer(
                image_id, 'Cannot download the image data: %s'
                % '; '.join(errors), total, image)
        with data:
            try:  # the format of the first bytes, before any is staged
                staged, refusal = inspection.screen(
                    data, held.source_format or image.get('disk_format'))
            except (TransferError, ImageDataError):
                staged, refusal = None, _mismatch(
                    '; '.join(data.mismatches()))
            if refusal:
                return self.fail_transfer(image_id, refusal, total, image)
            try:
                # downloading (and hashing) in a thread of its own while
                # this one uploads: see readahead
                with ReadAhead(staged, name='readahead-%s' % image_id) as up:
                    self.writer.stage(image_id, up)
            except GlanceError as e:
                if data.error is not None:  # the data stopped the upload
                    return self.fail_transfer(
                        image_id, _mismatch('; '.join(data.mismatches())),
                        total, image)
                return self.fail_transfer(
                    image_id, 'Glance could not stage the image data: %s'
                    % e, total, image)
            except (TransferError, ImageDataError):
                pass  # recorded in data.error, reported below
            except Exception as e:  # the upload wraps reader errors
                if data.error is None:
                    raise
                LOG.debug('staging stopped: %s', e)
            self.progress.update(image_id, data.done, total,
                                 state='verifying', force=True)
            problems = data.mismatches()
            streamed = data.digest(glance_algo)
        if problems:
            return self.fail_transfer(image_id, _mismatch('; '.join(problems)),
                                      total, image)
        try:
            # Recorded only now that every endorsed checksum matched:
            # what Glance converts (if it does) is the endorsed bytes.
            self.writer.update(image_id, **{
                record.streamed_property(glance_algo): streamed,
                record.STAGED_MATCH: ','.join(
                    name for name in mapping.STRENGTH if held.hash(name))})
            self.writer.glance_direct(image_id,
                                      stores=self.policy.glance.stores)
        except GlanceError as e:
            return self.fail_transfer(image_id, 'Glance could not import '
                                      'the staged image: %s' % e, total,
                                      image)
        try:
            self.progress.update(image_id, total, total, state='importing',
                                 force=True)
        except Exception:
            LOG.exception('Cannot record the progress of %s', image_id)
        return None

    def _check_imported(self, image_id):
        """The status of an image whose ``glance-direct`` import Glance
        accepted.  Its check failing (Glance unreachable for a moment, the
        cache...) never fails the import: the status is ``importing`` with
        the reason, and the next look checks again."""
        try:
            return self.status(image_id)
        except Exception as e:
            if isinstance(e, MarketplaceError):
                LOG.warning('Cannot check the import of %s: %s', image_id, e)
            else:
                LOG.exception('Checking the import of %s crashed', image_id)
            reason = ('Glance is importing the image; its status could not '
                      'be checked (%s) and is checked again on the next '
                      'look.' % (e if isinstance(e, MarketplaceError)
                                 else type(e).__name__))
            try:
                progress = self.progress.get(image_id) or {}
                self.progress.update(image_id, progress.get('done', 0),
                                     progress.get('total', 0),
                                     state='importing', force=True,
                                     reason=reason)
            except Exception:
                LOG.exception('Cannot record the progress of %s', image_id)
            return ImportStatus(image_id, 'importing',
                                method=plan.GLANCE_DIRECT, reasons=[reason])

    def _follow(self, image_id):
        """After ``glance-direct``, in the background thread: check the
        image (:meth:`status`, with the importing user's token) until it
        is verified -- and given the visibility asked for -- or failed, for
        at most ``stall_after`` seconds, so that this happens even when
        nobody is watching."""
        deadline = self.clock() + self.policy.stall_after
        while True:
            status = self._check_imported(image_id)
            if status.done or status.state == 'duplicate' or \
                    self.clock() >= deadline:
                return status
            self.sleep(FOLLOW_INTERVAL)

    def transfer_in_background(self, image_id):
        """Run :meth:`transfer` in a daemon thread; returns the thread.

        For a web worker: the request returns at once and the page polls
        :meth:`status`.  Whatever stops it before Glance accepts the
        ``glance-direct`` import (a mismatch, Glance refusing the stage or
        the import, e.g. an expired token, a crash) ends in the progress
        record (``state`` ``failed`` and ``reason``), which :meth:`status`
        and the Imports view report, and the image is deleted (best
        effort).  Once Glance accepted it, the thread follows the image
        (:meth:`_follow`) and never fails or deletes it.

        At most ``max_streamed_transfers`` run at once in this process
        (:attr:`slots`): ``start(background=True)`` took this transfer's
        slot before creating the image.  Without such a slot and none
        free, :class:`ImportRefused` is raised and the image left as it is.
        """
        limit = self.policy.max_streamed_transfers
        if image_id in self._reserved:
            self._reserved.discard(image_id)
        elif not self.slots.acquire(limit):
            raise ImportRefused(busy(limit))

        def run():
            if self._stage_in_background(image_id):
                try:
                    self._follow(image_id)
                except Exception:  # never a reason to fail the import
                    LOG.exception('Following the import of %s crashed',
                                  image_id)

        thread = threading.Thread(target=run, daemon=True,
                                  name='marketplace-import-%s' % image_id)
        try:
            thread.start()
        except BaseException:
            self.slots.release()
            raise
        return thread

    def release_slot(self, image_id):
        """Give back the slot ``start(background=True)`` took for
        *image_id* when its transfer will not run after all."""
        if image_id in self._reserved:
            self._reserved.discard(image_id)
            self.slots.release()

    def _stage_in_background(self, image_id):
        """:meth:`_stage` in the background thread, its slot given back
        once the data is in Glance; True when Glance accepted the
        ``glance-direct`` import."""
        try:
            return self._stage(image_id) is None
        except ImportFailed as e:  # recorded, image deleted
            LOG.warning('Streamed import of %s failed: %s', image_id, e)
        except Exception as e:
            if isinstance(e, MarketplaceError):
                LOG.warning('Streamed import of %s failed: %s', image_id, e)
                reason = 'The streamed import failed: %s' % e
            else:
                LOG.exception('Streamed import of %s crashed', image_id)
                reason = ('The streamed import failed unexpectedly (%s); see '
                          'the dashboard logs.' % type(e).__name__)
            try:
                self.fail_transfer(image_id, reason)
            except ImportFailed:
                pass
            except Exception:
                LOG.exception('Cannot record the failure of %s', image_id)
        finally:
            self.slots.release()
        return False
