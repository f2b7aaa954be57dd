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


import datetime

import pytest

from marketplace_dashboard.core import formats, model
from marketplace_dashboard.core.errors import MetadataError
from tests.unit.core import samples

UTC = datetime.UTC
JANE = 'CN=Jane Tester,OU=Testing Department,O=StratusLab Project,C=EU'
JIM = 'CN=Jim Tester,OU=Testing Department,O=StratusLab Project,C=EU'
CA = 'CN=Certificate Authority,OU=Testing Department,O=StratusLab Project,C=EU'
BEE8_CHECKSUMS = {
    'MD5': 'a003bf123ce16965005ee85c60281a31',
    'SHA-1': '1104f3e30c030f8b93f220b04131032dddf51f21',
    'SHA-256': '63694032b698d2f455b67311e0d4b821e3c4a8a08c679f3e6514d5e1'
               '3b7255f8',
    'SHA-512': '70cd8ad17fab1abe7fae230ff70f682ed3af4892225b3100e6a07fc2'
               '471b657def80fce93afd02aa7f3e716bb8cab02b745d032cdc4895d5'
               'fd242a7ac8403693',
}


def parse(name):
    return model.parse_appliance(samples.sample(name))


def test_minimal():
    app = parse('01-unsigned-minimal.xml')
    assert app.identifier == 'MMZu9WvwKIro-rtBQfDk4PsKO7_'
    assert app.about == '#MMZu9WvwKIro-rtBQfDk4PsKO7_'
    assert app.bytes == 100
    assert app.checksums == {
        'SHA-1': 'c319bbd5afc0a22ba3eaed0507c39383ec28eeff'}
    assert app.sha1 == 'c319bbd5afc0a22ba3eaed0507c39383ec28eeff'
    end = app.endorsement
    assert end.email == 'jane.tester@example.org'
    assert end.subject == JANE and end.issuers == [JANE]
    assert end.issuer == JANE
    assert end.created == datetime.datetime(2011, 1, 24, 9, 59, 42,
                                            tzinfo=UTC)
    assert app.key == ('MMZu9WvwKIro-rtBQfDk4PsKO7_',
                       'jane.tester@example.org', '2011-01-24T09:59:42Z')
    assert app.type == 'machine'
    assert app.valid is None and not app.deprecated
    assert app.locations == [] and app.extra == [] and app.problems == []


@pytest.mark.parametrize('name', ['02-unsigned-full.xml',
                                  '04-signed-selfsigned-full.xml'])
def test_full(name):
    app = parse(name)
    assert app.identifier == 'MMZu9WvwKIro-rtBQfDk4PsKO7_'
    assert app.type == 'machine'
    assert app.valid == datetime.datetime(2011, 7, 23, 10, 59, 42,
                                          tzinfo=UTC)
    assert app.publisher == 'StratusLab'
    assert app.title == 'linux-with-my-apps'
    assert app.description == 'A 32-bit ttylinux...'
    assert app.locations == ['http://example.org/...']
    assert app.serial_number == 0
    assert app.version == '1.0'
    assert app.hypervisor == 'kvm'
    assert app.inbound_ports == [443]
    assert app.outbound_ports == [25]
    assert app.icmp == [8]
    assert (app.os, app.os_version, app.os_arch) == ('ttylinux', '9.7',
                                                     'i486')
    assert app.deprecated
    assert app.deprecated_reason == 'security issue with app'
    assert app.extra == [
        ('ex:other-info', 'additional metadata'),
        ('ex:yet-more', 'still more info'),
        ('ex:relatedImages', ' '.join(
            c + 'MZu9WvwKIro-rtBQfDk4PsKO7_' for c in 'MNOP')),
    ]


def test_build_metadata_style():
    app = parse('03-unsigned-build-metadata-style.xml')
    assert app.identifier == 'BEE8-MMAw-Lk_IgsEExAy3d9R8h'
    assert app.bytes == 128
    assert app.checksums == BEE8_CHECKSUMS
    assert app.endorsement == model.Endorsement()
    assert app.type == 'base' and app.kind == 'machine'
    assert app.compression == '' and app.description == ''
    assert app.format == 'raw' and app.creator == 'Jane Tester'
    assert app.created == datetime.datetime(2011, 9, 9, 14, 12, 57,
                                            tzinfo=UTC)
    assert app.valid == datetime.datetime(2014, 3, 5, 14, 12, 57,
                                          tzinfo=UTC)
    assert app.publisher == 'StratusLab' and app.hypervisor == 'kvm'


