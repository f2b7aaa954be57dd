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

"""Stage 8 of an import: the visibility and members asked for, once the
data is verified.

Images are created private; what the user asked for is recorded
(``marketplace_visibility``, ``marketplace_members``) and applied here,
by the image's owner only, once :mod:`.verify` found the data intact.
"""

import logging

from marketplace_dashboard.core.errors import GlanceError
from marketplace_dashboard.core.imports import mapping, record
from marketplace_dashboard.core.imports.policy import VISIBILITIES

__all__ = ['Publication', 'publish_pending']

LOG = logging.getLogger(__name__)


def publish_pending(image):
    """True when a verified image has yet to get the visibility or members
    requested at import time: neither applied
    (``marketplace_published_at``) nor refused by Glance
    (``marketplace_visibility_error``)."""
    if image.get(record.VERIFIED) != 'true' or image.get(
            record.VISIBILITY_ERROR) or image.get(record.PUBLISHED_AT):
        return False
    asked = record.ImageRecord(image)
    wanted = asked.requested_visibility
    if wanted == 'shared' and asked.members:
        return True
    return wanted != 'private' and image.get('visibility') != wanted


class Publication:
    """The publishing stage of :class:`~.importer.Importer`."""

    def publish(self, status):
        """*status* of a verified image, once the visibility and members
        requested at import time are applied if that is still due
        (:func:`publish_pending`).

        Only ever under the owner's own token: Glance's policy for the
        owner (e.g. ``publicize_image``) is the one that applies, never
        that of an administrator running the reconciler.  The reconciler
        and other projects only verify; the owner's next status check
        (dashboard, ``import --wait``) publishes.
        """
        image = status.image
        if self._ours(image) and publish_pending(image):
            image, note = self._apply_request(image)
            status.image = image
            if note:
                status.reasons.append(note)
        elif image.get(record.VISIBILITY_ERROR):
            status.reasons.append(image[record.VISIBILITY_ERROR])
        return status

    def _apply_request(self, image):
        """Apply the requested visibility and members to a verified image
        of ours; ``(image, note)``.

        Done: ``marketplace_published_at`` is recorded.  Refused or failed
        by Glance (403 policy, 413 member quota, 5xx...): what Glance did
        not do stays undone (e.g. a shared image without its members) and
        ``marketplace_visibility_error`` says why; it is not tried again
        (change the visibility with Glance's image edit).  When even that
        record fails, the publish stays pending and the next status check
        tries again.
        """
        asked = record.ImageRecord(image)
        wanted = asked.requested_visibility
        note = None
        if wanted not in VISIBILITIES:
            note = 'Unknown requested visibility %r: the image stays %s.' \
                % (wanted, image.get('visibility'))
        else:
            try:
                if image.get('visibility') != wanted:
                    image = self.writer.update(image['id'],
                                               visibility=wanted)
                if wanted == 'shared' and asked.members:
                    self.writer.add_members(image['id'], asked.members)
            except GlanceError as e:
                LOG.warning('Verified image %s cannot be made %s: %s',
                            image['id'], wanted, e)
                note = ('The image is verified, but the requested visibility '
                        '"%s" could not be applied: %s' % (wanted, e))
        done = {record.VISIBILITY_ERROR: mapping.clip(note)} if note else \
            {record.PUBLISHED_AT: mapping.iso(self.now())}
        try:
            image = self.writer.update(image['id'], **done)
        except GlanceError as e:
            LOG.warning('Cannot record the publication of image %s (tried '
                        'again on the next check): %s', image['id'], e)
        return image, note
