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


"""XML-DSig verification and signing in the StratusLab profile.

Profile (spec sections 2.5-2.7): one enveloped ``Signature`` (default
xmldsig namespace), last child of ``rdf:RDF``; inclusive C14N 1.0 (with or
without comments); one ``Reference URI=""`` with only the
enveloped-signature transform; RSA-SHA1/256/384/512 and SHA-1/256/384/512
digests; ``KeyInfo`` holding exactly one ``X509Certificate`` (the
endorser's).  libxmlsec1 (through ``xmlsec``) does the cryptography;
everything that decides *what* is verified is checked here first:

* the structure must match the profile exactly, so a second Signature, an
  extra certificate, a ``KeyValue``/``RetrievalMethod`` or a Reference to
  anything but the whole document is refused before xmlsec runs;
* the verification key is loaded by us from that one certificate; xmlsec
  never chooses a key from ``KeyInfo`` (no key manager is given);
* ``URI=""`` covers the whole document minus the Signature, so the
  ``signed_root`` returned is the document root and any Description inside
  it is covered; moved or duplicated Descriptions change the digest.
"""

import base64
import binascii
import dataclasses
import datetime
import functools

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
import xmlsec

from marketplace_dashboard.core import binding, formats, model, xmlsafe
from marketplace_dashboard.core.errors import MetadataError, SigningError
from marketplace_dashboard.core.i18n import _

__all__ = [
    'C14N', 'C14N_COMMENTS', 'DIGEST_METHODS', 'ENVELOPED', 'INVALID',
    'MIN_RSA_BITS', 'MISSING', 'SIGNATURE_METHODS', 'VALID', 'XML_DECLARATION',
    'SignatureResult', 'sign_document', 'verify_root', 'verify_signature',
]

VALID = 'valid'
INVALID = 'invalid'
MISSING = 'missing'

C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315'
C14N_COMMENTS = C14N + '#WithComments'
ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature'
SIGNATURE_METHODS = {
    'http://www.w3.org/2000/09/xmldsig#rsa-sha1': 'sha1',
    'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'sha256',
    'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': 'sha384',
    'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'sha512',
}
DIGEST_METHODS = {
    'http://www.w3.org/2000/09/xmldsig#sha1': 'sha1',
    'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
    'http://www.w3.org/2001/04/xmldsig-more#sha384': 'sha384',
    'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
}
_SIGN_TRANSFORMS = {
    'sha1': (xmlsec.Transform.RSA_SHA1, xmlsec.Transform.SHA1),
    'sha256': (xmlsec.Transform.RSA_SHA256, xmlsec.Transform.SHA256),
    'sha384': (xmlsec.Transform.RSA_SHA384, xmlsec.Transform.SHA384),
    'sha512': (xmlsec.Transform.RSA_SHA512, xmlsec.Transform.SHA512),
}
MIN_RSA_BITS = 1024
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>'


def _ds(local):
    return '{%s}%s' % (model.DSIG, local)


@dataclasses.dataclass
class SignatureResult:
    status: str
    reason: str | None = None
    certificate: x509.Certificate | None = None
    canonicalization: str | None = None
    signature_method: str | None = None
    digest_method: str | None = None
    signed_root: object = None
    root: object = None

    @property
    def uses_sha1(self):
        return 'sha1' in (SIGNATURE_METHODS.get(self.signature_method),
                          DIGEST_METHODS.get(self.digest_method))

    @property
    def valid(self):
        return self.status == VALID


class _Refused(Exception):
    """The Signature element does not follow the profile."""


def _children(element):
    return [c for c in element if isinstance(c.tag, str)]


def _only(element, tag, what):
    children = _children(element)
    if len(children) != 1 or children[0].tag != _ds(tag):
        raise _Refused('%s must contain exactly one %s element'
                       % (what, tag))
    return children[0]


def _check_text_free(element, what):
    if (element.text or '').strip():
        raise _Refused('unexpected text in %s' % what)
    for child in element:
        if (child.tail or '').strip():
            raise _Refused('unexpected text in %s' % what)


