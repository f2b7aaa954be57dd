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

"""Stage 6 of an import: where it stands, from what Glance and the
progress records say.

:class:`ImportStatus` is what every stage and the facade report.
:meth:`Status.status` reads the image and its record, moves the state
machine on (``queued`` → ``importing``/``verifying`` → ``active`` or
``failed``; ``duplicate`` when a concurrent import won) and calls the
verification stage once Glance has the data.  Stalls are detected here:
an import whose transfer or Glance task stopped making progress; and dead
transfers (:mod:`.heartbeat`): this project's unverified streamed image
whose transfer has not been heard of for ``dead_after`` seconds is
deleted (:meth:`Status.discard_dead`), so that the entry can be imported
again.
"""

import dataclasses
import logging

from marketplace_dashboard.core import formats
from marketplace_dashboard.core.errors import GlanceError, GlanceNotFound
from marketplace_dashboard.core.i18n import _
from marketplace_dashboard.core.imports import (
    heartbeat,
    mapping,
    plan,
    provenance,
    record,
)

__all__ = ['ImportStatus', 'Status']

LOG = logging.getLogger(__name__)

#: Glance statuses of an image that will never become usable.
_DEAD = ('killed', 'deleted', 'pending_delete', 'deactivated')


@dataclasses.dataclass
class ImportStatus:
    """Where an import stands.

    ``state`` is ``queued``, ``importing``, ``verifying``, ``active``
    (verified, or not a marketplace image), ``failed`` or ``duplicate``
    (a concurrent import of the same entry won: this image was deleted and
    the import goes on as image ``duplicate_of``, whose dict is ``image``
    when known); ``existing`` is true when :meth:`Importer.start` returned
    an image that was already there ("launch it instead").
    """

    image_id: str
    state: str
    verified: bool = False
    reasons: list = dataclasses.field(default_factory=list)
    method: str | None = None
    progress: dict | None = None
    existing: bool = False
    image: dict | None = None
    duplicate_of: str | None = None

    @property
    def done(self):
        return self.state in ('active', 'failed')

    def to_dict(self):
        return {'image_id': self.image_id, 'state': self.state,
                'status': (self.image or {}).get('status'),
                'verified': self.verified, 'reasons': list(self.reasons),
                'method': self.method, 'progress': self.progress,
                'existing': self.existing, 'duplicate_of': self.duplicate_of}


