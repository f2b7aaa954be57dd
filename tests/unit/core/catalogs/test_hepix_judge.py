"""Verdicts of HEPiX image list entries, with lists signed by the tests."""

import datetime
import json

import pytest

from marketplace_dashboard.core import catalogs, trust
from marketplace_dashboard.core.catalogs.hepix import document, judge
from marketplace_dashboard.core.errors import MetadataError
from tests import hepix_lists as lists
from tests import pki

URL = 'https://appdb.example/store/vo/test/image.list'
NOW = datetime.datetime.now(datetime.UTC)


def entry(signed, identifier=lists.IMAGE_ID):
    return document.entry_document(identifier, URL, signed)


def judged(signed, policy, identifier=lists.IMAGE_ID):
    return catalogs.get_type('hepix').evaluate(entry(signed, identifier),
                                               policy)


def test_verified_list_and_its_appliance(hepix_pki):
    signed = lists.signed_list(hepix_pki['signer'])
    verdict = judged(signed, hepix_pki['policy'])
    assert verdict.level == 'verified', verdict.reasons
    assert verdict.reasons == []
    assert verdict.trusted and verdict.signature == 'valid'
    assert verdict.digest_method == 'sha256'
    assert verdict.certificate['subject'].startswith('CN=AppDB Signer')
    assert verdict.trust_path[-1].startswith('CN=HEPiX Test CA')
    app = verdict.appliance
    assert app.identifier == lists.IMAGE_ID
    assert app.endorsement.email == 'jane.tester@example.org'
    assert app.endorsement.subject == lists.slash_dn('AppDB Signer')
    assert app.endorsement.issuers == [lists.slash_dn('HEPiX Test CA')]
    assert app.os == 'CentOS' and app.os_version == '7'
    assert app.os_arch == 'x86_64' and app.format == 'qcow2'
    assert app.bytes == len(b'image bytes')
    assert app.locations == ['https://images.example/%s.qcow2'
                             % lists.IMAGE_ID]
    assert len(app.checksums['SHA-512']) == 128
    assert app.catalog_properties['appdb_id'] == lists.IMAGE_ID
    assert app.catalog_properties['hepix_image_list'] == URL
    assert app.catalog_properties['hepix_image_list_identifier'] == \
        lists.LIST_ID
    assert app.catalog_properties['vmcatcher_event_ad_mpuri'].startswith(
        'https://appdb.example/store/vo/image/')
    assert ('ad:mpuri', app.catalog_properties[
        'vmcatcher_event_ad_mpuri']) in app.extra
    assert verdict.status == 'valid'


def test_an_opaque_signature_verifies_too(hepix_pki):
    content = lists.dumps(lists.image_list(hepix_pki['signer']))
    signed = lists.opaque(lists.signature_der(content, hepix_pki['signer'],
                                              detached=False))
    verdict = judged(signed, hepix_pki['policy'])
    assert verdict.level == 'verified', verdict.reasons
    assert verdict.appliance.identifier == lists.IMAGE_ID


def test_openssl_style_multipart_verifies(hepix_pki):
    content = lists.dumps(lists.image_list(hepix_pki['signer']))
    canonical = content.replace(b'\n', b'\r\n')
    der = lists.signature_der(canonical, hepix_pki['signer'])
    # sent with LF line endings: the canonical CRLF form was signed
    signed = lists.multipart(content, der)
    assert judged(signed, hepix_pki['policy']).level == 'verified'


def test_no_trust_anchors_is_untrusted(hepix_pki):
    verdict = judged(lists.signed_list(hepix_pki['signer']),
                     trust.TrustPolicy())
    assert verdict.level == 'untrusted'
    assert verdict.reasons == [trust.NO_ANCHORS]
    assert verdict.signature == 'valid'


def test_trusted_endorsers_in_the_lists_own_dn_form(hepix_pki):
    signed = lists.signed_list(hepix_pki['signer'])
    listed = trust.TrustPolicy(
        trusted_endorsers=[lists.slash_dn('AppDB Signer')])
    assert judged(signed, listed).level == 'verified'
    other = trust.TrustPolicy(ca_files=[hepix_pki['ca_file']],
                              trusted_endorsers=[lists.slash_dn('Nobody')])
    verdict = judged(signed, other)
    assert verdict.level == 'untrusted'
    assert any('not in the trusted endorsers list' in r
               for r in verdict.reasons)


def test_expired_list(hepix_pki):
    signed = lists.signed_list(
        hepix_pki['signer'], created=NOW - datetime.timedelta(days=5),
        expires=NOW - datetime.timedelta(days=1))
    verdict = judged(signed, hepix_pki['policy'])
    assert verdict.level == 'expired'
    assert verdict.reasons[0].startswith('the image list expired on ')
    assert '(dc:date:expires)' in verdict.reasons[0]
    assert verdict.status == 'expired'


