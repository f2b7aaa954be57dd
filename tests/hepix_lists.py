"""HEPiX image lists made and S/MIME-signed by the tests (with the test
CAs and endorsers of :mod:`tests.pki`)."""

import datetime
import hashlib
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from tests import pki

LIST_ID = '76fdee70-8119-5d33-aaaa-3c57e1c60df1'
IMAGE_ID = 'c0482bc2-bf41-5d49-aaaa-a750174a186b'
OTHER_ID = '662b0e71-3e21-bbbb-b6a1-cc2f51319fa7'


def slash_dn(common_name, org=pki.DEFAULT_ORG[0], unit=pki.DEFAULT_ORG[1],
             country='EU'):
    """The DN of a :func:`tests.pki.name` as the lists write it."""
    return '/C=%s/O=%s/OU=%s/CN=%s' % (country, org, unit, common_name)


def stamp(when):
    return when.strftime('%Y-%m-%dT%H:%M:%SZ')


def image(identifier=IMAGE_ID, data=b'image bytes', uri=None, **extra):
    result = {
        'dc:identifier': identifier,
        'dc:title': 'Image for CentOS 7 [CentOS/7/KVM]',
        'dc:description': 'A test image',
        'ad:mpuri': 'https://appdb.example/store/vo/image/%s:1/'
                    % identifier,
        'hv:uri': uri or 'https://images.example/%s.qcow2' % identifier,
        'hv:format': 'QCOW2',
        'hv:size': str(len(data)),
        'hv:version': '7-20260101',
        'hv:hypervisor': 'KVM',
        'sl:checksum:sha512': hashlib.sha512(data).hexdigest(),
        'sl:os': 'Linux', 'sl:osname': 'CentOS', 'sl:osversion': '7',
        'sl:arch': 'x86_64',
    }
    result.update(extra)
    return {'hv:image': result}


def image_list(endorser, images=None, created=None, expires=None, dn=None,
               ca=None, email='jane.tester@example.org', **extra):
    """The ``hv:imagelist`` dict endorsed by *endorser* (a Credential of
    :mod:`tests.pki`): its DN and CA are the certificate's unless given."""
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    created = created or now - datetime.timedelta(hours=1)
    expires = expires or now + datetime.timedelta(days=30)
    data = {
        'dc:identifier': LIST_ID,
        'dc:title': 'Test VO image list',
        'dc:description': 'Images of the test VO',
        'dc:source': 'https://appdb.example/',
        'dc:date:created': stamp(created),
        'dc:date:expires': stamp(expires),
        'hv:uri': 'https://appdb.example/store/vo/test/image.list',
        'hv:version': '20260101000000',
        'hv:endorser': {'hv:x509': {
            'dc:creator': 'Test Applications Database',
            'hv:dn': dn if dn is not None else _dn(endorser.cert.subject),
            'hv:ca': ca if ca is not None else _dn(endorser.cert.issuer),
            'hv:email': email}},
        'hv:images': images if images is not None else [image()],
    }
    data.update(extra)
    return {'hv:imagelist': data}


def _dn(name):
    from cryptography.x509.oid import NameOID
    short = {NameOID.COUNTRY_NAME: 'C', NameOID.ORGANIZATION_NAME: 'O',
             NameOID.ORGANIZATIONAL_UNIT_NAME: 'OU',
             NameOID.COMMON_NAME: 'CN'}
    return '/' + '/'.join('%s=%s' % (short[a.oid], a.value)
                          for rdn in name.rdns for a in rdn)


def dumps(value):
    return json.dumps(value, indent=2).encode()


def sign(content, signer, digest=None, detached=True):
    """*content* (bytes) S/MIME-signed by *signer* (a Credential)."""
    options = [pkcs7.PKCS7Options.DetachedSignature] if detached else []
    return (pkcs7.PKCS7SignatureBuilder().set_data(content)
            .add_signer(signer.cert, signer.key, digest or hashes.SHA256())
            .sign(serialization.Encoding.SMIME, options))


def signed_list(endorser, **kwargs):
    return sign(dumps(image_list(endorser, **kwargs)), endorser)


def signature_der(content, signer, detached=True):
    """The CMS SignedData (DER) of *content* by *signer*."""
    options = [pkcs7.PKCS7Options.DetachedSignature] if detached else []
    return (pkcs7.PKCS7SignatureBuilder().set_data(content)
            .add_signer(signer.cert, signer.key, hashes.SHA256())
            .sign(serialization.Encoding.DER, options))


def _b64(data):
    import base64
    text = base64.b64encode(data)
    return b'\r\n'.join(text[i:i + 64] for i in range(0, len(text), 64))


def multipart(content, der, boundary=b'----TESTBOUNDARY42'):
    """A ``multipart/signed`` message of *content* and the detached
    SignedData *der*, as ``openssl smime -sign`` writes it."""
    return (b'MIME-Version: 1.0\r\nContent-Type: multipart/signed; '
            b'protocol="application/x-pkcs7-signature"; micalg="sha-256"; '
            b'boundary="' + boundary + b'"\r\n\r\nThis is an S/MIME signed '
            b'message\r\n\r\n--' + boundary + b'\r\n' + content +
            b'\r\n--' + boundary + b'\r\nContent-Type: '
            b'application/x-pkcs7-signature; name="smime.p7s"\r\n'
            b'Content-Transfer-Encoding: base64\r\nContent-Disposition: '
            b'attachment; filename="smime.p7s"\r\n\r\n' + _b64(der) +
            b'\r\n\r\n--' + boundary + b'--\r\n')


def opaque(der):
    """An ``application/pkcs7-mime`` message (the content inside)."""
    return (b'MIME-Version: 1.0\r\nContent-Disposition: attachment; '
            b'filename="smime.p7m"\r\nContent-Type: application/pkcs7-mime; '
            b'smime-type=signed-data; name="smime.p7m"\r\n'
            b'Content-Transfer-Encoding: base64\r\n\r\n' + _b64(der) +
            b'\r\n')


def sha1_signature_der(content, signer):
    """A detached SignedData of *content* by *signer* using SHA-1, which
    cryptography's builder refuses to make: its SHA-256 one, re-signed
    here with asn1crypto (test side only)."""
    from asn1crypto import algos, cms
    from cryptography.hazmat.primitives.asymmetric import padding

    info = cms.ContentInfo.load(signature_der(content, signer))
    signed_data = info['content']
    sha1 = algos.DigestAlgorithm({'algorithm': 'sha1'})
    signed_data['digest_algorithms'] = [sha1]
    signer_info = signed_data['signer_infos'][0]
    signer_info['digest_algorithm'] = sha1
    attributes = []
    for attribute in signer_info['signed_attrs']:
        if attribute['type'].native == 'message_digest':
            attribute = cms.CMSAttribute({
                'type': 'message_digest',
                'values': [hashlib.sha1(content).digest()]})  # noqa: S324
        attributes.append(attribute)
    signer_info['signed_attrs'] = cms.CMSAttributes(attributes)
    to_sign = b'\x31' + signer_info['signed_attrs'].dump(force=True)[1:]
    signer_info['signature_algorithm'] = algos.SignedDigestAlgorithm(
        {'algorithm': 'sha1_rsa'})
    signer_info['signature'] = signer.key.sign(
        to_sign, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    return info.dump(force=True)