def test_java_default_namespace_endorsement():
    app = parse('05-signed-ca-issued-no-san-email.xml')
    end = app.endorsement
    assert end.email == 'jim.tester@example.org'
    assert end.subject == JIM and end.issuers == [CA]
    assert end.created_text == '2012-02-01T17:02:02Z'
    assert app.checksums == BEE8_CHECKSUMS
    assert app.valid == datetime.datetime(2012, 3, 5, 14, 12, 57,
                                          tzinfo=UTC)
    assert app.compression == '' and app.description == ''


def test_testca_and_deprecated():
    app6 = parse('06-signed-testca.xml')
    app7 = parse('07-signed-deprecated.xml')
    for app in (app6, app7):
        assert app.identifier == 'BEE8-MMAw-Lk_IgsEExAy3d9R8h'
        assert app.endorsement.issuers == ['CN=TestCA,OU=Test,O=StratusLab,'
                                           'C=EU']
        assert app.endorsement.subject == JANE
    assert app6.endorsement.created_text == '2014-03-08T14:10:40Z'
    assert app7.endorsement.created_text == '2014-03-08T14:10:17Z'
    assert not app6.deprecated and app6.deprecated_reason is None
    assert app7.deprecated
    assert app7.deprecated_reason == 'This is a test of deprecation'


def test_alternative():
    app = parse('08-signed-with-tag-alternative.xml')
    assert app.alternative == 'Alternative'
    assert app.description == 'An image with an alternative tag'


def test_document_kept():
    data = samples.sample('06-signed-testca.xml')
    app = model.parse_appliance(data)
    assert app.document == data
    import hashlib
    assert app.document_sha256 == hashlib.sha256(data).hexdigest()


def test_to_dict_is_json():
    import json
    app = parse('02-unsigned-full.xml')
    data = json.loads(json.dumps(app.to_dict()))
    assert data['valid'] == '2011-07-23T10:59:42Z'
    assert data['endorsement']['email'] == 'jane.tester@example.org'
    assert 'document' not in data


def test_prefixes_not_significant():
    data = samples.sample('01-unsigned-minimal.xml')
    data = data.replace(b'dcterms:', b'dc:').replace(b'xmlns:dcterms',
                                                     b'xmlns:dc')
    data = data.replace(b'slreq:', b'r:').replace(b'xmlns:slreq', b'xmlns:r')
    app = model.parse_appliance(data)
    assert app.identifier == 'MMZu9WvwKIro-rtBQfDk4PsKO7_'
    assert app.endorsement.email == 'jane.tester@example.org'
    assert app.sha1 == 'c319bbd5afc0a22ba3eaed0507c39383ec28eeff'


def test_bad_values_are_noted_not_raised():
    data = samples.sample('02-unsigned-full.xml')
    data = data.replace(b'<slreq:bytes>100<', b'<slreq:bytes>-1<')
    data = data.replace(b'>443<', b'>70000<')
    data = data.replace(b'2011-07-23T10:59:42Z', b'2011-07-23T99:59:42Z')
    app = model.parse_appliance(data)
    assert app.bytes is None and app.inbound_ports == []
    assert app.valid is None
    assert len(app.problems) == 2
    assert 'slterms:inbound-port value (70000)' in app.problems[1]


@pytest.mark.parametrize('data,message', [
    (b'<foo/>', 'expected rdf:RDF'),
    (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
     'exactly one rdf:Description'),
])
def test_not_metadata(data, message):
    with pytest.raises(MetadataError) as exc:
        model.parse_appliance(data)
    assert message in str(exc.value)


def test_parse_appliances_list():
    docs = [samples.sample(n) for n in samples.SIGNED]
    apps = model.parse_appliances(samples.metadata_list(*docs))
    assert [a.key for a in apps] == [model.parse_appliance(d).key
                                     for d in docs]


def test_dates():
    assert formats.parse_date('2014-03-08T14:10:40Z') == datetime.datetime(
        2014, 3, 8, 14, 10, 40, tzinfo=UTC)
    for bad in ('2014-03-08T99:10:40Z', '2014-03-08 14:10:40Z', '',
                '2014-03-08T14:10:40', '2014-02-30T14:10:40Z', None):
        assert formats.parse_date(bad) is None
    assert formats.format_date(datetime.datetime(
        2014, 3, 8, 14, 10, 40, tzinfo=UTC)) == '2014-03-08T14:10:40Z'
