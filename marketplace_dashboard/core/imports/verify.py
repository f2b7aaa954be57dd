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

"""Stage 7 of an import: does the data Glance stored match the entry?

:func:`integrity_problems` compares Glance's facts about the stored data
(``size``, ``os_hash_algo``/``os_hash_value``, ``checksum``) with the
endorsed values the record holds; :meth:`Verification.verify` decides
what follows: verified (then published), withdrawn, or left for its owner
to verify.  The writer applies the decision.
"""

import logging
import re

from marketplace_dashboard.core import formats
from marketplace_dashboard.core.errors import GlanceForbidden
from marketplace_dashboard.core.i18n import _
from marketplace_dashboard.core.imports import (
    mapping,
    plan,
    provenance,
    record,
)
from marketplace_dashboard.core.imports.status import ImportStatus

__all__ = ['OWNER_ONLY', 'Verification', 'entry_problems',
           'integrity_problems', 'mismatch']

LOG = logging.getLogger(__name__)

OWNER_ONLY = _('Glance computed a hash the entry does not endorse; only '
               "the image's owner can verify it, against the digest its "
               'streamed import recorded (the Imports view, import --wait).')
MISMATCH = _('Stored data does not match the endorsed metadata: '
             '%(problems)s')


def mismatch(problems):
    """The reason recorded for *problems* (:func:`integrity_problems`)."""
    return mapping.clip(MISMATCH % {'problems': '; '.join(problems)})


def _strongly_endorsed(image):
    """True when the image records an endorsed hash stronger than MD5."""
    return any(image.get(record.hash_property(name))
               for name in mapping.STRENGTH if name != 'md5')


def integrity_problems(image, trust_streamed=True):
    """Differences between Glance's data facts and the endorsed ones.

    Glance's ``os_hash_value`` is compared with the endorsed hash of its
    ``os_hash_algo``.  When the entry does not endorse that algorithm, a
    streamed (``glance-direct``) import is still verifiable: the transfer
    computed Glance's algorithm in the same pass as the endorsed ones and
    recorded it (``marketplace_streamed_<algo>``) only after the bytes
    matched every endorsed checksum, so Glance must have stored exactly
    those bytes.  *trust_streamed* false (an image of another project,
    whose properties its owner wrote) accepts endorsed hashes only.
    Data Glance converted is judged by its provenance
    (:func:`~.provenance.conversion_problems`).
    """
    converted = provenance.conversion_problems(image, trust_streamed)
    if converted is not None:
        return converted
    problems = []
    expected = image.get(record.BYTES)
    if expected is None or str(image.get('size')) != str(expected):
        problems.append(_('size is %(size)s bytes, %(endorsed)s endorsed')
                        % {'size': image.get('size'), 'endorsed': expected})
    algo = formats.hashlib_name(image.get('os_hash_algo') or '')
    known = bool(re.fullmatch(r'[a-z0-9_]{1,32}', algo))
    endorsed = image.get(record.hash_property(algo)) \
        if algo in mapping.STRENGTH and algo != 'md5' else None
    what = _('endorsed')
    if not endorsed and known and trust_streamed and algo != 'md5' \
            and image.get(record.IMPORT_METHOD) == plan.GLANCE_DIRECT \
            and _strongly_endorsed(image):
        endorsed = image.get(record.streamed_property(algo))
        what = _('hashed while streaming the endorsed bytes')
    if not endorsed:
        hint = ''
        streamed = record.ImageRecord(image).streamed_algorithms()
        if streamed and trust_streamed:
            hint = (_(' (the streamed import hashed %(algorithms)s: set the '
                      'import setting glance_hash_algo to Glance\'s '
                      'hashing_algorithm)')
                    % {'algorithms': ', '.join(streamed)})
        problems.append(_('Glance computed %(algorithm)s, which the entry '
                          'does not endorse: cannot verify the stored '
                          'data%(hint)s')
                        % {'algorithm': (algo if known else '') or
                           _('no hash'), 'hint': hint})
    elif (image.get('os_hash_value') or '').lower() != endorsed.lower():
        problems.append(_('%(algorithm)s is %(stored)s…, %(endorsed)s… '
                          '%(what)s')
                        % {'algorithm': algo,
                           'stored': (image.get('os_hash_value') or '')[:16],
                           'endorsed': endorsed[:16], 'what': what})
    md5 = image.get(record.hash_property('md5'))
    if md5 and image.get('checksum') and image['checksum'].lower() != md5:
        problems.append(_('md5 is %(stored)s, %(endorsed)s endorsed')
                        % {'stored': image['checksum'], 'endorsed': md5})
    return problems


