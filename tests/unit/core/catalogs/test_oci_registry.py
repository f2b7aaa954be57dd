"""The distribution-API client (core/catalogs/oci/registry.py) against
recorded answers of Debian's docker-registry (``data/``)."""

import base64
import hashlib
import json

import pytest

from marketplace_dashboard.core.catalogs.oci import registry
from marketplace_dashboard.core.errors import (
    MarketplaceClientError,
    MarketplaceHTTPError,
    MarketplaceResponseError,
)
from tests.unit.core.catalogs.fakeregistry import FakeRegistry, recorded

UBUNTU = 'egi_vm_images/ubuntu-22.04'
TAG = '22.04-20261201-0123abcd'
MANIFEST_DIGEST = ('sha256:e1f4f8b9c8bd75e932c699789825ba923e95ae340bfe27798'
                   'ecde0aebdb9c706')


@pytest.fixture
def fake():
    with FakeRegistry() as server:
        server.json('/v2/_catalog?n=100', recorded('catalog-page1.json'),
                    headers={'Link': '</v2/_catalog?last=egi_vm_images%2F'
                             'almalinux-9&n=1>; rel="next"'})
        server.json('/v2/_catalog?last=egi_vm_images%2Falmalinux-9&n=1',
                    recorded('catalog-page2.json'))
        server.json('/v2/%s/tags/list?n=100' % UBUNTU,
                    recorded('tags-ubuntu.json'))
        server.manifest(UBUNTU, TAG, recorded('manifest-ubuntu.json'),
                        headers={'Docker-Content-Digest': MANIFEST_DIGEST})
        yield server


def client(fake, path='/egi_vm_images', **settings):
    return registry.RegistryClient(dict(settings,
                                        url=fake.base_url + path))


def test_split_endpoint():
    assert registry.split_endpoint('https://registry.egi.eu/egi_vm_images/'
                                   ) == ('https://registry.egi.eu',
                                         'egi_vm_images')
    assert registry.split_endpoint('http://127.0.0.1:5000') == (
        'http://127.0.0.1:5000', '')
    for bad in ('ftp://host/x', 'https:///x', 'https://h/UPPER',
                'https://h/x?q=1', None):
        with pytest.raises(MarketplaceClientError):
            registry.split_endpoint(bad)


def test_parse_challenge():
    header = ('Bearer realm="https://registry.egi.eu/service/token",'
              'service="harbor-registry",scope="repository:egi_vm_images/'
              'ubuntu:pull"')
    assert registry.parse_challenge(header) == {
        'realm': 'https://registry.egi.eu/service/token',
        'service': 'harbor-registry',
        'scope': 'repository:egi_vm_images/ubuntu:pull'}
    assert registry.parse_challenge('Basic realm="x"') is None
    assert registry.parse_challenge(None) is None


def test_catalog_follows_the_link_header(fake):
    assert client(fake).repositories() == ['egi_vm_images/almalinux-9',
                                           UBUNTU]
    paths = [path for path, _ in fake.hits]
    assert paths == ['/v2/_catalog?n=100',
                     '/v2/_catalog?last=egi_vm_images%2Falmalinux-9&n=1']


def test_catalog_keeps_the_prefix_only(fake):
    fake.json('/v2/_catalog?n=100', {'repositories': [
        'egi_vm_images/a', 'other/b', 'egi_vm_images_x/c', 'BAD NAME']})
    assert client(fake).repositories() == ['egi_vm_images/a']
    assert client(fake, path='').repositories() == [
        'egi_vm_images/a', 'egi_vm_images_x/c', 'other/b']


def test_tags_and_manifest(fake):
    reg = client(fake)
    assert reg.tags(UBUNTU) == [TAG]
    body, digest = reg.manifest(UBUNTU, TAG)
    assert digest == MANIFEST_DIGEST
    assert json.loads(body)['layers'][0]['mediaType'] == \
        'application/x-qemu-disk'
    accept = fake.hits[-1][1]['Accept']
    assert registry.OCI_MANIFEST in accept and \
        registry.DOCKER_MANIFEST in accept
    assert reg.blob_url(UBUNTU, MANIFEST_DIGEST) == (
        '%s/v2/%s/blobs/%s' % (fake.base_url, UBUNTU, MANIFEST_DIGEST))
    assert reg.needs_token is False


@pytest.mark.parametrize('body, media_type, headers, message', [
    (b'{"manifests": []}', registry.OCI_INDEX, {}, 'not an OCI or Docker'),
    (b'<html>login</html>', 'text/html', {}, 'not an OCI or Docker'),
    (recorded('manifest-ubuntu.json'), registry.OCI_MANIFEST,
     {'Docker-Content-Digest': 'sha256:' + '0' * 64}, 'not the'),
    (b' ' * (registry.MAX_MANIFEST_BYTES + 1), registry.OCI_MANIFEST, {},
     'more than the limit'),
])
def test_hostile_manifests(fake, body, media_type, headers, message):
    fake.manifest(UBUNTU, 'bad', body, media_type, headers)
    with pytest.raises(MarketplaceResponseError, match=message):
        client(fake).manifest(UBUNTU, 'bad')


