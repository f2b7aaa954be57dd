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

"""The image record: the one spelling of the ``marketplace_*`` properties."""

from marketplace_dashboard.core.imports import record
from marketplace_dashboard.core.imports.record import ImageRecord


def test_members_and_sources_round_trip():
    assert record.pack_members([]) == {}
    packed = record.pack_members(['p1', 'p2'])
    assert packed == {'marketplace_members': 'p1,p2'}
    assert record.unpack_members(packed) == ['p1', 'p2']
    sources = [('http://a/x.gz', 'gz'), ('http://b/x', None)]
    props = record.pack_sources(sources)
    assert props == {'marketplace_source_url': 'http://a/x.gz',
                     'marketplace_compression': 'gz',
                     'marketplace_source_url_2': 'http://b/x'}
    assert record.unpack_sources(props) == sources


def test_image_record_reads_what_the_engine_wrote():
    held = ImageRecord.from_image({
        'id': 'i', 'tags': [], 'marketplace_identifier': 'X' * 27,
        'marketplace_endorser': 'jane@example.org',
        'marketplace_verified': 'true', 'marketplace_sha512': 'ab',
        'marketplace_streamed_sha384': 'cd',
        'marketplace_import_error': 'Glance said no'})
    assert held.id == 'i' and held.identifier == 'X' * 27
    assert held.endorser == 'jane@example.org' and held.verified
    assert held.requested_visibility == 'private' and held.members == []
    assert held.hash('sha512') == 'ab' and held.hash('md5') is None
    assert held.streamed('sha384') == 'cd'
    assert held.streamed_algorithms() == ['sha384']
    assert held.error == 'Glance said no'
    assert held.tagged  # by its identifier
    assert held.provenance() == {
        'marketplace_identifier': 'X' * 27,
        'marketplace_endorser': 'jane@example.org'}
    assert not ImageRecord.from_image({'id': 'j'}).tagged
    assert record.is_record_property(record.VERIFIED)
    assert not record.is_record_property('os_hidden')
