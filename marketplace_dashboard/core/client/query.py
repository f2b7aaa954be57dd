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

"""A listing query (:class:`SearchQuery`) and what a listing answers:
one page (:class:`SearchPage`) of rows (:class:`ListingRow`)."""

import dataclasses
import re

from marketplace_dashboard.core.errors import MarketplaceClientError

__all__ = [
    'COLUMNS', 'LOCATIONS', 'STATUSES', 'ListingRow', 'SearchPage',
    'SearchQuery',
]

#: Listing columns 1-10 by name (the StratusLab row layout).
COLUMNS = ('os', 'os_version', 'os_arch', 'email', 'kind', 'created',
           'identifier', 'location', 'description', 'title')
STATUSES = ('valid', 'expired', 'deprecated', 'all')
LOCATIONS = ('all', 'pdisk', 'web')


@dataclasses.dataclass(frozen=True)
class ListingRow:
    """One row of a marketplace listing (``None`` for missing values)."""

    os: str | None
    os_version: str | None
    os_arch: str | None
    email: str | None
    kind: str | None
    created: str | None
    identifier: str | None
    location: str | None
    description: str | None
    title: str | None

    @property
    def key(self):
        return (self.identifier, self.email, self.created)

    @classmethod
    def from_json(cls, row):
        if not isinstance(row, list) or len(row) < 11 or \
                not all(isinstance(v, str) for v in row[:11]):
            raise ValueError('a row is not a list of 11 strings')
        values = [None if v == 'null' else v for v in row[1:11]]
        return cls(*values)


@dataclasses.dataclass(frozen=True)
class SearchPage:
    rows: list
    total: int
    total_filtered: int
    start: int
    length: int


@dataclasses.dataclass(frozen=True)
class SearchQuery:
    """A listing query, mapped to the StratusLab/DataTables parameters.

    *text* is split on white space; every word must appear (case
    insensitively) in one of the listing columns.  *os* and *os_version*
    match as substrings, *arch*, *endorser* and *kind* exactly (case
    insensitively).  User text is always escaped: the service treats
    search terms as regular expressions.
    """

    text: str = ''
    os: str | None = None
    os_version: str | None = None
    arch: str | None = None
    endorser: str | None = None
    kind: str | None = None
    status: str = 'valid'
    location: str = 'all'
    start: int = 0
    length: int = 20
    sort: str = 'created'
    sort_dir: str = 'desc'
    identifier: str | None = None

    def __post_init__(self):
        if self.status not in STATUSES:
            raise MarketplaceClientError(
                'invalid status %r: use one of %s'
                % (self.status, ', '.join(STATUSES)))
        if self.location not in LOCATIONS:
            raise MarketplaceClientError(
                'invalid location %r: use one of %s'
                % (self.location, ', '.join(LOCATIONS)))
        if self.sort not in COLUMNS:
            raise MarketplaceClientError(
                'invalid sort column %r: use one of %s'
                % (self.sort, ', '.join(COLUMNS)))
        if self.sort_dir not in ('asc', 'desc'):
            raise MarketplaceClientError("sort direction must be 'asc' or "
                                         "'desc'")
        if int(self.start) < 0 or int(self.length) < 1:
            raise MarketplaceClientError(
                'start must be 0 or more and length at least 1')

    def params(self):
        params = {
            'status': self.status, 'location': self.location,
            'iDisplayStart': str(int(self.start)),
            'iDisplayLength': str(int(self.length)),
            'iSortCol_0': str(COLUMNS.index(self.sort) + 1),
            'sSortDir_0': self.sort_dir, 'sEcho': '1',
        }
        words = (self.text or '').split()
        if words:
            params['sSearch'] = ' '.join(re.escape(w) for w in words)
        columns = ((1, self.os, False), (2, self.os_version, False),
                   (3, self.arch, True), (4, self.endorser, True),
                   (5, self.kind, True))
        for number, value, exact in columns:
            if value:
                pattern = re.escape(value.strip())
                params['sSearch_%d' % number] = (
                    '^%s$' % pattern if exact else pattern)
        if self.identifier:
            params['identifier'] = self.identifier
        return params