def entry_problems(image, appliance):
    """:func:`integrity_problems` of *image* against *appliance*'s own
    endorsed size and hashes (not the ``marketplace_*`` claims of the
    image's owner); streamed hashes are not trusted."""
    facts = {k: v for k, v in image.items()
             if not record.is_record_property(k)}
    facts[record.BYTES] = str(appliance.bytes)
    facts.update((record.hash_property(name), value) for name, value
                 in mapping.endorsed_hashes(appliance).items())
    return integrity_problems(facts, trust_streamed=False)


class Verification:
    """The verification stage of :class:`~.importer.Importer`."""

    def verify(self, image):
        """Compare an active image with its endorsed size and hashes.

        Match: ``marketplace_verified=true`` (+ ``_verified_at``) is
        recorded, then -- by the image's owner only -- the visibility and
        members requested at import time are applied (:meth:`publish`).
        Mismatch: the image is withdrawn (:meth:`withdraw`) and
        ``marketplace_verification_error`` records why.  Idempotent; safe
        to run from any worker.

        Only the owner trusts the digest its own streamed transfer
        recorded (``marketplace_streamed_<algo>``, see
        :func:`integrity_problems`); anyone else, the reconciler included,
        goes by Glance's facts against the endorsed values, and leaves an
        image only its owner can verify that way as it is (``verifying``).
        An image this importer does not manage (another project's) is
        checked and reported, never written to.
        """
        image_id = image['id']
        method = image.get(record.IMPORT_METHOD)
        unverifiable = provenance.unverifiable(image)
        if unverifiable:  # converted unchecked: not tampered, not verified
            return ImportStatus(image_id, 'failed', method=method,
                                image=image, reasons=[unverifiable])
        own = self._ours(image)
        problems = integrity_problems(image, trust_streamed=own)
        if problems and not own and not integrity_problems(image):
            return ImportStatus(image_id, 'verifying', method=method,
                                image=image, reasons=[OWNER_ONLY])
        if not self._manages(image):
            if not problems:
                return ImportStatus(image_id, 'active', verified=True,
                                    method=method, image=image)
            return ImportStatus(
                image_id, 'failed', method=method, image=image, reasons=[
                    _('%(mismatch)s (not your image: ask its owner to '
                      'deactivate it)') % {'mismatch': mismatch(problems)}])
        if not problems:
            return self.publish(self._mark_verified(image))
        return self._withdraw_mismatch(image, mismatch(problems))

    def _mark_verified(self, image):
        """Record that *image*'s data matched; its status."""
        verified = {record.VERIFIED: 'true',
                    record.VERIFIED_AT: mapping.iso(self.now())}
        held = record.ImageRecord(image)
        if held.converted:
            verified[record.VERIFIED_BEFORE_CONVERSION] = 'true'
            verified[record.STORED_HASH] = provenance.stored_hash(image)
        try:
            image = self.writer.update(image['id'], **verified)
        except GlanceForbidden:
            image = dict(image, **verified)
        return ImportStatus(image['id'], 'active', verified=True,
                            method=image.get(record.IMPORT_METHOD),
                            image=image, reasons=provenance.note(image))

