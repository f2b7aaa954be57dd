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


import pytest

from tests import pki
from tests.unit.core import samples


@pytest.fixture(scope='session')
def ca():
    return pki.make_ca('Test Root CA')


@pytest.fixture(scope='session')
def endorser(ca):
    """Jane, issued by the test CA, with a subjectAltName e-mail."""
    return pki.make_endorser(ca)


@pytest.fixture
def unsigned():
    """A build-metadata style document with an empty endorsement."""
    return samples.sample('03-unsigned-build-metadata-style.xml')
