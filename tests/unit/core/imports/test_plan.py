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

"""Planning: method and location choice, the web-download probe."""


import pytest

from marketplace_dashboard.core.errors import ImportRefused
from marketplace_dashboard.core.imports.importer import Importer
from marketplace_dashboard.core.imports.plan import PROBE_BUDGET, choose_method
from marketplace_dashboard.core.imports.policy import ImportPolicy
from marketplace_dashboard.core.imports.stream import PROBE_TIMEOUT, probe
from tests.unit.core.imports import fakes
from tests.unit.core.imports.fakes import GZ_URL, MIRROR, URL, make


def test_web_download_records_no_mirrors():
    images, engine = make()
    status = engine.start(fakes.verdict(locations=[URL, MIRROR]))
    assert status.method == 'web-download'
    assert 'marketplace_source_url_2' not in images.get(status.image_id)


URL2 = 'http://mirror.example/a.img'


URL3 = 'http://third.example/a.img'


def _probed(session):
    return [url[5:] for url, _ in session.requested
            if url.startswith('HEAD ')]


def test_web_download_skips_a_location_that_is_down():
    session = fakes.FakeSession({
        URL: fakes.FakeResponse(status=503),
        URL2: fakes.FakeResponse(body=fakes.IMAGE)})
    images, engine = make(session=session)
    images.web[URL2] = fakes.IMAGE
    status = engine.start(fakes.verdict(locations=[URL, GZ_URL, URL2,
                                                   URL3]))
    assert status.state == 'active' and status.verified
    assert ('web-download', status.image_id, URL2) in images.calls
    assert _probed(session) == [URL, URL2]  # stops at the first up
    image = images.get(status.image_id)
    assert image['marketplace_source_url'] == URL2
    assert 'marketplace_source_url_2' not in image
    assert not any(url == URL2 and 'stream' in kw
                   for url, kw in session.requested)  # no body read


@pytest.mark.parametrize('answer', [
    fakes.FakeResponse(status=405), fakes.FakeResponse(status=501),
    fakes.FakeResponse(status=302, location='http://elsewhere.example/'),
    fakes.FakeResponse(status=403)])
def test_web_download_probe_benefit_of_the_doubt(answer):
    session = fakes.FakeSession({URL: answer})
    images, engine = make(session=session)
    status = engine.start(fakes.verdict(locations=[URL, URL2]))
    assert ('web-download', status.image_id, URL) in images.calls
    assert _probed(session) == [URL]


def test_web_download_all_down_keeps_the_first():
    import requests
    session = fakes.FakeSession({
        URL: requests.ConnectionError('refused'),
        URL2: fakes.FakeResponse(status=404)})
    images, engine = make(session=session)
    status = engine.start(fakes.verdict(locations=[URL, URL2]))
    assert ('web-download', status.image_id, URL) in images.calls
    assert _probed(session) == [URL, URL2]


def test_web_download_skips_a_location_answering_an_html_page():
    session = fakes.FakeSession({
        URL: fakes.FakeResponse(content_type='text/html'),
        URL2: fakes.FakeResponse(content_type='application/octet-stream')})
    images, engine = make(session=session)
    images.web[URL2] = fakes.IMAGE
    status = engine.start(fakes.verdict(locations=[URL, URL2]))
    assert ('web-download', status.image_id, URL2) in images.calls
    assert _probed(session) == [URL, URL2]
    assert 'HTML page' in probe(URL, session)


def test_a_launch_link_is_never_given_to_glance():
    launch = ('http://dash.example/project/instances/launch?source_id='
              '5c4f2a2e-8f0e-4b4a-9d8e-0d8b3c6f1a11&source_type=image_id')
    session = fakes.FakeSession({})
    images, engine = make(session=session)
    images.web[URL] = fakes.IMAGE
    status = engine.start(fakes.verdict(locations=[launch, URL]))
    assert status.state == 'active' and status.verified
    assert ('web-download', status.image_id, URL) in images.calls
    assert not any(launch in url for url, _ in session.requested)
    assert not any(launch in str(call) for call in images.calls)


def test_web_download_probe_disabled_or_single_location():
    session = fakes.FakeSession({URL: fakes.FakeResponse(status=503)})
    images, engine = make(session=session,
                          policy=ImportPolicy(probe_locations=False))
    status = engine.start(fakes.verdict(locations=[URL, URL2]))
    assert ('web-download', status.image_id, URL) in images.calls
    images, engine = make(session=session)
    engine.start(fakes.verdict(locations=[URL]))
    assert _probed(session) == []