class Status:
    """The status stage of :class:`~.importer.Importer`."""

    def status(self, image_id, image=None):
        """The :class:`ImportStatus` of *image_id* (verifying if due).

        *image*: the image dict when the caller just listed it (saves a
        Glance call).  A marketplace image not yet verified loses to an
        older live image of the same entry (a concurrent import that did
        not share our lock): it is deleted and reported as ``duplicate``.
        """
        return self._status(image_id, image)

    def _status(self, image_id, image, elect=True):
        try:
            image = image if image is not None else self.images.get(image_id)
        except GlanceNotFound:
            return self._missing_status(image_id)
        method = image.get(record.IMPORT_METHOD)
        # Another project's claim to be verified is checked, not believed.
        result = ImportStatus(image_id, 'queued', method=method, image=image,
                              verified=image.get(record.VERIFIED) == 'true'
                              and self._manages(image))
        glance_status = image.get('status')
        error = record.ImageRecord(image).error
        if error or image.get('os_glance_failed_import') or \
                glance_status in _DEAD:
            return self._failed_status(result, error)
        if method == plan.GLANCE_DIRECT and glance_status != 'active':
            progress = self.progress.get(image_id)
            if progress and progress.get('state') == 'failed':
                result.state = 'failed'
                result.progress = progress
                result.reasons.append(progress.get('reason') or
                                      _('The streamed import failed.'))
                return result
        dead = self.discard_dead(image)
        if dead is not None:
            return dead
        if not result.verified and self._manages(image):
            if image.get(record.IDENTIFIER):
                # It may yet be deleted as a younger duplicate, by anyone.
                self.remember_seen(image)
            duplicate = self.reelect(image) if elect else None
            if duplicate:
                return duplicate
        if glance_status == 'active':
            if result.verified and provenance.changed_since_verified(image):
                return self.verify(image)  # converted data changed since
            if result.verified:
                result.state = 'active'
                result.reasons.extend(provenance.note(image))
                return self.publish(result)
            if not image.get(record.IDENTIFIER):
                result.state = 'active'
                return result
            return self.verify(image)
        if method == plan.WEB_DOWNLOAD and glance_status in (
                'queued', 'importing') and self._manages(image):
            failure = self._web_download_failure(image)
            if failure:
                result.state = 'failed'
                result.reasons.append(failure)
                return result
        return self._progress_status(result)

    def _missing_status(self, image_id):
        """The status of an image Glance no longer has."""
        progress = self.progress.get(image_id) or {}
        if progress.get('state') != 'failed':
            duplicate = self.deleted_as_duplicate(image_id)
            if duplicate is not None:
                return duplicate
        return ImportStatus(image_id, 'failed', reasons=[
            progress.get('reason') or
            _('The image no longer exists in Glance.')])

    def _failed_status(self, result, error):
        """*result* of an image that failed as Glance or its record say."""
        image = result.image
        glance_status = image.get('status')
        failed_import = image.get('os_glance_failed_import')
        result.state = 'failed'
        result.verified = False
        if error:
            result.reasons.append(error)
        if failed_import:
            result.reasons.append(_('Glance could not import it into '
                                    'store(s) %(stores)s.')
                                  % {'stores': failed_import})
        if not error:  # a recorded error already has the task's
            result.reasons.extend(self._task_errors(result.image_id))
        if error and glance_status == 'active':
            result.reasons.append(
                _('The image is still active in Glance (hidden) and must '
                  'not be used: ask your cloud administrator to delete it.')
                if image.get('os_hidden') else
                _('The image is still active in Glance and must not be '
                  'used: ask your cloud administrator to delete it.'))
        if not result.reasons:
            result.reasons.append(_('Glance image status is %(status)s.')
                                  % {'status': glance_status})
        return result

    def _progress_status(self, result):
        """*result* of an image on its way, from its progress record."""
        image = result.image
        glance_status = image.get('status')
        progress = self.progress.get(result.image_id) \
            if result.method == plan.GLANCE_DIRECT else None
        result.progress = progress
        if glance_status in ('saving', 'uploading', 'importing'):
            result.state = 'importing'
        stores = image.get('os_glance_importing_to_stores')
        if stores:
            result.reasons.append(_('Glance is importing it into store(s) '
                                    '%(stores)s.') % {'stores': stores})
        if progress and progress.get('state') in ('transferring',
                                                  'verifying', 'importing'):
            result.state = ('verifying' if progress['state'] == 'verifying'
                            else 'importing')
        if self.stalled(image):
            result.state = 'failed'
            result.reasons.append(
                _('The import stalled (no progress for %(seconds)s s); '
                  'delete the image and import again.')
                % {'seconds': self.policy.stall_after})
        return result

    def stopped(self, image):
        """An import that stopped, as only the engine can tell: stalled,
        its transfer failed, or Glance's web-download task failed."""
        return self.stalled(image) or self._transfer_failed(image) or \
            self.silence(image) is not None or (
            image.get(record.IMPORT_METHOD) == plan.WEB_DOWNLOAD
            and image.get('status') in ('queued', 'importing')
            and self._web_download_failure(image) is not None)

    def stalled(self, image):
        """An import that stopped making progress.

        Streamed: no heartbeat for ``stall_after`` seconds (an image being
        uploaded by a worker whose heartbeats we cannot see, e.g. a CLI
        elsewhere, is given the benefit of the doubt).  Web-download: Glance
        left the image ``queued`` that long.  Both: Glance left it
        ``importing`` that long (e.g. it restarted mid-import) -- measured
        from the image's last change or its newest import task's (Glance
        updates the task as it copies data), whichever is later.
        """
        status = image.get('status')
        method = image.get(record.IMPORT_METHOD)
        if method not in plan.METHODS:
            return False
        progress = self.progress.get(image['id']) \
            if method == plan.GLANCE_DIRECT else None
        if status == 'importing':
            last = max(formats.parse_timestamp(image.get('updated_at')),
                       (progress or {}).get('heartbeat', 0))
            if self.clock() - last <= self.policy.stall_after:
                return False
            tasks = self.images.tasks(image['id'])
            if tasks is None:  # Glance cannot tell: not known to be stuck
                return False
            last = max([last] + [formats.parse_timestamp(t.get('updated_at'))
                                 for t in tasks])
            return self.clock() - last > self.policy.stall_after
        if progress:
            last = progress.get('heartbeat', 0)
        elif status == 'queued':
            last = formats.parse_timestamp(image.get('updated_at'))
        else:
            return False
        if status not in ('queued', 'uploading') or (
                progress and progress.get('state') == 'importing'):
            return False
        return self.clock() - last > self.policy.stall_after

    def silence(self, image):
        """Seconds since the streamed transfer of *image* died (no
        heartbeat for more than ``dead_after``), else None."""
        if image.get(record.IMPORT_METHOD) != plan.GLANCE_DIRECT:
            return None
        return heartbeat.silence(image, self.progress.get(image['id']),
                                 self.clock(), self.policy.dead_after)

    def discard_dead(self, image):
        """The ``failed`` status of this project's streamed *image* whose
        transfer died (:meth:`silence`), once deleted; else None.  Never
        another project's image, never a verified one.  The reason goes
        to the progress record and the project's failed imports (the
        Imports view), as for a transfer that failed."""
        quiet = self.silence(image) if self._ours(image) else None
        if quiet is None:
            return None
        image_id = image['id']
        try:
            self.writer.delete(image_id)
            deleted = True
        except GlanceNotFound:  # another worker was quicker
            deleted = True
        except GlanceError as e:
            LOG.warning('Could not delete image %s: %s', image_id, e)
            deleted = False
        reason = heartbeat.dead_reason(image_id, quiet, deleted)
        LOG.warning('%s', reason)
        if not deleted:  # marked failed: never reused
            self.record_import_error(image_id, mapping.clip(reason))
        self.progress.update(image_id, 0, int(image.get(record.BYTES) or 0),
                             state='failed', force=True, reason=reason)
        self.remember_failure(image, reason)
        return ImportStatus(image_id, 'failed', image=image,
                            method=plan.GLANCE_DIRECT, reasons=[reason])

    def _transfer_failed(self, image):
        """A streamed import whose transfer ended in failure (its image
        could not be deleted)."""
        if image.get(record.IMPORT_METHOD) != plan.GLANCE_DIRECT or \
                image.get('status') == 'active':
            return False
        progress = self.progress.get(image['id'])
        return bool(progress) and progress.get('state') == 'failed'

    def _web_download_failure(self, image):
        """Why Glance's web-download of *image* failed, or None.

        Single-store Glance puts an image whose web-download failed back
        to ``queued`` without ``os_glance_failed_import``; only the import
        task says so.  The reason is recorded on the image
        (``marketplace_import_error``) so that the next look is cheap.
        """
        tasks = self.images.tasks(image['id'])
        if not tasks:
            return None
        newest = max(tasks, key=lambda t: (t.get('created_at') or '',
                                           t.get('updated_at') or ''))
        if newest.get('status') != 'failure':
            return None
        reason = mapping.clip(
            _('Glance could not download the image: %(error)s')
            % {'error': newest.get('message') or
               _('its import task failed without a message')})
        self.record_import_error(image['id'], reason)
        return reason

    def record_import_error(self, image_id, reason):
        """Record why Glance failed the import (best effort)."""
        try:
            self.writer.update(image_id, **{record.IMPORT_ERROR: reason})
        except GlanceError as e:
            LOG.info('Cannot record the failure of %s: %s', image_id, e)

    def _task_errors(self, image_id):
        return [_('Glance import task failed: %(error)s')
                % {'error': t.get('message')}
                for t in self.images.tasks(image_id) or ()
                if t.get('status') == 'failure' and t.get('message')]
