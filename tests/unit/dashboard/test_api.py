"""The Django-side api layer with the real core (no network)."""

import datetime
from unittest import mock

from django.test import RequestFactory
import pytest

from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core import client as core_client
from marketplace_dashboard.core import errors
from marketplace_dashboard.core import verdict as core_verdict
from tests import pki
from tests.unit.dashboard import fixtures

MARKETPLACE = {'name': 'mp', 'url': 'https://mp.example.org/marketplace'}


@pytest.fixture(autouse=True)
def dashboard_settings(settings):
    from django.core.cache import cache

    cache.clear()
    settings.MARKETPLACE_DASHBOARD = {'marketplaces': [MARKETPLACE],
                                      'page_size': 2}
    return settings


@pytest.fixture
def request_():
    return RequestFactory().get('/project/marketplace/')


class FakeCache:
    def __init__(self):
        self.data = {}
        self.ttls = {}

    def get(self, key, default=None):
        return self.data.get(key, default)

    def set(self, key, value, timeout=None):
        self.data[key] = value
        self.ttls[key] = timeout

    def get_many(self, keys):
        self.round_trips = getattr(self, 'round_trips', 0) + 1
        return {k: self.data[k] for k in keys if k in self.data}

    def delete(self, key):
        self.data.pop(key, None)


def test_django_cache_adapter_round_trip():
    backend = FakeCache()
    cache = api.DjangoCache(60, 'client', cache=backend)
    assert cache.get('mp-listing:abc') is None
    cache.set('mp-listing:abc', {'rows': []}, 30)
    cache.set('other key with spaces', 1)
    assert cache.get('mp-listing:abc') == {'rows': []}
    assert cache.get('other key with spaces') == 1
    keys = list(backend.data)
    assert all(k.startswith('marketplace-dashboard:client:') for k in keys)
    assert all(' ' not in k and len(k) < 250 for k in keys)
    assert sorted(backend.ttls.values()) == [30, 60]
    assert cache.get_many(['mp-listing:abc', 'other key with spaces',
                           'missing']) == {'mp-listing:abc': {'rows': []},
                                           'other key with spaces': 1}
    cache.delete('mp-listing:abc')
    assert cache.get('mp-listing:abc') is None


def test_client_is_built_from_settings_once_per_request(request_):
    client = api.client(request_, 'mp')
    assert isinstance(client, core_client.MarketplaceClient)
    assert client.base == MARKETPLACE['url']
    assert isinstance(client.cache, api.DjangoCache)
    assert api.client(request_, 'mp') is client
    other = RequestFactory().get('/')
    assert api.client(other, 'mp') is not client


def test_unknown_marketplace_is_a_configuration_error(request_):
    with pytest.raises(api.ConfigurationError, match="'nope'"):
        api.client(request_, 'nope')


@pytest.mark.parametrize('entry, message', [
    ({'name': 'bad', 'url': 'ftp://mp.example.org/'}, 'http://'),
    ({'name': 'bad', 'url': 'https://mp.example.org/', 'verify': False},
     'cannot be disabled'),
    ({'name': 'bad', 'url': 'https://mp.example.org/',
      'verify': '/nonexistent/ca.pem'}, 'does not exist'),
    ({'name': 'bad', 'url': 'https://mp.example.org/', 'timeout': 'x'},
     'timeout'),
])
def test_bad_marketplace_settings_are_explained(settings, request_, entry,
                                                message):
    settings.MARKETPLACE_DASHBOARD = {'marketplaces': [entry]}
    with pytest.raises(api.ConfigurationError) as info:
        api.client(request_, 'bad')
    assert "Marketplace 'bad' is misconfigured" in str(info.value)
    assert message in str(info.value)


def test_bad_trust_settings_are_explained(settings):
    settings.MARKETPLACE_DASHBOARD = {'trust': {'sha1': 'maybe'}}
    with pytest.raises(api.ConfigurationError, match="'trust'.*sha1"):
        api.trust_policy()
    settings.MARKETPLACE_DASHBOARD = {
        'trust': {'ca_files': ['/nonexistent/ca.pem']}}
    with pytest.raises(api.ConfigurationError, match='/nonexistent/ca.pem'):
        api.trust_policy()