def test_probe_messages():
    import requests
    session = fakes.FakeSession({
        URL: requests.ConnectionError('refused'),
        URL2: fakes.FakeResponse(status=410),
        URL3: fakes.FakeResponse(status=200)})
    assert 'Cannot reach %s: refused' % URL == probe(URL, session)
    assert 'HTTP 410' in probe(URL2, session)
    assert probe(URL3, session) is None
    assert 'only absolute http' in probe('file:///etc/passwd',
                                                  session)
    assert session.requested[0][1]['timeout'] == PROBE_TIMEOUT
    assert session.requested[0][1]['allow_redirects'] is False


def test_web_download_probe_gives_up_after_its_budget():
    session = fakes.FakeSession({URL: fakes.FakeResponse(status=503),
                                 URL2: fakes.FakeResponse(status=503)})
    now = [1000.0]

    def slow_head(url, **kwargs):
        now[0] += PROBE_BUDGET  # each probe times out slowly
        session.requested.append(('HEAD ' + url, kwargs))
        return fakes.FakeResponse(503)
    session.head = slow_head
    images = fakes.FakeImages()
    images.web[URL] = fakes.IMAGE
    engine = Importer(images, http_session=session, clock=lambda: now[0],
                      sleep=lambda seconds: None)
    status = engine.start(fakes.verdict(locations=[URL, URL2, URL3]))
    assert _probed(session) == [URL]
    assert ('web-download', status.image_id, URL) in images.calls


ALL = ('glance-direct', 'web-download')


def test_web_download_preferred():
    plan = choose_method(fakes.appliance(), ALL, ImportPolicy())
    assert plan.method == 'web-download'
    assert plan.url == 'http://images.example/a.img'


def test_non_http_locations_are_skipped():
    appliance = fakes.appliance(locations=[
        'pdisk:host:1234:uuid', 'ftp://x/a.img', 'javascript:alert(1)',
        'file:///etc/passwd', 'https://ok.example/a.img'])
    plan = choose_method(appliance, ALL, ImportPolicy())
    assert plan.url == 'https://ok.example/a.img'


def test_no_http_location_refused():
    appliance = fakes.appliance(locations=['pdisk:h:1:u', 'ftp://x/y'])
    with pytest.raises(ImportRefused, match='no http'):
        choose_method(appliance, ALL, ImportPolicy())


@pytest.mark.parametrize('fields, why', [
    ({'locations': ['http://x/a.img.gz']}, 'compressed'),
    ({'locations': ['http://x/a.img.xz?sig=1']}, 'compressed'),
    ({'compression': 'bz2'}, 'compressed'),
    ({'checksums': fakes.checksums(fakes.IMAGE, ('MD5', 'SHA-1'))},
     'MD5 alone'),
])
def test_streamed_when_web_download_cannot_be_verified(fields, why):
    plan = choose_method(fakes.appliance(**fields), ALL,
                                  ImportPolicy())
    assert plan.method == 'glance-direct'
    assert why in plan.reason


def test_uncompressed_location_preferred_for_web_download():
    appliance = fakes.appliance(locations=['http://x/a.img.gz',
                                           'http://y/a.img'])
    plan = choose_method(appliance, ALL, ImportPolicy())
    assert (plan.method, plan.url) == ('web-download', 'http://y/a.img')


def test_compression_recorded_for_streamed():
    appliance = fakes.appliance(locations=['http://x/a.img.gz'])
    plan = choose_method(appliance, ALL, ImportPolicy())
    assert plan.compression == 'gz'


def test_streamed_when_glance_lacks_web_download():
    plan = choose_method(fakes.appliance(), ['glance-direct'],
                                  ImportPolicy())
    assert plan.method == 'glance-direct'
    assert 'does not offer web-download' in plan.reason


def test_glance_hash_algo_setting_drives_choice():
    appliance = fakes.appliance(
        checksums=fakes.checksums(fakes.IMAGE, ('SHA-256', 'SHA-1')))
    policy = ImportPolicy(glance_hash_algo='sha256')
    assert choose_method(appliance, ALL, policy).method == \
        'web-download'


def test_streamed_disabled_refuses_with_reason():
    appliance = fakes.appliance(locations=['http://x/a.img.gz'])
    with pytest.raises(ImportRefused, match='streamed import is disabled'):
        choose_method(appliance, ALL,
                               ImportPolicy(allow_streamed=False))


def test_no_usable_method_refused():
    with pytest.raises(ImportRefused, match='glance-direct either'):
        choose_method(fakes.appliance(), [], ImportPolicy())
