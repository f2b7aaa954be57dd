"""The client against a misbehaving marketplace on loopback."""

import socket
import time

import pytest

from marketplace_dashboard.core import client as client_mod
from marketplace_dashboard.core import trust
from marketplace_dashboard.core.cache import MemoryCache
from marketplace_dashboard.core.client.responses import load_json
from marketplace_dashboard.core.errors import (
    MarketplaceClientError,
    MarketplaceHTTPError,
    MarketplaceResponseError,
    MarketplaceUnavailable,
)
from tests import SAMPLES, pki
from tests.unit.client import faulty


@pytest.fixture(scope='module')
def server():
    srv = faulty.FaultyServer()
    yield srv
    srv.stop()


def make(url, **kw):
    kw.setdefault('timeout', (2, 2))
    kw.setdefault('retries', 2)
    return client_mod.MarketplaceClient(
        client_mod.MarketplaceConfig(name='test', url=url, **kw))


def test_listing_parsed_into_typed_rows(server):
    page = make(server.url('ok')).search(client_mod.SearchQuery(length=5))
    assert (page.total, page.total_filtered, page.start, page.length) == \
        (3, 1, 0, 5)
    row = page.rows[0]
    assert row.os == 'Ubuntu' and row.description is None
    assert row.key == ('LHfKVPoHcv4oMirHU0KuOQc-TvI', 'a@example.org',
                       '2016-05-17T06:39:18Z')
    headers = server.headers[-1]
    assert headers['User-Agent'].startswith('marketplace-dashboard/')


def test_timeout_is_reported(server):
    with pytest.raises(MarketplaceUnavailable) as err:
        make(server.url('slow'), timeout=(1, 0.5)).search()
    assert 'did not answer within' in str(err.value)


@pytest.mark.parametrize('mode', ['trickle', 'trickleheaders'])
def test_deadline_bounds_a_trickling_answer(server, mode):
    # one byte every 0.05 s (about 15 s in all) never trips a 1 s timeout
    started = time.monotonic()
    with pytest.raises(MarketplaceUnavailable) as err:
        make(server.url(mode), timeout=(1, 1), deadline=2).search()
    elapsed = time.monotonic() - started
    assert 2 <= elapsed < 4, elapsed
    assert str(err.value) == (
        "marketplace 'test' (%s) did not send its whole answer within 2 "
        'seconds; try again later or raise its "deadline" setting (CLI: '
        '--timeout, or --endpoint-timeout for import)' % server.url(mode))


def test_deadline_leaves_the_connection_pool_usable(server):
    cli = make(server.url('ok'), deadline=1)
    for _ in range(3):
        assert cli.search().total == 3
        time.sleep(0.5)
    assert cli.search().total == 3


@pytest.mark.parametrize('settings, deadline', [
    ({}, 60.0), ({'timeout': 7}, 60.0), ({'timeout': [10, 100]}, 110.0),
    ({'deadline': 2.5}, 2.5), ({'deadline': '90', 'timeout': 100}, 90.0)])
def test_deadline_setting(settings, deadline):
    config = client_mod.MarketplaceConfig.from_dict(
        dict(settings, url='https://mp.example.org/marketplace'))
    assert config.deadline == deadline


def test_http_error_carries_server_xml_message(server):
    with pytest.raises(MarketplaceHTTPError) as err:
        make(server.url('err500'), retries=0).search()
    assert err.value.status == 500
    assert err.value.server_message == 'index broken & unavailable'
    assert 'HTTP 500: index broken & unavailable' in str(err.value)


def test_http_error_with_unescaped_xml_error_text(server):
    with pytest.raises(MarketplaceHTTPError) as err:
        make(server.url('errraw')).search()
    assert err.value.status == 400
    assert err.value.server_message == \
        'unable to parse metadata: bad <tag> & stuff'
    assert str(err.value).endswith(
        'HTTP 400: unable to parse metadata: bad <tag> & stuff')