def test_verifier_uses_the_core_verdict():
    document = fixtures.sample('06-signed-testca.xml')
    result = api.Verifier()(document)
    assert result['level'] == 'expired'   # valid until 2016
    assert result['signature'] == 'valid'
    assert result['certificate']['subject'].startswith('CN=Jane Tester')
    assert any('expired on 2016-03-05' in r for r in result['reasons'])

    tampered = document.replace(b'ttylinux', b'ttyLinux')
    result = api.Verifier()(tampered)
    assert result['level'] == 'invalid'
    assert result['signature'] != 'valid'

    garbage = api.Verifier()(b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    assert garbage['level'] == 'invalid'


def test_verdicts_are_cached_per_document_and_policy(settings, tmp_path):
    document = fixtures.sample('06-signed-testca.xml')
    other = fixtures.sample('07-signed-deprecated.xml')
    with mock.patch.object(core_verdict, 'evaluate',
                           wraps=core_verdict.evaluate) as evaluate:
        for _ in range(3):
            api.Verifier()(document)
        assert evaluate.call_count == 1
        api.Verifier()(other)
        assert evaluate.call_count == 2

        # A new trust policy (or a changed CA file) re-verifies.
        ca_file = tmp_path / 'ca.pem'
        pki.make_ca('Cache Test CA').write_pem(ca_file)
        settings.MARKETPLACE_DASHBOARD = {
            'trust': {'ca_files': [str(ca_file)]}}
        api.Verifier()(document)
        api.Verifier()(document)
        assert evaluate.call_count == 3
        pki.make_ca('Another Cache Test CA').write_pem(ca_file)
        api.Verifier()(document)
        assert evaluate.call_count == 4


def test_verdict_is_not_cached_past_the_entry_expiry(settings):
    settings.MARKETPLACE_DASHBOARD = {'cache_ttl': 3600}
    verify = api.Verifier()
    verify.cache = api.DjangoCache(3600, 'verdict', cache=FakeCache())
    soon = mock.Mock(valid=datetime.datetime.now(datetime.UTC)
                     + datetime.timedelta(seconds=120))
    later = mock.Mock(valid=datetime.datetime.now(datetime.UTC)
                      + datetime.timedelta(days=30))
    assert 100 < verify.ttl_for(soon) <= 120
    assert verify.ttl_for(later) == 3600
    assert verify.ttl_for(None) == 3600


def page_of(documents, total_filtered=3, start=0):
    rows = []
    for document in documents:
        entry = fixtures.entry(document=document)
        rows.append(core_client.ListingRow(
            os=entry.os, os_version=entry.os_version, os_arch=entry.os_arch,
            email=entry.email, kind=entry.kind, created=entry.created_key,
            identifier=entry.identifier, location=None, description=None,
            title=entry.title))
    return core_client.SearchPage(rows=rows, total=10,
                                  total_filtered=total_filtered, start=start,
                                  length=2)


def test_search_builds_the_query_and_verifies_the_page(request_):
    documents = [fixtures.sample('06-signed-testca.xml'),
                 fixtures.sample('04-signed-selfsigned-full.xml')]
    fake = mock.Mock()
    fake.search_appliances.return_value = (
        page_of(documents), documents,
        [api.parse_document(d) for d in documents])
    filters = {'q': 'tty linux', 'os': 'ttylinux', 'os_version': '',
               'arch': 'i686', 'endorser': 'jane.tester@example.org',
               'kind': 'machine', 'status': 'all', 'location': 'web'}
    with mock.patch.object(api, 'client', return_value=fake):
        result = api.search(request_, 'mp', filters, start=2, sort='title',
                            sort_dir='asc')

    query = fake.search_appliances.call_args[0][0]
    assert query == core_client.SearchQuery(
        text='tty linux', os='ttylinux', os_version=None, arch='i686',
        endorser='jane.tester@example.org', kind='machine', status='all',
        location='web', start=2, length=2, sort='title', sort_dir='asc')
    assert [e.identifier for e in result.entries] == [
        'BEE8-MMAw-Lk_IgsEExAy3d9R8h', 'MMZu9WvwKIro-rtBQfDk4PsKO7_']
    assert [e.level for e in result.entries] == ['expired', 'deprecated']
    assert result.entries[0].document == documents[0]
    assert result.has_prev and not result.has_more
    assert (result.prev_start, result.next_start) == (0, 4)


def test_search_keeps_rows_without_documents(request_):
    document = fixtures.sample('06-signed-testca.xml')
    fake = mock.Mock()
    fake.search_appliances.return_value = (page_of([document]), [None],
                                           [None])
    with mock.patch.object(api, 'client', return_value=fake):
        result = api.search(request_, 'mp')

    entry = result.entries[0]
    assert entry.document is None
    assert entry.identifier == 'BEE8-MMAw-Lk_IgsEExAy3d9R8h'
    assert entry.email == 'jane.tester@example.org'
    assert entry.os == 'ttylinux'
    assert entry.level == 'invalid'   # nothing verified
    assert entry.reasons == ['the marketplace did not send the signed '
                             'document of this entry']
    assert result.has_more


def test_search_reads_the_verdicts_of_a_page_in_one_round_trip(request_):
    documents = [fixtures.sample('06-signed-testca.xml'),
                 fixtures.sample('04-signed-selfsigned-full.xml')]
    appliances = [api.parse_document(d) for d in documents]
    fake = mock.Mock()
    fake.search_appliances.return_value = (page_of(documents), documents,
                                           appliances)
    backend = FakeCache()
    with mock.patch.object(api, 'client', return_value=fake), \
            mock.patch.object(api, 'django_cache', backend), \
            mock.patch.object(api, 'parse_document',
                              wraps=api.parse_document) as parse, \
            mock.patch.object(core_verdict, 'evaluate',
                              wraps=core_verdict.evaluate) as evaluate:
        first = api.search(request_, 'mp')
        assert evaluate.call_count == 2   # the first view verifies
        second = api.search(request_, 'mp')
    assert evaluate.call_count == 2       # the second is cached
    assert backend.round_trips == 2       # one get_many per page
    parse.assert_not_called()             # the client parsed them already
    assert [e.appliance for e in second.entries] == appliances
    assert [e.verdict for e in second.entries] == \
        [e.verdict for e in first.entries]
    assert [e.level for e in second.entries] == ['expired', 'deprecated']


def test_search_cuts_an_oversized_page_to_the_page_size(request_):
    # A marketplace ignoring iDisplayLength must not make every view
    # verify (and render) its whole listing.
    documents = [fixtures.sample('06-signed-testca.xml'),
                 fixtures.sample('04-signed-selfsigned-full.xml'),
                 fixtures.sample('07-signed-deprecated.xml')]
    fake = mock.Mock()
    fake.search_appliances.return_value = (page_of(documents, 10),
                                           documents, [None] * 3)
    with mock.patch.object(api, 'client', return_value=fake), \
            mock.patch.object(core_verdict, 'evaluate',
                              wraps=core_verdict.evaluate) as evaluate:
        result = api.search(request_, 'mp')
    assert len(result.entries) == 2  # page_size
    assert evaluate.call_count == 2
    assert result.has_more and result.next_start == 2


def test_search_hands_on_rows_to_the_client(request_):
    documents = [fixtures.sample('06-signed-testca.xml')]
    fake = mock.Mock()
    fake.search_appliances.return_value = (page_of(documents), documents,
                                           [None])
    on_rows = mock.Mock()
    with mock.patch.object(api, 'client', return_value=fake):
        api.search(request_, 'mp', on_rows=on_rows)
    assert fake.search_appliances.call_args[1] == {'on_rows': on_rows}


def test_search_calls_on_rows_for_clients_without_search_appliances(
        request_):
    documents = [fixtures.sample('06-signed-testca.xml')]
    fake = mock.Mock(spec=['search_documents'])
    seen = []
    fake.search_documents.side_effect = [(page_of(documents), documents),
                                         (page_of([]), [])]
    with mock.patch.object(api, 'client', return_value=fake):
        found = api.search(request_, 'mp', on_rows=seen.append)
        api.search(request_, 'mp', on_rows=seen.append)  # an empty page
    assert [len(page.rows) for page in seen] == [1]
    assert found.entries[0].identifier == 'BEE8-MMAw-Lk_IgsEExAy3d9R8h'


def test_search_propagates_client_errors(request_):
    fake = mock.Mock()
    fake.search_appliances.side_effect = errors.MarketplaceUnavailable(
        'down')
    with mock.patch.object(api, 'client', return_value=fake):
        with pytest.raises(errors.MarketplaceClientError):
            api.search(request_, 'mp')


def test_entry_and_versions(request_):
    current = fixtures.sample('06-signed-testca.xml')
    deprecated = fixtures.sample('07-signed-deprecated.xml')
    fake = mock.Mock()
    fake.fetch_entry.return_value = current
    fake.entries.return_value = [deprecated, current]
    with mock.patch.object(api, 'client', return_value=fake):
        entry = api.entry(request_, 'mp', 'BEE8-MMAw-Lk_IgsEExAy3d9R8h',
                          'jane.tester@example.org', '2014-03-08T14:10:40Z')
        versions = api.versions(request_, 'mp', entry.identifier)

    fake.fetch_entry.assert_called_once_with(
        'BEE8-MMAw-Lk_IgsEExAy3d9R8h', 'jane.tester@example.org',
        '2014-03-08T14:10:40Z')
    fake.entries.assert_called_once_with('BEE8-MMAw-Lk_IgsEExAy3d9R8h',
                                         status='all')
    assert entry.document == current
    assert entry.id == ('mp/BEE8-MMAw-Lk_IgsEExAy3d9R8h/'
                        'jane.tester@example.org/2014-03-08T14:10:40Z')
    assert [v.created_key for v in versions] == [
        '2014-03-08T14:10:40Z', '2014-03-08T14:10:17Z']
    assert [v.level for v in versions] == ['expired', 'deprecated']


def test_entry_of_unparseable_document():
    entry = api.Entry('mp', b'not xml', api.parse_document(b'not xml'),
                      {'level': 'invalid', 'reasons': ['not XML']})
    assert entry.appliance is None
    assert entry.title == ''
    assert entry.locations is None
    assert entry.reasons == ['not XML']


class Resource(dict):
    """What glanceclient returns: a dict with attribute access."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def test_imported_images_is_one_glance_call(request_):
    from openstack_dashboard.api import glance as horizon_glance

    def image(identifier, status='active', image_id='i', owner='mine',
              visibility='private'):
        data = {'id': image_id, 'status': status, 'owner': owner,
                'visibility': visibility, 'size': 3, 'name': image_id,
                'os_hash_value': 'ab'}
        if identifier:
            data['marketplace_identifier'] = identifier
        return horizon_glance.Image(Resource(data))

    images = [image('A' * 27, 'queued', 'q'), image('A' * 27, 'active', 'a'),
              image('B' * 27, 'importing', 'b'), image(None, 'active', 'n'),
              image('C' * 27, 'queued', 'squat', owner='other',
                    visibility='community'),
              image('C' * 27, 'active', 'pub', owner='other',
                    visibility='public')]
    request_.user = mock.Mock(project_id='mine')
    with mock.patch.object(api.glance, 'image_list_detailed',
                           return_value=(images, False, False)) as listing:
        found = api.imported_images(request_)

    listing.assert_called_once_with(request_,
                                    filters={'tag': ['marketplace']})
    # Every listed marketplace image: the engine's rule picks among them.
    assert {k: [i['id'] for i in v] for k, v in found.items()} == {
        'A' * 27: ['q', 'a'], 'B' * 27: ['b'], 'C' * 27: ['squat', 'pub']}
    assert found['C' * 27][1] == {
        'id': 'pub', 'name': 'pub', 'status': 'active', 'owner': 'other',
        'visibility': 'public', 'size': 3, 'checksum': None,
        'created_at': None, 'updated_at': None, 'os_hash_value': 'ab',
        'marketplace_identifier': 'C' * 27}


def test_entry_must_be_the_requested_one(request_):
    fake = mock.Mock()
    fake.fetch_entry.return_value = fixtures.sample('07-signed-deprecated.xml')
    with mock.patch.object(api, 'client', return_value=fake):
        with pytest.raises(errors.MarketplaceResponseError,
                           match='another entry'):
            api.entry(request_, 'mp', 'BEE8-MMAw-Lk_IgsEExAy3d9R8h',
                      'jane.tester@example.org', '2014-03-08T14:10:40Z')


def test_unparseable_entry_is_shown_as_invalid(request_):
    fake = mock.Mock()
    fake.fetch_entry.return_value = b'<html>maintenance</html>'
    with mock.patch.object(api, 'client', return_value=fake):
        entry = api.entry(request_, 'mp', 'BEE8-MMAw-Lk_IgsEExAy3d9R8h',
                          'jane.tester@example.org', '2014-03-08T14:10:40Z')
    assert entry.level == 'invalid'
    assert entry.reasons
    assert entry.document == b'<html>maintenance</html>'


def test_an_unsigned_artifact_entry_carries_its_registry():
    """The panel's import check sees the registry of an OCI verdict, so
    that accept_unsigned_registries applies to it (and only to it)."""
    from marketplace_dashboard.core.imports.policy import (
        ImportPolicy,
        check_policy,
    )
    accepting = ImportPolicy.from_dict(
        {'accept_unsigned_registries': ['https://registry.egi.eu']})
    artifact = api.Entry('egi', verdict={
        'level': 'untrusted', 'registry': 'https://registry.egi.eu',
        'reasons': ['unsigned: trusted by registry only']})
    assert artifact.registry == 'https://registry.egi.eu'
    assert check_policy(artifact, accepting) == 'untrusted'
    signed = api.Entry('mp', verdict={'level': 'untrusted',
                                      'reasons': ['not trusted']})
    assert signed.registry is None
    with pytest.raises(errors.ImportRefused):
        check_policy(signed, accepting)
