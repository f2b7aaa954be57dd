"""The ``type`` of a marketplace setting, and the api layer routing each
marketplace through its catalogue type (``core.catalogs``)."""

from django.test import RequestFactory
import pytest

from marketplace_dashboard import conf
from marketplace_dashboard.api import imports as api_imports
from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core import catalogs, client, model, verdict
from marketplace_dashboard.core.errors import ConfigurationError

URL = 'https://mp.example.org/marketplace'


def test_type_defaults_to_stratuslab_and_is_checked():
    settings = conf.validate({'marketplaces': [
        {'name': 'a', 'url': URL},
        {'name': 'b', 'url': URL, 'type': 'hepix'},
        {'name': 'c', 'url': URL, 'type': 'oci'},
        {'name': 'd', 'url': URL, 'type': 'stratuslab'}]})
    assert [m.get('type') for m in settings.marketplaces] == [
        None, 'hepix', 'oci', 'stratuslab']
    for bad in ('HEPiX', 'docker', None, 1):
        with pytest.raises(ConfigurationError) as info:
            conf.validate({'marketplaces': [
                {'name': 'a', 'url': URL, 'type': bad}]})
        message = str(info.value)
        assert "['marketplaces[0]']['type'] must be one of" in message
        assert "'stratuslab', 'oci', 'hepix'" in message
        assert 'not %r' % (bad,) in message


class FakeClient:
    def __init__(self, settings, cache):
        self.settings, self.cache = settings, cache

    def search_documents(self, query):
        page = client.SearchPage(rows=[client.ListingRow(
            identifier='one', email='e@example.org',
            created='2026-01-01T00:00:00Z', os=None, os_version=None,
            os_arch=None, kind=None, location=None, description=None,
            title=None)], total=1, total_filtered=1, start=0, length=20)
        return page, [b'one']

    def fetch_entry(self, identifier, email, created):
        return identifier.encode()


class FakeType(catalogs.CatalogType):
    name = 'fake-dashboard-type'
    evaluated = []

    def make_client(self, settings, cache=None):
        return FakeClient(settings, cache)

    def parse(self, document):
        return model.Appliance(identifier=document.decode(),
                               endorsement=model.Endorsement(
                                   email='e@example.org',
                                   created_text='2026-01-01T00:00:00Z'))

    def evaluate(self, document, policy, now=None):
        self.evaluated.append(document)
        result = verdict.failure('fake verdict of %s' % document.decode())
        result.appliance = self.parse(document)
        return result

    def is_identifier(self, value):
        return True

    def entry_url(self, base, identifier, email, created):
        return '%s#%s' % (base, identifier)

    def owns_url(self, base, url):
        return url.startswith(base + '#')


@pytest.fixture
def fake(monkeypatch, settings):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(catalogs, '_registered', dict(catalogs._registered))
    monkeypatch.setattr(catalogs, 'TYPES',
                        catalogs.TYPES + ('fake-dashboard-type',))
    kind = catalogs.register(FakeType())
    kind.evaluated.clear()
    settings.MARKETPLACE_DASHBOARD = {'marketplaces': [
        {'name': 'mp', 'url': URL},
        {'name': 'other', 'url': URL + '/list', 'type': kind.name,
         'token': 'x'}]}
    return kind


def test_each_marketplace_gets_the_client_of_its_type(fake):
    request = RequestFactory().get('/')
    assert isinstance(api.client(request, 'mp'), client.MarketplaceClient)
    other = api.client(request, 'other')
    assert isinstance(other, FakeClient)
    assert other.settings['token'] == 'x'
    assert isinstance(other.cache, api.DjangoCache)
    assert api.catalog_type('other') is fake
    assert api.catalog_type('mp') is catalogs.get_type('stratuslab')
    assert api.catalog_type('gone') is catalogs.get_type('stratuslab')


def test_search_and_entry_are_judged_by_the_type(fake):
    request = RequestFactory().get('/')
    result = api.search(request, 'other')
    entry = result.entries[0]
    assert entry.identifier == 'one'
    assert entry.reasons == ['fake verdict of one']
    assert fake.evaluated == [b'one']
    api.search(request, 'other')
    assert fake.evaluated == [b'one']   # the verdict is cached
    detail = api.entry(request, 'other', 'one', 'e@example.org',
                       '2026-01-01T00:00:00Z')
    assert detail.reasons == ['fake verdict of one']


def test_the_entry_url_is_the_types(fake):
    assert api_imports.entry_url('other', 'one', 'e@example.org',
                                 '2026-01-01T00:00:00Z') == \
        URL + '/list#one'
    assert api_imports.entry_url('mp', 'one', 'e@example.org', 'c') == \
        URL + '/metadata/one/e@example.org/c'