def test_server_message_without_control_characters(server):
    with pytest.raises(MarketplaceHTTPError) as err:
        make(server.url('errctl')).search()
    assert err.value.server_message == 'bad [2J 31m input'


@pytest.mark.parametrize('mode, reason', [
    ('deepjson', 'brackets unbalanced or nested more than 32 levels deep'),
    ('infinity', 'cannot convert float infinity to integer')])
def test_hostile_json_listing(server, mode, reason):
    with pytest.raises(MarketplaceResponseError) as err:
        make(server.url(mode)).search()
    assert 'invalid JSON listing (%s)' % reason in str(err.value)


def test_json_depth_check_before_parsing():
    assert load_json(b'{"a": "[[[[\\"[", "b": [[{}]]}') == \
        {'a': '[[[["[', 'b': [[{}]]}
    deep = b'[' * 32 + b']' * 32
    assert load_json(deep)
    with pytest.raises(ValueError, match='more than 32 levels'):
        load_json(b'[' + deep + b']')
    with pytest.raises(ValueError, match='more than 32 levels'):
        load_json(b'{"x": ' * 100000)


def test_deeply_nested_json_error_body(server):
    with pytest.raises(MarketplaceHTTPError) as err:
        make(server.url('deeperror')).search()
    assert err.value.status == 400 and err.value.server_message is None


def test_http_error_carries_server_json_message(server):
    with pytest.raises(MarketplaceHTTPError) as err:
        make(server.url('errjson')).search()
    assert err.value.status == 400
    assert err.value.server_message == 'invalid search expression: bad'


def test_upload_error_text_and_no_retry_on_post(server):
    server.hits.clear()
    with pytest.raises(MarketplaceHTTPError) as err:
        make(server.url('busy')).upload(b'<x/>')
    assert err.value.status == 503
    assert [h for h in server.hits if h[0] == 'POST'] == \
        [('POST', '/busy/marketplace/metadata')]
    with pytest.raises(MarketplaceHTTPError) as err:
        make(server.url('ok')).upload(b'<x/>')
    assert err.value.server_message == 'invalid metadata: no signature'


def test_get_retried_on_503_then_succeeds(server):
    server.flaky = 0
    page = make(server.url('flaky'), retries=3).search()
    assert page.total == 3
    assert server.flaky == 3


def test_get_retries_are_bounded(server):
    server.hits.clear()
    with pytest.raises(MarketplaceHTTPError) as err:
        make(server.url('busy'), retries=2).search()
    assert err.value.status == 503
    assert len(server.hits) == 3


@pytest.mark.parametrize('mode', ['garbage', 'badrows', 'html'])
def test_malformed_listing(server, mode):
    with pytest.raises(MarketplaceResponseError) as err:
        make(server.url(mode)).search()
    assert 'invalid JSON listing' in str(err.value)


def test_malformed_xml_listing(server):
    with pytest.raises(MarketplaceResponseError) as err:
        make(server.url('html')).entries('LHfKVPoHcv4oMirHU0KuOQc-TvI')
    assert 'invalid XML listing' in str(err.value)


@pytest.mark.parametrize('mode', ['bigheader', 'bigstream'])
def test_oversize_body(server, mode):
    with pytest.raises(MarketplaceResponseError) as err:
        make(server.url(mode), max_bytes=1024 * 1024).search()
    assert 'more than the limit' in str(err.value)


def test_truncated_body(server):
    with pytest.raises(MarketplaceUnavailable) as err:
        make(server.url('truncated')).search()
    assert 'cut short' in str(err.value)


def test_not_found_entry(server):
    with pytest.raises(MarketplaceHTTPError) as err:
        make(server.url('err404')).fetch_entry(
            'LHfKVPoHcv4oMirHU0KuOQc-TvI', 'a@example.org',
            '2016-05-17T06:39:18Z')
    assert err.value.status == 404
    assert err.value.server_message == 'metadata entry not found.'


ENTRY = ('LHfKVPoHcv4oMirHU0KuOQc-TvI', 'a@example.org',
         '2016-05-17T06:39:18Z')


