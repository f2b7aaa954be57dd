"""The catalogue of one registry (core/catalogs/oci/client.py): the
listing built from the catalogue, tags and manifests, its filters and
pages, one entry and its verdict."""

import json

import pytest

from marketplace_dashboard.core.cache import MemoryCache
from marketplace_dashboard.core.catalogs.oci import OCIClient, document
from marketplace_dashboard.core.client.query import SearchQuery
from marketplace_dashboard.core.errors import (
    MarketplaceHTTPError,
    MarketplaceResponseError,
)
from tests.unit.core.catalogs.fakeregistry import FakeRegistry, recorded

UBUNTU = 'egi_vm_images/ubuntu-22.04'
ALMA = 'egi_vm_images/almalinux-9'
UBUNTU_TAG = '22.04-20261201-0123abcd'
ALMA_TAG = '9-20261115-89abcdef'


def _alma():
    value = json.loads(recorded('manifest-ubuntu.json'))
    value['layers'][0]['digest'] = 'sha256:' + 'a' * 64
    value['annotations'].update({
        'org.openstack.glance.os_distro': 'almalinux',
        'org.openstack.glance.os_version': '9',
        'org.openstack.glance.architecture': 'aarch64',
        'eu.egi.cloud.description': 'AlmaLinux 9 for EGI'})
    return json.dumps(value).encode()


@pytest.fixture
def fake():
    with FakeRegistry() as server:
        server.json('/v2/_catalog?n=100', {'repositories': [
            ALMA, UBUNTU, 'egi_vm_images/sbom', 'other/thing']})
        server.json('/v2/%s/tags/list?n=100' % UBUNTU,
                    recorded('tags-ubuntu.json'))
        server.json('/v2/%s/tags/list?n=100' % ALMA, {'name': ALMA,
                                                        'tags': [ALMA_TAG]})
        server.json('/v2/egi_vm_images/sbom/tags/list?n=100',
                    {'name': 'egi_vm_images/sbom', 'tags': ['v1']})
        server.manifest(UBUNTU, UBUNTU_TAG, recorded('manifest-ubuntu.json'))
        server.manifest(ALMA, ALMA_TAG, _alma())
        server.manifest('egi_vm_images/sbom', 'v1', json.dumps({
            'schemaVersion': 2, 'layers': [{
                'mediaType': 'application/vnd.cyclonedx+json', 'size': 2,
                'digest': 'sha256:' + 'b' * 64}]}).encode())
        yield server


def make(fake, **kw):
    return OCIClient({'url': fake.base_url + '/egi_vm_images'}, **kw)


def test_the_listing_has_every_disk_image_newest_first(fake):
    page = make(fake).search()
    assert [row.os for row in page.rows] == ['ubuntu', 'almalinux']
    assert page.total == page.total_filtered == 2
    row = page.rows[1]
    assert row.os_version == '9' and row.os_arch == 'aarch64'
    assert row.description == 'AlmaLinux 9 for EGI'
    assert row.created == '2026-11-15T00:00:00Z'
    assert row.email == 'registry@127.0.0.1'
    assert row.location == '%s/v2/%s/blobs/sha256:%s' % (fake.base_url, ALMA,
                                                         'a' * 64)
    assert not any('other/thing' in path for path, _ in fake.hits)


@pytest.mark.parametrize('query, found', [
    (SearchQuery(os='alma'), ['almalinux']),
    (SearchQuery(arch='X86_64'), ['ubuntu']),
    (SearchQuery(text='jammy egi'), ['ubuntu']),
    (SearchQuery(text='nothing-like-it'), []),
    (SearchQuery(status='expired'), []),
    (SearchQuery(kind='machine', sort='os', sort_dir='asc'),
     ['almalinux', 'ubuntu']),
    (SearchQuery(length=1, start=1), ['almalinux']),
])
def test_filters_sort_and_pages(fake, query, found):
    page, documents = make(fake).search_documents(query)
    assert [row.os for row in page.rows] == found
    assert [document.appliance_of(d).os for d in documents] == found
    assert page.total == 2


def test_the_index_is_cached(fake):
    cache = MemoryCache()
    make(fake, cache=cache).search()
    hits = len(fake.hits)
    make(fake, cache=cache).search(SearchQuery(os='ubuntu'))
    assert len(fake.hits) == hits


def test_one_entry_and_its_verdict(fake):
    catalog = make(fake)
    row = catalog.search(SearchQuery(os='ubuntu')).rows[0]
    data, result = catalog.verified_entry(row.identifier, row.email,
                                          row.created, None)
    assert result.level.value == 'untrusted'
    assert result.reasons == [document.UNSIGNED]
    assert result.appliance.identifier == row.identifier
    assert result.registry == fake.base_url
    # the manifest is read again, by its digest, then its signature
    digest = json.loads(data)['digest']
    assert [hit[0] for hit in fake.hits[-2:]] == [
        '/v2/%s/manifests/%s' % (UBUNTU, digest),
        '/v2/%s/manifests/%s.sig' % (UBUNTU, digest.replace(':', '-'))]
    assert catalog.entries(row.identifier) == [
        d for d in catalog.search_documents()[1]
        if document.appliance_of(d).identifier == row.identifier]
    assert catalog.latest_entry(row.identifier, 'nobody@x.org') is None


def test_an_unknown_entry_is_not_found(fake):
    with pytest.raises(MarketplaceHTTPError) as info:
        make(fake).fetch_entry('A' * 27, 'registry@127.0.0.1',
                               '2026-01-01T00:00:00Z')
    assert info.value.status == 404


def test_a_broken_tag_is_left_out(fake):
    fake.manifest(ALMA, ALMA_TAG, b'<html>oops</html>', 'text/html')
    assert [r.os for r in make(fake).search().rows] == ['ubuntu']


def test_too_many_tags_is_an_error(fake, monkeypatch):
    from marketplace_dashboard.core.catalogs.oci import client
    monkeypatch.setattr(client, 'MAX_ENTRIES', 2)
    with pytest.raises(MarketplaceResponseError, match='narrower'):
        make(fake).search()


def test_find_by_reference(fake):
    data = make(fake).find('ubuntu-22.04:' + UBUNTU_TAG)
    assert document.appliance_of(data).os == 'ubuntu'
