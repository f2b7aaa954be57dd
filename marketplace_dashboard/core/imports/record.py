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

"""The record of an import that Glance keeps for us on the image.

Every piece of an import's state lives on its Glance image, as extra
properties named ``marketplace_*`` and the tag ``marketplace``, so that any
worker (a dashboard process, the CLI, the reconciler) can advance it or
report it.  This module is the one place those names are spelled: the
engine, the Horizon layer and the CLI use its constants and
:class:`ImageRecord`, never a literal.
"""

import dataclasses

__all__ = [
    'BYTES', 'COMPRESSION', 'ENDORSED_AT', 'ENDORSER', 'HEARTBEAT',
    'IDENTIFIER',
    'IMPORT_ERROR', 'IMPORT_METHOD', 'IMPORT_TOKEN', 'ImageRecord',
    'MAX_MIRRORS', 'MEMBERS', 'PREFIX', 'PUBLISHED_AT', 'SOURCE_FORMAT',
    'SOURCE_URL', 'STAGED_MATCH', 'STORED_HASH', 'STREAMED_PREFIX', 'TAG',
    'URL', 'VALID_UNTIL', 'VERDICT', 'VERIFICATION_ERROR', 'VERIFIED',
    'VERIFIED_AT', 'VERIFIED_BEFORE_CONVERSION', 'VISIBILITY',
    'VISIBILITY_ERROR', 'compression_property', 'hash_property',
    'is_record_property', 'pack_members', 'pack_sources',
    'source_url_property', 'streamed_property', 'unpack_members',
    'unpack_sources',
]

#: The Glance tag of every image this engine imports.
TAG = 'marketplace'
#: The prefix of every property of the record.
PREFIX = 'marketplace_'

#: Provenance (from the entry, see ``mapping.image_properties``).
URL = PREFIX + 'url'
IDENTIFIER = PREFIX + 'identifier'
ENDORSER = PREFIX + 'endorser'
ENDORSED_AT = PREFIX + 'endorsed_at'
VALID_UNTIL = PREFIX + 'valid_until'
VERDICT = PREFIX + 'verdict'
#: Endorsed size; the endorsed hashes are :func:`hash_property`.
BYTES = PREFIX + 'bytes'
#: How it is imported (``web-download`` or ``glance-direct``).
IMPORT_METHOD = PREFIX + 'import_method'
#: Marks one create call (leftovers of a failed create are ours).
IMPORT_TOKEN = PREFIX + 'import_token'
#: When the streamed transfer last said it is alive (see heartbeat.py).
HEARTBEAT = PREFIX + 'heartbeat'
#: Where the data comes from; mirrors are :func:`source_url_property`.
SOURCE_URL = PREFIX + 'source_url'
COMPRESSION = PREFIX + 'compression'
#: What was asked for, applied once verified.
VISIBILITY = PREFIX + 'visibility'
MEMBERS = PREFIX + 'members'
#: Outcomes.
VERIFIED = PREFIX + 'verified'
VERIFIED_AT = PREFIX + 'verified_at'
VERIFICATION_ERROR = PREFIX + 'verification_error'
IMPORT_ERROR = PREFIX + 'import_error'
PUBLISHED_AT = PREFIX + 'published_at'
VISIBILITY_ERROR = PREFIX + 'visibility_error'
#: Digests a streamed import computed of the endorsed bytes.
STREAMED_PREFIX = PREFIX + 'streamed_'

#: Provenance of data Glance converts (``image_conversion``): the disk
#: format the entry's data is in (recorded at creation), the endorsed
#: checksums the streamed bytes matched before Glance converted them
#: (``sha1,sha512``), Glance's ``algo:os_hash_value`` of the stored
#: (converted) bytes when they were verified, and that they were.
SOURCE_FORMAT = PREFIX + 'source_format'
STAGED_MATCH = PREFIX + 'staged_match'
STORED_HASH = PREFIX + 'stored_hash'
VERIFIED_BEFORE_CONVERSION = PREFIX + 'verified_before_conversion'

#: Provenance of data Glance converts (``image_conversion``): the disk
#: format the entry's data is in (recorded at creation), the endorsed
#: checksums the streamed bytes matched before Glance converted them
#: (``sha1,sha512``), Glance's ``algo:os_hash_value`` of the stored
#: (converted) bytes when they were verified, and that they were.
SOURCE_FORMAT = PREFIX + 'source_format'
STAGED_MATCH = PREFIX + 'staged_match'
STORED_HASH = PREFIX + 'stored_hash'
VERIFIED_BEFORE_CONVERSION = PREFIX + 'verified_before_conversion'

#: Further locations a streamed import falls back to.
MAX_MIRRORS = 4


def hash_property(algorithm):
    """The property of the endorsed hash of *algorithm* (hashlib name)."""
    return PREFIX + algorithm


