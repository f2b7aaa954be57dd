"""Locations classified: image data, launch links, everything else."""

import types

import pytest

from marketplace_dashboard.core import locations
from marketplace_dashboard.core.errors import MetadataError
from marketplace_dashboard.core.locations import DATA, LAUNCH, OTHER

UUID = '5c4f2a2e-8f0e-4b4a-9d8e-0d8b3c6f1a11'
DASH = 'https://cloud.example.org/dashboard/'
DEEP = DASH + 'project/marketplace/launch/%s/' % UUID
LEGACY = (DASH + 'project/instances/launch?source_id=%s'
          '&source_type=image_id' % UUID)


@pytest.mark.parametrize('url', [
    'https://images.example.org/a.img.gz',
    'http://127.0.0.1:8080/a.img',
    'HTTPS://IMAGES.EXAMPLE.ORG/A.IMG',
    'http://[::1]:8080/disk.qcow2',
    'https://images.example.org/project/instances/',
    'https://images.example.org/project/marketplace/launch/%s/disk.img'
    % UUID,
])
def test_image_data(url):
    location = locations.classify(url)
    assert location.kind == DATA and location.is_data
    assert location.url == url
    assert location.image_id is None and location.dashboard_url is None
    assert location.reason == ''


@pytest.mark.parametrize('url, dashboard, form', [
    (DEEP, DASH, 'deep'),
    (DEEP[:-1], DASH, 'deep'),
    (LEGACY, DASH, 'legacy'),
    ('http://dash.example.org/project/marketplace/launch/%s/' % UUID,
     'http://dash.example.org/', 'deep'),
    ('http://dash.example.org/project/instances/launch/?source_type='
     'image_id&source_id=%s' % UUID, 'http://dash.example.org/', 'legacy'),
    ('http://onehost-7.lal.in2p3.fr/project/instances/launch?source_type='
     'instance_snapshot_id&source_id=%s' % UUID,
     'http://onehost-7.lal.in2p3.fr/', 'legacy'),
    ('HTTPS://Cloud.Example.ORG:443/a/b/project/marketplace/launch/%s/'
     % UUID.upper(), 'https://cloud.example.org/a/b/', 'deep'),
    ('http://[::1]:8000/horizon/project/marketplace/launch/%s/' % UUID,
     'http://[::1]:8000/horizon/', 'deep'),
    # encoded as a browser may write it: Django routes it the same
    ('https://cloud.example.org/dashboard/project/marketplace/launch/'
     '%%35%s/' % UUID[1:], DASH, 'deep'),
])
def test_launch_links(url, dashboard, form):
    location = locations.classify(url)
    assert location.kind == LAUNCH and location.is_launch
    assert location.image_id == UUID
    assert location.dashboard_url == dashboard
    assert location.form == form
    assert 'launch link' in location.reason


@pytest.mark.parametrize('url, why', [
    ('pdisk:onehost:8445:1234', 'not an http(s) URL'),
    ('ftp://ftp.example.org/a.img', 'not an http(s) URL'),
    ('javascript:alert(1)', 'not an http(s) URL'),
    ('JaVaScRiPt:alert(document.cookie)', 'not an http(s) URL'),
    ('data:text/html,<script>alert(1)</script>', 'not an http(s) URL'),
    ('//images.example.org/a.img', 'not an http(s) URL'),
    ('https://', 'no host'),
    ('https:onehost-7.lal.in2p3.fr:1234-abcd', 'no host'),
    ('http://[::1', 'well-formed'),
    ('http://host:99999/a.img', 'well-formed'),
    ('http://host:port/a.img', 'well-formed'),
    (' https://images.example.org/a.img', 'control characters'),
    ('https://images.example.org/a b.img', 'control characters'),
    ('https://images.example.org/a.img\n', 'control characters'),
    ('java\tscript:alert(1)', 'control characters'),
    ('https://images.example.org/\x00a.img', 'control characters'),
    ('https://images.example.org/\x85a.img', 'control characters'),
    ('', 'not a URI'),
    (None, 'not a URI'),
    (42, 'not a URI'),
    # user information hides the real host: dash.example.org is a user
    ('http://dash.example.org@evil.example/project/marketplace/launch/'
     '%s/' % UUID, 'user information'),
    ('https://user:secret@images.example.org/a.img', 'user information'),
    # launch links that name no valid image are never image data
    (DASH + 'project/marketplace/launch/not-a-uuid/', 'not a valid UUID'),
    (DASH + "project/marketplace/launch/x'});alert(1);/",
     'not a valid UUID'),
    (DASH + 'project/marketplace/launch/%sx/' % UUID, 'not a valid UUID'),
    (DASH + 'project/marketplace/launch/%s/' % UUID.replace('-', ''),
     'not a valid UUID'),
    (DASH + 'project/instances/launch?source_id=nope&source_type=image_id',
     'not a valid image ID'),
    (DASH + 'project/instances/launch?source_id=%s' % UUID,
     'names no image'),
    (DASH + 'project/instances/launch?source_id=%s&source_type=volume_id'
     % UUID, 'names no image'),
    (DASH + 'project/instances/launch?source_id=%s&source_id=%s'
     '&source_type=image_id' % (UUID, UUID), 'not a valid image ID'),
    (DASH + 'project/instances/launch', 'names no image'),
    (DASH + 'project/marketplace/launch/', 'not a valid UUID'),
])
def test_everything_else(url, why):
    location = locations.classify(url)
    assert location.kind == OTHER
    assert location.image_id is None and location.dashboard_url is None
    assert why in location.reason


