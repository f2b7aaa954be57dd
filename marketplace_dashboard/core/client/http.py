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

"""The HTTP exchange with one marketplace.

Connect/read timeouts, bounded retries with backoff for GET only (connect
errors and 502/503/504), TLS verification always on (optionally against a
private CA bundle), a size limit on every response and a deadline on the
whole request (:mod:`~marketplace_dashboard.core.client.deadline`).  Every
failure is a :class:`~marketplace_dashboard.core.errors.MarketplaceClientError`
whose message says what to do.
"""

import requests
from urllib3.util.retry import Retry

from marketplace_dashboard.core.client.deadline import (
    Deadline,
    WatchedAdapter,
)
from marketplace_dashboard.core.client.responses import (
    printable,
    reason,
    server_message,
)
from marketplace_dashboard.core.errors import (
    MarketplaceClientError,
    MarketplaceHTTPError,
    MarketplaceResponseError,
    MarketplaceUnavailable,
)

__all__ = ['Transport']

_CHUNK = 64 * 1024


class Transport:
    """Requests to one marketplace (:class:`MarketplaceConfig`)."""

    def __init__(self, config):
        self.config = config
        self.base = config.url.rstrip('/')
        self.session = requests.Session()
        self.session.max_redirects = 5
        self.session.headers['User-Agent'] = config.user_agent
        retry = Retry(total=config.retries, connect=config.retries, read=False,
                      status=config.retries, other=0, redirect=5,
                      allowed_methods=frozenset(['GET']),
                      status_forcelist=(502, 503, 504), backoff_factor=0.3,
                      backoff_max=5, raise_on_status=False,
                      respect_retry_after_header=False)
        adapter = WatchedAdapter(max_retries=retry)
        self.session.mount('http://', adapter)
        self.session.mount('https://', adapter)

    def close(self):
        self.session.close()

    def describe(self):
        if self.config.name in (self.config.url, self.base):
            return 'marketplace %s' % self.base
        return 'marketplace %r (%s)' % (self.config.name, self.base)

    def request(self, method, path, params=None, data=None, headers=None,
                max_bytes=None):
        """``(response, body)`` of one request; body read in full."""
        with Deadline(self.config.deadline) as deadline:
            try:
                result = self._send(method, path, params, data, headers,
                                    max_bytes, deadline)
            except MarketplaceClientError:
                if deadline.expired:
                    raise self._past_deadline() from None
                raise
            if deadline.expired:
                # the shut-down socket may have looked like a complete
                # (e.g. header-only) answer
                raise self._past_deadline()
            return result

    def _past_deadline(self):
        return MarketplaceUnavailable(
            '%s did not send its whole answer within %g seconds; try again '
            'later or raise its "deadline" setting (CLI: --timeout, '
            'or --endpoint-timeout for import)'
            % (self.describe(), self.config.deadline))

    def _send(self, method, path, params, data, headers, max_bytes,
              deadline):
        url = self.base + path
        limit = max_bytes or self.config.max_bytes
        what = self.describe()
        try:
            response = self.session.request(
                method, url, params=params, data=data, headers=headers,
                timeout=self.config.timeout, verify=self.config.verify,
                stream=True)
        except requests.exceptions.SSLError as exc:
            why = reason(exc)
            if 'WRONG_VERSION_NUMBER' in why or 'record layer' in why:
                raise MarketplaceUnavailable(
                    'TLS handshake with %s failed: %s; the port does not '
                    'seem to speak TLS, check whether the URL should be '
                    'http://' % (what, why)) from None
            hint = ('check that its certificate is issued by the CA bundle '
                    'configured with the "verify" setting (CLI: --ca-file '
                    '%s)' % self.config.verify
                    if isinstance(self.config.verify, str) else
                    'if it uses a private CA, set the marketplace\'s '
                    '"verify" setting (CLI: --ca-file) to that CA\'s PEM '
                    'bundle')
            raise MarketplaceUnavailable(
                'TLS certificate problem with %s: %s; %s'
                % (what, why, hint)) from None
        except requests.exceptions.Timeout:
            raise MarketplaceUnavailable(
                '%s did not answer within %g seconds; try again later or '
                'raise its "timeout" setting (CLI: --timeout, or '
                '--endpoint-timeout for import)'
                % (what, max(self.config.timeout))) from None
        except requests.exceptions.ConnectionError as exc:
            raise MarketplaceUnavailable(
                'cannot connect to %s: %s; check the URL and that the '
                'service is running' % (what, reason(exc))) from None
        except requests.exceptions.RequestException as exc:
            raise MarketplaceUnavailable('request to %s failed: %s'
                                         % (what, reason(exc))) from None
        with response:
            body = self._read(response, limit, deadline)
        if response.status_code >= 400:
            message = server_message(response, body)
            raise MarketplaceHTTPError(
                '%s answered HTTP %d%s' % (
                    what, response.status_code,
                    ': %s' % message if message else
                    ' %s' % printable(response.reason or '')),
                status=response.status_code, server_message=message,
                headers=response.headers)
        return response, body

    def _read(self, response, limit, deadline=None):
        what = self.describe()
        length = response.headers.get('Content-Length') or ''
        if length.isascii() and length.isdigit() and (
                len(length) > 18 or int(length) > limit):
            raise MarketplaceResponseError(
                '%s sent a response of %s bytes, more than the limit of %d '
                'bytes (max_bytes setting)' % (what, length, limit))
        chunks = []
        size = 0
        try:
            for chunk in response.iter_content(_CHUNK):
                if deadline is not None and deadline.expired:
                    raise self._past_deadline()
                size += len(chunk)
                if size > limit:
                    raise MarketplaceResponseError(
                        '%s sent more than the limit of %d bytes (max_bytes '
                        'setting)' % (what, limit))
                chunks.append(chunk)
        except requests.exceptions.RequestException as exc:
            raise MarketplaceUnavailable(
                'the response of %s was cut short: %s; try again later'
                % (what, reason(exc))) from None
        return b''.join(chunks)

    def get(self, path, params=None, accept='application/xml', **kw):
        return self.request('GET', path, params=params,
                            headers={'Accept': accept}, **kw)