def _check_structure(signature, result):
    """Refuse anything but the StratusLab profile; return the cert DER."""
    names = [etree.QName(c).localname if c.tag.startswith('{%s}'
                                                         % model.DSIG)
             else c.tag for c in _children(signature)]
    if names != ['SignedInfo', 'SignatureValue', 'KeyInfo']:
        raise _Refused('Signature must contain SignedInfo, SignatureValue '
                       'and KeyInfo (found: %s)' % (', '.join(names)
                                                    or 'nothing'))
    signed_info, _value, key_info = _children(signature)
    for element in signature.iter():
        if isinstance(element.tag, str) and element is not signature:
            if not element.tag.startswith('{%s}' % model.DSIG):
                raise _Refused('foreign element %s inside Signature'
                               % element.tag)
    _check_text_free(signature, 'Signature')
    names = [etree.QName(c).localname for c in _children(signed_info)]
    if names != ['CanonicalizationMethod', 'SignatureMethod', 'Reference']:
        raise _Refused('SignedInfo must contain CanonicalizationMethod, '
                       'SignatureMethod and exactly one Reference')
    c14n, method, reference = _children(signed_info)
    result.canonicalization = c14n.get('Algorithm')
    result.signature_method = method.get('Algorithm')
    if result.canonicalization not in (C14N, C14N_COMMENTS):
        raise _Refused('canonicalization method %s is not allowed (only '
                       'inclusive C14N 1.0)' % result.canonicalization)
    if result.signature_method not in SIGNATURE_METHODS:
        raise _Refused('signature method %s is not allowed (only RSA with '
                       'SHA-1/256/384/512)' % result.signature_method)
    if _children(c14n) or _children(method):
        raise _Refused('unexpected parameters in SignedInfo')
    if reference.get('URI') != '' or set(reference.keys()) - {'URI'}:
        raise _Refused('the Reference must have URI="" (the whole '
                       'document) and nothing else')
    names = [etree.QName(c).localname for c in _children(reference)]
    if names != ['Transforms', 'DigestMethod', 'DigestValue']:
        raise _Refused('Reference must contain Transforms, DigestMethod and '
                       'DigestValue')
    transforms, digest, _digest_value = _children(reference)
    transform = _only(transforms, 'Transform', 'Transforms')
    if transform.get('Algorithm') != ENVELOPED or _children(transform):
        raise _Refused('only the enveloped-signature transform is allowed '
                       '(found %s)' % transform.get('Algorithm'))
    result.digest_method = digest.get('Algorithm')
    if result.digest_method not in DIGEST_METHODS:
        raise _Refused('digest method %s is not allowed (only SHA-1/256/'
                       '384/512)' % result.digest_method)
    x509_data = _only(key_info, 'X509Data', 'KeyInfo')
    certificate = _only(x509_data, 'X509Certificate', 'X509Data')
    try:
        return base64.b64decode(
            ''.join(xmlsafe.text_content(certificate).split()), validate=True)
    except (binascii.Error, ValueError):
        raise _Refused('X509Certificate is not valid base64') from None


def _locate_signature(root):
    signatures = list(root.iter(_ds('Signature')))
    if not signatures:
        return None
    if len(signatures) > 1:
        raise _Refused('document contains %d Signature elements; exactly '
                       'one is allowed' % len(signatures))
    signature = signatures[0]
    if root.tag != xmlsafe.RDF_ROOT:
        raise _Refused('document root must be rdf:RDF')
    if signature.getparent() is not root or \
            _children(root)[-1] is not signature:
        raise _Refused('the Signature must be the last child of rdf:RDF')
    return signature


def _public_key_pem(cert):
    try:
        public_key = cert.public_key()
    except (UnsupportedAlgorithm, ValueError):
        # an algorithm cryptography cannot load (the certificate itself
        # parses: its key is only decoded here)
        raise _Refused('the certificate key cannot be read') from None
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise _Refused('the certificate key is not an RSA key')
    if public_key.key_size < MIN_RSA_BITS:
        raise _Refused('the certificate key is too short (%d bits)'
                       % public_key.key_size)
    return public_key.public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo)


@functools.lru_cache(maxsize=64)
def _certificate_and_key(der):
    """The certificate of *der* and its key for xmlsec (loaded once per
    certificate: the documents of one endorser share it; a
    ``SignatureContext`` takes a copy of the key it is given)."""
    try:
        certificate = x509.load_der_x509_certificate(der)
    except ValueError:
        raise _Refused('the X509Certificate cannot be read') from None
    return certificate, xmlsec.Key.from_memory(
        _public_key_pem(certificate), xmlsec.constants.KeyDataFormatPem)


def verify_signature(data, max_bytes=xmlsafe.DEFAULT_MAX_BYTES):
    """Verify the enveloped signature of one standalone document."""
    try:
        root = xmlsafe.parse_xml(data, max_bytes=max_bytes)
    except MetadataError as exc:
        return SignatureResult(INVALID, str(exc))
    return verify_root(root)


def verify_root(root):
    """Verify the signature of an already (safely) parsed document."""
    result = SignatureResult(INVALID, root=root)
    try:
        signature = _locate_signature(root)
        if signature is None:
            result.status, result.reason = MISSING, _('no signature')
            return result
        der = _check_structure(signature, result)
        result.certificate, key = _certificate_and_key(der)
    except _Refused as exc:
        result.reason = (_('invalid signature element: %(problem)s')
                         % {'problem': exc})
        return result
    except xmlsec.Error:
        result.reason = _('invalid signature element: unusable '
                          'certificate key')
        return result
    context = xmlsec.SignatureContext()
    context.key = key
    try:
        context.verify(signature)
    except xmlsec.Error:
        result.reason = _('signature validation failed: the document was '
                          'modified after signing, or not signed with the '
                          'key of its certificate')
        return result
    result.status, result.signed_root = VALID, root
    return result


