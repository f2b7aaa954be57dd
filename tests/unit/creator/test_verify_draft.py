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

"""``marketplace-metadata verify --draft``."""

import json

import pytest

from marketplace_dashboard.core import builder
from tests import SAMPLES

SHA1 = '1b5229d5dad92bc7952553be01608af2180eafbe'
IDENT = 'BtSKdXa2SvHlSVTvgFgivIYDq--'


@pytest.fixture
def draft(tmp_path):
    path = tmp_path / 'draft.xml'
    path.write_bytes(builder.build_document(
        10, {'SHA-1': SHA1}, os='Debian', os_version='12', os_arch='amd64',
        image_version='3', locations=['https://h/debian.qcow2']))
    return path


def test_built_draft_is_valid(cli, draft):
    result = cli('verify', '--draft', draft)
    assert result.status == 0, result
    assert result.out == 'Valid: %s [%s] (draft)\n' % (draft, IDENT)
    assert result.err == ''
    # Without --draft the same file is invalid: it is not signed.
    assert cli('verify', draft).status == 1


def test_inconsistent_identifier_is_reported_verbatim(cli, draft):
    draft.write_bytes(draft.read_bytes().replace(
        b'rdf:about="#%s"' % IDENT.encode(), b'rdf:about="#%s"'
        % b'MMZu9WvwKIro-rtBQfDk4PsKO7_'))
    result = cli('verify', '--draft', draft)
    assert result.status == 1
    assert result.out.startswith('Invalid: %s [%s] (draft): ' % (draft,
                                                                  IDENT))
    assert ('rdf:about attribute (#MMZu9WvwKIro-rtBQfDk4PsKO7_) and '
            'dcterms:identifier (%s) are not consistent' % IDENT) \
        in result.out


def test_bad_location_and_dates(cli, draft):
    data = draft.read_bytes().replace(b'https://h/debian.qcow2',
                                      b'https://h/my image.qcow2')
    data = data.replace(b'<dcterms:valid>', b'<dcterms:valid>x')
    draft.write_bytes(data)
    result = cli('verify', '--draft', draft)
    assert result.status == 1
    assert 'whitespace or control characters' in result.out
    assert 'is not a valid date' in result.out


def test_warnings_do_not_invalidate(cli):
    minimal = SAMPLES / '01-unsigned-minimal.xml'
    result = cli('verify', '--draft', minimal)
    assert result.status == 0, result
    assert 'old StratusLab clients need these elements' in result.err
    assert 'no slterms:location' in result.err
    old = SAMPLES / '03-unsigned-build-metadata-style.xml'
    result = cli('verify', '--draft', old)
    assert result.status == 0, result
    assert 'is in the past' in result.err


def test_signed_sample_as_draft(cli):
    result = cli('verify', '--draft', SAMPLES / '06-signed-testca.xml')
    assert result.status == 0
    assert '--draft does not check the signature' in result.err


def test_unusable_inputs(cli, tmp_path):
    hostile = tmp_path / 'hostile.xml'
    hostile.write_bytes(b'<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>')
    html = tmp_path / 'page.xml'
    html.write_bytes(b'<html/>')
    result = cli('verify', '--draft', hostile, html, tmp_path / 'nope.xml')
    assert result.status == 3
    lines = result.out.splitlines()
    assert 'DOCTYPE' in lines[0]
    assert 'expected rdf:RDF' in lines[1]
    assert 'cannot read' in lines[2] and 'No such file' in lines[2]
    assert 'Traceback' not in result.err


def test_json_output(cli, draft, tmp_path):
    bad = tmp_path / 'bad.xml'
    bad.write_bytes(draft.read_bytes().replace(b'<slreq:bytes>10',
                                               b'<slreq:bytes>-10'))
    result = cli('verify', '--draft', '--json', draft, bad)
    assert result.status == 1
    report = json.loads(result.out)
    assert [(r['file'], r['identifier'], r['valid']) for r in report] == [
        (str(draft), IDENT, True), (str(bad), IDENT, False)]
    assert report[1]['problems'] and report[0]['problems'] == []


# --- the original validator's XML Schema and RDF/XML rules ----------------

