import pytest

from marketplace_dashboard import conf
from marketplace_dashboard.core.errors import ConfigurationError

GOOD = {
    'marketplaces': [
        {'name': 'stratuslab', 'url': 'https://mp.example.org/marketplace',
         'verify': '/etc/ssl/mp-ca.pem', 'timeout': (5, 30)},
        {'name': 'local-2', 'url': 'http://127.0.0.1:8081/'},
    ],
    'trust': {'ca_files': ['/etc/ssl/igtf.pem'],
              'trusted_endorsers': ['jane.tester@example.org'],
              'sha1': 'refuse'},
    'cache_ttl': 60,
    'page_size': 50,
    'import': {'method': 'web-download'},
}


def test_defaults_when_unset():
    settings = conf.validate(None)
    assert settings.marketplaces == ()
    assert settings.names == []
    assert settings.cache_ttl == 300
    assert settings.page_size == 20
    assert settings.trust == {'ca_files': [], 'trusted_endorsers': [],
                              'sha1': 'warn'}
    assert settings.import_options == {}


def test_full_settings():
    settings = conf.validate(GOOD)
    assert settings.names == ['stratuslab', 'local-2']
    assert settings.marketplace('local-2')['url'] == 'http://127.0.0.1:8081/'
    assert settings.marketplace('nope') is None
    assert settings.trust['sha1'] == 'refuse'
    assert settings.page_size == 50
    assert settings.import_options == {'method': 'web-download'}


def test_partial_trust_keeps_defaults():
    settings = conf.validate({'trust': {'sha1': 'refuse'}})
    assert settings.trust == {'ca_files': [], 'trusted_endorsers': [],
                              'sha1': 'refuse'}


def test_validation_does_not_modify_the_setting():
    value = {'marketplaces': [{'name': 'a', 'url': 'https://a.example'}]}
    conf.validate(value)
    assert value == {'marketplaces': [{'name': 'a',
                                       'url': 'https://a.example'}]}


@pytest.mark.parametrize('value, message', [
    ([], 'must be a dict'),
    ({'marketplace': []}, "unknown keys 'marketplace'"),
    ({'marketplaces': {'name': 'a'}}, 'must be a list'),
    ({'marketplaces': ['https://a.example']}, 'must be a dict'),
    ({'marketplaces': [{'url': 'https://a.example'}]}, "['name']"),
    ({'marketplaces': [{'name': 'a/b', 'url': 'https://a.example'}]},
     "'a/b'"),
    ({'marketplaces': [{'name': 'a', 'url': 'https://a.example'},
                       {'name': 'a', 'url': 'https://b.example'}]},
     "'a' is used twice"),
    ({'marketplaces': [{'name': 'a'}]}, "['url']"),
    ({'page_size': 0}, "'page_size'"),
    ({'page_size': 1000}, 'between 1 and 200'),
    ({'cache_ttl': True}, "'cache_ttl'"),
    ({'cache_ttl': '300'}, "'cache_ttl'"),
    ({'trust': ['a.pem']}, "'trust'"),
    ({'import': None}, "'import'"),
])
def test_bad_settings_are_explained(value, message):
    with pytest.raises(ConfigurationError) as info:
        conf.validate(value)
    assert message in str(info.value)
    assert 'MARKETPLACE_DASHBOARD' in str(info.value)


def test_get_settings_reads_django_settings(settings):
    settings.MARKETPLACE_DASHBOARD = GOOD
    assert conf.get_settings().names == ['stratuslab', 'local-2']
    del settings.MARKETPLACE_DASHBOARD
    assert conf.get_settings().names == []
