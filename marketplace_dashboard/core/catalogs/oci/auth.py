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

"""Bearer tokens for the streamed import of a registry's blobs
(:class:`RegistryAuth`): Glance's web-download cannot authenticate, so an
artifact of a registry that asks for a token is streamed by the dashboard
host with a session carrying this authentication."""

import re
import urllib.parse

import requests.auth

from marketplace_dashboard.core.catalogs.oci.registry import (
    RegistryClient,
    is_repository,
    parse_challenge,
)
from marketplace_dashboard.core.errors import MarketplaceClientError

__all__ = ['RegistryAuth']

_BLOB_PATH_RE = re.compile(r'/v2/(.+)/blobs/sha256:[0-9a-f]{64}\Z')


class RegistryAuth(requests.auth.AuthBase):
    """Bearer tokens for the blob downloads of an import (``requests``
    authentication of the streamed transfer's session).

    Only requests to the registry's own ``/v2/<repository>/blobs/...``
    URLs are touched: a ``401`` with a ``Bearer`` challenge is answered
    once with a token for ``repository:<name>:pull`` from *client*'s token
    service (its credentials), and the request is sent again.  A redirect
    to the storage behind the registry (another host) never carries the
    token, nor does any other URL.
    """

    def __init__(self, client):
        self.client = client

    def _scope(self, url):
        parts = urllib.parse.urlsplit(url)
        if '%s://%s' % (parts.scheme, parts.netloc) != self.client.base:
            return None
        match = _BLOB_PATH_RE.match(parts.path)
        if not match or not is_repository(match.group(1)):
            return None
        return RegistryClient._scope(match.group(1))

    def __call__(self, request):
        scope = self._scope(request.url)
        if scope is None:
            return request
        token = self.client._tokens.get(scope)
        if token:
            request.headers['Authorization'] = 'Bearer ' + token
        request.register_hook('response', self._on_response)
        return request

    def _on_response(self, response, **kwargs):
        scope = self._scope(response.request.url)
        if response.status_code != 401 or scope is None or \
                getattr(response.request, '_registry_retried', False):
            return response
        challenge = parse_challenge(response.headers.get('WWW-Authenticate'))
        if not challenge or not challenge.get('realm'):
            return response
        try:
            token = self.client._token(challenge, scope)
        except MarketplaceClientError:
            return response  # the 401 stands: the transfer reports it
        self.client._tokens[scope] = token
        response.close()
        retry = response.request.copy()
        retry.headers['Authorization'] = 'Bearer ' + token
        retry._registry_retried = True
        again = response.connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        return again