def test_expired_image(hepix_pki):
    past = lists.stamp(NOW - datetime.timedelta(hours=1))
    images = [lists.image(**{'dc:date:expires': past}),
              lists.image(lists.OTHER_ID)]
    signed = lists.signed_list(hepix_pki['signer'], images=images)
    verdict = judged(signed, hepix_pki['policy'])
    assert verdict.level == 'expired'
    assert verdict.reasons == ['the image expired on %s (its '
                               'dc:date:expires in the list)' % past]
    # the other image of the same list is fine
    assert judged(signed, hepix_pki['policy'],
                  lists.OTHER_ID).level == 'verified'


def test_wrong_endorser_dn(hepix_pki):
    signed = lists.signed_list(hepix_pki['signer'],
                               dn=lists.slash_dn('Someone Else'))
    verdict = judged(signed, hepix_pki['policy'])
    assert verdict.level == 'invalid'
    assert verdict.signature == 'invalid'
    assert verdict.reasons[0] == (
        'the list is signed by %s, not by its endorser %s (hv:dn)'
        % (lists.slash_dn('AppDB Signer'), lists.slash_dn('Someone Else')))
    assert not verdict.trusted


def test_wrong_ca(hepix_pki):
    signed = lists.signed_list(hepix_pki['signer'],
                               ca=lists.slash_dn('Other Test CA'))
    verdict = judged(signed, hepix_pki['policy'])
    assert verdict.level == 'invalid'
    assert verdict.reasons == [
        'the signer certificate is issued by %s, not by the CA the list '
        'names, %s (hv:ca)' % (lists.slash_dn('HEPiX Test CA'),
                               lists.slash_dn('Other Test CA'))]


def test_signed_by_someone_else_naming_themselves(hepix_pki):
    # consistent DNs, but a CA the policy does not trust
    signed = lists.signed_list(hepix_pki['stranger'])
    verdict = judged(signed, hepix_pki['policy'])
    assert verdict.level == 'untrusted'
    assert any('does not chain to a trusted CA' in r
               for r in verdict.reasons)


def test_tampered_list(hepix_pki):
    signed = lists.signed_list(hepix_pki['signer'])
    tampered = signed.replace(b'"CentOS"', b'"Evil OS"')
    assert tampered != signed
    verdict = judged(tampered, hepix_pki['policy'])
    assert verdict.level == 'invalid'
    assert verdict.signature == 'invalid'
    assert 'it was changed after it was signed' in verdict.reasons[0]
    assert not verdict.trusted and verdict.certificate is None


def test_a_look_alike_ca(hepix_pki):
    # same names as the real CA and signer, another key: the DNs agree
    # with the list, the chain does not verify
    fake_ca = pki.make_ca('HEPiX Test CA', key_label='look-alike CA')
    fake = pki.make_endorser(fake_ca, 'AppDB Signer', key_label='fake')
    verdict = judged(lists.signed_list(fake), hepix_pki['policy'])
    assert verdict.level == 'untrusted'
    assert any('does not chain to a trusted CA' in r
               for r in verdict.reasons)


def test_a_corrupted_signature_value(hepix_pki):
    content = lists.dumps(lists.image_list(hepix_pki['signer']))
    der = bytearray(lists.signature_der(content, hepix_pki['signer']))
    der[-1] ^= 0x01   # the last byte of the RSA signature
    verdict = judged(lists.multipart(content, bytes(der)),
                     hepix_pki['policy'])
    assert verdict.level == 'invalid'
    assert "does not verify with the signer certificate's key" in \
        verdict.reasons[0]


def test_a_signature_of_other_content(hepix_pki):
    content = lists.dumps(lists.image_list(hepix_pki['signer']))
    der = lists.signature_der(b'something else', hepix_pki['signer'])
    verdict = judged(lists.multipart(content, der), hepix_pki['policy'])
    assert verdict.level == 'invalid'
    assert 'it was changed after it was signed' in verdict.reasons[0]


def test_unsigned_list(hepix_pki):
    plain = lists.dumps(lists.image_list(hepix_pki['signer']))
    verdict = judged(plain, hepix_pki['policy'])
    assert verdict.level == 'invalid'
    assert verdict.signature == 'unsigned'
    assert verdict.reasons[0].startswith('the image list is not signed')
    # what it says is still shown
    assert verdict.appliance.identifier == lists.IMAGE_ID


