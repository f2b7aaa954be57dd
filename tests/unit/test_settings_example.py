"""The settings snippet shipped for deployers is valid as shipped.

``marketplace_dashboard/local_settings.d/_1920_marketplace_settings.py
.example`` is what the installation guide (doc/source/install/index.rst)
tells operators to copy into Horizon's ``local_settings.d``: executed as
Horizon would (a plain Python file), its ``MARKETPLACE_DASHBOARD`` must
pass the plugin's own validation.
"""

import pathlib
import runpy

from django.test import override_settings

from marketplace_dashboard import conf
from marketplace_dashboard.core.imports.policy import ImportPolicy

EXAMPLE = (pathlib.Path(conf.__file__).parent / 'local_settings.d' /
           '_1920_marketplace_settings.py.example')


def _example():
    # runpy.run_path picks the code by the file name: .example is read as
    # source like any other name without a compiled form
    return runpy.run_path(str(EXAMPLE))


def test_the_example_defines_only_the_plugin_setting():
    names = {k for k in _example() if not k.startswith('__')}
    assert names == {'MARKETPLACE_DASHBOARD'}


def test_the_example_validates_with_get_settings():
    value = _example()['MARKETPLACE_DASHBOARD']
    with override_settings(MARKETPLACE_DASHBOARD=value):
        settings = conf.get_settings()
    assert settings.names == ['stratuslab']
    market = settings.marketplace('stratuslab')
    assert market['url'] == 'https://marketplace.example.org/marketplace'
    assert market['verify'] is True
    assert tuple(market['timeout']) == (5, 30)
    assert settings.trust['ca_files'] == [
        '/etc/marketplace-dashboard/trusted-cas.pem']
    assert settings.trust['sha1'] == 'warn'
    assert settings.cache_ttl == 300
    assert settings.page_size == 20
    # the import options it documents (empty: the defaults) are accepted
    # by the engine's own policy parser too
    ImportPolicy.from_dict(settings.import_options)


def test_the_documented_import_options_are_valid(tmp_path):
    """The commented import options of the example, switched on."""
    value = _example()['MARKETPLACE_DASHBOARD']
    ca = tmp_path / 'mirrors-ca.pem'
    ca.write_text('')
    value['import'] = {'allow_streamed': False, 'verify_tls': str(ca),
                       'max_streamed_transfers': 2}
    with override_settings(MARKETPLACE_DASHBOARD=value):
        settings = conf.get_settings()
    policy = ImportPolicy.from_dict(settings.import_options)
    assert policy.allow_streamed is False
    assert policy.verify_tls == str(ca)
    assert policy.max_streamed_transfers == 2
