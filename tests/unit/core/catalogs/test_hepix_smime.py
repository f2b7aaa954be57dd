"""The S/MIME reading of image lists: hostile and odd messages, and a
real public list (tests/samples/hepix-cloudkeeper-imagelist01.signed)."""

import pytest

from marketplace_dashboard.core.catalogs.hepix import imagelist, judge, smime
from marketplace_dashboard.core.errors import MetadataError
from tests import SAMPLES
from tests import hepix_lists as lists

SAMPLE = SAMPLES / 'hepix-cloudkeeper-imagelist01.signed'


def test_the_public_cloudkeeper_list_parses_and_its_signature_verifies():
    result = smime.verify(SAMPLE.read_bytes())
    assert result.status == 'valid', result.reason
    assert result.digest_method == 'sha256'
    assert result.signature_method == 'rsassa_pkcs1v15'
    assert judge.openssl_dn(result.certificate.subject) == \
        '/C=AU/ST=Some-State/O=Internet Widgits Pty Ltd'
    parsed = imagelist.parse_list(result.content)
    assert parsed.identifier == '76fdee70-8119-5d33-aaaa-3c57e1c60df1'
    assert parsed.endorser_dn == \
        '/DC=XXX/DC=YYY/C=ZZZ/O=Hosts/O=AA.net/CN=some.unknown.source'
    assert parsed.endorser_ca == '/DC=XXX/DC=YYY/CN=SOME TEST CA'
    assert parsed.created_text == '2015-06-18T21:14:00Z'
    assert [i['dc:identifier'] for i in parsed.images] == [
        'c0482bc2-bf41-5d49-aaaa-a750174a186b',
        '662b0e71-3e21-bbbb-b6a1-cc2f51319fa7']
    app = imagelist.appliance_of(parsed,
                                 '662b0e71-3e21-bbbb-b6a1-cc2f51319fa7')
    assert (app.os, app.os_version, app.os_arch, app.format, app.bytes) == (
        'CentOS', '6.6', 'x86_64', 'ova', 581816320)
    assert app.checksums['SHA-512'].startswith('02a2b436e8f10c22')
    assert app.endorsement.email == 'dontwriteme@please.net'


def test_the_public_list_is_invalid_its_signer_is_not_its_endorser():
    from marketplace_dashboard.core.catalogs.hepix import document
    entry = document.entry_document('c0482bc2-bf41-5d49-aaaa-a750174a186b',
                                    'https://appdb.example/image.list',
                                    SAMPLE.read_bytes())
    verdict = judge.evaluate(entry)
    assert verdict.level == 'invalid'
    assert verdict.reasons[0].startswith(
        'the list is signed by /C=AU/ST=Some-State/O=Internet Widgits Pty '
        'Ltd, not by its endorser /DC=XXX/')
    assert verdict.appliance.title == \
        'Image for CernVM [Scientific Linux/6.0/KVM]'


def test_one_changed_byte_of_the_public_list_breaks_it():
    data = SAMPLE.read_bytes().replace(b'"6.6"', b'"6.7"')
    result = smime.verify(data)
    assert result.status == 'invalid'
    assert 'changed after it was signed' in result.reason


@pytest.mark.parametrize('message, reason', [
    (b'MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n{}',
     'not an S/MIME signed one'),
    (b'MIME-Version: 1.0\r\nContent-Type: multipart/signed\r\n\r\nx',
     'boundary is missing'),
    (b'MIME-Version: 1.0\r\nContent-Type: multipart/signed; boundary="b"'
     b'\r\n\r\n--b\r\n{}\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n'
     b'--b--\r\n', 'not an application/pkcs7-signature'),
    (b'MIME-Version: 1.0\r\nContent-Type: multipart/signed; boundary="b"'
     b'\r\n\r\n--b\r\n{}\r\n--b\r\n', 'no closing boundary'),
    (b'MIME-Version: 1.0\r\nContent-Type: multipart/signed; boundary="b"'
     b'\r\n\r\n--b\r\n{}\r\n--b--\r\n', 'two parts, not 1'),
    (b'MIME-Version: 1.0\r\nContent-Type: multipart/signed; boundary="b"'
     b'\r\n\r\n--b\r\n{}\r\n--b\r\nContent-Type: application/pkcs7-'
     b'signature\r\n\r\n!!!\r\n--b--\r\n', 'not valid base64'),
    (b'MIME-Version: 1.0\r\nContent-Type: multipart/signed; boundary="b"'
     b'\r\n\r\n--b\r\n{}\r\n--b\r\nContent-Type: application/pkcs7-'
     b'signature\r\n\r\nAAAA\r\n--b--\r\n', 'SignedData is malformed'),
    (b'MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime\r\n\r\n'
     b'MAA=\r\n', 'malformed'),
    (b'MIME-Version: 1.0\r\n' + b'X-Long: ' + b'a' * 20000, 'do not end'),
])
def test_hostile_messages_are_refused_with_a_reason(message, reason):
    result = smime.verify(message)
    assert result.status == 'invalid'
    assert reason in result.reason
    assert result.certificate is None


def test_a_huge_signature_part_is_refused(hepix_pki):
    content = b'{}'
    huge = lists.multipart(content, b'\x00' * (smime.MAX_SIGNATURE_BYTES))
    result = smime.verify(huge)
    assert result.status == 'invalid'
    assert 'larger than' in result.reason


def test_plain_json_is_unsigned():
    result = smime.verify(b'{"hv:imagelist": {}}')
    assert result.status == smime.UNSIGNED
    assert result.content == b'{"hv:imagelist": {}}'


def test_json_nesting_and_image_counts_are_bounded(hepix_pki, monkeypatch):
    with pytest.raises(MetadataError, match='not valid JSON'):
        imagelist.parse_list(b'[' * 100000 + b']' * 100000)
    with pytest.raises(MetadataError, match='not valid JSON'):
        imagelist.parse_list(b'\xff\xfe{')
    with pytest.raises(MetadataError, match='not a HEPiX image list'):
        imagelist.parse_list(b'[1, 2]')
    monkeypatch.setattr(imagelist, 'MAX_IMAGES', 3)
    value = lists.image_list(hepix_pki['signer'], images=[
        lists.image('id-%d' % i) for i in range(4)])
    with pytest.raises(MetadataError, match='4 images, more than 3'):
        imagelist.parse_list(lists.dumps(value))


def test_values_of_the_wrong_type_are_refused(hepix_pki):
    value = lists.image_list(hepix_pki['signer'])
    value['hv:imagelist']['dc:title'] = {'a': 'b'}
    with pytest.raises(MetadataError, match='dc:title must be a string'):
        imagelist.parse_list(lists.dumps(value))


def test_times_with_offsets():
    assert imagelist.parse_time('2026-01-01T12:00:00+02:00').hour == 10
    assert imagelist.parse_time('2026-01-01 12:00:00.123Z').hour == 12
    assert imagelist.parse_time('2026-13-01T12:00:00Z') is None
    assert imagelist.parse_time('soon') is None
