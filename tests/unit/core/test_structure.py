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


"""The XML Schema and RDF/XML rules of the original validator."""

import pytest

from marketplace_dashboard.core import builder, signature, structure, xmlsafe
from tests import pki
from tests.unit.core import samples

SCHEMA = structure.SCHEMA_ERROR
RDF = structure.RDF_ERROR
EX = b' xmlns:ex="http://example.org/"'
CHECKSUM = (b'<slreq:checksum rdf:parseType="Resource">\n'
            b'\t\t\t<slreq:algorithm>SHA-1</slreq:algorithm>\n'
            b'\t\t\t<slreq:value>c319bbd5afc0a22ba3eaed0507c39383ec28eeff'
            b'</slreq:value>\n\t\t</slreq:checksum>')


def minimal():
    return samples.sample('01-unsigned-minimal.xml')


def check(data, draft=False):
    return structure.check_structure(xmlsafe.parse_xml(data), draft=draft)


def edit(old, new, data=None):
    data = minimal() if data is None else data
    assert data.count(old) == 1, old
    return data.replace(old, new)


def extra(element):
    """The minimal sample with *element* added after dcterms:type."""
    return edit(b'</dcterms:type>', b'</dcterms:type>' + element).replace(
        b'<rdf:RDF ', b'<rdf:RDF' + EX + b' ', 1)


def assert_one(errors, prefix, fragment):
    assert len(errors) == 1, errors
    assert errors[0].startswith(prefix), errors
    assert fragment in errors[0], errors


# --- documents that pass --------------------------------------------------

@pytest.mark.parametrize('name', [n for n in samples.SIGNED + samples.UNSIGNED
                                  if n not in (
                                      '03-unsigned-build-metadata-style.xml',
                                      '08-signed-with-tag-alternative.xml')])
def test_samples_pass(name):
    assert check(samples.sample(name)) == []
    assert check(samples.sample(name), draft=True) == []


def test_unsigned_template_passes_as_draft_only():
    data = samples.sample('03-unsigned-build-metadata-style.xml')
    assert check(data, draft=True) == []
    assert_one(check(data), SCHEMA, 'slreq:endorsement: dcterms:created is '
               'missing')


def test_sample_with_alternative_before_bytes_fails_the_schema():
    # Accepted by the marketplace service (which does not run the schema),
    # refused by stratus-validate-metadata: the order is fixed.
    data = samples.sample('08-signed-with-tag-alternative.xml')
    assert_one(check(data), SCHEMA, 'rdf:Description: found '
               'dcterms:alternative where slreq:bytes is expected')
    assert signature.verify_signature(data).valid


def test_built_and_signed_documents_pass():
    draft = builder.build_document(
        10, {'MD5': 'a' * 32, 'SHA-1': 'c319bbd5afc0a22ba3eaed0507c39383ec28'
             'eeff'}, os='Debian', locations=['https://h/i.img'])
    assert check(draft, draft=True) == []
    credential = pki.make_endorser(None, 'Structure Tester',
                                   'structure@example.org')
    signed = signature.sign_document(draft, credential.key, credential.cert)
    assert check(signed) == []
    nomail = pki.make_endorser(None, 'No Mail', email=None)
    signed = signature.sign_document(draft, nomail.key, nomail.cert,
                                     email='x@example.org')
    assert check(signed) == []


def test_lax_content_passes():
    data = extra(b'<ex:a>text</ex:a><ex:b rdf:parseType="Resource"><ex:c>1'
                 b'</ex:c><dcterms:identifier>x</dcterms:identifier></ex:b>'
                 b'<ex:d rdf:resource="http://example.org/x#y"/>'
                 b'<ex:e><rdf:Description rdf:about="#x"><ex:f>g</ex:f>'
                 b'</rdf:Description></ex:e><ex:g ex:h="i"/>'
                 b'<dcterms:title xml:lang="en">T</dcterms:title>'
                 b'<slterms:inbound-port> +80 </slterms:inbound-port>'
                 b'<slterms:icmp>255</slterms:icmp>'
                 b'<slreq:bytes>0</slreq:bytes><!-- comment -->')
    assert check(data) == []


