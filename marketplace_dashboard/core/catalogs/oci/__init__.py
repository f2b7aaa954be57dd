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

"""The ``oci`` catalogue type: an OCI distribution registry (Harbor, the
EGI Artefact Registry) whose artifacts are disk images with EGI's
annotations.  ``registry`` speaks the distribution API, ``document``
maps one artifact onto the appliance model and judges it, ``client`` is
the catalogue of one registry, ``catalog`` the type (:data:`OCI`)."""

from marketplace_dashboard.core.catalogs.oci.catalog import OCI, OCIType
from marketplace_dashboard.core.catalogs.oci.client import OCIClient
from marketplace_dashboard.core.catalogs.oci.document import (
    UNSIGNED,
    appliance_of,
    evaluate,
)
from marketplace_dashboard.core.catalogs.oci.registry import RegistryClient

__all__ = ['OCI', 'UNSIGNED', 'OCIClient', 'OCIType', 'RegistryClient',
           'appliance_of', 'evaluate']
