"""The registry of catalogue types and the ``stratuslab`` type."""

import datetime

import pytest

from marketplace_dashboard.core import catalogs, client, model, verdict
from marketplace_dashboard.core.catalogs import stratuslab
from marketplace_dashboard.core.errors import ConfigurationError
from tests.unit.core.samples import sample

URL = 'https://mp.example.org/marketplace'
NOW = datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC)


class FakeClient:
    def __init__(self, settings, cache):
        self.settings, self.cache = settings, cache
        self.calls = []
        self.closed = False

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            return name
        return call

    def close(self):
        self.closed = True


class FakeType(catalogs.CatalogType):
    name = 'fake-test-type'

    def make_client(self, settings, cache=None):
        return FakeClient(settings, cache)

    def parse(self, document):
        return model.Appliance(identifier=document.decode())

    def evaluate(self, document, policy, now=None):
        return verdict.failure('fake %s' % document.decode())

    def is_identifier(self, value):
        return value == 'x'


@pytest.fixture
def fake_type(monkeypatch):
    monkeypatch.setattr(catalogs, '_registered',
                        dict(catalogs._registered))
    return catalogs.register(FakeType())


def test_default_type_is_stratuslab():
    assert catalogs.DEFAULT_TYPE == 'stratuslab'
    assert set(catalogs.TYPES) == {'stratuslab', 'oci', 'hepix'}
    for setting in ({'url': URL}, {'url': URL, 'type': 'stratuslab'},
                    None, 'stratuslab'):
        assert catalogs.get_type(setting) is stratuslab.STRATUSLAB
    assert catalogs.type_name({'url': URL}) == 'stratuslab'


@pytest.mark.parametrize('value', ['StratusLab', 'ftp', '', 3, None, ['oci']])
def test_unknown_types_are_refused_with_the_valid_ones(value):
    with pytest.raises(ConfigurationError) as info:
        catalogs.get_type({'url': URL, 'type': value})
    message = str(info.value)
    assert 'unknown catalogue type %r' % (value,) in message
    assert "hepix, oci, stratuslab" in message


def test_a_built_in_type_missing_from_the_installation(monkeypatch):
    monkeypatch.setattr(catalogs, '_registered', {})
    monkeypatch.setattr(catalogs, '_BUILTIN', dict(
        catalogs._BUILTIN,
        hepix='marketplace_dashboard.core.catalogs.no_such_module:X'))
    with pytest.raises(ConfigurationError, match="'hepix' is not available"):
        catalogs.get_type('hepix')


def test_for_config_stratuslab_wraps_todays_client():
    cache = object()
    catalog = catalogs.for_config({'name': 'mp', 'url': URL}, cache=cache)
    assert isinstance(catalog, catalogs.Catalog)
    assert catalog.type_name == 'stratuslab'
    assert isinstance(catalog.client, client.MarketplaceClient)
    assert catalog.client.base == URL
    assert catalog.client.cache is cache
    assert catalog.client.config.name == 'mp'
    catalog.close()


def test_for_config_stratuslab_checks_the_settings():
    from marketplace_dashboard.core.errors import MarketplaceClientError
    with pytest.raises(MarketplaceClientError, match='cannot be disabled'):
        catalogs.for_config({'url': URL, 'verify': False})


def test_stratuslab_type_parses_and_judges_as_the_core_does():
    kind = catalogs.get_type('stratuslab')
    document = sample('06-signed-testca.xml')
    assert kind.parse(document) == model.parse_appliance(document)
    expected = verdict.evaluate(document, None, now=NOW).to_dict()
    assert kind.evaluate(document, None, now=NOW).to_dict() == expected
    assert expected['level'] == 'untrusted'   # no trust anchors
    later = kind.evaluate(document, None).to_dict()
    assert later['level'] == 'expired'        # valid until 2016
    assert kind.document_media_type == 'application/xml'
    assert kind.is_identifier('BEE8-MMAw-Lk_IgsEExAy3d9R8h')
    assert not kind.is_identifier('BEE8-MMAw-Lk_IgsEExAy3d9R8')


def test_stratuslab_entry_urls():
    kind = catalogs.get_type('stratuslab')
    url = kind.entry_url(URL + '/', 'BEE8-MMAw-Lk_IgsEExAy3d9R8h',
                         'a+b@example.org', '2014-03-08T14:10:40Z')
    assert url == (URL + '/metadata/BEE8-MMAw-Lk_IgsEExAy3d9R8h/'
                   'a%2Bb@example.org/2014-03-08T14:10:40Z')
    assert kind.owns_url(URL, url)
    assert not kind.owns_url(URL + '2', url)
    assert not kind.owns_url(URL, URL)


def test_registered_types_are_used(fake_type):
    assert catalogs.get_type({'url': URL, 'type': 'fake-test-type'}) \
        is fake_type
    catalog = catalogs.for_config({'url': URL, 'type': 'fake-test-type'},
                                  cache='c')
    assert catalog.client.settings['url'] == URL
    assert catalog.client.cache == 'c'
    assert catalog.parse(b'abc').identifier == 'abc'
    assert catalog.evaluate(b'abc', None).reasons == ['fake abc']
    assert catalog.search('q') == 'search'
    assert catalog.search_documents('q') == 'search_documents'
    assert catalog.fetch_entry('i', 'e', 'c') == 'fetch_entry'
    assert catalog.entries('i') == 'entries'
    assert catalog.latest_entry('i', 'e') == 'latest_entry'
    assert catalog.verified_entry('i', 'e', 'c', 'p') == 'verified_entry'
    assert [c[0] for c in catalog.client.calls] == [
        'search', 'search_documents', 'fetch_entry', 'entries',
        'latest_entry', 'verified_entry']
    assert catalog.client.calls[3] == ('entries', ('i', None),
                                       {'status': 'all'})
    catalog.close()
    assert catalog.client.closed


def test_register_needs_a_named_type():
    with pytest.raises(TypeError):
        catalogs.register(object())
    with pytest.raises(TypeError):
        catalogs.register(catalogs.CatalogType())