# --- XML Schema rules -----------------------------------------------------

@pytest.mark.parametrize('value', [b'Literal', b'BAD', b''])
def test_checksum_parse_type_other_than_resource(value):
    errors = check(edit(b'<slreq:checksum rdf:parseType="Resource">',
                        b'<slreq:checksum rdf:parseType="%s">' % value))
    assert_one(errors, SCHEMA, "rdf:parseType '%s' on slreq:checksum is not "
               "allowed (the only allowed value is Resource)"
               % value.decode())


def test_parse_type_other_than_resource_anywhere():
    errors = check(extra(b'<ex:x rdf:parseType="Literal"><b/></ex:x>'))
    assert_one(errors, SCHEMA, "rdf:parseType 'Literal' on ex:x")


@pytest.mark.parametrize('value', [b'xyz', b'', b' c319', b'0x12', b'12-34'])
def test_checksum_value_must_be_hexadecimal(value):
    errors = check(edit(b'c319bbd5afc0a22ba3eaed0507c39383ec28eeff', value))
    assert_one(errors, SCHEMA, "slreq:value value %r is not hexadecimal "
               "(pattern [A-Fa-f0-9]+)" % value.decode())


def test_checksum_children_in_order():
    errors = check(edit(CHECKSUM, b'<slreq:checksum rdf:parseType="Resource">'
                        b'<slreq:value>c3</slreq:value><slreq:algorithm>'
                        b'SHA-1</slreq:algorithm></slreq:checksum>'))
    assert errors[0].startswith(SCHEMA + 'slreq:checksum: found slreq:value '
                                'where slreq:algorithm is expected'), errors


@pytest.mark.parametrize('value', [b'-5', b'abc', b'', b'1.0', b'1e3'])
@pytest.mark.parametrize('element', [b'slreq:bytes', b'slterms:serial-number'])
def test_non_negative_integers(element, value):
    if element == b'slreq:bytes':
        data = edit(b'<slreq:bytes>100</slreq:bytes>',
                    b'<slreq:bytes>%s</slreq:bytes>' % value)
    else:
        data = extra(b'<slterms:serial-number>%s</slterms:serial-number>'
                     % value)
    assert_one(check(data), SCHEMA, '%s value %r is not a non-negative '
               'integer' % (element.decode(), value.decode()))


@pytest.mark.parametrize('value', [b'0', b' 42\n', b'+7', b'-0'])
def test_non_negative_integer_lexical_forms(value):
    assert check(extra(b'<slterms:serial-number>%s</slterms:serial-number>'
                       % value)) == []


@pytest.mark.parametrize('element,value,limit', [
    (b'slterms:inbound-port', b'65536', 65535),
    (b'slterms:outbound-port', b'-1', 65535),
    (b'slterms:inbound-port', b'http', 65535),
    (b'slterms:icmp', b'256', 255),
])
def test_ports_and_icmp_in_range(element, value, limit):
    errors = check(extra(b'<%s>%s</%s>' % (element, value, element)))
    assert_one(errors, SCHEMA, '%s value %r is not an integer between 0 and '
               '%d' % (element.decode(), value.decode(), limit))


@pytest.mark.parametrize('value', [b'jane.tester_at_example.org',
                                   b'jane@', b'jane tester@example.org',
                                   b'jane@example.org '])
def test_email_pattern(value):
    errors = check(edit(b'jane.tester@example.org', value))
    assert_one(errors, SCHEMA, 'slreq:email value %r is not an e-mail '
               'address' % value.decode())


@pytest.mark.parametrize('first', [b'<slterms:os>x</slterms:os>',
                                   b'<dcterms:title>x</dcterms:title>',
                                   b'<ex:x>x</ex:x>'])
def test_first_description_child_is_the_identifier(first):
    data = edit(b'<dcterms:identifier>', first + b'<dcterms:identifier>')
    errors = check(data.replace(b'<rdf:RDF ', b'<rdf:RDF' + EX + b' ', 1))
    assert_one(errors, SCHEMA, 'rdf:Description: found %s where '
               'dcterms:identifier is expected; its first children must be '
               'dcterms:identifier, slreq:bytes, one or more slreq:checksum '
               'and slreq:endorsement, in this order'
               % first[1:first.index(b'>')].decode())