def test_a_manifest_by_digest_must_have_that_digest(fake):
    digest = 'sha256:' + 'a' * 64
    fake.manifest(UBUNTU, digest, recorded('manifest-ubuntu.json'))
    with pytest.raises(MarketplaceResponseError, match='whose digest is'):
        client(fake).manifest(UBUNTU, digest)


@pytest.mark.parametrize('body, message', [
    (b'{"repositories": [oops', 'invalid JSON'),
    (b'[' * 100 + b']' * 100, 'invalid JSON'),
    (b'{"repositories": "egi_vm_images/a"}', 'without a list'),
    (b'{"repositories": [1, 2]}', 'without a list'),
    (b'<html/>', 'invalid JSON'),
])
def test_hostile_catalogues(fake, body, message):
    fake.json('/v2/_catalog?n=100', body)
    with pytest.raises(MarketplaceResponseError, match=message):
        client(fake).repositories()


def test_oversized_catalogue(fake):
    fake.json('/v2/_catalog?n=100', b'{"repositories": ["%s"]}' % (
        b'a' * registry.MAX_PAGE_BYTES))
    with pytest.raises(MarketplaceResponseError, match='more than the limit'):
        client(fake).repositories()


def test_a_next_link_elsewhere_is_refused(fake):
    fake.json('/v2/_catalog?n=100', recorded('catalog-page1.json'), headers={
        'Link': '<http://evil.example/v2/_catalog?n=1>; rel="next"'})
    with pytest.raises(MarketplaceResponseError, match='another host'):
        client(fake).repositories()


def test_endless_pages_are_bounded(fake):
    def page(handler):
        n = len(fake.hits)
        return (200, {'Content-Type': 'application/json',
                      'Link': '</v2/_catalog?last=egi_vm_images/r%d&n=1>; '
                      'rel="next"' % n},
                json.dumps({'repositories': ['egi_vm_images/r%d' % n]}
                           ).encode())
    del fake.routes['/v2/_catalog?n=100']
    fake.routes['/v2/_catalog'] = page
    with pytest.raises(MarketplaceResponseError, match='more than 50 pages'):
        client(fake).repositories()


def test_token_auth_follows_the_challenge(fake):
    challenge = ('Bearer realm="%s/service/token",service="harbor-registry",'
                 'scope="repository:%s:pull"' % (fake.base_url, UBUNTU))
    manifest = fake.routes['/v2/%s/manifests/%s' % (UBUNTU, TAG)]

    def protected(handler):
        if handler.headers.get('Authorization') == 'Bearer t0ken':
            return manifest
        return (401, {'Content-Type': 'application/json',
                      'WWW-Authenticate': challenge},
                b'{"errors":[{"code":"UNAUTHORIZED"}]}')
    fake.routes['/v2/%s/manifests/%s' % (UBUNTU, TAG)] = protected
    fake.json('/service/token', {'token': 't0ken'})
    reg = client(fake, username='robot$egi', password='s3cret')
    body, digest = reg.manifest(UBUNTU, TAG)
    assert digest == MANIFEST_DIGEST and reg.needs_token
    token_path, token_headers = [h for h in fake.hits
                                 if h[0].startswith('/service/token')][0]
    assert 'service=harbor-registry' in token_path
    assert 'scope=repository%3Aegi_vm_images%2Fubuntu-22.04%3Apull' in \
        token_path
    assert token_headers['Authorization'] == 'Basic ' + base64.b64encode(
        b'robot$egi:s3cret').decode()
    # the token is kept for the repository: one token request in all
    reg.manifest(UBUNTU, TAG)
    assert len([h for h in fake.hits
                if h[0].startswith('/service/token')]) == 1


def test_refused_token_is_a_clear_error(fake):
    fake.json('/v2/%s/tags/list?n=100' % UBUNTU, {}, status=401, headers={
        'WWW-Authenticate': 'Bearer realm="%s/service/token"'
        % fake.base_url})
    fake.json('/service/token', {'errors': []}, status=401)
    with pytest.raises(MarketplaceHTTPError, match='username and password'):
        client(fake).tags(UBUNTU)


def test_unauthorized_without_a_bearer_challenge(fake):
    fake.json('/v2/%s/tags/list?n=100' % UBUNTU, {}, status=401, headers={
        'WWW-Authenticate': 'Basic realm="x"'})
    with pytest.raises(MarketplaceHTTPError) as info:
        client(fake).tags(UBUNTU)
    assert info.value.status == 401


def test_invalid_names_are_refused_before_any_request(fake):
    reg = client(fake)
    with pytest.raises(MarketplaceClientError):
        reg.tags('../etc')
    with pytest.raises(MarketplaceClientError):
        reg.manifest(UBUNTU, 'a/../b')
    with pytest.raises(MarketplaceClientError):
        reg.blob_url(UBUNTU, 'md5:' + hashlib.md5(b'').hexdigest())  # noqa: S324
    assert fake.hits == []