ENDORSEMENT = (b'<slreq:endorsement rdf:parseType="Resource">'
               b'<dcterms:created>2026-01-01T00:00:00Z</dcterms:created>'
               b'<slreq:endorser rdf:parseType="Resource">'
               b'<slreq:email>%s</slreq:email><slreq:subject>CN=x'
               b'</slreq:subject><slreq:issuer>CN=x</slreq:issuer>'
               b'</slreq:endorser></slreq:endorsement>')
STRUCTURE_CASES = {
    'checksum without parseType': (
        b'<slreq:checksum rdf:parseType="Resource">', b'<slreq:checksum>',
        'RDF/XML validation exception: slreq:checksum holds 2 elements '
        'without rdf:parseType="Resource"'),
    'parseType other than Resource': (
        b'<slreq:checksum rdf:parseType="Resource">',
        b'<slreq:checksum rdf:parseType="Literal">',
        "XML schema validation exception: rdf:parseType 'Literal' on "
        "slreq:checksum is not allowed"),
    'non-hex checksum': (
        SHA1.encode(), b'not-hex',
        "XML schema validation exception: slreq:value value 'not-hex' is not "
        "hexadecimal"),
    'unqualified attribute': (
        b'<dcterms:title>', b'<dcterms:title foo="bar">',
        'XML schema validation exception: attribute foo is not allowed on '
        'dcterms:title'),
    'unqualified attribute on unknown property': (
        b'<dcterms:title>', b'<ex:note xmlns:ex="urn:x" foo="bar"/>'
        b'<dcterms:title>',
        'RDF/XML validation exception: unqualified attribute foo is not '
        'allowed on property element ex:note'),
    'bad email': (
        b'<slreq:endorsement rdf:parseType="Resource"/>',
        ENDORSEMENT % b'jane_at_example.org',
        "XML schema validation exception: slreq:email value "
        "'jane_at_example.org' is not an e-mail address"),
    'non-integer bytes': (
        b'<slreq:bytes>10<', b'<slreq:bytes>ten<',
        "XML schema validation exception: slreq:bytes value 'ten' is not a "
        "non-negative integer"),
    'non-integer serial number': (
        b'<dcterms:title>', b'<slterms:serial-number>1.5'
        b'</slterms:serial-number><dcterms:title>',
        "XML schema validation exception: slterms:serial-number value '1.5' "
        "is not a non-negative integer"),
    'port out of range': (
        b'<dcterms:title>', b'<slterms:inbound-port>65536'
        b'</slterms:inbound-port><dcterms:title>',
        "XML schema validation exception: slterms:inbound-port value '65536' "
        "is not an integer between 0 and 65535"),
    'wrong order': (
        b'<slreq:bytes>10</slreq:bytes>', b'',
        'XML schema validation exception: rdf:Description: found '
        'slreq:checksum where slreq:bytes is expected'),
}


@pytest.mark.parametrize('case', sorted(STRUCTURE_CASES))
def test_structure_rules(cli, draft, case):
    old, new, message = STRUCTURE_CASES[case]
    data = draft.read_bytes()
    assert old in data, old
    draft.write_bytes(data.replace(old, new, 1))
    result = cli('verify', '--draft', draft)
    assert result.status == 1, result
    assert result.out.startswith('Invalid: %s' % draft)
    assert message in result.out, result.out
    assert 'Traceback' not in result.err


def test_filled_endorsement_is_fine_in_a_draft(cli, draft):
    draft.write_bytes(draft.read_bytes().replace(
        b'<slreq:endorsement rdf:parseType="Resource"/>',
        ENDORSEMENT % b'jane@example.org'))
    result = cli('verify', '--draft', draft)
    assert result.status == 0, result


def test_model_problem_reported_once(cli, draft):
    draft.write_bytes(draft.read_bytes().replace(b'<slreq:bytes>10<',
                                                 b'<slreq:bytes>-10<'))
    result = cli('verify', '--draft', '--json', draft)
    problems = json.loads(result.out)[0]['problems']
    assert [p for p in problems if 'slreq:bytes' in p] == [
        "XML schema validation exception: slreq:bytes value '-10' is not a "
        "non-negative integer (xs:nonNegativeInteger) (line 5)"], problems
