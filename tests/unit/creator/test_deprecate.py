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

"""``marketplace-metadata deprecate``: what it refuses to do."""

import pytest

from marketplace_dashboard.cli import creator
from marketplace_dashboard.core import builder, model, xmlsafe
from marketplace_dashboard.core.errors import MetadataError
from tests.unit.core import samples

IDENT = 'MMZu9WvwKIro-rtBQfDk4PsKO7_'
EMAIL = 'jane.creator@example.org'


@pytest.fixture
def no_network(monkeypatch):
    def refuse(args):
        raise AssertionError('deprecate contacted %s' % args.endpoint)

    monkeypatch.setattr(creator, 'make_client', refuse)


@pytest.mark.parametrize('reason', ['bad\x01reason', 'nul\x00', 'esc\x1b[0m',
                                    'x\ufffe', 'surrogate \udc80'])
def test_reason_with_control_characters_is_refused_early(cli, sign_args,
                                                         no_network, reason):
    result = cli('deprecate', IDENT, '--endpoint', 'https://mp.invalid/m',
                 '--email', EMAIL, '--reason', reason, *sign_args)
    assert result.status == 1, result
    assert result.err.startswith('Error: slterms:deprecated value ')
    assert 'characters that XML does not allow' in result.err
    assert 'Traceback' not in result.err and result.out == ''


def test_reason_is_checked_before_the_key(cli, no_network, tmp_path):
    result = cli('deprecate', IDENT, '--endpoint', 'https://mp.invalid/m',
                 '--email', EMAIL, '--reason', 'bad\x07',
                 '--p12', tmp_path / 'missing.p12')
    assert result.status == 1
    assert 'characters that XML does not allow' in result.err


@pytest.mark.parametrize('reason', ['', 'multi\nline\treason', 'é ☃ 𝄞'])
def test_acceptable_reasons(reason):
    assert builder.check_reason(reason) == reason
    root = xmlsafe.parse_xml(samples.sample('06-signed-testca.xml'))
    builder.mark_deprecated(root, reason)
    app = model.parse_appliance(builder.serialize(root))
    assert app.deprecated and app.deprecated_reason == reason.strip()


def test_mark_deprecated_leaves_the_document_alone_on_bad_reason():
    data = samples.sample('07-signed-deprecated.xml')
    root = xmlsafe.parse_xml(data)
    with pytest.raises(MetadataError, match='U\\+0001'):
        builder.mark_deprecated(root, 'bad\x01')
    assert builder.serialize(root) == builder.serialize(
        xmlsafe.parse_xml(data))
