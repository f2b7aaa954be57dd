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

"""The glance part of the import settings, and the plan it leads to."""

import pytest

from marketplace_dashboard.core.errors import ConfigurationError
from marketplace_dashboard.core.imports.plan import (
    GLANCE_DIRECT,
    WEB_DOWNLOAD,
    choose_method,
)
from marketplace_dashboard.core.imports.policy import ImportPolicy
from marketplace_dashboard.core.imports.site import GlanceSite, conversion
from tests.unit.core.imports import fakes
from tests.unit.core.imports.fakes import GZ_URL, URL

METHODS = [WEB_DOWNLOAD, GLANCE_DIRECT]


def policy(**glance):
    return ImportPolicy.from_dict({'glance': glance})


def test_default_is_a_plain_glance():
    site = ImportPolicy().glance
    assert site == GlanceSite() and site.convert_to is None
    assert not site.decompresses and site.stores == ()


def test_settings_are_read_and_validated():
    site = policy(convert_to='raw', decompresses=True,
                  stores=['fast', 'cheap', 'fast']).glance
    assert site == GlanceSite('raw', True, ('fast', 'cheap'))


@pytest.mark.parametrize('glance, match', [
    ({'convert_to': 'vhd'}, 'convert_to must be one of raw, qcow2, vmdk'),
    ({'decompresses': 'yes'}, 'decompresses must be true or false'),
    ({'stores': 'fast'}, 'list of Glance store ids'),
    ({'stores': ['a b']}, 'list of Glance store ids'),
    ({'convert': 'raw'}, r'Unknown import setting\(s\): glance.convert '),
    ('raw', 'must be a dict'),
])
def test_bad_settings_are_refused(glance, match):
    with pytest.raises(ConfigurationError, match=match):
        ImportPolicy.from_dict({'glance': glance})


def test_conversion_only_when_the_format_differs():
    site = GlanceSite(convert_to='raw')
    assert conversion(site, 'qcow2') == 'raw'
    assert conversion(site, 'raw') is None
    assert conversion(site, 'iso') is None  # Glance never converts ISOs
    assert conversion(GlanceSite(), 'qcow2') is None


def test_no_web_download_when_glance_converts():
    chosen = choose_method(fakes.appliance(), METHODS,
                           policy(convert_to='raw'))
    assert chosen.method == GLANCE_DIRECT
    assert 'Glance converts qcow2 images to raw' in chosen.reason


def test_web_download_when_the_entry_is_already_the_output_format():
    chosen = choose_method(fakes.appliance(format='raw'), METHODS,
                           policy(convert_to='raw'))
    assert chosen.method == WEB_DOWNLOAD and chosen.url == URL


def test_gzip_goes_to_web_download_when_glance_decompresses():
    entry = fakes.appliance(locations=[GZ_URL])
    chosen = choose_method(entry, METHODS, policy(decompresses=True))
    assert (chosen.method, chosen.url, chosen.compression) == (
        WEB_DOWNLOAD, GZ_URL, 'gz')
    assert 'decompresses' in chosen.reason
    plain = choose_method(entry, METHODS, policy())
    assert plain.method == GLANCE_DIRECT
    assert 'set glance.decompresses' in plain.reason


@pytest.mark.parametrize('url', ['http://h/a.img.bz2', 'http://h/a.img.xz'])
def test_bz2_and_xz_stay_streamed(url):
    chosen = choose_method(fakes.appliance(locations=[url]), METHODS,
                           policy(decompresses=True))
    assert chosen.method == GLANCE_DIRECT


def test_conversion_wins_over_decompression():
    entry = fakes.appliance(locations=[GZ_URL])
    chosen = choose_method(entry, METHODS,
                           policy(convert_to='raw', decompresses=True))
    assert chosen.method == GLANCE_DIRECT and chosen.compression == 'gz'
