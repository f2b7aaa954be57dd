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

"""Stage 4b of an import: offering the data's location to Glance's
``web-download``.

Glance filters the URLs it downloads (``[import_filtering_opts]``: by
default only ports 80 and 443, no private addresses) and refuses the
import call with HTTP 400 ("URI for web-download does not pass
filtering").  :meth:`WebDownloadOffer.offer_web_download` then offers the
entry's next http(s) location before giving the import up; the message
says which locations Glance refused and why.  Any other refusal is final:
a URL Glance refuses is never streamed from here instead.
"""

import logging

from marketplace_dashboard.core.errors import (
    GlanceError,
    GlanceForbidden,
    ImportFailed,
)
from marketplace_dashboard.core.imports import mapping, record

__all__ = ['WebDownloadOffer', 'filtered']

LOG = logging.getLogger(__name__)


def filtered(error):
    """True when *error* (:class:`GlanceError`) is Glance refusing a
    web-download URL for its URL filtering."""
    return (error.status or 0) == 400 and 'filter' in str(error).lower()


def _said(error):
    return str(error).rstrip('.') + '.'


class WebDownloadOffer:
    """The web-download stage of :class:`~.importer.Importer`."""

    def offer_web_download(self, image, chosen):
        """Ask Glance to download *chosen* (a web-download
        :class:`~.plan.Plan`) into *image*, to the configured stores; a
        location Glance's filter refuses gives way to the plan's next
        ``alternates``.  On failure, delete the image (else mark it
        failed) and raise :class:`ImportFailed`."""
        stores = self.policy.glance.stores
        refused = []
        sources = ((chosen.url, chosen.compression),) + tuple(
            chosen.alternates)
        for number, (url, compression) in enumerate(sources):
            try:
                if number:  # the record says where the data came from
                    self.writer.update(image['id'], **record.pack_sources(
                        ((url, compression),)))
                self.writer.web_download(image['id'], url, stores=stores)
                if refused:
                    LOG.info('Glance refused %s; imports %s of image %s',
                             ', '.join(u for u, _ in refused), url,
                             image['id'])
                return
            except GlanceError as e:
                if filtered(e) and number + 1 < len(sources):
                    refused.append((url, _said(e)))
                    continue
                self._refused(image, url, e, refused)

    def _refused(self, image, url, error, refused):
        """Give the import up: Glance refused *url* with *error* (and
        the *refused* ``(url, why)`` before it)."""
        reason = 'Glance %s the web-download of %s: %s' % (
            'refused' if 400 <= (error.status or 0) < 500
            else 'could not start', url, _said(error))
        if refused:
            reason = ('Glance refused every location of the entry; %s '
                      'Before: %s' % (reason, ' '.join(
                          '%s: %s' % pair for pair in refused)))
        deleted = self.try_delete(image['id'])
        if not deleted:  # marked failed: never reused
            self.record_import_error(image['id'], mapping.clip(reason))
        if isinstance(error, GlanceForbidden):
            raise error
        raise ImportFailed('%s %s' % (reason, (
            'The image was deleted.' if deleted else
            'The image %s could not be deleted: delete it '
            'yourself.' % image['id']))) from None
