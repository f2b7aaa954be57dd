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

"""Stage 9 of an import: taking back what must not be used.

An image whose data does not match is made unusable whatever it takes
(deactivated, else deleted, else hidden) and the reason recorded; a
streamed import that fails is deleted and remembered in the project's
list of failed imports (the Imports view shows it after a reload).  Also
the lifecycle of an imported image: deactivate and hide on request, and
the ``expired``/``deprecated``/``replaced`` flags of its entry.
"""

import logging

from marketplace_dashboard.core.errors import (
    GlanceError,
    GlanceNotFound,
    ImportFailed,
)
from marketplace_dashboard.core.i18n import _
from marketplace_dashboard.core.imports import mapping, record
from marketplace_dashboard.core.imports.policy import verdict_level
from marketplace_dashboard.core.imports.status import ImportStatus

__all__ = ['MAX_FAILURES', 'Withdrawal', 'lifecycle_flags']

LOG = logging.getLogger(__name__)

#: failed imports remembered per project
MAX_FAILURES = 20


def lifecycle_flags(image, verdict, now=None):
    """``expired``/``deprecated``/``replaced`` flags of an imported image.

    *verdict* is the current verdict of the image's marketplace entry.
    ``replaced``: the entry now carries a newer endorsement than the one
    the image was imported from.
    """
    now = now or mapping.utc_now()
    appliance = verdict.appliance
    flags = []
    level = verdict_level(verdict)
    if level == 'expired' or (appliance.valid and appliance.valid < now):
        flags.append('expired')
    if level == 'deprecated' or appliance.deprecated:
        flags.append('deprecated')
    recorded = image.get(record.ENDORSED_AT)
    current = mapping.iso(appliance.endorsement.created)
    if recorded and current and current > recorded:
        flags.append('replaced')
    return flags


