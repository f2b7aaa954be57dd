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

"""What the panel renders of a marketplace entry (:class:`Entry`) and of
one page of a listing (:class:`SearchResult`), whatever the catalogue
type the entry comes from."""

import dataclasses

from marketplace_dashboard.api import localize
from marketplace_dashboard.core import formats, model

__all__ = ['Entry', 'SearchResult']

_APPLIANCE_FIELDS = frozenset(
    f.name for f in dataclasses.fields(model.Appliance))


class Entry:
    """One marketplace entry as the panel shows it.

    ``appliance`` is the core model (``None`` when the document could not
    be parsed, then the listing row fills the columns), ``verdict`` the
    core verdict as a dict.
    """

    def __init__(self, marketplace, document=None, appliance=None,
                 verdict=None, row=None):
        self.marketplace = marketplace
        self.document = document
        self.appliance = appliance
        self.verdict = verdict or {}
        self.row = row
        self.image = None  # the Glance image, when already imported

    def _field(self, name, row_name=None):
        value = getattr(self.appliance, name, None)
        if value in (None, '') and self.row is not None:
            value = getattr(self.row, row_name or name, None)
        return value

    @property
    def identifier(self):
        return self._field('identifier') or ''

    @property
    def email(self):
        endorsement = getattr(self.appliance, 'endorsement', None)
        value = getattr(endorsement, 'email', None)
        if not value and self.row is not None:
            value = getattr(self.row, 'email', None)
        return value or ''

    @property
    def created(self):
        endorsement = getattr(self.appliance, 'endorsement', None)
        value = getattr(endorsement, 'created', None)
        if value is None and self.row is not None:
            value = getattr(self.row, 'created', None)
        return value

    @property
    def created_key(self):
        """The endorsement date exactly as the document spells it."""
        endorsement = getattr(self.appliance, 'endorsement', None)
        text = getattr(endorsement, 'created_text', None)
        if text:
            return text
        value = self.created
        if isinstance(value, str):
            return value
        return formats.format_date(value) or ''

    @property
    def id(self):
        return '/'.join((self.marketplace, self.identifier, self.email,
                         self.created_key))

    @property
    def created_metadata(self):
        """When the metadata was built (not the endorsement date)."""
        return getattr(self.appliance, 'created', None)

    @property
    def endorsement(self):
        return getattr(self.appliance, 'endorsement', None)

    @property
    def title(self):
        return (self._field('title') or self._field('alternative')
                or self.identifier)

    def __getattr__(self, name):
        # Only the model's fields (os, format, locations, ...) fall through.
        if name not in _APPLIANCE_FIELDS:
            raise AttributeError(name)
        return self._field(name)

    @property
    def level(self):
        return self.verdict.get('level') or 'invalid'

    @property
    def reasons(self):
        return localize.texts(self.verdict.get('reasons'))

    @property
    def warnings(self):
        return localize.texts(self.verdict.get('warnings'))

    @property
    def registry(self):
        """The registry an unsigned OCI artifact was read from (what the
        import policy's ``accept_unsigned_registries`` matches), else
        None."""
        return self.verdict.get('registry')


@dataclasses.dataclass
class SearchResult:
    entries: list
    total: int
    total_filtered: int
    start: int
    page_size: int

    @property
    def has_prev(self):
        return self.start > 0

    @property
    def has_more(self):
        return self.start + len(self.entries) < self.total_filtered

    @property
    def next_start(self):
        return self.start + len(self.entries)

    @property
    def prev_start(self):
        return max(0, self.start - self.page_size)
