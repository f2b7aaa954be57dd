"""The ``oci`` catalogue type registered in core.catalogs, and the command
line's ``search`` and ``show`` through it (``--catalog-type oci``) against
recorded registry answers."""

import pytest

from marketplace_dashboard.cli import main
from marketplace_dashboard.core import catalogs
from marketplace_dashboard.core.catalogs.oci import OCI, OCIClient, document
from tests.unit.core.catalogs.fakeregistry import FakeRegistry, recorded

UBUNTU = 'egi_vm_images/ubuntu-22.04'
TAG = '22.04-20261201-0123abcd'


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setenv('XDG_CONFIG_HOME', '/nonexistent')
    with FakeRegistry() as server:
        server.json('/v2/_catalog?n=100', {'repositories': [UBUNTU]})
        server.json('/v2/%s/tags/list?n=100' % UBUNTU,
                    recorded('tags-ubuntu.json'))
        server.manifest(UBUNTU, TAG, recorded('manifest-ubuntu.json'))
        yield server


def test_oci_is_a_built_in_type(fake):
    assert catalogs.get_type('oci') is OCI
    catalog = catalogs.for_config({'name': 'egi', 'type': 'oci',
                                   'url': fake.base_url + '/egi_vm_images'})
    assert isinstance(catalog.client, OCIClient)
    row = catalog.search().rows[0]
    assert row.os == 'ubuntu'
    data, verdict = catalog.verified_entry(row.identifier, row.email,
                                           row.created, None)
    assert catalog.parse(data).identifier == row.identifier
    assert catalog.evaluate(data, None).reasons == [document.UNSIGNED]
    assert verdict.level.value == 'untrusted'
    assert OCI.is_identifier(row.identifier)
    assert OCI.owns_url(fake.base_url + '/egi_vm_images', OCI.entry_url(
        fake.base_url + '/egi_vm_images', *row.key))
    catalog.close()


def test_settings_are_checked():
    for bad in ({'type': 'oci', 'url': 'ftp://registry/x'},
                {'type': 'oci', 'url': 'https://registry/x', 'verify': False}):
        with pytest.raises(Exception) as info:
            catalogs.for_config(bad)
        assert 'registry' in str(info.value) or 'TLS' in str(info.value)


def run(capsys, *argv):
    status = main.main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_cli_search_and_show(fake, capsys):
    endpoint = fake.base_url + '/egi_vm_images'
    status, out, err = run(capsys, 'search', '--catalog-type', 'oci',
                           '--endpoint', endpoint, '--os', 'ubuntu')
    assert status == 0, err
    identifier = document.entry_identifier(
        'sha256:0e7db0d4ad0a3b83d343a88d5991fc5024f7a9ec21c1d0e5f15261ebc3f'
        'd587e')
    assert identifier in out and 'ubuntu' in out
    status, out, err = run(capsys, 'show', '--catalog-type', 'oci',
                           '--endpoint', endpoint, identifier)
    assert status == 0, err
    assert 'Verdict: untrusted' in out
    assert 'unsigned: trusted by registry only' in out
    assert 'Identifier: %s' % identifier in out
