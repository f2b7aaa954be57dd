"""Uploads to the marketplace service over real HTTP on loopback: what
is refused, the limits and the trust policies."""

import base64
import json
import os
import re
import threading

import requests

from marketplace_dashboard.core.signature import verify_signature
from marketplace_dashboard.core.xmlsafe import split_documents
from tests import pki
from tests.unit.core.test_verdict import sign_as_is
from tests.unit.server.conftest import ago, make_doc
from tests.unit.server.web import (
    error_text,
    get,
    keys,
    listing,
    parse_key,
    post,
    sample,
    stored_files,
)


def test_certificate_with_unknown_key_algorithm(live, jane, tmp_path):
    srv = live()
    data = make_doc(jane, 1)
    match = re.search(rb'<(?:\w+:)?X509Certificate>([^<]*)<', data)
    der = base64.b64decode(b''.join(match.group(1).split()))
    rsa = bytes.fromhex('2a864886f70d010101')   # OID rsaEncryption
    assert der.count(rsa) == 1
    der = der.replace(rsa, bytes.fromhex('2a864886f70d010108'))
    data = data.replace(match.group(1), base64.b64encode(der))
    response = post(srv, data)
    assert response.status_code == 400, response.text
    assert error_text(response) == (
        'invalid metadata: invalid signature element: the certificate key '
        'cannot be read')
    assert stored_files(tmp_path / 'data') == []


def test_hostile_uploads_store_nothing(live, jane, ca, tmp_path):
    srv = live(allow_unconfirmed_email=True)
    good = make_doc(jane, 1)
    # a validly signed document (certificate without e-mail, so the
    # binding cannot catch it) whose endorser e-mail is a path trick
    nosan = pki.make_endorser(ca, 'No San', email=None)
    traversal = sign_as_is(make_doc(jane, 2).replace(
        b'jane@example.org', b'../../x@y').replace(b'Jane Tester',
                                                    b'No San'), nosan)
    xxe = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM '
           b'"file:///etc/passwd">]><rdf:RDF xmlns:rdf="http://www.w3.org/'
           b'1999/02/22-rdf-syntax-ns#">&x;</rdf:RDF>')
    cases = [
        (good.replace(b'image 1', b'image X'), 400, 'invalid metadata'),
        (sample('03-unsigned-build-metadata-style.xml'), 400,
         'invalid metadata'),
        (sample('01-unsigned-minimal.xml'), 400, 'invalid metadata'),
        (xxe, 400, 'unable to parse metadata'),
        (b'<not-closed', 400, 'unable to parse metadata'),
        (traversal, 400,
         "invalid metadata: invalid endorser e-mail '../../x@y'"),
        (b'<metadata>' + good[good.index(b'<rdf:RDF'):] + b'</metadata>',
         400, 'invalid metadata'),
        (b'x' * (4 * 1024 * 1024 + 1), 413, 'too large'),
        (b'', 400, 'post with null entity'),
    ]
    for data, status, message in cases:
        response = post(srv, data)
        assert response.status_code == status, (data[:80], response.text)
        assert message in error_text(response), response.text
    assert stored_files(tmp_path / 'data') == []
    assert listing(srv, status='all')['aaData'] == []
    assert not (tmp_path / 'x@y').exists()


def _reencoded(data, encoding, declaration=None, bom=b''):
    """*data* (UTF-8) re-encoded; *declaration* names the encoding (None:
    no XML declaration at all)."""
    text = data.decode('utf-8')
    body = text[text.index('<rdf:RDF'):]
    if declaration is not None:
        body = ('<?xml version="1.0" encoding="%s" standalone="no"?>'
                % declaration) + body
    return bom + body.encode(encoding)


def test_uploads_must_be_utf8(live, jane, tmp_path):
    srv = live()
    data = make_doc(jane, 1, title='Caf\u00e9 image')
    cases = {
        'UTF-16 with declaration': _reencoded(data, 'utf-16', 'UTF-16'),
        'UTF-16 BOM only': _reencoded(data, 'utf-16-le', bom=b'\xff\xfe'),
        'UTF-16BE without BOM': _reencoded(data, 'utf-16-be', 'UTF-16BE'),
        'UTF-32 with declaration': _reencoded(data, 'utf-32', 'UTF-32'),
        'UTF-32BE BOM only': _reencoded(data, 'utf-32-be',
                                        bom=b'\x00\x00\xfe\xff'),
        'Latin-1 with declaration': _reencoded(data, 'latin-1',
                                               'ISO-8859-1'),
        'Latin-1 bytes, no declaration': _reencoded(data, 'latin-1'),
    }
    for name, encoded in cases.items():
        if 'no declaration' not in name:
            # the same signed infoset: the signature alone cannot tell
            assert verify_signature(encoded).status == 'valid', name
        response = post(srv, encoded)
        assert response.status_code == 400, (name, response.text)
        assert error_text(response).startswith(
            'invalid metadata: documents must be UTF-8 encoded'), name
    assert stored_files(tmp_path / 'data') == []
    assert listing(srv, status='all')['aaData'] == []
    # UTF-8 (with or without a BOM) is accepted; the listing stays valid
    assert post(srv, data).status_code == 201
    bom = make_doc(jane, 2)
    assert post(srv, b'\xef\xbb\xbf' + bom).status_code == 201
    xml = get(srv, '/metadata', status='all')
    documents = split_documents(xml.content)
    assert len(documents) == 2
    assert all(verify_signature(d).status == 'valid' for d in documents)


