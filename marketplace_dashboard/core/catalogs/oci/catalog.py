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

"""The ``oci`` catalogue type (:data:`OCI`): a marketplace whose ``url`` is
a registry's base URL plus a repository prefix
(``https://registry.egi.eu/egi_vm_images``), read by
:class:`~.client.OCIClient` and judged by :func:`~.document.evaluate`."""

from marketplace_dashboard.core import identifier as identifier_mod
from marketplace_dashboard.core.catalogs.base import CatalogType
from marketplace_dashboard.core.catalogs.oci import document
from marketplace_dashboard.core.catalogs.oci.client import OCIClient

__all__ = ['OCI', 'OCIType']


class OCIType(CatalogType):
    name = 'oci'
    document_media_type = 'application/json'

    def make_client(self, settings, cache=None):
        if not isinstance(settings, dict):  # a MarketplaceConfig
            settings = {'name': settings.name, 'url': settings.url,
                        'verify': settings.verify,
                        'timeout': settings.timeout,
                        'max_bytes': settings.max_bytes,
                        'retries': settings.retries,
                        'deadline': settings.deadline}
        return OCIClient(settings, cache=cache)

    def parse(self, data):
        return document.appliance_of(data)

    def evaluate(self, data, policy, now=None):
        return document.evaluate(data, policy, now=now)

    def is_identifier(self, value):
        return identifier_mod.is_identifier(value)


OCI = OCIType()
