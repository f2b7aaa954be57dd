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


"""The service refuses exactly what ``verify`` calls invalid (issue 14,
finding 8): both run ``constraints.check_entry``."""

import hashlib

import pytest

from marketplace_dashboard.core import builder
from marketplace_dashboard.core import verdict as verdicts
from marketplace_dashboard.core.signature import sign_document
from marketplace_dashboard.server.responses import HTTPError
from marketplace_dashboard.server.upload import UploadValidator
from tests import hostile

SHA1 = hashlib.sha1(b'parity').hexdigest()  # noqa: S324
SHA256 = hashlib.sha256(b'parity').hexdigest()


def _signed(jane, size='1024', sha256=SHA256):
    data = builder.build_document(1024, {'SHA-1': SHA1, 'SHA-256': sha256},
                                  os='Debian', valid_days=30)
    data = data.replace(b'<slreq:bytes>1024<', b'<slreq:bytes>%s<'
                        % size.encode())
    return sign_document(data, jane.key, jane.cert)


@pytest.mark.parametrize('size, sha256, reason', [
    ('-1', SHA256, 'slreq:bytes (-1) is not a non-negative integer'),
    (str(10 ** 30), SHA256, 'is not a non-negative integer'),
    ('1024', 'abc',
     'SHA-256 checksum (abc) must have 64 hexadecimal digits'),
    ('1024', 'zz' * 32, 'SHA-256 checksum (%s) is not hexadecimal'
     % ('zz' * 32)),
])
def test_service_and_verify_refuse_alike(jane, size, sha256, reason):
    data = _signed(jane, size, sha256)
    verdict = verdicts.evaluate(data)
    assert verdict.is_invalid
    assert any(reason in r for r in verdict.reasons), verdict.reasons
    with pytest.raises(HTTPError) as caught:
        UploadValidator().validate(data)
    assert caught.value.code == 400
    assert reason in caught.value.message


def test_a_good_entry_passes_both(jane):
    data = _signed(jane)
    assert not verdicts.evaluate(data).is_invalid
    assert UploadValidator().validate(data).key()


@pytest.mark.parametrize('shape', sorted(set(hostile.SHAPES)
                                         | set(hostile.REFUSED)))
def test_the_hostile_corpus_through_the_upload_validator(jane, shape):
    if shape in hostile.SHAPES:
        data = hostile.signed(shape, 256 * 1024, jane)
    else:
        data = hostile.document(shape, 256 * 1024)
    verdict = verdicts.evaluate(data)
    try:
        record = UploadValidator().validate(data)
    except HTTPError as exc:
        assert exc.code == 400
        assert verdict.is_invalid, exc.message
    else:
        assert record.key() and not verdict.is_invalid, verdict.reasons
