"""The client against the real marketplace service on loopback."""

import hashlib

import pytest

from marketplace_dashboard.core import client as client_mod
from marketplace_dashboard.core import trust
from marketplace_dashboard.core.cache import MemoryCache
from marketplace_dashboard.core.errors import (
    MarketplaceClientError,
    MarketplaceHTTPError,
)
from marketplace_dashboard.core.model import parse_appliance
from marketplace_dashboard.core.signature import verify_signature
from marketplace_dashboard.server.app import create_app
from tests import pki
from tests.unit.server.conftest import LiveServer, ago, make_doc


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    since = pki.days_ago(30)
    ca = pki.make_ca('Client Test CA', not_before=since)
    jane = pki.make_endorser(ca, 'Jane Tester', 'jane@example.org',
                             not_before=since)
    bob = pki.make_endorser(ca, 'Bob Tester', 'bob@example.org',
                            not_before=since)
    srv = LiveServer(create_app(str(tmp_path_factory.mktemp('mp'))))
    docs = {}
    for i in range(12):
        cred = jane if i % 3 else bob
        data = make_doc(cred, i, created=ago(days=1, seconds=i),
                        os='C++ Linux' if i == 4 else 'Ubuntu',
                        tag='stable' if i == 5 else '')
        docs[parse_appliance(data).key] = data
    cli = client_mod.MarketplaceClient({'name': 'test', 'url': srv.url})
    for data in docs.values():
        assert cli.upload(data).startswith(srv.url + '/metadata/')
    yield {'srv': srv, 'docs': docs, 'ca': ca, 'jane': jane, 'bob': bob,
           'client': cli}
    srv.stop()


def test_search_and_paging(world):
    cli = world['client']
    page = cli.search(client_mod.SearchQuery(length=5, sort='identifier',
                                             sort_dir='asc'))
    assert (page.total, page.total_filtered, len(page.rows)) == (12, 12, 5)
    everything = sorted(k[0] for k in world['docs'])
    assert [r.identifier for r in page.rows] == everything[:5]
    page2 = cli.search(client_mod.SearchQuery(start=10, length=5,
                                              sort='identifier',
                                              sort_dir='asc'))
    assert [r.identifier for r in page2.rows] == everything[10:]


def test_search_escapes_regex_characters(world):
    page = world['client'].search(client_mod.SearchQuery(text='c++'))
    assert [r.os for r in page.rows] == ['C++ Linux']
    page = world['client'].search(client_mod.SearchQuery(os='c++ linux'))
    assert len(page.rows) == 1
    page = world['client'].search(client_mod.SearchQuery(text='(['))
    assert page.rows == []


def test_search_filters(world):
    cli = world['client']
    bob = cli.search(client_mod.SearchQuery(endorser='bob@example.org'))
    assert bob.total_filtered == 4
    assert {r.email for r in bob.rows} == {'bob@example.org'}
    # the endorser filter is exact, not a substring
    assert cli.search(client_mod.SearchQuery(
        endorser='ob@example.org')).rows == []
    assert cli.search(client_mod.SearchQuery(status='expired')).rows == []


def test_search_documents_pairs_rows_and_documents(world):
    page, documents = world['client'].search_documents(
        client_mod.SearchQuery(start=2, length=6, sort='os', sort_dir='asc'))
    assert len(page.rows) == len(documents) == 6
    for row, document in zip(page.rows, documents, strict=True):
        assert parse_appliance(document).key == row.key
        assert verify_signature(document).status == 'valid'


def test_search_appliances_hands_on_the_parsed_documents(world):
    query = client_mod.SearchQuery(start=1, length=4, sort='os',
                                   sort_dir='asc')
    page, documents, appliances = world['client'].search_appliances(query)
    assert len(page.rows) == len(documents) == len(appliances) == 4
    for row, document, appliance in zip(page.rows, documents, appliances,
                                        strict=True):
        assert appliance == parse_appliance(document)
        assert appliance.key == row.key
    assert world['client'].search_appliances(client_mod.SearchQuery(
        text='nothing-matches-this'))[1:] == ([], [])