@pytest.mark.parametrize('mode, reason', [
    ('html', 'its root element is <html>, not rdf:RDF'),
    ('ok', 'not well-formed XML'),
    ('err404', 'its root element is <error>, not rdf:RDF'),
])
def test_fetch_entry_refuses_what_is_not_a_metadata_document(server, mode,
                                                             reason):
    if mode == 'err404':
        server.status_override = 200
    try:
        with pytest.raises(MarketplaceResponseError) as err:
            make(server.url(mode)).fetch_entry(*ENTRY)
    finally:
        server.status_override = None
    message = str(err.value)
    assert message.startswith(
        "marketplace 'test' (%s) sent something that is not a metadata "
        'document for entry %s' % (server.url(mode), '/'.join(ENTRY)))
    assert reason in message
    # and so does the cached verification on top of it
    with pytest.raises(MarketplaceResponseError):
        make(server.url('html')).verified_entry(*ENTRY, trust.TrustPolicy())


def test_fetch_entry_returns_the_document_as_served(server):
    data = (SAMPLES / '06-signed-testca.xml').read_bytes()
    server.documents['/sample/marketplace/metadata/%s' % '/'.join(ENTRY)] \
        = data
    assert make(server.url('sample')).fetch_entry(*ENTRY) == data


def test_connection_refused():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(MarketplaceUnavailable) as err:
        make('http://127.0.0.1:%d/marketplace' % port, retries=1).search()
    assert 'cannot connect' in str(err.value)


def test_tls_to_plain_http_port(server):
    with pytest.raises(MarketplaceUnavailable) as err:
        make(server.url('ok', scheme='https'), retries=0).search()
    assert 'TLS handshake' in str(err.value)
    assert 'should be http://' in str(err.value)


