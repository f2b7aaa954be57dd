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


"""The hostile corpus (tests/hostile.py) through the parser, the model and
the verdict: properties that scale, never timings (those are in
benchmarks/hostile.py)."""

import pytest

from marketplace_dashboard.core import (
    draft_check,
    model,
    verdict,
    xmlsafe,
)
from marketplace_dashboard.core.errors import MetadataError
from tests import hostile

MIB = 1024 * 1024


def test_120k_locations_each_kept_once():
    data = hostile.document('locations', xmlsafe.DEFAULT_MAX_BYTES)
    count = data.count(b'<slterms:location>')
    assert count > 65000
    app = model.parse_appliance(data)
    assert len(app.locations) == count
    assert len(set(app.locations)) == count
    assert app.locations[0] == 'https://images.example.org/0.img'


def test_120k_locations_of_the_original_finding():
    # 3.6 MiB, under the limit: the finding's document (73 s before).
    pieces = b''.join(b'<s:location>h%d</s:location>' % i
                      for i in range(120000))
    data = hostile.fill(hostile.base(), xmlsafe.DEFAULT_MAX_BYTES,
                        lambda i: pieces if i == 0 else b'x' * MIB)
    data = data.replace(b'<rdf:RDF ', b'<rdf:RDF xmlns:s="%s" '
                        % model.SLTERMS.encode(), 1)
    assert len(data) < xmlsafe.DEFAULT_MAX_BYTES
    app = model.parse_appliance(data)
    assert len(app.locations) == 120001
    assert verdict.evaluate(data).signature == 'missing'


def test_duplicate_locations_are_kept_once_in_order():
    app = model.parse_appliance(hostile.document('duplicate-locations', MIB))
    assert app.locations == ['https://images.example.org/0.img'] + [
        'https://evil.example.org/%d.img' % i for i in range(7)]


def test_many_checksums_keep_the_first_of_each_algorithm():
    data = hostile.document('checksums', MIB)
    app = model.parse_appliance(data)
    # the piece of index 1 repeats SHA-1: the first one stays
    assert len(app.checksums) == data.count(b'<slreq:checksum ') - 1
    assert app.sha1 != '%040x' % 1


def test_comments_do_not_split_values():
    app = model.parse_appliance(hostile.document('comments', MIB))
    assert app.locations[1] == 'https://evil/0'
    assert len(app.locations) > 10000


@pytest.mark.parametrize('shape', sorted(hostile.SHAPES))
def test_every_shape_is_processed(shape):
    data = hostile.document(shape, MIB)
    assert MIB - 4096 < len(data) <= MIB
    result = verdict.evaluate(data)
    # unsigned, so invalid, but read to the end
    assert result.signature == 'missing'
    assert result.appliance is not None
    assert result.identifier


