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


import pytest

from marketplace_dashboard.core import constraints, xmlsafe
from tests.unit.core import samples

MINIMAL = samples.sample('01-unsigned-minimal.xml')
SHA1 = b'c319bbd5afc0a22ba3eaed0507c39383ec28eeff'
ID = b'MMZu9WvwKIro-rtBQfDk4PsKO7_'


def check(data):
    return constraints.check_constraints(xmlsafe.parse_xml(data))


def add(data, xml):
    """Insert *xml* at the end of the Description."""
    return data.replace(b'</rdf:Description>', xml + b'</rdf:Description>')


@pytest.mark.parametrize('name', samples.SIGNED + samples.UNSIGNED)
def test_samples_pass(name):
    assert check(samples.sample(name)) == []


@pytest.mark.parametrize('mutate,expected', [
    (lambda d: d.replace(b' xml:base="http://mp.stratuslab.eu/"', b''),
     'root element must have xml:base attribute with value '
     'http://mp.stratuslab.eu/'),
    (lambda d: d.replace(b'xml:base="http://mp.stratuslab.eu/"',
                         b'xml:base="http://evil.example/"'),
     'root element must have xml:base attribute with value '
     'http://mp.stratuslab.eu/'),
    (lambda d: d.replace(b'<dcterms:type>machine</dcterms:type>', b''),
     'description must have exactly 1 dcterms:type element'),
    (lambda d: add(d, b'<dcterms:type>disk</dcterms:type>'),
     'description must have exactly 1 dcterms:type element'),
    (lambda d: d.replace(b'<dcterms:type>machine</dcterms:type>',
                         b'<dcterms:type><x/></dcterms:type>'),
     'dcterms:type cannot have child elements'),
    (lambda d: d.replace(b'>SHA-1<', b'>MD5<'),
     'description must have exactly 1 slterms:checksum element using SHA-1 '
     'algorithm'),
    (lambda d: d.replace(b'rdf:about="#MMZu', b'rdf:about="#NMZu'),
     'rdf:about attribute (#NMZu9WvwKIro-rtBQfDk4PsKO7_) and '
     'dcterms:identifier (MMZu9WvwKIro-rtBQfDk4PsKO7_) are not consistent'),
    (lambda d: d.replace(SHA1, b'1104f3e30c030f8b93f220b04131032dddf51f21'),
     'checksum from identifier (%d) and SHA-1 checksum (%d) are not '
     'consistent' % (int(SHA1, 16),
                     int('1104f3e30c030f8b93f220b04131032dddf51f21', 16))),
    (lambda d: d.replace(SHA1, b'xyz'), 'xyz is not a valid SHA-1 checksum'),
    (lambda d: add(d, b'<dcterms:valid>tomorrow</dcterms:valid>'),
     'dcterms:valid value (tomorrow) is not a valid date'),
    (lambda d: d.replace(b'2011-01-24T09:59:42Z', b'2011-01-24'),
     # sic: the reference prints the dcterms:valid value (empty here)
     'dcterms:created value () is not a valid date'),
    (lambda d: d.replace(b'2011-01-24T09:59:42Z', b'2011-01-24T99:59:42Z'),
     'Unparseable date: "2011-01-24T99:59:42Z"'),
] + [
    (lambda d, n=name: add(d, b'<slterms:%s>1</slterms:%s>'
                           b'<slterms:%s>2</slterms:%s>' % ((n,) * 4)),
     'description must have at most 1 slterms:%s element' % name.decode())
    for name in (b'serial-number', b'version', b'deprecated', b'os',
                 b'os-arch', b'os-version')
])
def test_constraint_messages(mutate, expected):
    assert check(mutate(MINIMAL)) == [expected]


def test_consistency_is_integer_comparison():
    data = MINIMAL.replace(SHA1, b'0' + SHA1.upper())
    assert check(data) == []


def test_quirky_created_message_prints_valid_value():
    data = add(MINIMAL.replace(b'2011-01-24T09:59:42Z', b'yesterday'),
               b'<dcterms:valid>2012-01-01T00:00:00Z</dcterms:valid>')
    assert check(data) == ['dcterms:created value (2012-01-01T00:00:00Z) is '
                           'not a valid date']


def test_empty_dates_pass():
    data = add(MINIMAL.replace(b'2011-01-24T09:59:42Z', b''),
               b'<dcterms:valid/>')
    assert check(data) == []


def test_bad_identifier_reported():
    data = MINIMAL.replace(ID, b'MMZu9WvwKIro-rtBQfDk4PsKO7')
    assert check(data) == ["invalid identifier 'MMZu9WvwKIro-rtBQfDk4PsKO7':"
                           " an identifier has exactly 27 characters"]


def test_all_failures_reported():
    data = MINIMAL.replace(b'>SHA-1<', b'>MD5<').replace(
        b'<dcterms:type>machine</dcterms:type>', b'')
    assert check(data) == [
        'description must have exactly 1 dcterms:type element',
        'description must have exactly 1 slterms:checksum element using '
        'SHA-1 algorithm']