def streamed_property(algorithm):
    """The property of the digest of *algorithm* a streamed import
    computed (``marketplace_streamed_sha512``)."""
    return STREAMED_PREFIX + algorithm


def source_url_property(number=1):
    """The property of the *number*-th location (1: the first)."""
    return SOURCE_URL if number == 1 else '%s_%d' % (SOURCE_URL, number)


def compression_property(number=1):
    """The property of the compression of the *number*-th location."""
    return COMPRESSION if number == 1 else '%s_%d' % (COMPRESSION, number)


def is_record_property(key):
    """True for a property of the record (``marketplace_*``)."""
    return str(key).startswith(PREFIX)


def pack_members(members):
    """The ``marketplace_members`` property (comma-separated project IDs)
    recording the members to add once verified."""
    return {MEMBERS: ','.join(members)} if members else {}


def unpack_members(image):
    """The project IDs :func:`pack_members` recorded on *image*."""
    return [m for m in (image.get(MEMBERS) or '').split(',') if m]


def pack_sources(sources):
    """The properties recording *sources*, ``(url, compression)`` pairs in
    the order a streamed import tries them (URLs whole: downloaded)."""
    props = {}
    for number, (url, compression) in enumerate(sources, 1):
        props[source_url_property(number)] = url
        if compression:
            props[compression_property(number)] = compression
    return props


def unpack_sources(image):
    """``(url, compression)`` :func:`pack_sources` recorded, in order."""
    found = []
    for number in range(1, MAX_MIRRORS + 2):
        url = image.get(source_url_property(number))
        if url:
            found.append((url, image.get(compression_property(number))))
    return found


@dataclasses.dataclass(frozen=True)
class ImageRecord:
    """What a Glance image (a ``dict``) records of its import."""

    image: dict

    @classmethod
    def from_image(cls, image):
        return cls(dict(image or {}))

    @property
    def id(self):
        return self.image.get('id')

    @property
    def identifier(self):
        return self.image.get(IDENTIFIER)

    @property
    def endorser(self):
        return self.image.get(ENDORSER)

    @property
    def endorsed_at(self):
        return self.image.get(ENDORSED_AT)

    @property
    def url(self):
        """The marketplace URL of the entry imported."""
        return self.image.get(URL)

    @property
    def valid_until(self):
        return self.image.get(VALID_UNTIL)

    @property
    def import_method(self):
        return self.image.get(IMPORT_METHOD)

    @property
    def verified(self):
        """The record claims the data was verified (whose claim it is
        is for the reader to judge)."""
        return self.image.get(VERIFIED) == 'true'

    @property
    def requested_visibility(self):
        return self.image.get(VISIBILITY) or 'private'

    @property
    def members(self):
        return unpack_members(self.image)

    @property
    def sources(self):
        return unpack_sources(self.image)

    @property
    def error(self):
        """The recorded reason the import failed (verification or
        Glance), or None."""
        return self.image.get(VERIFICATION_ERROR) or \
            self.image.get(IMPORT_ERROR)

    @property
    def tagged(self):
        """True for an image of this engine: tagged, or carrying an
        entry's identifier."""
        return TAG in (self.image.get('tags') or ()) or bool(self.identifier)

    def hash(self, algorithm):
        """The endorsed hash of *algorithm* (hashlib name), or None."""
        return self.image.get(hash_property(algorithm))

    def streamed(self, algorithm):
        """The digest of *algorithm* a streamed import recorded."""
        return self.image.get(streamed_property(algorithm))

    def streamed_algorithms(self):
        """The algorithms a streamed import recorded digests of."""
        return sorted(k[len(STREAMED_PREFIX):] for k in self.image
                      if str(k).startswith(STREAMED_PREFIX))

    @property
    def source_format(self):
        """The disk format the entry's data is in (created with)."""
        return self.image.get(SOURCE_FORMAT)

    @property
    def converted(self):
        """True when Glance stored another disk format than the entry's
        (its ``image_conversion`` converted the data)."""
        source = self.source_format
        return bool(source) and bool(self.image.get('disk_format')) and \
            self.image['disk_format'] != source

    @property
    def staged_match(self):
        """The endorsed algorithms the staged bytes matched."""
        return [a for a in (self.image.get(STAGED_MATCH) or '').split(',')
                if a]

    @property
    def stored_hash(self):
        """``(algo, hex)`` Glance computed of the stored bytes when they
        were verified (converted data), or None."""
        algo, _, value = (self.image.get(STORED_HASH) or '').partition(':')
        return (algo, value) if algo and value else None

    def provenance(self):
        """The provenance properties, for a failure record."""
        return {k: self.image[k] for k in (IDENTIFIER, ENDORSER,
                                           ENDORSED_AT, URL)
                if self.image.get(k)}
