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

"""Exceptions of the marketplace core.

``str(e)`` of every exception is a sentence a user can act on; callers show
it as is and never need a traceback.
"""


class MarketplaceError(Exception):
    """Base class of every error raised by the core."""


class MetadataError(MarketplaceError):
    """A metadata document is malformed, hostile or otherwise unusable."""


class DocumentTooLarge(MetadataError):
    """A document is larger than the configured limit."""


class IdentifierError(MetadataError):
    """A string is not a valid 27-character marketplace identifier."""


class SigningError(MarketplaceError):
    """A document cannot be endorsed/signed (bad key, certificate, e-mail)."""


class MarketplaceClientError(MarketplaceError):
    """Talking to a marketplace service failed."""


class MarketplaceUnavailable(MarketplaceClientError):
    """The marketplace is unreachable, timed out or failed TLS checks."""


class MarketplaceHTTPError(MarketplaceClientError):
    """The marketplace answered with an HTTP error status."""

    def __init__(self, message, status=None, server_message=None):
        super().__init__(message)
        self.status = status
        self.server_message = server_message


class MarketplaceResponseError(MarketplaceClientError):
    """The marketplace answered with garbage or a too large response."""


class ConfigurationError(MarketplaceError):
    """Operator configuration (e.g. the trust policy) is unusable."""
