# Copyright 2026 The marketplace-dashboard Authors.
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""core.builder: the metadata template and document edits."""

import datetime

from lxml import etree
import pytest

from marketplace_dashboard.core import builder, formats, model, xmlsafe
from marketplace_dashboard.core.constraints import check_constraints
from marketplace_dashboard.core.errors import MetadataError
from marketplace_dashboard.core.model import q
from tests import SAMPLES
from tests.unit.core.test_identifier import PAIRS  # spec section 1

NOW = datetime.datetime(2016, 4, 14, 14, 22, 21, tzinfo=datetime.UTC)
CHECKSUMS = {
    'MD5': 'a003bf123ce16965005ee85c60281a31',
    'SHA-1': '1104f3e30c030f8b93f220b04131032dddf51f21',
    'SHA-256': '63694032b698d2f455b67311e0d4b821e3c4a8a08c679f3e65'
               '14d5e13b7255f8',
    'SHA-512': '70cd8ad17fab1abe7fae230ff70f682ed3af4892225b3100e6a07fc24'
               '71b657def80fce93afd02aa7f3e716bb8cab02b745d032cdc4895d5fd'
               '242a7ac8403693',
}


def sample(name):
    return (SAMPLES / name).read_bytes()


def children(document):
    description = model.description_of(xmlsafe.parse_xml(document))
    return [etree.QName(c).localname for c in description]


@pytest.mark.parametrize('sha1, identifier', PAIRS)
def test_identifier_pairs(sha1, identifier):
    document = builder.build_document(1, {'SHA-1': sha1}, now=NOW)
    appliance = model.parse_appliance(document)
    assert appliance.identifier == identifier
    assert appliance.about == '#' + identifier
    assert check_constraints(xmlsafe.parse_xml(document)) == []


def test_template_shape_and_values():
    document = builder.build_document(
        128, CHECKSUMS, os='ttylinux', os_version='9.3', os_arch='i686',
        image_version='1.0', author='Jane Tester',
        locations=['https://example.org/a.img.gz', 'pdisk:h:1:u'],
        compression='gz', title='T', tag='tag', comment='C', now=NOW)
    assert document.startswith(
        b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>')
    assert children(document) == [
        'identifier', 'bytes', 'checksum', 'checksum', 'checksum',
        'checksum', 'endorsement', 'type', 'kind', 'os', 'os-version',
        'os-arch', 'version', 'compression', 'location', 'location',
        'format', 'creator', 'created', 'valid', 'title', 'alternative',
        'description', 'hypervisor', 'disks-bus', 'publisher']
    app = model.parse_appliance(document)
    assert app.identifier == 'BEE8-MMAw-Lk_IgsEExAy3d9R8h'
    assert app.bytes == 128
    assert app.checksums == CHECKSUMS
    assert (app.type, app.kind, app.format, app.hypervisor, app.disks_bus,
            app.publisher, app.compression) == (
        'base', 'machine', 'raw', 'kvm', 'ide', 'StratusLab', 'gz')
    assert (app.os, app.os_version, app.os_arch, app.version) == (
        'ttylinux', '9.3', 'i686', '1.0')
    assert (app.title, app.alternative, app.description, app.creator) == (
        'T', 'tag', 'C', 'Jane Tester')
    assert app.locations == ['https://example.org/a.img.gz', 'pdisk:h:1:u']
    # Real data: created 2016-04-14T14:22:21Z -> valid 2016-10-09T14:22:21Z
    assert formats.format_date(app.created) == '2016-04-14T14:22:21Z'
    assert formats.format_date(app.valid) == '2016-10-09T14:22:21Z'
    endorsement = model.description_of(xmlsafe.parse_xml(document)).find(
        q('slreq', 'endorsement'))
    assert len(endorsement) == 0
    assert endorsement.get(q('rdf', 'parseType')) == 'Resource'
    assert check_constraints(xmlsafe.parse_xml(document)) == []


def test_valid_days_and_empty_options():
    document = builder.build_document(0, {'SHA-1': PAIRS[0][0]},
                                      valid_days=2, now=NOW)
    app = model.parse_appliance(document)
    assert app.valid - app.created == datetime.timedelta(days=2)
    assert app.os == '' and app.locations == []


def test_control_characters_are_refused():
    with pytest.raises(MetadataError, match='characters that XML'):
        builder.build_document(1, CHECKSUMS, title='bad\x01title')


def test_sha1_is_required():
    with pytest.raises(MetadataError, match='SHA-1'):
        builder.build_document(1, {'MD5': CHECKSUMS['MD5']})


@pytest.mark.parametrize('uri', ['https://h/p', 'http://h:8080/a.img.gz'])
def test_http_locations_are_fine(uri):
    assert builder.check_location(uri) == []


@pytest.mark.parametrize('uri', ['ftp://h/a.img', 'pdisk:h:8445:uuid',
                                 'https:onehost-7.lal.in2p3.fr:uuid'])
def test_other_locations_warn(uri):
    warnings = builder.check_location(uri)
    assert len(warnings) == 1 and 'only http(s)' in warnings[0]


@pytest.mark.parametrize('uri', ['', 'https://h/a b', 'https://h/\tx',
                                 'https://h/x\n', 'http://h/\x7f',
                                 'not a uri', 'relative/path.img', '//h/x'])
def test_bad_locations_are_refused(uri):
    with pytest.raises(MetadataError):
        builder.check_location(uri)


def test_default_filename():
    assert builder.default_filename('SL', '6.6', 'x86_64', 'base', '1.0') \
        == 'SL-6.6-x86_64-base-1.0.xml'
    assert builder.default_filename('dummyos', '0.0', 'i686', 'base',
                                    '1.0') == 'dummyos-0.0-i686-base-1.0.xml'
    for bad in ('../etc', 'a/b'):
        with pytest.raises(MetadataError, match='-o'):
            builder.default_filename(bad, '1', 'x', 'base', '1')


@pytest.mark.parametrize('parts,name', [
    (('', '', '', 'base', ''), 'base.xml'),
    (('', '', '', '', ''), 'metadata.xml'),
    (('Ubuntu', '', 'x86_64', 'base', ''), 'Ubuntu-x86_64-base.xml'),
    (('', '24.04', '', 'base', '2'), '24.04-base-2.xml'),
])
def test_default_filename_leaves_out_empty_parts(parts, name):
    assert builder.default_filename(*parts) == name


@pytest.mark.parametrize('os', ['-rf', '.hidden'])
def test_default_filename_never_starts_with_dash_or_dot(os):
    with pytest.raises(MetadataError, match='would start with .*-o'):
        builder.default_filename(os, '1', 'x86_64', 'base', '1')


def test_add_location_drops_signature_and_keeps_everything_else():
    original = sample('04-signed-selfsigned-full.xml')
    root, warnings = builder.add_location(
        original, 'https://dashboard.example.org/project/marketplace/'
                  'launch/1234/')
    assert warnings == []
    assert root.find('.//' + q('ds', 'Signature')) is None
    description = model.description_of(root)
    endorsement = description.find(q('slreq', 'endorsement'))
    assert len(endorsement) == 0
    before = model.parse_appliance(original)
    after = model.parse_appliance(builder.serialize(root))
    assert after.locations == before.locations + [
        'https://dashboard.example.org/project/marketplace/launch/1234/']
    assert after.extra == before.extra and after.extra  # ex:* kept
    assert (after.identifier, after.checksums, after.deprecated_reason) == (
        before.identifier, before.checksums, before.deprecated_reason)
    assert check_constraints(root) == []


def test_add_location_refuses_duplicates():
    document = builder.build_document(1, CHECKSUMS, locations=['http://h/a'])
    with pytest.raises(MetadataError, match='already'):
        builder.add_location(document, 'http://h/a')


def test_add_location_without_existing_locations():
    root, _ = builder.add_location(sample('01-unsigned-minimal.xml'),
                                   'https://h/x.img')
    assert model.parse_appliance(builder.serialize(root)).locations == [
        'https://h/x.img']


def test_mark_deprecated_replaces_reason():
    root = xmlsafe.parse_xml(sample('02-unsigned-full.xml'))
    builder.mark_deprecated(root)
    description = model.description_of(root)
    reasons = [e.text for e in description.findall(
        q('slterms', 'deprecated'))]
    assert reasons == [builder.DEFAULT_REASON]
    assert check_constraints(root) == []


def test_mark_deprecated_adds_reason():
    root = xmlsafe.parse_xml(sample('06-signed-testca.xml'))
    builder.mark_deprecated(root, 'broken kernel')
    app = model.parse_appliance(builder.serialize(root))
    assert app.deprecated and app.deprecated_reason == 'broken kernel'
    assert root.find('.//' + q('ds', 'Signature')) is None
