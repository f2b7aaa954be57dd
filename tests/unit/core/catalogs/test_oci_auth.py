"""Blobs behind a registry's token (core/catalogs/oci/auth.py): streamed
by the dashboard host with the catalogue's session, never web-downloaded
by Glance."""

import base64
import hashlib
import json

import pytest

from marketplace_dashboard.core.catalogs.oci import OCIClient, document
from marketplace_dashboard.core.errors import TransferError
from marketplace_dashboard.core.imports import ImportPolicy, plan, stream
from marketplace_dashboard.core.imports.urlfilter import DownloadFilter
from tests.unit.core.catalogs.fakeregistry import FakeRegistry, recorded

UBUNTU = 'egi_vm_images/ubuntu-22.04'
TAG = '22.04-20261201-0123abcd'
DATA = b'QFI\xfb' + b'\0' * 1000
DIGEST = 'sha256:' + hashlib.sha256(DATA).hexdigest()


def _manifest():
    value = json.loads(recorded('manifest-ubuntu.json'))
    value['layers'][0].update(digest=DIGEST, size=len(DATA))
    return json.dumps(value).encode()


@pytest.fixture
def fake():
    with FakeRegistry() as server:
        challenge = ('Bearer realm="%s/service/token",service="harbor"'
                     % server.base_url)

        def protected(route):
            def answer(handler):
                scope = 'Bearer t0ken-for-' + UBUNTU
                if handler.headers.get('Authorization') == scope:
                    return route
                return (401, {'Content-Type': 'application/json',
                              'WWW-Authenticate': challenge + (
                                  ',scope="repository:%s:pull"' % UBUNTU)},
                        b'{"errors":[{"code":"UNAUTHORIZED"}]}')
            return answer

        def token(handler):
            assert handler.headers['Authorization'] == 'Basic ' + \
                base64.b64encode(b'robot:pw').decode()
            return (200, {'Content-Type': 'application/json'},
                    json.dumps({'token': 't0ken-for-' + UBUNTU}).encode())

        server.json('/v2/_catalog?n=100', {'repositories': [UBUNTU]})
        server.json('/v2/%s/tags/list?n=100' % UBUNTU,
                    recorded('tags-ubuntu.json'))
        server.manifest(UBUNTU, TAG, _manifest())
        for path in list(server.routes):
            if path.startswith('/v2/%s/' % UBUNTU):
                server.routes[path] = protected(server.routes[path])
        server.routes['/v2/_catalog?n=100'] = protected(
            server.routes['/v2/_catalog?n=100'])
        server.routes['/v2/%s/blobs/%s' % (UBUNTU, DIGEST)] = protected(
            (200, {'Content-Type': 'application/octet-stream'}, DATA))
        server.routes['/service/token'] = token
        yield server


def _client(fake):
    return OCIClient({'url': fake.base_url + '/egi_vm_images',
                      'username': 'robot', 'password': 'pw'})


def _rules(fake):
    return DownloadFilter.from_settings({
        'allowed_hosts': ['127.0.0.1'],
        'allowed_ports': [int(fake.base_url.rsplit(':', 1)[1])]})


def test_an_entry_of_a_token_registry_needs_its_credentials(fake):
    catalog = _client(fake)
    row = catalog.search().rows[0]
    data, verdict = catalog.verified_entry(row.identifier, row.email,
                                           row.created, None)
    assert json.loads(data)['token'] is True
    app = verdict.appliance
    assert app.download_auth is True
    chosen = plan.choose_method(app, (plan.WEB_DOWNLOAD, plan.GLANCE_DIRECT),
                                ImportPolicy(glance_hash_algo='sha256'))
    assert chosen.method == plan.GLANCE_DIRECT
    assert "registry's token" in chosen.reason
    app.download_auth = False  # an anonymous registry: Glance fetches it
    assert plan.choose_method(app, (plan.WEB_DOWNLOAD, plan.GLANCE_DIRECT),
                              ImportPolicy(glance_hash_algo='sha256')
                              ).method == plan.WEB_DOWNLOAD


def test_the_blob_is_streamed_with_a_token(fake):
    catalog = _client(fake)
    url = catalog.search().rows[0].location
    session = catalog.download_session(_rules(fake))
    with stream.stream_image(url, {'SHA-256': DIGEST[7:]}, len(DATA),
                             session=session, rules=_rules(fake)) as data:
        assert data.read() == DATA
        assert data.mismatches() == []
    blob_hits = [h for h in fake.hits if '/blobs/' in h[0]]
    assert [h[1].get('Authorization') for h in blob_hits][-1] == \
        'Bearer t0ken-for-' + UBUNTU


def test_a_fresh_process_gets_its_own_token(fake):
    """The transfer may run without the listing's token: the blob's 401
    is answered by the token service, once."""
    session = _client(fake).download_session(_rules(fake))
    url = '%s/v2/%s/blobs/%s' % (fake.base_url, UBUNTU, DIGEST)
    with stream.stream_image(url, {'SHA-256': DIGEST[7:]}, len(DATA),
                             session=session, rules=_rules(fake)) as data:
        assert data.read() == DATA
    assert len([h for h in fake.hits if h[0].startswith('/service/token')
                ]) == 1


def test_the_token_goes_nowhere_else(fake):
    session = _client(fake).download_session(_rules(fake))
    fake.routes['/elsewhere.qcow2'] = (
        401, {'WWW-Authenticate': 'Bearer realm="%s/service/token"'
              % fake.base_url}, b'no')
    with pytest.raises(TransferError, match='HTTP 401'):
        stream.open_url(fake.base_url + '/elsewhere.qcow2', session=session,
                        rules=_rules(fake))
    assert not any(h[0].startswith('/service/token') for h in fake.hits)


def test_wrong_credentials_leave_the_401(fake):
    catalog = OCIClient({'url': fake.base_url + '/egi_vm_images',
                         'username': 'robot', 'password': 'wrong'})
    fake.routes['/service/token'] = (401, {}, b'{}')
    session = catalog.download_session(_rules(fake))
    url = '%s/v2/%s/blobs/%s' % (fake.base_url, UBUNTU, DIGEST)
    with pytest.raises(TransferError, match='HTTP 401'):
        stream.open_url(url, session=session, rules=_rules(fake))


def test_the_download_rules_still_apply(fake):
    session = _client(fake).download_session(DownloadFilter())
    url = '%s/v2/%s/blobs/%s' % (fake.base_url, UBUNTU, DIGEST)
    with pytest.raises(TransferError):
        stream.open_url(url, session=session)


def test_an_anonymous_registry_entry_is_web_downloadable():
    data = document.make_document('https://r.example', UBUNTU, TAG,
                                  'sha256:' + 'a' * 64, _manifest())
    assert document.appliance_of(data).download_auth is False
