"""The hepix client against a list served on loopback."""

import datetime
import http.server
import threading

import pytest

from marketplace_dashboard.core import catalogs, client
from marketplace_dashboard.core.errors import (
    ConfigurationError,
    MarketplaceHTTPError,
    MarketplaceResponseError,
)
from tests import hepix_lists as lists


class ListServer:
    """Serves ``self.body`` at any path; remembers the request headers."""

    def __init__(self):
        self.body = b''
        self.headers = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.headers.append(dict(self.headers))
                self.send_response(200)
                self.send_header('Content-Type', 'application/pkcs7-mime')
                self.send_header('Content-Length', str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     Handler)
        self.url = 'http://127.0.0.1:%d/store/vo/test/image.list' % \
            self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(hepix_pki):
    server = ListServer()
    now = datetime.datetime.now(datetime.UTC)
    images = [
        lists.image(lists.IMAGE_ID),
        lists.image(lists.OTHER_ID, **{
            'sl:osname': 'Ubuntu', 'sl:osversion': '24.04',
            'sl:arch': 'aarch64', 'dc:title': 'Ubuntu arm image'}),
        lists.image('0f0f0f0f-3e21-bbbb-b6a1-cc2f51319fa7', **{
            'dc:title': 'Old one',
            'dc:date:expires': lists.stamp(now - datetime.timedelta(
                days=1))}),
    ]
    server.body = lists.signed_list(hepix_pki['signer'], images=images)
    yield server
    server.stop()


def catalog(served, **settings):
    return catalogs.for_config(dict({'name': 'egi', 'url': served.url,
                                     'type': 'hepix'}, **settings))


def test_listing_filters_sorting_and_paging(served):
    hepix = catalog(served)
    page, documents = hepix.search_documents(client.SearchQuery())
    assert page.total == 3 and page.total_filtered == 2   # one expired
    assert len(documents) == 2
    assert {r.identifier for r in page.rows} == {lists.IMAGE_ID,
                                                 lists.OTHER_ID}
    row = next(r for r in page.rows if r.identifier == lists.OTHER_ID)
    assert (row.os, row.os_version, row.os_arch, row.kind) == (
        'Ubuntu', '24.04', 'aarch64', 'machine')
    assert row.email == 'jane.tester@example.org'
    for query, expected in [
            (client.SearchQuery(os='ubun'), [lists.OTHER_ID]),
            (client.SearchQuery(arch='X86_64'), [lists.IMAGE_ID]),
            (client.SearchQuery(text='arm image'), [lists.OTHER_ID]),
            (client.SearchQuery(text='nothing-like-this'), []),
            (client.SearchQuery(status='expired'),
             ['0f0f0f0f-3e21-bbbb-b6a1-cc2f51319fa7']),
            (client.SearchQuery(status='all', sort='title',
                                sort_dir='asc', length=2),
             [lists.IMAGE_ID, '0f0f0f0f-3e21-bbbb-b6a1-cc2f51319fa7']),
            (client.SearchQuery(status='all', sort='title',
                                sort_dir='asc', start=2),
             [lists.OTHER_ID]),
            (client.SearchQuery(location='pdisk'), [])]:
        assert [r.identifier for r in hepix.search(query).rows] == \
            expected, query
    # one download for all of it (the instance keeps the parsed list)
    assert len(served.headers) == 9
    assert 'Authorization' not in served.headers[0]


def test_entries_and_verified_entry(served, hepix_pki):
    hepix = catalog(served)
    documents = hepix.entries(lists.OTHER_ID)
    assert len(documents) == 1
    appliance = hepix.parse(documents[0])
    assert appliance.identifier == lists.OTHER_ID
    key = appliance.key
    assert hepix.fetch_entry(*key) == documents[0]
    assert hepix.latest_entry(lists.OTHER_ID, key[1]) == documents[0]
    assert hepix.entries(lists.OTHER_ID, 'other@example.org') == []
    document, verdict = hepix.verified_entry(*key, hepix_pki['policy'])
    assert document == documents[0]
    assert verdict.level == 'verified'
    with pytest.raises(MarketplaceHTTPError) as info:
        hepix.fetch_entry(lists.OTHER_ID, key[1], '2001-01-01T00:00:00Z')
    assert info.value.status == 404
    assert 'may have been renewed' in str(info.value)


def test_tokens_go_in_the_authorization_header(served, tmp_path):
    catalog(served, token='s3cr3t').search()
    assert served.headers[-1]['Authorization'] == 'Bearer s3cr3t'
    path = tmp_path / 'token'
    path.write_text('from-file\n')
    catalog(served, token_file=str(path), token_auth='basic').search()
    assert served.headers[-1]['Authorization'].startswith('Basic ')


@pytest.mark.parametrize('settings, message', [
    ({'url': 'http://lists.example/l', 'token': 'x'}, 'only sent over https'),
    ({'token': 'a b'}, 'printable ASCII'),
    ({'token': 'x', 'token_file': '/t'}, 'not both'),
    ({'token_file': '/nonexistent/token'}, 'cannot read'),
    ({'token': 'x', 'token_auth': 'digest'}, 'token_auth'),
])
def test_token_settings_are_checked(served, settings, message):
    with pytest.raises(ConfigurationError, match=message):
        catalog(served, **settings)


def test_https_lists_may_have_tokens():
    hepix = catalogs.for_config({'url': 'https://lists.example/l',
                                 'type': 'hepix', 'token': 't'})
    assert hepix.client.http.session.headers['Authorization'] == 'Bearer t'


def test_a_list_larger_than_max_bytes_is_refused(served):
    hepix = catalog(served, max_bytes=1000)
    with pytest.raises(MarketplaceResponseError, match='max_bytes'):
        hepix.search()


def test_something_else_than_a_list(served):
    served.body = b'<html>login</html>'
    with pytest.raises(MarketplaceResponseError,
                       match='did not send a readable HEPiX image list'):
        catalog(served).search()


class DictCache:
    def __init__(self):
        self.data = {}

    def get(self, key, default=None):
        return self.data.get(key, default)

    def set(self, key, value, timeout=None):
        self.data[key] = value


def test_the_list_is_cached_briefly_unless_it_is_large(served, monkeypatch):
    from marketplace_dashboard.core.catalogs.hepix import client as module
    cache = DictCache()
    hepix = catalogs.for_config({'url': served.url, 'type': 'hepix'},
                                cache=cache)
    hepix.search()
    catalogs.for_config({'url': served.url, 'type': 'hepix'},
                        cache=cache).search()
    assert len(served.headers) == 1 and len(cache.data) == 1
    monkeypatch.setattr(module, 'MAX_CACHED_LIST', 1000)
    cache.data.clear()
    for _ in range(2):
        catalogs.for_config({'url': served.url, 'type': 'hepix'},
                            cache=cache).search()
    assert len(served.headers) == 3 and cache.data == {}


def test_a_list_of_many_images(hepix_pki):
    server = ListServer()
    try:
        server.body = lists.signed_list(hepix_pki['signer'], images=[
            lists.image('img-%05d' % i) for i in range(3000)])
        page = catalogs.for_config({'url': server.url, 'type': 'hepix'}) \
            .search(client.SearchQuery(sort='identifier', sort_dir='asc'))
        assert page.total == 3000
        assert [r.identifier for r in page.rows][:2] == ['img-00000',
                                                         'img-00001']
    finally:
        server.stop()
