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

"""The shared spellings: endorser e-mail addresses, dates, hash names.

Every module that checks an e-mail address, reads or writes a marketplace
date, or turns a checksum algorithm's name from one spelling into another
uses this module, so that the service, the client, the creator tools, the
import engine and the dashboard agree on what is valid.
"""

import datetime
import re

__all__ = [
    'ALGORITHMS', 'DATE_FORMAT', 'DATE_RE', 'EMAIL_PATTERN', 'EMAIL_RE',
    'format_date', 'hashlib_name', 'is_email',
    'marketplace_hash_name', 'parse_date', 'parse_timestamp',
]

#: An endorser's e-mail address as the StratusLab schema defines it.
EMAIL_PATTERN = r'[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+'
#: :data:`EMAIL_PATTERN` anchored at both ends (use ``match``).
EMAIL_RE = re.compile(r'^%s\Z' % EMAIL_PATTERN)

#: A marketplace date: ``yyyy-MM-ddTHH:mm:ssZ``, always UTC.
DATE_RE = re.compile(r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z')
DATE_FORMAT = '%Y-%m-%dT%H:%M:%SZ'

#: Checksum algorithms of the metadata: marketplace spelling → hashlib's.
ALGORITHMS = {
    'MD5': 'md5',
    'SHA-1': 'sha1',
    'SHA-256': 'sha256',
    'SHA-512': 'sha512',
}


def is_email(text):
    """True if *text* is an e-mail address the schema accepts."""
    return isinstance(text, str) and EMAIL_RE.match(text) is not None


def parse_date(text):
    """UTC ``datetime`` of a ``yyyy-MM-ddTHH:mm:ssZ`` string, else None."""
    text = (text or '').strip()
    if not DATE_RE.match(text):
        return None
    try:
        value = datetime.datetime.strptime(text, DATE_FORMAT)
    except ValueError:
        return None
    return value.replace(tzinfo=datetime.UTC)


def format_date(value):
    """``yyyy-MM-ddTHH:mm:ssZ`` of an aware or UTC-naive ``datetime``.

    None gives None.  Years below 1000 keep their four digits.
    """
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC)
    return '%04d-%02d-%02dT%02d:%02d:%02dZ' % (
        value.year, value.month, value.day,
        value.hour, value.minute, value.second)


def parse_timestamp(text):
    """POSIX seconds of an ISO 8601 date as Glance or we write it.

    Lenient, for records read back from Glance (``2026-01-02T03:04:05Z``,
    with or without offset or fraction; naive means UTC); 0 for an empty
    or unreadable value, so that such a record sorts first.
    """
    if not text:
        return 0
    try:
        value = datetime.datetime.fromisoformat(
            str(text).replace('Z', '+00:00'))
    except ValueError:
        return 0
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.timestamp()


def hashlib_name(algorithm):
    """A checksum algorithm as hashlib and Glance's ``os_hash_algo`` spell
    it: ``'SHA-512'`` → ``'sha512'``, ``'SHA3-512'`` → ``'sha3_512'``,
    ``'SHA-512/256'`` → ``'sha512_256'``; hashlib names stay as they are.
    """
    known = ALGORITHMS.get(algorithm)
    if known is not None:
        return known
    name = re.sub(r'[-/]', '_', str(algorithm).strip().lower())
    return re.sub(r'^sha_(?=\d)', 'sha', name)


def marketplace_hash_name(name):
    """The inverse of :func:`hashlib_name` for the metadata's algorithms:
    ``'sha512'`` → ``'SHA-512'``; other names are upper-cased."""
    name = hashlib_name(name)
    for marketplace, hashlib_spelling in ALGORITHMS.items():
        if hashlib_spelling == name:
            return marketplace
    return name.upper()
