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

"""REST client of StratusLab-compatible marketplaces (Django-free).

Talks the StratusLab API (``<url>/metadata``, ``/endorsers``...) with
connect/read timeouts, bounded retries with backoff for GET only (connect
errors and 502/503/504), TLS verification always on (optionally against a
private CA bundle), a size limit on every response, and an optional cache
(:mod:`marketplace_dashboard.core.cache`).  Every failure is raised as a
:class:`~marketplace_dashboard.core.errors.MarketplaceClientError` whose
message says what to do.

The package's modules, by concept: ``config`` (the settings of one
marketplace), ``query`` (a listing query and its page of rows), ``http``
(the HTTP exchange), ``deadline`` (the bound on a whole request),
``responses`` (reading answers and error texts) and ``marketplace`` (the
client).  Their public names are available here.
"""

from marketplace_dashboard.core.client.config import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BYTES,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    MAX_RETRIES,
    MAX_SECONDS,
    USER_AGENT,
    MarketplaceConfig,
)
from marketplace_dashboard.core.client.marketplace import (
    LISTING_TTL,
    VERDICT_TTL,
    MarketplaceClient,
)
from marketplace_dashboard.core.client.query import (
    COLUMNS,
    LOCATIONS,
    STATUSES,
    ListingRow,
    SearchPage,
    SearchQuery,
)
from marketplace_dashboard.core.client.responses import MAX_JSON_DEPTH

__all__ = [
    'COLUMNS', 'DEFAULT_DEADLINE', 'DEFAULT_MAX_BYTES', 'DEFAULT_RETRIES',
    'DEFAULT_TIMEOUT', 'LISTING_TTL', 'LOCATIONS', 'MAX_JSON_DEPTH',
    'MAX_RETRIES', 'MAX_SECONDS', 'STATUSES', 'USER_AGENT', 'VERDICT_TTL',
    'ListingRow', 'MarketplaceClient', 'MarketplaceConfig', 'SearchPage',
    'SearchQuery',
]
