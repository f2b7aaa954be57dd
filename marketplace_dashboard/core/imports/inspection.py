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

"""Format safety of what the streamed path stages.

Glance (>= 30, ``[image_format] require_image_format_match``) refuses data
whose content is not the declared ``disk_format``, qcow2 with a backing
file or an external data file, and VMDK types other than monolithicSparse
and streamOptimized.  :func:`screen` applies the same inspector
(``oslo_utils.imageutils.format_inspector``) to the first
:data:`HEADER_BYTES` of the (decompressed) data before anything is
staged, and refuses with the reason.  Only that header region is held
in memory; the rest of the data goes to Glance as it comes, untouched.
A format whose checks need data beyond the header (a streamOptimized
VMDK's footer) is left to Glance's own inspection.
"""

import io
import logging

from oslo_utils.imageutils import format_inspector

__all__ = ['HEADER_BYTES', 'MISMATCH', 'Prefixed', 'problem', 'screen']

LOG = logging.getLogger(__name__)

#: bytes inspected before staging: a VMDK descriptor may take 1 MiB
#: after its 512-byte header; ISO and VHDX headers lie within 1 MiB
HEADER_BYTES = 2 * 1024 * 1024

#: the refusal of data that is not in the format the entry says
MISMATCH = 'the entry says %s but the data is %s'
#: what a failed safety check means, in the words of the refusal
_CHECKS = {
    'backing_file': 'qcow2 with a backing file is refused',
    'data_file': 'qcow2 with an external data file is refused',
    'unknown_features': 'qcow2 with unknown features is refused',
    'version': 'this qcow2 version is refused',
    'descriptor': 'unsafe VMDK type or descriptor is refused',
    'footer': 'VMDK with an invalid footer is refused',
}
#: detected "formats" that are raw data to Glance (a partition table)
_RAW_ALIKE = ('gpt',)


def _eat(prefix, complete):
    inspectors = {}
    for name, cls in format_inspector.ALL_FORMATS.items():
        inspector = cls()
        try:
            inspector.eat_chunk(prefix)
            if complete:
                inspector.finish()
        except Exception as e:  # a format whose parser the data breaks
            LOG.debug('Inspector %s does not match: %s', name, e)
            continue
        inspectors[name] = inspector
    return inspectors


def _detected(inspectors):
    return sorted(name for name, i in inspectors.items()
                  if name != 'raw' and name not in _RAW_ALIKE
                  and i.complete and i.format_match)


def problem(prefix, disk_format, complete=False):
    """Why data starting with *prefix* (all of it when *complete*) must
    not be staged as *disk_format*, or None."""
    if format_inspector.get_inspector(disk_format) is None:
        return None  # a format Glance does not inspect either (ploop...)
    inspectors = _eat(bytes(prefix), complete)
    detected = _detected(inspectors)
    found = ', '.join(detected) or 'raw'
    expected = inspectors.get(disk_format)
    if disk_format == 'raw':
        if detected and detected != ['iso']:
            return MISMATCH % ('raw', found)
        return None
    if expected is None or (expected.complete or complete) and \
            not expected.format_match:
        return MISMATCH % (disk_format, found)
    if not expected.complete:
        return None  # checked by Glance on the whole data
    try:
        expected.safety_check()
    except format_inspector.SafetyCheckFailed as e:
        return '; '.join(
            _CHECKS.get(name, '%s refused by the format safety check (%s)'
                        % (disk_format, failure))
            for name, failure in sorted(e.failures.items()))
    except format_inspector.ImageFormatError as e:
        return '%s data cannot be safety checked: %s' % (disk_format, e)
    return None


class Prefixed(io.RawIOBase):
    """The file object of *prefix* (already read) followed by the rest of
    *fileobj*; the prefix is handed out as it is, never copied again."""

    def __init__(self, prefix, fileobj):
        super().__init__()
        self._prefix = memoryview(prefix)
        self._rest = fileobj
        self.name = getattr(fileobj, 'name', 'image')

    def readable(self):
        return True

    def readinto(self, buffer):
        if self._prefix:
            count = min(len(buffer), len(self._prefix))
            buffer[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
            return count
        return self._rest.readinto(buffer)


def screen(data, disk_format, limit=HEADER_BYTES):
    """``(fileobj, refusal)``: read the header region of *data* (a
    :class:`~.stream.StreamedImage`) and inspect it as *disk_format*;
    *fileobj* stages the whole data (header included), *refusal* is why
    it must not be staged (None: go on).  Read errors propagate (the
    data records them)."""
    header = bytearray(limit)
    view = memoryview(header)
    filled = 0
    while filled < limit:
        count = data.readinto(view[filled:])
        if not count:
            break
        filled += count
    view.release()
    del header[filled:]
    refusal = problem(header, disk_format, complete=filled < limit)
    if refusal and refusal.startswith(MISMATCH.split('%', 1)[0]):
        # the format is endorsed metadata too
        return None, ('Image data does not match the endorsed metadata: '
                      '%s; refused before staging.' % refusal)
    if refusal:
        return None, 'Refused before staging: %s.' % refusal
    return Prefixed(header, data), None
