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
it as is and never need a traceback.  Every error that the core, the
marketplace service and the command-line tools raise is defined here, so a
caller catches :class:`MarketplaceError` for all of them, or a subclass for
one kind.
"""

__all__ = [
    'CommandError',
    'ConfigurationError',
    'DecompressedTooLarge',
    'DocumentTooLarge',
    'EndorserMismatch',
    'EntryConflict',
    'GlanceError',
    'GlanceForbidden',
    'GlanceNotFound',
    'IdentifierError',
    'ImageDataError',
    'ImportFailed',
    'ImportRefused',
    'ListingError',
    'MarketplaceClientError',
    'MarketplaceError',
    'MarketplaceHTTPError',
    'MarketplaceResponseError',
    'MarketplaceUnavailable',
    'MetadataError',
    'OlderThanLatest',
    'SigningError',
    'StoreError',
    'TransferError',
    'UploadFailed',
]


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

    def __init__(self, message, status=None, server_message=None,
                 headers=None):
        super().__init__(message)
        self.status = status
        self.server_message = server_message
        #: the answer's headers (e.g. a registry's ``WWW-Authenticate``)
        self.headers = headers


class MarketplaceResponseError(MarketplaceClientError):
    """The marketplace answered with garbage or a too large response."""


class ConfigurationError(MarketplaceError):
    """Operator configuration (e.g. the trust policy) is unusable."""


# Image data

class ImageDataError(MarketplaceError):
    """Image data cannot be read or decompressed."""


class DecompressedTooLarge(ImageDataError):
    """Decompressed data exceeds the allowed size (decompression bomb?)."""


# Glance

class GlanceError(MarketplaceError):
    """Glance refused or failed an operation (``status``: HTTP code)."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class GlanceForbidden(GlanceError):
    """Glance policy refused the operation (HTTP 403)."""


class GlanceNotFound(GlanceError):
    """The image does not exist (any more) or is not visible."""


class TransferError(MarketplaceError):
    """The image data cannot be fetched or does not match the metadata."""


# The import engine

class ImportRefused(MarketplaceError):
    """Policy forbids importing this entry (``str()`` says why)."""


class ImportFailed(MarketplaceError):
    """The import could not be done (``str()`` says why)."""


# The marketplace service

class StoreError(MarketplaceError):
    """The store refuses an entry (bad key, older than latest...)."""


class OlderThanLatest(StoreError):
    """An upload is older than the latest entry of its (id, endorser)."""


class EndorserMismatch(StoreError):
    """An upload is not signed by the certificate its (identifier,
    e-mail) pair is bound to."""


class EntryConflict(StoreError):
    """Another document is stored under the key of an upload."""


class ListingError(MarketplaceError):
    """A listing request has an unusable parameter (HTTP 400)."""


# The command-line tools

class CommandError(MarketplaceError):
    """A creator command cannot proceed; ``str(e)`` says why."""

    prefix = 'Error: '


class UploadFailed(CommandError):
    """The marketplace refused an upload (printed as the original client
    did: ``Failed to upload: <status>: <server message>``)."""

    prefix = ''