def test_listing_leaves_out_non_utf8_entries_stored_earlier(live, jane):
    from marketplace_dashboard.core.model import parse_appliance
    from marketplace_dashboard.server.records import EntryRecord

    srv = live()
    assert post(srv, make_doc(jane, 1)).status_code == 201
    # as an earlier version could have stored it
    utf16 = _reencoded(make_doc(jane, 2), 'utf-16', 'UTF-16')
    srv.app.store.add(EntryRecord.from_appliance(parse_appliance(utf16)),
                      utf16)
    assert len(listing(srv)['aaData']) == 2
    xml = get(srv, '/metadata')
    assert xml.status_code == 200
    documents = split_documents(xml.content)
    assert [parse_key(d)[0] for d in documents] == \
        [parse_key(make_doc(jane, 1))[0]]


def test_wrong_content_type(live, jane):
    response = post(live(), make_doc(jane, 1), ctype='text/csv')
    assert response.status_code == 415


def test_multipart_upload(live, jane):
    srv = live()
    response = requests.post(srv.url + '/metadata', timeout=30, files={
        'Metadata File': ('image.xml', make_doc(jane, 9), 'text/xml')})
    assert response.status_code == 201, response.text
    assert len(listing(srv)['aaData']) == 1
    empty = requests.post(srv.url + '/metadata', timeout=30,
                          files={'other': ('', b'', 'text/xml')})
    assert empty.status_code == 400
    data = make_doc(jane, 10)
    chunked = post(srv, (data[i:i + 500] for i in range(0, len(data), 500)))
    assert chunked.status_code == 201, chunked.text
    assert get(srv, chunked.headers['Location'][len(srv.url):]).content \
        == data


def test_read_only(live, jane, tmp_path):
    srv = live(read_only=True)
    response = post(srv, make_doc(jane, 1))
    assert response.status_code == 403
    assert error_text(response) == 'read-only repository'
    response = requests.post(srv.url + '/metadata', data=make_doc(jane, 1),
                             headers={'Content-Type': 'application/xml',
                                      'Accept': 'application/json'},
                             timeout=30)
    assert response.json() == {'403': 'read-only repository'}
    assert stored_files(tmp_path / 'data') == []


def test_trusted_endorser_policy(live, jane, bob):
    srv = live(trusted_endorsers=['jane@example.org'])
    assert post(srv, make_doc(jane, 1)).status_code == 201
    refused = post(srv, make_doc(bob, 2))
    assert refused.status_code == 403
    assert 'not trusted' in error_text(refused)


def test_trusted_ca_policy(live, jane, ca, tmp_path):
    other_ca = pki.make_ca('Other CA')
    stranger = pki.make_endorser(other_ca, 'Stranger',
                                 'stranger@example.org')
    ca_file = ca.write_pem(tmp_path / 'ca.pem')
    srv = live(ca_files=[str(ca_file)])
    assert post(srv, make_doc(jane, 1)).status_code == 201
    assert post(srv, make_doc(stranger, 2)).status_code == 403


def test_small_upload_limit(live, jane, tmp_path):
    srv = live(max_upload_bytes=1000)
    response = post(srv, make_doc(jane, 1))
    assert response.status_code == 413
    assert 'limit is 1000 bytes' in error_text(response)

    def chunked():   # no Content-Length: must not be truncated silently
        data = make_doc(jane, 2)
        for i in range(0, len(data), 300):
            yield data[i:i + 300]

    response = post(srv, chunked())
    assert response.status_code == 413
    assert 'limit is 1000 bytes' in error_text(response)
    assert stored_files(tmp_path / 'data') == []


def test_index_rebuilt_when_missing(live, jane, tmp_path):
    srv = live()
    post(srv, make_doc(jane, 1))
    post(srv, make_doc(jane, 2))
    before = listing(srv)
    srv.stop()
    os.unlink(tmp_path / 'data' / 'index.sqlite3')
    again = live()
    assert listing(again) == before
    assert json.dumps(before)


def test_concurrent_http_uploads_lose_nothing(live, jane, bob, tmp_path):
    srv = live()
    docs = [make_doc(jane if i % 2 else bob, i, created=ago(seconds=i))
            for i in range(24)]
    # three versions of one (identifier, endorser): only the newest is latest
    versions = [make_doc(jane, 99, created=ago(seconds=s)) for s in (3, 2, 1)]
    results = []

    def upload(data):
        results.append(post(srv, data).status_code)

    threads = [threading.Thread(target=upload, args=(d,))
               for d in docs + versions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results.count(201) >= 25
    assert set(results) <= {201, 400}
    rows = keys(listing(srv, iDisplayLength='100'))
    assert len(rows) == 25
    assert parse_key(versions[2]) in rows
    assert not {parse_key(versions[0]), parse_key(versions[1])} & set(rows)
    assert len(stored_files(tmp_path / 'data')) == results.count(201)


def test_stored_entries_are_immutable(live, jane, tmp_path):
    srv = live()
    data = make_doc(jane, 1)
    created = post(srv, data)
    assert created.status_code == 201
    # the same signed infoset padded with a comment: the signature cannot
    # tell, the stored bytes must not change
    padded = data.replace(b'</rdf:RDF>',
                          b'<!--' + b'x' * 100000 + b'--></rdf:RDF>')
    assert verify_signature(padded).status == 'valid'
    response = post(srv, padded)
    assert response.status_code == 409, response.text
    assert error_text(response) == (
        'conflict: an entry %s is already stored with other content; '
        'stored entries are never replaced' % '/'.join(parse_key(data)))
    path = created.headers['Location'][len(srv.url):]
    assert get(srv, path).content == data
    # the same bytes again: idempotent, as the original service
    again = post(srv, data)
    assert again.status_code == 201
    assert again.headers['Location'] == created.headers['Location']
    assert get(srv, path).content == data
    assert len(stored_files(tmp_path / 'data')) == 1
