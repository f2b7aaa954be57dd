"""An OCI artifact as an entry (core/catalogs/oci/document.py): the
appliance from EGI's annotations, the verdict, the Glance properties and
the import policy's ``accept_unsigned_registries``."""

import json

import pytest

from marketplace_dashboard.core import verdict as verdict_mod
from marketplace_dashboard.core.catalogs.oci import document
from marketplace_dashboard.core.errors import (
    ConfigurationError,
    ImportRefused,
)
from marketplace_dashboard.core.identifier import is_identifier
from marketplace_dashboard.core.imports import mapping, record
from marketplace_dashboard.core.imports.policy import (
    ImportPolicy,
    check_policy,
)
from tests.unit.core.catalogs.fakeregistry import recorded

REGISTRY = 'https://registry.egi.eu'
REPOSITORY = 'egi_vm_images/ubuntu-22.04'
TAG = '22.04-20261201-0123abcd'
MANIFEST_DIGEST = ('sha256:e1f4f8b9c8bd75e932c699789825ba923e95ae340bfe27798'
                   'ecde0aebdb9c706')
LAYER = ('sha256:0e7db0d4ad0a3b83d343a88d5991fc5024f7a9ec21c1d0e5f15261ebc3f'
         'd587e')


def make(manifest=None, registry=REGISTRY, tag=TAG):
    return document.make_document(
        registry, REPOSITORY, tag, MANIFEST_DIGEST,
        manifest if manifest is not None else recorded(
            'manifest-ubuntu.json'))


def manifest(**changes):
    value = json.loads(recorded('manifest-ubuntu.json'))
    value.update(changes)
    return value


def test_the_appliance_from_egis_annotations():
    app = document.appliance_of(make())
    assert is_identifier(app.identifier)
    assert app.identifier == document.entry_identifier(LAYER)
    assert app.os == 'ubuntu' and app.os_version == '22.04'
    assert app.os_arch == 'x86_64' and app.format == 'qcow2'
    assert app.description == 'Ubuntu 22.04 LTS (Jammy Jellyfish) for EGI'
    assert app.alternative == '22.04'
    assert app.version == '0123abcd'
    assert app.creator == \
        'https://github.com/EGI-Federation/fedcloud-vmi-templates'
    assert app.title == 'ubuntu-22.04 %s' % TAG
    assert app.bytes == 196616
    assert app.checksums == {'SHA-256': LAYER.partition(':')[2]}
    assert app.locations == ['%s/v2/%s/blobs/%s' % (REGISTRY, REPOSITORY,
                                                    LAYER)]
    assert app.endorsement.email == 'registry@registry.egi.eu'
    assert app.endorsement.created_text == '2026-12-01T00:00:00Z'
    assert app.about == 'registry.egi.eu/%s:%s' % (REPOSITORY, TAG)
    assert ('org.openstack.glance.os_admin_user', 'ubuntu') in app.extra
    assert ('oci:manifest-digest', MANIFEST_DIGEST) in app.extra
    assert app.catalog_properties == {'oci_reference': app.about,
                              'oci_manifest_digest': MANIFEST_DIGEST}


def test_the_identifier_follows_the_bytes_not_the_tag():
    other = document.appliance_of(make(tag='22.04-20261202-deadbeef'))
    assert other.identifier == document.appliance_of(make()).identifier
    assert other.endorsement.created_text == '2026-12-02T00:00:00Z'
    value = manifest()
    value['layers'][0]['digest'] = 'sha256:' + 'f' * 64
    assert document.appliance_of(make(value)).identifier != other.identifier


def test_created_annotation_wins_over_the_tag():
    value = manifest()
    value['annotations']['org.opencontainers.image.created'] = \
        '2026-11-30T10:20:30Z'
    app = document.appliance_of(make(value, tag='latest'))
    assert app.endorsement.created_text == '2026-11-30T10:20:30Z'
    value['annotations'].pop('org.opencontainers.image.created')
    app = document.appliance_of(make(value, tag='latest'))
    assert app.endorsement.created_text == '1970-01-01T00:00:00Z'


def test_the_verdict_is_unsigned_never_verified():
    result = document.evaluate(make())
    assert result.level == verdict_mod.Level.UNTRUSTED
    assert result.reasons == [document.UNSIGNED] == [
        'unsigned: trusted by registry only']
    assert result.registry == REGISTRY
    assert result.trusted is False and result.signature == 'missing'
    assert result.to_dict()['registry'] == REGISTRY