def _load_signing_key(private_key, certificate):
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise SigningError('only RSA keys can sign StratusLab metadata')
    if not isinstance(certificate, x509.Certificate):
        raise SigningError('a certificate (x509.Certificate) is required')
    if certificate.public_key().public_numbers() != \
            private_key.public_key().public_numbers():
        raise SigningError('the private key does not belong to the '
                           'certificate %s' % binding.java_dn(
                               certificate.subject))
    pem = private_key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    return xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)


def _endorser_email(certificate, email):
    address = binding.certificate_email(certificate) or email
    if not address:
        raise SigningError('cannot generate slreq:endorsement; email address '
                           'not in cert or not provided')
    if not formats.is_email(address):
        raise SigningError('invalid email address: %s' % address)
    return address


def _fill_endorsement(root, certificate, email, now):
    endorsements = list(root.iter(model.q('slreq', 'endorsement')))
    for extra in endorsements[:-1]:
        extra.getparent().remove(extra)
    for old in list(root.iter(_ds('Signature'))):
        _remove_keeping_tail(old)
    if not endorsements:
        raise SigningError('document must contain exactly 1 '
                           'slreq:endorsement element')
    endorsement = endorsements[-1]
    for child in list(endorsement):
        endorsement.remove(child)
    endorsement.text = None
    _email, subject, issuer = binding.certificate_identity(certificate)
    # The Java signer writes these unprefixed, with default namespaces.
    created = etree.SubElement(endorsement, model.q('dcterms', 'created'),
                               nsmap={None: model.DCTERMS})
    created.text = formats.format_date(now)
    endorser = etree.SubElement(endorsement, model.q('slreq', 'endorser'),
                                nsmap={None: model.SLREQ})
    endorser.set(model.q('rdf', 'parseType'), 'Resource')
    for local, value in (('email', email), ('subject', subject),
                         ('issuer', issuer)):
        etree.SubElement(endorser, model.q('slreq', local)).text = value


def _remove_keeping_tail(element):
    parent = element.getparent()
    previous = element.getprevious()
    if element.tail:
        if previous is not None:
            previous.tail = (previous.tail or '') + element.tail
        else:
            parent.text = (parent.text or '') + element.tail
    parent.remove(element)


def sign_document(data, private_key, certificate, email=None,
                  digest='sha256', now=None):
    """Endorse and sign one metadata document; returns the signed bytes.

    As the reference signer: keep only the last ``slreq:endorsement`` and
    refill it (created = *now*, endorser e-mail from the certificate's
    subjectAltName or else *email*, subject and issuer DNs), drop old
    Signatures, then sign enveloped with inclusive C14N with comments.
    *digest* ``'sha256'`` (default), ``'sha384'``, ``'sha512'`` or
    ``'sha1'`` (RSA-SHA1 + SHA-1, for old verifiers).
    """
    if digest not in _SIGN_TRANSFORMS:
        raise SigningError('unsupported digest %r (use one of %s)'
                           % (digest, ', '.join(sorted(_SIGN_TRANSFORMS))))
    key = _load_signing_key(private_key, certificate)
    address = _endorser_email(certificate, email)
    try:
        root = xmlsafe.parse_xml(data)
        model.description_of(root)
    except MetadataError as exc:
        raise SigningError('cannot sign this document: %s' % exc) from None
    now = now or datetime.datetime.now(datetime.UTC)
    _fill_endorsement(root, certificate, address, now)
    sign_method, digest_method = _SIGN_TRANSFORMS[digest]
    signature = xmlsec.template.create(
        root, xmlsec.Transform.C14N_COMMENTS, sign_method)
    root.append(signature)
    reference = xmlsec.template.add_reference(signature, digest_method,
                                              uri='')
    xmlsec.template.add_transform(reference, xmlsec.Transform.ENVELOPED)
    key_info = xmlsec.template.ensure_key_info(signature)
    x509_data = xmlsec.template.add_x509_data(key_info)
    cert_element = xmlsec.template.x509_data_add_certificate(x509_data)
    der = certificate.public_bytes(serialization.Encoding.DER)
    cert_element.text = _wrap(base64.b64encode(der).decode())
    context = xmlsec.SignatureContext()
    context.key = key
    try:
        context.sign(signature)
    except xmlsec.Error as exc:
        raise SigningError('signing failed: %s' % exc) from None
    body = etree.tostring(root.getroottree(), encoding='UTF-8',
                          xml_declaration=False)
    return XML_DECLARATION + body


def _wrap(text, width=76):
    return '\n'.join(text[i:i + width] for i in range(0, len(text), width))