@pytest.mark.parametrize('shape', sorted(hostile.SHAPES))
def test_every_shape_signed_verifies(shape, endorser):
    data = hostile.signed(shape, MIB // 4, endorser)
    result = verdict.evaluate(data)
    assert result.signature == 'valid', result.reasons


@pytest.mark.parametrize('shape, reason', [
    ('too-deep', 'more than 16 levels deep'),
    ('empty-elements', 'elements (at most one per 24 bytes)'),
    ('one-element-many-attributes', 'attributes (at most 32'),
    ('one-element-many-namespaces', 'may be in scope'),
])
def test_hostile_shapes_are_refused_before_the_model(shape, reason):
    data = hostile.document(shape, MIB)
    result = verdict.evaluate(data)
    assert result.is_invalid and result.appliance is None
    assert reason in result.reasons[0]
    with pytest.raises(MetadataError, match=reason.split(' (')[0]):
        xmlsafe.split_documents(data)


def _nested(levels):
    return (b'<a>' * levels) + b'</a>' * levels


def test_element_density_limit_is_exact():
    size = 40 * xmlsafe.MIN_ELEMENTS
    element = b'<x/>'.ljust(xmlsafe.BYTES_PER_ELEMENT)
    count = size // xmlsafe.BYTES_PER_ELEMENT - 1  # and the root
    data = b'<r>' + element * count
    data += b' ' * (size - len(data) - 4) + b'</r>'
    assert len(data) == size
    xmlsafe.parse_xml(data)
    with pytest.raises(MetadataError, match='more than %d elements'
                       % (size // xmlsafe.BYTES_PER_ELEMENT)):
        xmlsafe.parse_xml(data.replace(b'</r>', b'<x/></r>'))


def test_small_documents_may_be_dense():
    xmlsafe.parse_xml(b'<r>%s</r>' % (b'<x/>' * (xmlsafe.MIN_ELEMENTS - 1)))


def test_depth_limit_is_exact():
    xmlsafe.parse_xml(_nested(xmlsafe.MAX_DEPTH))
    with pytest.raises(MetadataError, match='levels deep'):
        xmlsafe.parse_xml(_nested(xmlsafe.MAX_DEPTH + 1))


def test_attribute_limit_is_exact():
    def element(count):
        return b'<a %s/>' % b' '.join(b'a%d="1"' % i for i in range(count))
    xmlsafe.parse_xml(element(xmlsafe.MAX_ATTRIBUTES))
    with pytest.raises(MetadataError, match='33 attributes'):
        xmlsafe.parse_xml(element(xmlsafe.MAX_ATTRIBUTES + 1))


def test_namespace_limit_counts_the_ancestors():
    def element(count):
        return b'<a %s/>' % b' '.join(b'xmlns:n%d="u%d"' % (i, i)
                                      for i in range(count))
    half = xmlsafe.MAX_NAMESPACES // 2
    inner = element(half).replace(b'<a ', b'<b ')
    xmlsafe.parse_xml(element(half).replace(b'/>', b'>') + inner + b'</a>')
    with pytest.raises(MetadataError, match='65 namespace'):
        xmlsafe.parse_xml(element(half + 1).replace(b'/>', b'>') + inner
                          + b'</a>')


def test_a_metadata_list_of_signed_entries_passes_the_limits(endorser):
    entries = [hostile.signed('attributes', 64 * 1024, endorser, seed)
               for seed in range(3)]
    data = b'<metadata>%s</metadata>' % b''.join(
        e.split(b'?>', 1)[1] for e in entries)
    assert len(xmlsafe.split_documents(data)) == 3


def test_huge_numbers_are_refused_without_crashing():
    # int() of 100,000 digits is refused by Python (and quadratic)
    digits = b'9' * 100000
    data = hostile.fill(hostile.base(), MIB, lambda i: (
        b'<slterms:inbound-port>%s</slterms:inbound-port>' % digits
        if i == 0 else b'x' * MIB))
    _app, problems, _warnings = draft_check.check_draft(data)
    assert any('is not an integer between 0 and 65535' in p
               for p in problems)
    assert verdict.evaluate(data).is_invalid


def test_declarations_of_one_element_are_counted_before_the_parse():
    def element(count):
        return b'<a %s/>' % b' '.join(b'xmlns:n%d="u%d"' % (i, i)
                                      for i in range(count))
    xmlsafe.parse_xml(element(xmlsafe.MAX_NAMESPACES))
    with pytest.raises(MetadataError, match='declares more than 64'):
        xmlsafe.parse_xml(element(xmlsafe.MAX_NAMESPACES + 1))


def test_draft_check_of_many_failures_reports_each_once():
    # 6,000 schema failures, then bad ports: the model's port problems are
    # matched against the structure messages in one pass (48 s before)
    def piece(i):
        if i < 6000:
            return b'<slterms:os rdf:foo="1">a</slterms:os>\n'
        return b'<slterms:inbound-port>x%d</slterms:inbound-port>\n' % i
    data = hostile.fill(hostile.base(), MIB, piece)
    _app, problems, _warnings = draft_check.check_draft(data)
    ports = data.count(b'<slterms:inbound-port>')
    assert ports > 5000
    about_ports = [p for p in problems if 'inbound-port value' in p]
    assert len(about_ports) == ports  # the structure's, not the model's too
    assert all(p.startswith('XML schema validation exception: ')
               for p in about_ports)
