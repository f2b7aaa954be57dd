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


"""Comments and processing instructions in signed documents.

``Reference URI=""`` leaves comments out of what is signed, so they can be
added to a signed document without breaking its signature.  Every value we
report must be the signed value: a comment never ends or empties it.
"""

from lxml import etree
import pytest

from marketplace_dashboard.core import (
    builder,
    constraints,
    formats,
    model,
    signature,
    trust,
    xmlsafe,
)
from marketplace_dashboard.core import verdict as verdicts
from tests import pki
from tests.unit.core.test_verdict import FUTURE, NOW, PAST, fresh, sign

Level = verdicts.Level
SHA1 = b'1104f3e30c030f8b93f220b04131032dddf51f21'
LOCATION = b'https://images.example.org/ttylinux-9.3.img.gz'
EMAIL = b'jane.tester@example.org'
REASON = b'superseded by 9.4'
#: What an attacker can insert without breaking the signature (processing
#: instructions are signed, comments are not).
MARKS = [b'<!---->', b'<!-- x -->']


@pytest.fixture(scope='module')
def world():
    ca = pki.make_ca('Comment CA', not_before=pki.days_ago(1000))
    jane = pki.make_endorser(ca, not_before=pki.days_ago(30))
    return jane, trust.TrustPolicy(ca_certificates=[ca.cert])


def signed(world, valid=FUTURE, deprecated=False):
    jane, _policy = world
    data = fresh(valid=valid).replace(
        b'</dcterms:valid>',
        b'</dcterms:valid>\n<slterms:location>%s</slterms:location>'
        % LOCATION)
    if deprecated:
        data = data.replace(b'</rdf:Description>',
                            b'<slterms:deprecated>%s</slterms:deprecated>'
                            b'</rdf:Description>' % REASON)
    return sign(data, jane)


def insert(data, value, mark, at):
    """*data* with *mark* inserted at offset *at* of *value* (bytes)."""
    assert data.count(value) == 1, value
    return data.replace(value, value[:at] + mark + value[at:])


def check(world, data):
    """The verdict of *data*, whose signature must still be valid."""
    assert signature.verify_signature(data).valid
    return verdicts.evaluate(data, world[1], now=NOW)


def test_text_content_skips_comments_and_processing_instructions():
    root = etree.fromstring(b'<a>1<!--c-->2<?p q?>3<b>4<!---->5</b>6</a>')
    assert xmlsafe.text_content(root) == '123456'
    assert model.text_of(root) == '123456'
    assert xmlsafe.text_content(etree.fromstring(b'<a/>')) == ''


def test_processing_instructions_are_signed(world):
    data = insert(signed(world), LOCATION, b'<?pi x?>', 8)
    assert not signature.verify_signature(data).valid
    # unsigned, the value is still read whole (as Java's getTextContent)
    assert model.parse_appliance(data).locations == [LOCATION.decode()]


@pytest.mark.parametrize('mark', MARKS)
@pytest.mark.parametrize('at', [0, 10, len(PAST)])
def test_expired_entry_stays_expired(world, mark, at):
    data = insert(signed(world, valid=PAST),
                  b'<dcterms:valid>%s' % PAST, mark, len(b'<dcterms:valid>')
                  + at)
    result = check(world, data)
    assert result.appliance.valid == formats.parse_date(PAST.decode())
    assert result.level == Level.EXPIRED, result.reasons
    assert 'expired on %s' % PAST.decode() in result.reasons
    assert result.valid_until == PAST.decode()


@pytest.mark.parametrize('mark', MARKS)
@pytest.mark.parametrize('at', [0, 8, 20, len(LOCATION)])
def test_location_is_never_truncated(world, mark, at):
    data = insert(signed(world), LOCATION, mark, at)
    result = check(world, data)
    assert result.level == Level.VERIFIED, result.reasons
    assert result.appliance.locations == [LOCATION.decode()]


@pytest.mark.parametrize('mark', MARKS)
@pytest.mark.parametrize('at', [0, 1, 20])
def test_checksum_value_and_algorithm(world, mark, at):
    data = insert(signed(world), SHA1, mark, at)
    data = insert(data, b'>SHA-1<', mark, 4)
    result = check(world, data)
    assert result.level == Level.VERIFIED, result.reasons
    assert result.appliance.checksums['SHA-1'] == SHA1.decode()
    root = xmlsafe.parse_xml(data)
    assert constraints.check_constraints(root) == []


@pytest.mark.parametrize('mark', MARKS)
@pytest.mark.parametrize('at', [0, 5, len(REASON)])
def test_deprecation_reason(world, mark, at):
    data = insert(signed(world, deprecated=True), REASON, mark, at)
    result = check(world, data)
    assert result.level == Level.DEPRECATED, result.reasons
    assert result.appliance.deprecated_reason == REASON.decode()
    assert 'deprecated: %s' % REASON.decode() in result.reasons
    assert result.to_dict()['deprecated_reason'] == REASON.decode()


@pytest.mark.parametrize('mark', MARKS)
@pytest.mark.parametrize('at', [0, 4, 20])
def test_endorsement_created(world, mark, at):
    data = signed(world)
    created = model.parse_appliance(data).endorsement.created_text.encode()
    data = insert(data, b'>%s</created>' % created, mark, 1 + at)
    result = check(world, data)
    assert result.level == Level.VERIFIED, result.reasons
    endorsement = result.appliance.endorsement
    assert endorsement.created_text == created.decode()
    assert endorsement.created == formats.parse_date(created.decode())
    assert result.created == created.decode()


@pytest.mark.parametrize('mark', MARKS)
@pytest.mark.parametrize('at', [0, 4, len(EMAIL)])
def test_endorser_email(world, mark, at):
    data = insert(signed(world), b'<email>%s' % EMAIL, mark,
                  len(b'<email>') + at)
    result = check(world, data)
    assert result.level == Level.VERIFIED, result.reasons
    assert result.appliance.endorsement.email == EMAIL.decode()
    assert result.endorser == EMAIL.decode()


def test_comment_cannot_make_a_forged_email_look_signed(world):
    # The signed e-mail is the full one: a comment does not make another
    # (shorter) address appear, and the binding still holds.
    data = insert(signed(world), b'<email>%s' % EMAIL, b'<!--x-->',
                  len(b'<email>jane'))
    result = check(world, data)
    assert result.appliance.endorsement.email == EMAIL.decode()
    assert not any('endorser inconsistency' in r for r in result.reasons)


def test_extra_elements_are_not_split_by_comments():
    data = fresh().replace(b'</rdf:Description>',
                           b'<ex:note xmlns:ex="http://example.org/">ab'
                           b'<!---->cd</ex:note></rdf:Description>')
    app = model.parse_appliance(data)
    assert ('ex:note', 'abcd') in app.extra


def test_redeprecating_drops_comments_of_the_old_reason(world):
    data = insert(signed(world, deprecated=True), REASON, b'<!--x-->', 4)
    root = xmlsafe.parse_xml(data)
    builder.mark_deprecated(root, 'new reason')
    app = model.appliance_from_root(root)
    assert app.deprecated_reason == 'new reason'
    assert b'<!--x-->' not in builder.serialize(root)


def test_certificate_with_comments_still_verifies(world):
    data = signed(world)
    data = data.replace(b'<X509Certificate>', b'<X509Certificate><!---->')
    assert check(world, data).level == Level.VERIFIED
