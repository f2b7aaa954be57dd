"""A catalogue type's own Glance properties (``catalog_properties``) are
recorded beside ours, never in their place."""

from marketplace_dashboard.core import model
from marketplace_dashboard.core.imports import mapping, record


def appliance(**properties):
    return model.Appliance(
        identifier='c0482bc2-bf41-5d49-aaaa-a750174a186b',
        os='CentOS', os_version='6.6', os_arch='x86_64', format='qcow2',
        bytes=10, checksums={'SHA-512': 'ab' * 64},
        endorsement=model.Endorsement(email='e@example.org'),
        catalog_properties=properties)


def test_catalog_properties_are_added():
    props = mapping.image_properties(appliance(
        appdb_id='c0482bc2', image_list='https://lists.example/a.list'),
        'verified', 'https://lists.example/a.list#c0482bc2')
    assert props['appdb_id'] == 'c0482bc2'
    assert props['image_list'] == 'https://lists.example/a.list'
    assert props['os_distro'] == 'centos'
    assert props['os_version'] == '6.6'
    assert props['architecture'] == 'x86_64'
    assert props[record.URL] == 'https://lists.example/a.list#c0482bc2'


def test_catalog_properties_never_replace_ours_or_glances():
    props = mapping.image_properties(appliance(**{
        'os_distro': 'evil', record.VERDICT: 'verified', 'size': '1',
        'bad key': 'x', 'long': 'y' * 300}), 'untrusted')
    assert props['os_distro'] == 'centos'
    assert props[record.VERDICT] == 'untrusted'
    assert 'size' not in props and 'bad key' not in props
    assert len(props['long']) == mapping.PROPERTY_MAX


def test_stratuslab_appliances_have_none():
    assert model.Appliance().catalog_properties == {}
