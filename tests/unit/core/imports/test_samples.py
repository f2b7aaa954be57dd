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
"""The import decisions on the real StratusLab sample documents."""


import pytest

from marketplace_dashboard.core import verdict
from marketplace_dashboard.core.errors import ImportRefused
from marketplace_dashboard.core.imports.mapping import (
    disk_format,
    image_properties,
)
from marketplace_dashboard.core.imports.plan import choose_method
from marketplace_dashboard.core.imports.policy import (
    ImportPolicy,
    check_policy,
)
from tests import SAMPLES

ALLOW_ALL = ImportPolicy(allow_untrusted=True, allow_expired=True,
                         allow_deprecated=True)


def evaluate(name):
    return verdict.evaluate((SAMPLES / name).read_bytes())


@pytest.mark.parametrize('name', ['01-unsigned-minimal.xml',
                                  '03-unsigned-build-metadata-style.xml'])
def test_unsigned_samples_never_importable(name):
    with pytest.raises(ImportRefused, match='signature is invalid'):
        check_policy(evaluate(name), ALLOW_ALL)


@pytest.mark.parametrize('name, level', [
    ('06-signed-testca.xml', 'expired'),
    ('07-signed-deprecated.xml', 'deprecated'),
])
def test_signed_samples_refused_by_default(name, level):
    with pytest.raises(ImportRefused, match='allow_%s' % level):
        check_policy(evaluate(name), ImportPolicy())
    assert check_policy(evaluate(name), ALLOW_ALL) == level


def test_sample_properties():
    result = evaluate('06-signed-testca.xml')
    props = image_properties(result.appliance, 'expired')
    assert props['os_distro'] == 'ttylinux'
    assert props['architecture'] == 'i686'
    assert props['marketplace_identifier'] == 'BEE8-MMAw-Lk_IgsEExAy3d9R8h'
    assert props['marketplace_endorsed_at'] == '2014-03-08T14:10:40Z'
    assert props['marketplace_bytes'] == '128'
    assert len(props['marketplace_sha512']) == 128
    assert disk_format(result.appliance.format) == 'raw'


def test_sample_without_http_location_is_refused():
    # Sample 04's only location is "http://example.org/..." (usable);
    # sample 06 has none at all.
    with pytest.raises(ImportRefused, match='no http'):
        choose_method(evaluate('06-signed-testca.xml').appliance,
                               ['web-download', 'glance-direct'],
                               ImportPolicy())


def test_sha1_only_sample_is_streamed():
    appliance = evaluate('04-signed-selfsigned-full.xml').appliance
    plan = choose_method(appliance,
                                  ['web-download', 'glance-direct'],
                                  ImportPolicy())
    assert plan.method == 'glance-direct'
    assert 'do not include sha512' in plan.reason