def test_a_launch_link_for_another_host_is_still_a_launch_link():
    location = locations.classify(
        'https://evil.example/project/marketplace/launch/%s/' % UUID)
    assert location.kind == LAUNCH
    assert location.dashboard_url == 'https://evil.example/'
    assert not locations.belongs_to(location, DASH)


@pytest.mark.parametrize('base', [
    DASH, 'https://cloud.example.org/dashboard', 'HTTPS://CLOUD.example.org'
    ':443/dashboard/',
])
def test_belongs_to_this_dashboard(base):
    assert locations.belongs_to(DEEP, base)
    assert locations.belongs_to(locations.classify(LEGACY), base)


@pytest.mark.parametrize('base', [
    'http://cloud.example.org/dashboard/',      # scheme
    'https://cloud.example.org:8443/dashboard/',  # port
    'https://other.example.org/dashboard/',     # host
    'https://cloud.example.org/',               # web root
    'https://cloud.example.org/dashboard/project/',
    'https://cloud.example.org/dashboard/?x=1',
    'https://dash@cloud.example.org/dashboard/',
    'javascript:alert(1)',
    '',
    None,
])
def test_belongs_to_another_dashboard(base):
    assert not locations.belongs_to(DEEP, base)


def test_data_and_other_locations_belong_to_no_dashboard():
    assert not locations.belongs_to('https://cloud.example.org/dashboard/'
                                    'disk.img', DASH)
    assert not locations.belongs_to('javascript:alert(1)', DASH)


def test_dashboard_base_normalises():
    assert locations.dashboard_base('HTTP://Dash.Example.ORG:80') == \
        'http://dash.example.org/'
    assert locations.dashboard_base('https://h:8443/a/b') == \
        'https://h:8443/a/b/'
    assert locations.dashboard_base('https://h/#x') is None
    assert locations.dashboard_base('pdisk:h:1') is None


def test_image_locations_in_order():
    appliance = types.SimpleNamespace(locations=[
        DEEP, 'https://a.example.org/a.img', 'pdisk:onehost:8445:1234',
        LEGACY, 'http://b.example.org/b.img.gz', 'javascript:alert(1)',
        DASH + 'project/marketplace/launch/nope/'])
    assert locations.image_locations(appliance) == [
        'https://a.example.org/a.img', 'http://b.example.org/b.img.gz']
    assert locations.image_locations(types.SimpleNamespace(
        locations=[])) == []
    assert locations.image_locations(types.SimpleNamespace(
        locations=None)) == []


def test_classify_all_keeps_the_order():
    kinds = [loc.kind for loc in locations.classify_all(
        [DEEP, 'https://a.example.org/a.img', 'pdisk:x'])]
    assert kinds == [LAUNCH, DATA, OTHER]


def test_deep_link_keeps_the_web_root():
    assert locations.deep_link(DASH, UUID) == DEEP
    assert locations.deep_link('https://cloud.example.org/dashboard',
                               UUID.upper()) == DEEP
    assert locations.deep_link('http://127.0.0.1:8000', UUID) == \
        'http://127.0.0.1:8000/project/marketplace/launch/%s/' % UUID
    # what it writes is recognised as a launch link of that dashboard
    assert locations.belongs_to(locations.deep_link(DASH, UUID), DASH)


@pytest.mark.parametrize('dashboard, image_id, why', [
    (DASH, 'not-a-uuid', 'not an image ID'),
    (DASH, "x'});alert(1);", 'not an image ID'),
    (DASH, None, 'not an image ID'),
    ('javascript:alert(1)', UUID, r'not an http\(s\) URL'),
    ('ftp://cloud.example.org/', UUID, r'not an http\(s\) URL'),
    ('https://dash@evil.example/', UUID, 'user information'),
    ('https://cloud.example.org/dashboard/?next=/evil', UUID, 'a query'),
    ('https://cloud example.org/', UUID, 'control characters'),
    ('cloud.example.org/dashboard/', UUID, r'not an http\(s\) URL'),
])
def test_deep_link_refuses(dashboard, image_id, why):
    with pytest.raises(MetadataError, match=why):
        locations.deep_link(dashboard, image_id)


def test_launch_target_of_a_request_path():
    target = locations.launch_target(
        '/project/instances/launch',
        'source_type=image_id&source_id=%s' % UUID.upper())
    assert (target.form, target.webroot, target.image_id) == (
        'legacy', '/', UUID)
    target = locations.launch_target('/project/instances/launch', '')
    assert target.image_id is None and 'names no image' in target.reason
    assert locations.launch_target('/project/instances/', '') is None
    assert locations.launch_target(None) is None


@pytest.mark.parametrize('value, html', [
    ('text/html', True),
    ('text/html; charset=utf-8', True),
    ('TEXT/HTML;charset=UTF-8', True),
    (' application/xhtml+xml ', True),
    ('application/octet-stream', False),
    ('application/x-qemu-disk', False),
    ('text/plain', False),
    ('', False),
    (None, False),
])
def test_is_html_content_type(value, html):
    assert locations.is_html_content_type(value) is html


def test_is_uuid():
    assert locations.is_uuid(UUID) and locations.is_uuid(UUID.upper())
    for bad in (UUID.replace('-', ''), '{%s}' % UUID, UUID + ' ', None, 1):
        assert not locations.is_uuid(bad)