def test_rdf_type_may_come_first():
    data = edit(b'<dcterms:identifier>',
                b'<rdf:type>x</rdf:type><dcterms:identifier>')
    assert check(data) == []


def test_bytes_after_checksum_and_missing_endorsement():
    data = edit(b'<slreq:bytes>100</slreq:bytes>', b'')
    data = edit(b'</slreq:checksum>', b'</slreq:checksum>'
                b'<slreq:bytes>100</slreq:bytes>', data)
    assert_one(check(data), SCHEMA, 'found slreq:checksum where slreq:bytes '
               'is expected')
    start = minimal().index(b'<slreq:endorsement')
    end = minimal().index(b'</slreq:endorsement>') + 20
    data = minimal()[:start] + minimal()[end:]
    assert_one(check(data), SCHEMA, 'found dcterms:type where '
               'slreq:endorsement is expected')


@pytest.mark.parametrize('about', [b'#MMZu9WvwKIro-rtBQ',
                                   b'MMZu9WvwKIro-rtBQfDk4PsKO7_x',
                                   b'#MMZu9WvwKIro-rtBQfDk4Ps.O7_'])
def test_about_pattern(about):
    errors = check(edit(b'rdf:about="#MMZu9WvwKIro-rtBQfDk4PsKO7_"',
                        b'rdf:about="%s"' % about))
    assert_one(errors, SCHEMA, 'rdf:about value %r is not "#" followed by a '
               '27-character identifier' % about.decode())


def test_unqualified_attribute_on_a_dublin_core_term():
    errors = check(extra(b'<dcterms:title foo="bar">T</dcterms:title>'))
    assert_one(errors, SCHEMA, 'attribute foo is not allowed on '
               'dcterms:title (line ')


@pytest.mark.parametrize('attribute', [b'xml:lang="en"', b'ex:a="b"',
                                       b'rdf:datatype="urn:x"'])
def test_attributes_on_stratuslab_elements(attribute):
    errors = check(extra(b'<slterms:os %s>x</slterms:os>' % attribute))
    assert errors[0].startswith(SCHEMA + 'attribute %s is not allowed on '
                                'slterms:os' % attribute.split(b'=')[0]
                                .decode()), errors


def test_elements_inside_simple_values():
    errors = check(extra(b'<slterms:os><ex:b>x</ex:b></slterms:os>'))
    assert errors[0].startswith(SCHEMA + 'slterms:os must contain text only, '
                                'not elements (found ex:b)'), errors


def test_endorsement_content():
    data = edit(b'<dcterms:created>2011-01-24T09:59:42Z</dcterms:created>',
                b'')
    assert_one(check(data), SCHEMA, 'slreq:endorsement: found slreq:endorser '
               'where dcterms:created is expected')
    data = edit(b'<slreq:issuer>', b'<slreq:subject>x</slreq:subject>'
                b'<slreq:issuer>')
    assert_one(check(data), SCHEMA, 'slreq:endorser: found slreq:subject '
               'where slreq:issuer is expected')
    data = edit(b'</slreq:endorser>', b'<slreq:issuer>CN=x</slreq:issuer>'
                b'</slreq:endorser>')
    assert check(data) == []  # several issuers


def test_empty_endorsement_only_in_drafts():
    start = minimal().index(b'<slreq:endorsement')
    end = minimal().index(b'</slreq:endorsement>') + 20
    data = (minimal()[:start] + b'<slreq:endorsement rdf:parseType='
            b'"Resource"/>' + minimal()[end:])
    assert check(data, draft=True) == []
    assert_one(check(data), SCHEMA, 'slreq:endorsement: dcterms:created is '
               'missing')
    data = data.replace(b'<slreq:endorsement rdf:parseType="Resource"/>',
                        b'<slreq:endorsement/>')
    assert_one(check(data, draft=True), RDF, 'slreq:endorsement needs '
               'rdf:parseType="Resource"')


def test_text_where_only_elements_belong():
    errors = check(edit(b'<slreq:bytes>', b'oops<slreq:bytes>'))
    assert_one(errors, SCHEMA, "rdf:Description must contain only elements, "
               "not text (found 'oops')")


