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


"""constraints.check_entry (what makes an entry acceptable) and dates with
years below 1000 (issue 14, findings 6 and 8)."""

import hashlib
import re

from marketplace_dashboard.core import builder, constraints, model, xmlsafe
from marketplace_dashboard.core import verdict as verdicts
from marketplace_dashboard.core.signature import sign_document

SHA1 = hashlib.sha1(b'entry').hexdigest()  # noqa: S324


def _document(checksums=None, **kwargs):
    return builder.build_document(
        1024, dict({'SHA-1': SHA1}, **(checksums or {})), os='Debian',
        valid_days=30, **kwargs)


def _entry_problems(data):
    root = xmlsafe.parse_xml(data)
    return constraints.check_entry(root, model.appliance_from_root(root))


def test_a_built_document_has_no_problem():
    assert _entry_problems(_document({
        'MD5': hashlib.md5(b'').hexdigest(),  # noqa: S324
        'SHA-512': hashlib.sha512(b'').hexdigest()})) == []


def test_checksum_lengths_of_known_algorithms():
    problems = _entry_problems(_document({'MD5': 'ab' * 15,
                                          'SHA-512': 'ab' * 63}))
    assert problems == [
        'MD5 checksum (%s) must have 32 hexadecimal digits, not 30'
        % ('ab' * 15),
        'SHA-512 checksum (%s) must have 128 hexadecimal digits, not 126'
        % ('ab' * 63)]


def _with_checksum(algorithm, value):
    return _document().replace(
        b'<slreq:endorsement',
        b'<slreq:checksum rdf:parseType="Resource"><slreq:algorithm>%s'
        b'</slreq:algorithm><slreq:value>%s</slreq:value></slreq:checksum>'
        b'<slreq:endorsement' % (algorithm, value), 1)


def test_unknown_algorithms_need_hexadecimal_only():
    assert _entry_problems(_with_checksum(b'SHA3-256', b'abc')) == []
    assert _entry_problems(_with_checksum(b'SHA3-256', b'xyz')) == [
        'SHA3-256 checksum (xyz) is not hexadecimal']


def test_model_problems_are_entry_problems():
    data = _document().replace(b'<slreq:bytes>1024<', b'<slreq:bytes>-1<')
    assert _entry_problems(data) == [
        'slreq:bytes (-1) is not a non-negative integer']


def test_year_below_1000_is_expired_and_written_with_four_digits(endorser):
    data = re.sub(rb'<dcterms:valid>[^<]*<',
                  b'<dcterms:valid>0999-12-31T23:59:59Z<', _document())
    signed = sign_document(data, endorser.key, endorser.cert)
    verdict = verdicts.evaluate(signed)
    assert verdict.status == verdicts.STATUS_EXPIRED
    assert verdict.level == verdicts.Level.EXPIRED
    assert 'expired on 0999-12-31T23:59:59Z' in verdict.reasons
    assert verdict.valid_until == '0999-12-31T23:59:59Z'
    assert verdict.to_dict(include_appliance=True)['appliance']['valid'] \
        == '0999-12-31T23:59:59Z'
    assert verdict.appliance.is_expired()


def test_a_huge_sha1_value_is_refused_without_crashing():
    # its decimal form (the reference message) would exceed Python's
    # 4,300-digit limit, and cost quadratic time
    data = re.sub(rb'(<slreq:value>)[0-9a-f]{40}', b'\\g<1>' + b'f' * 100000,
                  _document(), count=1)
    problems = _entry_problems(data)
    assert problems[0] == ('%s... (100000 characters) is not a valid SHA-1 '
                           'checksum' % ('f' * 64))
    assert verdicts.evaluate(data).is_invalid
