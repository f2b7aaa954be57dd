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

"""Data Glance converted: what can be verified, and how.

With Glance's ``image_conversion`` plugin the stored bytes are not the
endorsed ones (a qcow2 entry is stored raw): Glance's ``size`` and
``os_hash_value`` cannot match the entry.  The streamed path checks the
endorsed bytes before Glance converts them and records so
(``marketplace_staged_match``, :mod:`.transfer`); when the converted image
is first verified, Glance's hash of the stored bytes is recorded
(``marketplace_stored_hash``), so that any later check can still tell if
the stored data changed.  Data nothing here checked before Glance
converted it (a web-download on a Glance the settings did not describe)
cannot be verified: it is reported so, never as tampered.
"""

from marketplace_dashboard.core import formats
from marketplace_dashboard.core.imports import plan, record

__all__ = ['changed_since_verified', 'conversion_problems', 'note',
           'stored_hash', 'unverifiable']


def _conversion(image):
    return '%s to %s' % (image.get(record.SOURCE_FORMAT),
                         image.get('disk_format'))


def unverifiable(image):
    """Why *image*, converted by Glance, cannot be verified against the
    endorsed hashes, or None (not converted, or its endorsed bytes were
    checked before Glance converted them)."""
    held = record.ImageRecord(image)
    if not held.converted or (
            held.import_method == plan.GLANCE_DIRECT and held.staged_match):
        return None
    target = image.get('disk_format')
    return ('Converted by Glance (%s), cannot be verified against the '
            'endorsed hashes: set glance.convert_to = %r in the import '
            'settings (import --glance-convert-to %s) so that the endorsed '
            'bytes are checked before Glance converts them, then import '
            'again.' % (_conversion(image), target, target))


def stored_hash(image):
    """The :data:`~.record.STORED_HASH` value of *image*'s stored data
    (Glance's ``os_hash_algo:os_hash_value``), or None."""
    algo = formats.hashlib_name(image.get('os_hash_algo') or '')
    value = image.get('os_hash_value')
    return '%s:%s' % (algo, value.lower()) if algo and value else None


def changed_since_verified(image):
    """True when Glance's hash of *image*'s stored data is not the one
    recorded when the converted data was verified."""
    recorded = image.get(record.STORED_HASH)
    return bool(recorded) and stored_hash(image) != recorded


def conversion_problems(image, trust_streamed=True):
    """None when *image* was not converted by Glance, else what keeps it
    from being verified (empty: verified before conversion).

    The staged bytes matched every endorsed checksum before Glance
    converted them (recorded by the streamed import, trusted with
    *trust_streamed* only, as in :func:`~.verify.integrity_problems`);
    once verified, Glance's hash of the stored data must still be the
    one recorded then.
    """
    held = record.ImageRecord(image)
    if not held.converted:
        return None
    reason = unverifiable(image)
    if reason:
        return [reason]
    if not trust_streamed:
        return ['Glance converted the data (%s) after its importer checked '
                'it; only its importer\'s record says so'
                % _conversion(image)]
    if not stored_hash(image):
        return ['Glance reports no hash of the converted data']
    if changed_since_verified(image):
        return ['the stored data changed since it was verified (before '
                'Glance converted it, %s): Glance\'s hash is %s, %s '
                'recorded' % (_conversion(image), stored_hash(image)[:24],
                              image[record.STORED_HASH][:24])]
    return []


def note(image):
    """The note of a status verified before Glance converted the data."""
    held = record.ImageRecord(image)
    if not held.converted:
        return []
    return ['Verified before conversion: the %s data matched the endorsed '
            '%s while it was staged; Glance stored it converted to %s.'
            % (held.source_format, ', '.join(held.staged_match),
               image.get('disk_format'))]