def test_sha1_is_warned_or_refused(hepix_pki):
    content = lists.dumps(lists.image_list(hepix_pki['signer']))
    signed = lists.multipart(content, lists.sha1_signature_der(
        content, hepix_pki['signer']))
    warned = judged(signed, hepix_pki['policy'])
    assert warned.level == 'verified', warned.reasons
    assert warned.uses_sha1 and warned.digest_method == 'sha1'
    assert warned.warnings == ['the signature uses SHA-1, a weak algorithm; '
                               'ask the endorser to re-sign with SHA-256']
    refusing = trust.TrustPolicy(ca_files=[hepix_pki['ca_file']],
                                 sha1='refuse')
    refused = judged(signed, refusing)
    assert refused.level == 'invalid'
    assert refused.reasons[0] == ('the signature uses SHA-1, which the '
                                  'trust policy refuses')
    # and tampering is still found with SHA-1
    bad = judged(signed.replace(b'"CentOS"', b'"Other"'),
                 hepix_pki['policy'])
    assert 'sha1 digest differs' in bad.reasons[0]


def test_image_not_in_the_list(hepix_pki):
    signed = lists.signed_list(hepix_pki['signer'])
    verdict = judged(signed, hepix_pki['policy'], lists.OTHER_ID)
    assert verdict.level == 'invalid'
    assert 'does not hold the image %s' % lists.OTHER_ID in \
        verdict.reasons[-1]
    with pytest.raises(MetadataError):
        judge.parse(entry(signed, lists.OTHER_ID))


@pytest.mark.parametrize('change, reason', [
    ({'dc:date:created': 'yesterday'}, 'no valid dc:date:created'),
    ({'dc:date:expires': None}, 'no valid dc:date:expires'),
    ({'hv:images': {'a': 1}}, 'no hv:images list'),
    ({'hv:images': [{'hv:image': {'dc:identifier': '../x'}}]},
     'no usable dc:identifier'),
    ({'hv:endorser': 'me'}, 'names no endorser'),
])
def test_malformed_lists_are_invalid(hepix_pki, change, reason):
    value = lists.image_list(hepix_pki['signer'])
    value['hv:imagelist'].update(change)
    signed = lists.sign(lists.dumps(value), hepix_pki['signer'])
    verdict = judged(signed, hepix_pki['policy'])
    assert verdict.level == 'invalid'
    assert reason in verdict.reasons[-1]


def test_missing_checksum_makes_the_image_invalid(hepix_pki):
    images = [lists.image(**{'sl:checksum:sha512': 'abc'})]
    signed = lists.signed_list(hepix_pki['signer'], images=images)
    verdict = judged(signed, hepix_pki['policy'])
    assert verdict.level == 'invalid'
    assert 'sl:checksum:sha512 is missing or not 128 hex digits' in \
        verdict.reasons


def test_revoked_signer_is_not_trusted(hepix_pki, tmp_path):
    from cryptography.hazmat.primitives import serialization

    from tests.unit.core.test_revocation import make_crl
    crl = make_crl(hepix_pki['ca'], [hepix_pki['signer'].cert])
    path = tmp_path / 'ca.crl'
    path.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    policy = trust.TrustPolicy(ca_files=[hepix_pki['ca_file']],
                               crl_files=[str(path)])
    verdict = judged(lists.signed_list(hepix_pki['signer']), policy)
    assert verdict.level == 'untrusted'
    assert any('revoked' in r for r in verdict.reasons)


@pytest.mark.parametrize('garbage', [
    b'', b'not a document', b'HEPiX-Image: x\n\n',
    b'HEPiX-Image: ../../x\nHEPiX-Image-List: https://a/\n\n{}',
])
def test_garbage_documents_are_invalid(garbage):
    verdict = catalogs.get_type('hepix').evaluate(garbage, None)
    assert verdict.level == 'invalid'
    assert verdict.reasons


def test_slash_dns():
    assert judge.slash_dn_to_rfc2253('/DC=org/DC=terena/CN=x y') == \
        'CN=x y,DC=terena,DC=org'
    assert judge.slash_dn_to_rfc2253('/XX=1/CN=x') is None
    assert judge.slash_dn_to_rfc2253('CN=x') is None
    name = pki.name('Jane')
    assert judge.openssl_dn(name) == lists.slash_dn('Jane')
    assert json.dumps(judge.openssl_dn(name))


def test_reasons_are_shown_translated(hepix_pki):
    from marketplace_dashboard.core import i18n
    tampered = lists.signed_list(hepix_pki['signer']).replace(
        b'"CentOS"', b'"Evil OS"')
    reason = judged(tampered, hepix_pki['policy']).reasons[0]
    assert i18n.translate(reason, ['fr']) == (
        "la signature S/MIME de la liste d'images n'est pas valide : la "
        "liste ne correspond pas à sa signature (son empreinte sha256 "
        "diffère de celle qui a été signée) : elle a été modifiée après "
        "avoir été signée")
    signed = lists.signed_list(hepix_pki['signer'],
                               dn=lists.slash_dn('Someone Else'))
    reason = judged(signed, hepix_pki['policy']).reasons[0]
    assert i18n.translate(reason, ['fr']).startswith(
        'la liste est signée par /C=EU/')