class Withdrawal:
    """The withdrawal stage of :class:`~.importer.Importer`."""

    FAILED_PREFIX = 'marketplace-import-failed:'
    MAX_FAILURES = MAX_FAILURES

    def _withdraw_mismatch(self, image, reason):
        """Withdraw *image*, whose data does not match (*reason*), and
        record why; its ``failed`` status."""
        image_id = image['id']
        method = image.get(record.IMPORT_METHOD)
        # Unusable first, whatever happens to the record of why.
        LOG.warning('Withdrawing image %s: %s', image_id, reason)
        before = image
        image, note = self.withdraw(image_id)
        if image is not None:
            try:
                image = self.writer.update(
                    image_id, **{record.VERIFICATION_ERROR: reason})
            except GlanceError as e:  # the next check finds it again
                LOG.warning('Cannot record why image %s was withdrawn: %s',
                            image_id, e)
        reasons = [reason] + ([note] if note else [])
        if image is None or image.get('status') == 'active':
            # Deleted, or (hidden) still there: remembered for the Imports
            # view whatever Glance lists.
            self.progress.update(image_id, 0, 0, state='failed', force=True,
                                 reason=' '.join(reasons))
            self.remember_failure(before, ' '.join(reasons))
        return ImportStatus(image_id, 'failed', reasons=reasons,
                            method=method, image=image)

    def withdraw(self, image_id):
        """Make a mismatching active image unusable, whatever it takes.

        Deactivated if Glance allows it, else deleted, else hidden
        (``os_hidden``, its ``marketplace_verification_error`` kept); never
        left usable silently.  ``(image or None if deleted, note)``.
        """
        try:
            self.deactivate(image_id)
            return self.images.get(image_id), None
        except (ImportFailed, GlanceError) as e:
            refused = str(e)
        LOG.warning('Deleting image %s instead: %s', image_id, refused)
        try:
            self.writer.delete(image_id)
            return None, (_('Glance refused to deactivate it, so it was '
                            'deleted (%(error)s)') % {'error': refused})
        except GlanceError as e:
            refused = '%s; %s' % (refused, e)
        LOG.error('Image %s does not match its endorsed metadata and can be '
                  'neither deactivated nor deleted: %s', image_id, refused)
        try:
            image = self.writer.update(image_id, os_hidden=True)
            return image, (_('Glance refused to deactivate and to delete '
                             'it: it was hidden (os_hidden) and must not be '
                             'used; ask your cloud administrator to delete '
                             'it (%(error)s)') % {'error': refused})
        except GlanceError as e:
            refused = '%s; %s' % (refused, e)
        try:
            image = self.images.get(image_id)
        except GlanceError:
            image = None
        return image, (_('Glance refused to deactivate, delete and hide it: '
                         'it is still active and must not be used; ask your '
                         'cloud administrator to delete it (%(error)s)')
                       % {'error': refused})

    def hide(self, image_id):
        """Hide an image from default listings (``os_hidden``)."""
        self.writer.update(image_id, os_hidden=True)

    def deactivate(self, image_id):
        """Deactivate an image (running servers keep working)."""
        try:
            self.writer.deactivate(image_id)
        except GlanceError as e:
            image = self.images.get(image_id)
            if image.get('status') != 'deactivated':
                raise ImportFailed('Cannot deactivate image %s: %s'
                                   % (image_id, e)) from None

    def try_delete(self, image_id):
        """Delete an image of ours; a failure is logged, not raised.
        True when deleted."""
        try:
            self.writer.delete(image_id)
        except GlanceError as e:
            LOG.warning('Could not delete image %s: %s', image_id, e)
            return False
        return True

    def fail_transfer(self, image_id, reason, total=0, image=None):
        """End a streamed import: record *reason*, delete the image (best
        effort) and raise :class:`ImportFailed`.

        The reason goes to the progress record (any worker's
        :meth:`status` reports it, even once the image is gone) and to the
        project's list of failed imports (:meth:`failed_imports`), which
        the Imports view shows as rows after a reload.  An image already
        gone because a concurrent import of the entry won (another
        worker, the CLI or the reconciler deleted it as a younger
        duplicate: see :meth:`deleted_as_duplicate`) is no failure: its
        ``duplicate`` status is returned.  *image*: what the transfer read
        of it.
        """
        try:
            image = self.images.get(image_id)
        except GlanceNotFound:
            duplicate = self.deleted_as_duplicate(image_id, image)
            if duplicate is not None:
                return duplicate
        except GlanceError:
            pass
        image = image or {'id': image_id}
        LOG.warning('Import of %s failed: %s', image_id, reason)
        self.progress.update(image_id, 0, total, state='failed', force=True,
                             reason=reason)
        deleted = self.try_delete(image_id)
        self.remember_failure(image, reason)
        reason = reason.rstrip('.')
        raise ImportFailed(
            (_('%(reason)s. The image was deleted.') if deleted else
             _('%(reason)s. The image could not be deleted: delete it '
               'yourself.')) % {'reason': reason})

    def remember_failure(self, image, reason):
        """Add a failed import to the project's list (best effort: the
        cache's ``add`` serialises writers for a moment)."""
        project = image.get('owner') or self.project_id
        if not project:
            return
        failure = {'id': image['id'], 'name': image.get('name'),
                   'reason': reason, 'failed_at': mapping.iso(self.now()),
                   'created_at': image.get('created_at')}
        failure.update(record.ImageRecord(image).provenance())
        key = self.FAILED_PREFIX + project
        lock = key + ':lock'
        locked = False
        for _attempt in range(20):
            locked = self.cache.add(lock, 1, 5)
            if locked:
                break
            self.sleep(0.05)
        try:
            failures = [r for r in self.cache.get(key) or ()
                        if r.get('id') != image['id']]
            failures.append(failure)
            self.cache.set(key, failures[-self.MAX_FAILURES:],
                           self.progress.timeout)
        finally:
            if locked:  # never another worker's lock
                self.cache.delete(lock)

    def failed_imports(self):
        """This project's recently failed imports (``dict`` records with
        ``id``, ``name``, ``reason``, ``failed_at``...), oldest first;
        their images are usually gone."""
        if not self.project_id:
            return []
        return list(self.cache.get(self.FAILED_PREFIX + self.project_id)
                    or ())

    def failed_import(self, image_id):
        """The :meth:`failed_imports` record of *image_id*, or None."""
        return next((r for r in self.failed_imports()
                     if r.get('id') == image_id), None)