def test_root_content():
    data = edit(b'</rdf:RDF>', b'<rdf:Description rdf:about="#x"/></rdf:RDF>')
    errors = check(data)
    assert_one(errors, SCHEMA, 'rdf:RDF must contain one rdf:Description '
               'followed by at most one XML signature element; found '
               'rdf:Description')
    data = edit(b'</rdf:RDF>', b'<ex:x/></rdf:RDF>').replace(
        b'<rdf:RDF ', b'<rdf:RDF' + EX + b' ', 1)
    assert_one(check(data), SCHEMA, 'found ex:x')
    data = edit(b'xml:base=', b'foo="x" xml:base=')
    assert_one(check(data), SCHEMA, 'attribute foo is not allowed on rdf:RDF')
    errors = check(b'<metadata/>')
    assert_one(errors, SCHEMA, 'the document element must be rdf:RDF')


# --- RDF/XML rules --------------------------------------------------------

def test_checksum_without_parse_type():
    errors = check(edit(b'<slreq:checksum rdf:parseType="Resource">',
                        b'<slreq:checksum>'))
    assert_one(errors, RDF, 'slreq:checksum holds 2 elements without '
               'rdf:parseType="Resource": a property holds text or one node '
               'element; add rdf:parseType="Resource" to give it several '
               'properties')


def test_single_nested_element_without_parse_type():
    errors = check(extra(b'<ex:dummy><ex:a>alpha</ex:a></ex:dummy>'))
    assert_one(errors, RDF, 'node element ex:a must contain property '
               "elements only, not text (found 'alpha')")


def test_unqualified_attribute_on_a_property_element():
    errors = check(extra(b'<ex:note foo="bar">x</ex:note>'))
    assert_one(errors, RDF, 'unqualified attribute foo is not allowed on '
               'property element ex:note (use a namespace prefix)')


def test_property_attributes_need_an_empty_element():
    errors = check(extra(b'<ex:dummy ex:badrdf="BAD">dummy value</ex:dummy>'))
    assert_one(errors, RDF, 'ex:dummy has ex:badrdf and must be empty')
    errors = check(extra(b'<ex:d rdf:resource="urn:x">text</ex:d>'))
    assert_one(errors, RDF, 'ex:d has rdf:resource and must be empty')


def test_mixed_content():
    errors = check(extra(b'<ex:m>text<ex:a>x</ex:a></ex:m>'))
    assert_one(errors, RDF, 'ex:m mixes text and elements')


@pytest.mark.parametrize('uri', [b'http://example.org/a b', b'<x>',
                                 b'http://example.org/%zz'])
def test_resource_must_be_a_uri_reference(uri):
    errors = check(extra(b'<ex:r rdf:resource="%s"/>' % uri.replace(
        b'<', b'&lt;').replace(b'>', b'&gt;')))
    assert_one(errors, RDF, 'rdf:resource value %r is not a valid URI '
               'reference' % uri.decode())


def test_unqualified_element_is_not_a_property():
    errors = check(extra(b'<ex:b rdf:parseType="Resource"><plain>x</plain>'
                         b'</ex:b>'))
    assert_one(errors, RDF, 'element plain has no namespace and cannot be an '
               'RDF property')


def test_about_on_a_property_element():
    errors = check(extra(b'<ex:p rdf:about="#x">v</ex:p>'))
    assert_one(errors, RDF, 'rdf:about is not allowed on property element '
               'ex:p')


def test_text_in_a_resource_block():
    errors = check(extra(b'<ex:b rdf:parseType="Resource">text<ex:c>1</ex:c>'
                         b'</ex:b>'))
    assert_one(errors, RDF, 'ex:b has rdf:parseType="Resource" and must '
               'contain property elements only, not text')


def test_comments_are_not_content():
    data = edit(b'<slreq:bytes>100</slreq:bytes>',
                b'<slreq:bytes>1<!-- x -->00</slreq:bytes>')
    data = edit(b'<slreq:checksum rdf:parseType="Resource">',
                b'<slreq:checksum rdf:parseType="Resource"><!-- x -->', data)
    assert check(data) == []
