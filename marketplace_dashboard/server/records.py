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

"""What the store keeps of an entry: its key (checked before any path is
built from it), its path, its index record and the atomic write of its
file."""

import contextlib
import dataclasses
import hashlib
import os
import re
import tempfile

from cryptography.hazmat.primitives import serialization

from marketplace_dashboard.core.errors import StoreError
from marketplace_dashboard.core.formats import DATE_RE, format_date, is_email
from marketplace_dashboard.core.identifier import IDENTIFIER_RE
from marketplace_dashboard.server.search import search_text

__all__ = [
    'COLUMNS', 'EntryRecord', 'atomic_write', 'check_key', 'index_date',
    'index_row', 'key_fingerprint', 'relative_path',
]

#: Listing columns 1-10 of the StratusLab JSON rows, by number.
COLUMNS = ('os', 'os_version', 'os_arch', 'email', 'kind', 'created',
           'identifier', 'location', 'description', 'title')
_WEB_RE = re.compile(r'^(https?|ftp)://', re.I)

_SHORT_YEAR_RE = re.compile(r'(\d{1,3})(-\d\d-\d\dT\d\d:\d\d:\d\dZ)\Z')


def index_date(text):
    """*text*, a marketplace date, with a four-digit year (``999-…``, as
    an earlier version could index it, becomes ``0999-…``) so that dates
    compare as strings."""
    if not text:
        return text
    match = _SHORT_YEAR_RE.match(text)
    if match:
        return '%04d%s' % (int(match.group(1)), match.group(2))
    return text


def index_row(record, rel, latest):
    """The index row of *record* stored at *rel*: ``{column: value}``
    (*latest*: whether it is the latest entry of its pair)."""
    locations = [loc for loc in record.locations if loc]
    row = {
        'identifier': record.identifier, 'email': record.email,
        'created': record.created, 'os': record.os,
        'os_version': record.os_version, 'os_arch': record.os_arch,
        'kind': record.kind,
        'location': locations[0] if locations else None,
        'description': record.description, 'title': record.title,
        'alternative': record.alternative,
        'valid': index_date(record.valid) or None,
        'deprecated': int(bool(record.deprecated)),
        'deprecated_reason': record.deprecated_reason,
        'subject': record.subject, 'issuer': record.issuer,
        'has_pdisk': int(any(loc.startswith('pdisk') for loc in locations)),
        'has_web': int(not locations or any(_WEB_RE.match(loc)
                                            for loc in locations)),
        'path': rel, 'sha256': record.sha256,
        'key_sha256': record.key_sha256, 'latest': int(latest),
    }
    row['search_text'] = search_text(row[name] for name in COLUMNS)
    return row


def key_fingerprint(certificate):
    """SHA-256 (hex) of the DER SubjectPublicKeyInfo of *certificate*:
    what binds an endorser to the key that signed for it."""
    der = certificate.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


@dataclasses.dataclass
class EntryRecord:
    """One index row: the listing columns plus status facts."""

    identifier: str
    email: str
    created: str
    os: str | None = None
    os_version: str | None = None
    os_arch: str | None = None
    kind: str | None = None
    locations: tuple = ()
    description: str | None = None
    title: str | None = None
    alternative: str | None = None
    valid: str | None = None
    deprecated: bool = False
    deprecated_reason: str | None = None
    subject: str | None = None
    issuer: str | None = None
    sha256: str | None = None
    #: SHA-256 of the endorser certificate's public key (hex).
    key_sha256: str | None = None

    @classmethod
    def from_appliance(cls, appliance, certificate=None):
        """Index record of a parsed :class:`~core.model.Appliance`, signed
        with *certificate* (an ``x509.Certificate``) if known."""
        endorsement = appliance.endorsement
        identifier, email, created = appliance.key
        return cls(
            identifier=identifier, email=email, created=created,
            os=appliance.os, os_version=appliance.os_version,
            os_arch=appliance.os_arch, kind=appliance.kind,
            locations=tuple(appliance.locations or ()),
            description=appliance.description, title=appliance.title,
            alternative=appliance.alternative,
            valid=format_date(appliance.valid) if appliance.valid else None,
            deprecated=bool(appliance.deprecated),
            deprecated_reason=appliance.deprecated_reason,
            subject=endorsement.subject, issuer=endorsement.issuer,
            sha256=appliance.document_sha256 or None,
            key_sha256=(key_fingerprint(certificate)
                        if certificate is not None else None))

    def key(self):
        return (self.identifier, self.email, self.created)


def check_key(identifier, email, created):
    """Validate an entry key; raise :class:`StoreError` if unsafe.

    Called before any path is built from these values.
    """
    if not isinstance(identifier, str) or not IDENTIFIER_RE.match(identifier):
        raise StoreError('invalid identifier %r' % (identifier,))
    if (not isinstance(email, str) or len(email) > 254
            or not is_email(email)):
        raise StoreError('invalid endorser e-mail %r' % (email,))
    if not isinstance(created, str) or not DATE_RE.match(created):
        raise StoreError('invalid endorsement date %r' % (created,))


def relative_path(identifier, email, created):
    """Store path of an entry, relative to the data directory."""
    check_key(identifier, email, created)
    return os.path.join('metadata', identifier, email, created + '.xml')


def atomic_write(path, data):
    """Write *data* to *path* atomically (same-dir temp file + rename)."""
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.tmp-')
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
