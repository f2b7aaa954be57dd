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

from marketplace_dashboard.core import xmlsafe
from marketplace_dashboard.core.errors import DocumentTooLarge, MetadataError
from tests.unit.core import samples

XXE = b'''<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<r>&xxe;</r>'''
BILLION_LAUGHS = b'''<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol4;</lolz>'''
EXTERNAL_DTD = (b'<?xml version="1.0"?>\n'
                b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd"><r/>')
PARAMETER_ENTITY = (b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY % p '
                    b'SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]><r/>')


@pytest.mark.parametrize('data', [XXE, BILLION_LAUGHS, EXTERNAL_DTD,
                                  PARAMETER_ENTITY])
def test_doctype_refused(data):
    with pytest.raises(MetadataError) as exc:
        xmlsafe.parse_xml(data)
    assert 'DOCTYPE' in str(exc.value)


def test_doctype_in_utf16_refused():
    data = XXE.replace(b'<?xml version="1.0"?>',
                       b'<?xml version="1.0" encoding="UTF-16"?>')
    with pytest.raises(MetadataError) as exc:
        xmlsafe.parse_xml(data.decode().encode('utf-16'))
    assert 'DOCTYPE' in str(exc.value)
    assert 'root:' not in str(exc.value)


@pytest.mark.parametrize('data,message', [
    (b'', 'empty'), (b'   \n', 'empty'),
    (b'this is not xml', 'not well-formed XML'),
    (b'\x89PNG\r\n\x1a\n\0\0', 'not well-formed XML'),
    (b'<a><b></a>', 'not well-formed XML'),
])
def test_malformed(data, message):
    with pytest.raises(MetadataError) as exc:
        xmlsafe.parse_xml(data)
    assert message in str(exc.value)


def test_oversize():
    data = b'<r>' + b'x' * 100 + b'</r>'
    assert xmlsafe.parse_xml(data, max_bytes=len(data)).tag == 'r'
    with pytest.raises(DocumentTooLarge) as exc:
        xmlsafe.parse_xml(data, max_bytes=len(data) - 1)
    assert 'too large' in str(exc.value)


def test_default_limit_is_4_mib():
    assert xmlsafe.DEFAULT_MAX_BYTES == 4 * 1024 * 1024
    data = b'<r>' + b' ' * (4 * 1024 * 1024) + b'</r>'
    with pytest.raises(DocumentTooLarge):
        xmlsafe.parse_xml(data)


def test_deep_nesting_refused():
    data = b'<a>' * 100000 + b'</a>' * 100000
    with pytest.raises(MetadataError):
        xmlsafe.parse_xml(data)


def test_not_bytes():
    with pytest.raises(MetadataError):
        xmlsafe.parse_xml(12)


def test_single_document_unchanged():
    data = samples.sample(samples.SIGNED[0])
    assert xmlsafe.split_documents(data) == [data]


def test_split_metadata_list():
    docs = [samples.sample(n) for n in samples.SIGNED]
    parts = xmlsafe.split_documents(
        samples.metadata_list(*docs, wrapper_ns=' xmlns:x="urn:x"'))
    assert len(parts) == len(docs)
    for part in parts:
        root = xmlsafe.parse_xml(part)
        assert root.tag == xmlsafe.RDF_ROOT
        assert b'urn:x' not in part


def test_split_empty_list():
    assert xmlsafe.split_documents(b'<metadata/>') == []


@pytest.mark.parametrize('data,message', [
    (b'<metadata><foo/></metadata>', 'only rdf:RDF'),
    (b'<html><body/></html>', 'expected rdf:RDF'),
])
def test_split_rejects_other_content(data, message):
    with pytest.raises(MetadataError) as exc:
        xmlsafe.split_documents(data)
    assert message in str(exc.value)


def test_split_entry_size_limit():
    doc = samples.sample(samples.SIGNED[0])
    with pytest.raises(DocumentTooLarge):
        xmlsafe.split_documents(doc, max_bytes=100)
    with pytest.raises(DocumentTooLarge):
        xmlsafe.split_documents(samples.metadata_list(doc, doc),
                                max_list_bytes=len(doc))


def _padded(doc, size, where):
    """*doc* made larger than *size* with a comment before the root
    (``'prolog'``) or inside it (``'inside'``)."""
    padding = b'<!--' + b'x' * size + b'-->'
    if where == 'prolog':
        head, body = doc.split(b'?>', 1)
        return head + b'?>\n' + padding + b'\n' + body
    return doc.replace(b'</rdf:Description>',
                       padding + b'</rdf:Description>')


@pytest.mark.parametrize('where', ['prolog', 'inside'])
def test_oversize_single_document_is_refused_before_parsing(monkeypatch,
                                                            where):
    data = _padded(samples.sample(samples.SIGNED[0]), 5 * 1024 * 1024, where)

    def no_full_parse(*args, **kwargs):
        raise AssertionError('the whole document was parsed')

    monkeypatch.setattr(xmlsafe, 'parse_xml', no_full_parse)
    with pytest.raises(DocumentTooLarge) as exc:
        xmlsafe.split_documents(data)
    assert str(exc.value) == ('document is too large (5.0 MiB, the limit is '
                              '4.0 MiB)')


def test_large_list_of_small_entries_is_split():
    doc = samples.sample(samples.SIGNED[0])
    data = samples.metadata_list(doc, doc).replace(
        b'<metadata>', b'<metadata><!--' + b'x' * (5 * 1024 * 1024) + b'-->')
    assert xmlsafe.split_documents(data) == [xmlsafe.standalone_document(
        xmlsafe.parse_xml(doc))] * 2


@pytest.mark.parametrize('data', [b'<r', b'\xff\xfe<', b'', b'<!-- x'])
def test_root_peek_of_broken_documents(data):
    assert xmlsafe.root_tag(data) is None
    with pytest.raises(MetadataError):
        xmlsafe.split_documents(data + b' ' * 200, max_bytes=100)