@pytest.fixture(scope='module')
def tls(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('tls')
    ca = pki.make_ca('Marketplace TLS Test CA')
    cred = faulty.server_credential(ca)
    srv = faulty.FaultyServer(faulty.tls_context(
        cred.cert_pem(), cred.key_pem(), tmp))
    yield srv, ca.write_pem(tmp / 'ca.pem')
    srv.stop()


def test_tls_untrusted_server_says_which_setting(tls):
    srv, _ = tls
    with pytest.raises(MarketplaceUnavailable) as err:
        make(srv.url('ok', scheme='https'), retries=0).search()
    message = str(err.value)
    assert 'TLS certificate problem' in message
    assert 'certificate verify failed' in message
    assert '--ca-file' in message and '"verify"' in message


def test_tls_with_configured_ca_bundle(tls):
    srv, ca_file = tls
    page = make(srv.url('ok', scheme='https'), verify=str(ca_file)).search()
    assert page.total == 3


@pytest.mark.parametrize('settings, message', [
    ({'url': 'file:///etc/passwd'}, 'use an http:// or https:// URL'),
    ({'url': 'ftp://example.org/'}, 'use an http:// or https:// URL'),
    ({'url': 'https://example.org/', 'verify': False}, 'cannot be disabled'),
    ({'url': 'https://example.org/', 'ca_file': '/nonexistent.pem'},
     'does not exist'),
    ({'url': 'https://example.org/', 'timeout': 'soon'}, 'invalid'),
    ({'url': 'https://example.org/', 'name': 'm', 'deadline': 'soon'},
     "invalid deadline 'soon' for marketplace 'm': give seconds"),
    ({'url': 'https://example.org/', 'deadline': 0}, 'invalid deadline 0'),
    ({'url': 'https://example.org/', 'deadline': float('inf')},
     'invalid deadline inf'),
    # settings that used to raise a bare ValueError or be accepted
    ({'url': 'https://example.org/', 'name': 'm', 'max_bytes': '16M'},
     "invalid max_bytes '16M' for marketplace 'm': give a number of bytes"),
    ({'url': 'https://example.org/', 'max_bytes': 0}, 'invalid max_bytes 0'),
    ({'url': 'https://example.org/', 'max_bytes': 1.5},
     'invalid max_bytes 1.5'),
    ({'url': 'https://example.org/', 'name': 'm', 'retries': 'many'},
     "invalid retries 'many' for marketplace 'm': give a whole number from "
     '0 to 10'),
    ({'url': 'https://example.org/', 'retries': -1}, 'invalid retries -1'),
    ({'url': 'https://example.org/', 'retries': 11}, 'invalid retries 11'),
    ({'url': 'https://example.org/', 'retries': True},
     'invalid retries True'),
    ({'url': 'https://example.org/', 'name': 'm', 'timeout': '30'},
     None),
    ({'url': 'https://example.org/', 'name': 'm', 'timeout': [5, 'x']},
     "invalid timeout [5, 'x'] for marketplace 'm'"),
    ({'url': 'https://example.org/', 'timeout': [5, 30, 1]},
     'invalid timeout [5, 30, 1]'),
    ({'url': 'https://example.org/', 'timeout': float('nan')},
     'invalid timeout nan'),
    ({'url': 'https://example.org/', 'timeout': 0}, 'invalid timeout 0'),
    ({'url': 'https://example.org/', 'timeout': 10 ** 6},
     'invalid timeout 1000000'),
    ({'url': 'https://example.org/', 'verify': 0}, 'cannot be disabled'),
    ({'url': 'https://example.org/', 'verify': None}, 'cannot be disabled'),
    ({'url': 42}, 'invalid URL 42'),
    ({'url': 'https://example.org/', 'user_agent': 7},
     'invalid user_agent 7'),
    ({}, 'needs at least a "url"'),
])
def test_config_validation(settings, message):
    if message is None:   # accepted
        client_mod.MarketplaceConfig.from_dict(settings)
        return
    with pytest.raises(MarketplaceClientError) as err:
        client_mod.MarketplaceConfig.from_dict(settings)
    assert message in str(err.value)


def test_config_numbers_from_strings():
    config = client_mod.MarketplaceConfig.from_dict(
        {'url': 'https://mp.example.org/marketplace', 'timeout': '30',
         'max_bytes': '1000', 'retries': '0', 'deadline': '45'})
    assert config.timeout == (30.0, 30.0) and config.deadline == 45.0
    assert config.max_bytes == 1000 and config.retries == 0


def test_config_from_dict():
    config = client_mod.MarketplaceConfig.from_dict(
        {'name': 'x', 'url': 'https://mp.example.org/marketplace',
         'timeout': 7, 'max_bytes': 1000})
    assert config.timeout == (7.0, 7.0) and config.max_bytes == 1000
    assert config.verify is True


def test_listing_cache(server):
    cache = MemoryCache()
    cli = client_mod.MarketplaceClient(client_mod.MarketplaceConfig(
        name='c', url=server.url('ok')), cache=cache)
    server.hits.clear()
    first = cli.search(client_mod.SearchQuery(text='a'))
    second = cli.search(client_mod.SearchQuery(text='a'))
    cli.search(client_mod.SearchQuery(text='b'))
    assert first == second
    assert len(server.hits) == 2


def test_query_escapes_user_text():
    params = client_mod.SearchQuery(text='c++ (beta)', arch='x86_64',
                                    os='Ubuntu').params()
    assert params['sSearch'] == r'c\+\+ \(beta\)'
    assert params['sSearch_3'] == '^x86_64$'
    assert params['sSearch_1'] == 'Ubuntu'
    with pytest.raises(MarketplaceClientError):
        client_mod.SearchQuery(status='bogus')


def test_upload_pending_confirmation_gives_entry_url(server):
    data = (SAMPLES / '06-signed-testca.xml').read_bytes()
    url = make(server.url('pending')).upload(data)
    assert url == server.url('pending') + (
        '/metadata/BEE8-MMAw-Lk_IgsEExAy3d9R8h/jane.tester@example.org/'
        '2014-03-08T14:10:40Z')
    with pytest.raises(MarketplaceResponseError):
        make(server.url('pending')).upload(b'<not-metadata/>')
