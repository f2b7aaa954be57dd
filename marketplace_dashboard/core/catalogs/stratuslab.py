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

"""The ``stratuslab`` catalogue type: a StratusLab marketplace, read by
:class:`~marketplace_dashboard.core.client.MarketplaceClient` and judged
by :func:`marketplace_dashboard.core.verdict.evaluate`, exactly as before
catalogue types existed."""

from marketplace_dashboard.core import identifier as identifier_mod
from marketplace_dashboard.core import model
from marketplace_dashboard.core.catalogs.base import CatalogType

__all__ = ['STRATUSLAB', 'StratusLabType']


class StratusLabType(CatalogType):
    name = 'stratuslab'
    document_media_type = 'application/xml'

    def make_client(self, settings, cache=None):
        # Looked up on each call (not imported by name): the command-line
        # tests replace core.client.MarketplaceClient.
        from marketplace_dashboard.core import client
        config = settings
        if isinstance(settings, dict):
            config = client.MarketplaceConfig.from_dict(settings)
        if cache is None:
            return client.MarketplaceClient(config)
        return client.MarketplaceClient(config, cache=cache)

    def parse(self, document):
        return model.parse_appliance(document)

    def evaluate(self, document, policy, now=None):
        from marketplace_dashboard.core import verdict
        return verdict.evaluate(document, policy, now=now)

    def is_identifier(self, value):
        return identifier_mod.is_identifier(value)


STRATUSLAB = StratusLabType()