@pytest.mark.parametrize('value, reason', [
    (manifest(layers=[]), 'no layers'),
    (manifest(layers=[{'mediaType': 'application/vnd.cyclonedx+json',
                       'size': 3, 'digest': LAYER}]), 'no disk image layer'),
    (manifest(layers=[{'mediaType': 'application/x-qemu-disk',
                       'size': -1, 'digest': LAYER}]), 'no valid size'),
    (manifest(layers=[{'mediaType': 'application/x-qemu-disk',
                       'size': 1, 'digest': 'md5:00'}]), 'no sha256'),
    (manifest(schemaVersion=1), 'not an image manifest'),
])
def test_unusable_manifests_are_invalid(value, reason):
    result = document.evaluate(make(value))
    assert result.level == verdict_mod.Level.INVALID
    assert reason in result.reasons[0]


@pytest.mark.parametrize('data', [
    b'', b'{', b'[]', b'{"oci": 2}', b'<rdf:RDF/>',
    b'{"oci": 1, "registry": "r", "repository": "../x", "tag": "t", '
    b'"digest": "sha256:00", "manifest": {}}',
    b'{"oci": 1, "manifest": {' + b' ' * document.MAX_DOCUMENT_BYTES + b'}}',
])
def test_hostile_documents_are_invalid(data):
    result = document.evaluate(data)
    assert result.level == verdict_mod.Level.INVALID and result.reasons


def test_hostile_annotations_stay_bounded_text():
    value = manifest()
    value['annotations'] = {'eu.egi.cloud.description': 'x' * 100000,
                            'org.openstack.glance.os_distro': {'a': 1},
                            'org.opencontainers.image.title': '<b>t</b>'}
    app = document.appliance_of(make(value))
    assert len(app.description) == 4096
    assert app.os is None and app.title == '<b>t</b>'


def test_glance_properties_carry_the_provenance():
    app = document.appliance_of(make())
    props = mapping.image_properties(app, 'untrusted', REGISTRY)
    assert props['os_distro'] == 'ubuntu'
    assert props['os_version'] == '22.04'
    assert props['architecture'] == 'x86_64'
    assert props[record.hash_property('sha256')] == LAYER.partition(':')[2]
    assert props['oci_reference'] == 'registry.egi.eu/%s:%s' % (REPOSITORY,
                                                                TAG)
    assert props['oci_manifest_digest'] == MANIFEST_DIGEST
    assert mapping.dedupe_key(mapping.endorsed_hashes(app)) == (
        record.hash_property('sha256'), LAYER.partition(':')[2])


def test_provenance_cannot_overwrite_ours():
    app = document.appliance_of(make())
    app.catalog_properties = {'os_distro': 'evil', record.VERDICT: 'verified',
                      'bad key!': 'x', 'oci_reference': 'ok'}
    props = mapping.image_properties(app, 'untrusted')
    assert props['os_distro'] == 'ubuntu'
    assert props[record.VERDICT] == 'untrusted'
    assert 'bad key!' not in props and props['oci_reference'] == 'ok'


def test_the_import_policy_decides_on_unsigned_artifacts():
    result = document.evaluate(make())
    with pytest.raises(ImportRefused, match='accept_unsigned_registries'):
        check_policy(result, ImportPolicy())
    accepting = ImportPolicy.from_dict(
        {'accept_unsigned_registries': ['https://Registry.EGI.eu/']})
    assert check_policy(result, accepting) == 'untrusted'
    elsewhere = document.evaluate(make(registry='https://evil.example'))
    with pytest.raises(ImportRefused, match='evil.example'):
        check_policy(elsewhere, accepting)


def test_accepting_a_registry_accepts_no_untrusted_stratuslab_entry():
    accepting = ImportPolicy.from_dict(
        {'accept_unsigned_registries': [REGISTRY]})
    signed = verdict_mod.Verdict(verdict_mod.Level.UNTRUSTED,
                                 reasons=['endorser not trusted'])
    with pytest.raises(ImportRefused, match='allow_untrusted'):
        check_policy(signed, accepting)


@pytest.mark.parametrize('value', [
    REGISTRY, [REGISTRY + '/egi_vm_images'], ['registry.egi.eu'], [None],
    {'a': 1}])
def test_bad_accept_unsigned_registries(value):
    with pytest.raises(ConfigurationError,
                       match='accept_unsigned_registries'):
        ImportPolicy.from_dict({'accept_unsigned_registries': value})