def test_search_appliances_calls_on_rows_between_the_two_listings(world):
    cli = world['client']
    calls = []
    real_get = cli.http.get

    def get(path, params=None, accept='application/xml', **kw):
        calls.append(accept)
        return real_get(path, params, accept, **kw)

    def on_rows(page):
        calls.append(('on_rows', len(page.rows)))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli.http, 'get', get)
        page, documents, _ = cli.search_appliances(
            client_mod.SearchQuery(length=3), on_rows=on_rows)
        assert len(page.rows) == len(documents) == 3
        assert calls == ['application/json', ('on_rows', 3),
                         'application/xml']
        del calls[:]
        cli.search_appliances(client_mod.SearchQuery(
            text='nothing-matches-this'), on_rows=on_rows)
        assert calls == ['application/json']   # no rows: never called


def test_search_documents_empty(world):
    page, documents = world['client'].search_documents(
        client_mod.SearchQuery(text='nothing-matches-this'))
    assert page.rows == [] and documents == []


def test_fetch_entry_byte_identical(world):
    key, data = next(iter(world['docs'].items()))
    assert world['client'].fetch_entry(*key) == data


def test_fetch_missing_entry(world):
    key = next(iter(world['docs']))
    with pytest.raises(MarketplaceHTTPError) as err:
        world['client'].fetch_entry(key[0], key[1], '2001-01-01T00:00:00Z')
    assert err.value.status == 404
    assert 'metadata entry not found' in str(err.value)


def test_bad_input_refused_before_any_request(world):
    with pytest.raises(MarketplaceClientError):
        world['client'].fetch_entry('../../etc', 'a@b', '2020-01-01T00:00:00Z')
    with pytest.raises(MarketplaceClientError):
        world['client'].fetch_entry('A' * 27, '../x@y',
                                    '2020-01-01T00:00:00Z')


def test_entries_of_an_identifier(world, tmp_path):
    cli = world['client']
    key = next(k for k in world['docs'] if k[1] == 'jane@example.org')
    # bob endorses the same image too
    data = make_doc(world['bob'], _seed_of(world, key))
    cli.upload(data)
    documents = cli.entries(key[0])
    assert sorted(parse_appliance(d).key[1] for d in documents) == \
        ['bob@example.org', 'jane@example.org']
    assert cli.entries('A' * 27) == []


def _seed_of(world, key):
    for i in range(12):
        sha = hashlib.sha1(str(i).encode()).hexdigest()  # noqa: S324
        if world['docs'][key] and parse_appliance(
                world['docs'][key]).sha1 == sha:
            return i
    raise AssertionError('unknown seed')


def test_endorsers_and_tags(world):
    cli = world['client']
    assert [e['email'] for e in cli.endorsers()] == \
        ['bob@example.org', 'jane@example.org']
    assert cli.tags('jane@example.org') == ['stable']


def test_upload_error_carries_server_text(world):
    data = next(iter(world['docs'].values())).replace(b'Ubuntu', b'Evil')
    with pytest.raises(MarketplaceHTTPError) as err:
        world['client'].upload(data)
    assert err.value.status == 400
    assert err.value.server_message.startswith('invalid metadata:')


def test_verified_entry_caches_by_document_and_policy(world, tmp_path):
    cache = MemoryCache()
    cli = client_mod.MarketplaceClient(
        {'name': 'c', 'url': world['srv'].url}, cache=cache)
    key, data = next(iter(world['docs'].items()))
    no_ca = trust.TrustPolicy()
    document, first = cli.verified_entry(*key, no_ca)
    assert document == data and first.level == 'untrusted'
    _, again = cli.verified_entry(*key, no_ca)
    assert again is first     # served from the cache
    ca_file = world['ca'].write_pem(tmp_path / 'ca.pem')
    with_ca = trust.TrustPolicy(ca_files=[str(ca_file)])
    _, trusted = cli.verified_entry(*key, with_ca)
    assert trusted is not first and trusted.level == 'verified'
    # a different CA bundle content under the same path is a new policy
    pki.make_ca('Someone Else').write_pem(ca_file)
    _, other = cli.verified_entry(*key, trust.TrustPolicy(
        ca_files=[str(ca_file)]))
    assert other.level == 'untrusted'


def test_verified_entry_never_reuses_verdict_for_changed_document(world):
    cache = MemoryCache()
    key, data = next(iter(world['docs'].items()))
    cli = client_mod.MarketplaceClient(
        {'name': 'c', 'url': world['srv'].url}, cache=cache)
    _, verdict = cli.verified_entry(*key, trust.TrustPolicy())
    tampered = data.replace(b'image ', b'IMAGE ')
    cli.fetch_entry = lambda *a: tampered
    document, again = cli.verified_entry(*key, trust.TrustPolicy())
    assert document == tampered
    assert again is not verdict and again.level == 'invalid'
