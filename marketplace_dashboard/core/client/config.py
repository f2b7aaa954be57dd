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

"""The settings of one marketplace (:class:`MarketplaceConfig`) and their
defaults and bounds."""

import dataclasses
import importlib.metadata
import os
import urllib.parse

from marketplace_dashboard.core.errors import MarketplaceClientError

__all__ = [
    'DEFAULT_DEADLINE', 'DEFAULT_MAX_BYTES', 'DEFAULT_RETRIES',
    'DEFAULT_TIMEOUT', 'MAX_RETRIES', 'MAX_SECONDS', 'USER_AGENT',
    'MarketplaceConfig',
]

try:
    _VERSION = importlib.metadata.version('marketplace-dashboard')
except importlib.metadata.PackageNotFoundError:  # pragma: no cover
    _VERSION = 'unknown'

USER_AGENT = 'marketplace-dashboard/%s' % _VERSION
DEFAULT_TIMEOUT = (5.0, 30.0)
#: Least time a whole request may take (connection, retries, every byte of
#: the answer); the default deadline is the larger of this and the sum of
#: the connect and read timeouts.
DEFAULT_DEADLINE = 60.0
MAX_SECONDS = 86400
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
DEFAULT_RETRIES = 2
MAX_RETRIES = 10


def _seconds(value):
    """A finite positive number of seconds (at most a day), else None."""
    if isinstance(value, bool):
        return None
    try:
        value = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if 0 < value <= MAX_SECONDS else None


def _timeout(value, name=None):
    if value is None:
        return DEFAULT_TIMEOUT
    pair = (value, value) if isinstance(value, (int, float, str)) else value
    try:
        connect, read = (_seconds(v) for v in pair)
    except (TypeError, ValueError):
        connect = read = None
    if connect is None or read is None:
        raise MarketplaceClientError(
            'invalid timeout %r for marketplace %r: give seconds (more than '
            '0, at most %d) or a (connect, read) pair of them'
            % (value, name, MAX_SECONDS))
    return (connect, read)


def _whole_number(value, key, name, minimum, maximum, expected):
    """*value* (an int or a string of digits) as an int within bounds."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and \
            value.strip().isdigit() and len(value.strip()) <= 18:
        number = int(value)
    if number is None or number < minimum or (
            maximum is not None and number > maximum):
        raise MarketplaceClientError(
            'invalid %s %r for marketplace %r: give %s'
            % (key, value, name, expected))
    return number


def _deadline(value, timeout, name=None):
    if value is None:
        return max(DEFAULT_DEADLINE, sum(timeout))
    seconds = _seconds(value)
    if seconds is None:
        raise MarketplaceClientError(
            'invalid deadline %r for marketplace %r: give seconds (more '
            'than 0, at most %d)' % (value, name, MAX_SECONDS))
    return seconds


@dataclasses.dataclass(frozen=True)
class MarketplaceConfig:
    """One configured marketplace.

    *url* is the service root, e.g. ``https://mp.example.org/marketplace``;
    *verify* is ``True`` (system CAs) or the path of a PEM CA bundle.
    *timeout* bounds connecting and each wait for data; *deadline* (default:
    the larger of 60 s and connect + read timeout) bounds a whole request,
    retries included, so a server sending its answer a byte at a time
    cannot hold a caller.
    """

    name: str
    url: str
    verify: bool | str = True
    timeout: tuple = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    user_agent: str = USER_AGENT
    retries: int = DEFAULT_RETRIES
    deadline: float | None = None

    def __post_init__(self):
        url = self.url if isinstance(self.url, str) else ''
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise MarketplaceClientError(
                'invalid URL %r for marketplace %r: use an http:// or '
                'https:// URL such as https://host/marketplace'
                % (self.url, self.name))
        if self.verify is not True and not isinstance(self.verify, str):
            # False, but also 0 or None, would turn verification off
            raise MarketplaceClientError(
                'TLS verification cannot be disabled for marketplace %r; '
                'give the path of its CA bundle instead (verify: %r)'
                % (self.name, self.verify))
        if isinstance(self.verify, str) and not os.path.isfile(self.verify):
            raise MarketplaceClientError(
                'CA bundle %s for marketplace %r does not exist'
                % (self.verify, self.name))
        if not isinstance(self.user_agent, str) or not self.user_agent:
            raise MarketplaceClientError(
                'invalid user_agent %r for marketplace %r: give a string'
                % (self.user_agent, self.name))
        object.__setattr__(self, 'timeout',
                           _timeout(self.timeout, self.name))
        object.__setattr__(self, 'deadline',
                           _deadline(self.deadline, self.timeout, self.name))
        object.__setattr__(self, 'max_bytes', _whole_number(
            self.max_bytes, 'max_bytes', self.name, 1, None,
            'a number of bytes such as %d' % DEFAULT_MAX_BYTES))
        object.__setattr__(self, 'retries', _whole_number(
            self.retries, 'retries', self.name, 0, MAX_RETRIES,
            'a whole number from 0 to %d' % MAX_RETRIES))

    @classmethod
    def from_dict(cls, settings):
        """Build from a settings dict.

        Keys: ``name``, ``url`` (required), ``verify`` or ``ca_file``,
        ``timeout`` (seconds or ``[connect, read]``), ``deadline``
        (seconds), ``max_bytes``, ``user_agent``, ``retries``.
        """
        if not isinstance(settings, dict) or not settings.get('url'):
            raise MarketplaceClientError(
                'a marketplace setting needs at least a "url"')
        verify = settings.get('verify', True)
        if settings.get('ca_file'):
            verify = settings['ca_file']
        return cls(name=settings.get('name') or settings['url'],
                   url=settings['url'], verify=verify,
                   timeout=settings.get('timeout', DEFAULT_TIMEOUT),
                   max_bytes=settings.get('max_bytes', DEFAULT_MAX_BYTES),
                   user_agent=settings.get('user_agent', USER_AGENT),
                   retries=settings.get('retries', DEFAULT_RETRIES),
                   deadline=settings.get('deadline'))
