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

"""S/MIME signatures of HEPiX image lists (CMS SignedData, RFC 5652).

An image list is served as an S/MIME message: ``multipart/signed`` (the
list, then a detached ``application/pkcs7-signature``; what AppDB and
``openssl smime -sign`` send) or ``application/pkcs7-mime`` (the list
inside the SignedData).  :func:`verify` reads the message (bounded),
parses the SignedData with ``asn1crypto``, checks the signed attributes
(content type, and the ``messageDigest`` against the content) and the
signature over their DER with the signer certificate's public key
(``cryptography``).  Whether the signer is trusted is not decided here:
that is the trust policy's business (:mod:`marketplace_dashboard.core.trust`).
"""

import base64
import binascii
import dataclasses
import email.parser
import email.policy
import hashlib
import hmac
import re

from asn1crypto import cms
from cryptography import exceptions as crypto_exceptions
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from marketplace_dashboard.core import signature as signature_mod
from marketplace_dashboard.core.i18n import _

__all__ = [
    'HASHES', 'MAX_HEADER_BYTES', 'MAX_SIGNATURE_BYTES', 'SignatureResult',
    'UNSIGNED', 'verify',
]

#: the signature status of a list that is not S/MIME at all
UNSIGNED = 'unsigned'
#: digest algorithms accepted (asn1crypto names); MD5 never is
HASHES = {'sha1': hashes.SHA1, 'sha224': hashes.SHA224,
          'sha256': hashes.SHA256, 'sha384': hashes.SHA384,
          'sha512': hashes.SHA512}
#: bounds on the parts of a message besides the list itself
MAX_HEADER_BYTES = 16 * 1024
MAX_SIGNATURE_BYTES = 1024 * 1024
MAX_CERTIFICATES = 32

_BOUNDARY_RE = re.compile(r"^[0-9A-Za-z'()+_,./:=? -]{1,70}\Z")
_HEADER_END_RE = re.compile(rb'\r?\n\r?\n')
_SIGNATURE_TYPES = ('application/pkcs7-signature',
                    'application/x-pkcs7-signature')
_MIME_TYPES = ('application/pkcs7-mime', 'application/x-pkcs7-mime')


@dataclasses.dataclass
class SignatureResult:
    """What :func:`verify` found.

    ``status`` is ``valid``, ``invalid`` or ``unsigned``; ``content`` the
    list's bytes (the signed ones when the signature is valid, else what
    the message carries, for display only); ``certificate`` the signer's
    (a ``cryptography`` certificate) when the signature is valid.
    """

    status: str = signature_mod.INVALID
    reason: str | None = None
    content: bytes | None = None
    certificate: x509.Certificate | None = None
    digest_method: str | None = None
    signature_method: str | None = None
    uses_sha1: bool = False

    @property
    def valid(self):
        return self.status == signature_mod.VALID


class _Refused(Exception):
    """A message or SignedData that cannot be verified; str() is why."""


def _split_headers(data):
    """``(email.message.Message of the headers, body bytes)``."""
    match = _HEADER_END_RE.search(data, 0, MAX_HEADER_BYTES + 4)
    if match is None:
        raise _Refused(_('its MIME headers do not end within %(size)s '
                         'bytes') % {'size': MAX_HEADER_BYTES})
    head = data[:match.start()] + b'\r\n\r\n'
    message = email.parser.BytesHeaderParser(
        policy=email.policy.compat32).parsebytes(head)
    return message, data[match.end():]


def _is_mime(data):
    start = data[:MAX_HEADER_BYTES].lstrip()
    return re.match(rb'(?i)(mime-version|content-type)\s*:', start) \
        is not None


def _entity_body(entity):
    """The body of a MIME entity (a part): its headers dropped when it
    has any, its transfer encoding undone (7bit, 8bit, binary, base64)."""
    if not _is_mime(entity):
        return entity
    headers, body = _split_headers(entity)
    encoding = (headers.get('Content-Transfer-Encoding') or '7bit').strip()
    encoding = encoding.lower()
    if encoding in ('7bit', '8bit', 'binary'):
        return body
    if encoding == 'base64':
        return _base64(body, _('the list part'))
    raise _Refused(_('the list part has the transfer encoding %(encoding)s, '
                     'which is not supported')
                   % {'encoding': repr(encoding[:40])})


def _base64(data, what):
    try:
        return base64.b64decode(re.sub(rb'\s+', b'', data), validate=True)
    except (binascii.Error, ValueError):
        raise _Refused(_('%(what)s is not valid base64') % {'what': what}) \
            from None


def _canonical(data):
    """*data* with every line ending CRLF (S/MIME canonical form)."""
    return re.sub(rb'\r?\n', b'\r\n', data)


def _multipart_parts(body, boundary):
    """The bodies of a multipart body's parts (the line ending before a
    delimiter belongs to it, RFC 2046 section 5.1.1)."""
    delimiter = re.escape(b'--' + boundary.encode('ascii'))
    found = list(re.finditer(rb'(?:\A|\r?\n)' + delimiter +
                             rb'(--)?[ \t]*(?:\r?\n|\Z)', body))
    parts = []
    for here, after in zip(found, found[1:], strict=False):
        if here.group(1):
            break
        parts.append(body[here.end():after.start()])
    if len(found) < 2 or not found[len(parts)].group(1):
        raise _Refused(_('its multipart body has no closing boundary'))
    return parts


def _signed_message(data):
    """``(content candidates, SignedData DER, detached)`` of an S/MIME
    message; the candidates are the exact bytes that may have been
    signed (as sent, and in canonical CRLF form)."""
    headers, body = _split_headers(data)
    content_type = headers.get_content_type()
    if content_type == 'multipart/signed':
        boundary = headers.get_param('boundary')
        if not isinstance(boundary, str) or not _BOUNDARY_RE.match(boundary):
            raise _Refused(_('its multipart/signed boundary is missing or '
                             'malformed'))
        parts = _multipart_parts(body, boundary)
        if len(parts) != 2:
            raise _Refused(_('a multipart/signed message has two parts, '
                             'not %(count)s') % {'count': len(parts)})
        entity, signature_part = parts
        part_headers, part_body = _split_headers(signature_part)
        if part_headers.get_content_type() not in _SIGNATURE_TYPES:
            raise _Refused(_('its second part is %(type)s, not an '
                             'application/pkcs7-signature') % {
                                 'type': part_headers.get_content_type()[:60]})
        if len(part_body) > MAX_SIGNATURE_BYTES:
            raise _Refused(_('its signature is larger than %(size)s bytes')
                           % {'size': MAX_SIGNATURE_BYTES})
        der = _base64(part_body, _('the signature'))
        candidates = [_canonical(entity)]
        if candidates[0] != entity:
            candidates.append(entity)
        return candidates, der, True
    if content_type in _MIME_TYPES:
        return [], _base64(body, _('the application/pkcs7-mime body')), \
            False
    raise _Refused(_('it is a MIME message of type %(type)s, not an S/MIME '
                     'signed one') % {'type': content_type[:60]})


def _certificate_of(signed_data, signer_id):
    count = 0
    for choice in signed_data['certificates'] or ():
        count += 1
        if count > MAX_CERTIFICATES:
            break
        if choice.name != 'certificate':
            continue
        cert = choice.chosen
        if signer_id.name == 'issuer_and_serial_number':
            wanted = signer_id.chosen
            if cert.issuer == wanted['issuer'] and \
                    cert.serial_number == wanted['serial_number'].native:
                return cert
        elif cert.key_identifier == signer_id.chosen.native:
            return cert
    raise _Refused(_('the signer certificate is not in the signature'))


def _attributes(signer_info):
    found = {}
    for attribute in signer_info['signed_attrs']:
        values = attribute['values']
        if attribute['type'].native in found or len(values) != 1:
            raise _Refused(_('the signed attribute %(name)s is repeated')
                           % {'name': attribute['type'].native})
        found[attribute['type'].native] = values[0]
    return found


def _check_signature(public_key, algorithm, digest, signature, data):
    name = algorithm.signature_algo
    if isinstance(public_key, rsa.RSAPublicKey) and \
            name == 'rsassa_pkcs1v15':
        public_key.verify(signature, data, padding.PKCS1v15(), digest)
    elif isinstance(public_key, rsa.RSAPublicKey) and name == 'rsassa_pss':
        params = algorithm['parameters']
        mgf_hash = HASHES.get(params['mask_gen_algorithm']['parameters']
                              ['algorithm'].native)
        pss_hash = HASHES.get(params['hash_algorithm']['algorithm'].native)
        if mgf_hash is None or pss_hash is None:
            raise _Refused(_('the RSASSA-PSS parameters use an unsupported '
                             'hash'))
        public_key.verify(signature, data, padding.PSS(
            padding.MGF1(mgf_hash()), params['salt_length'].native),
            pss_hash())
    elif isinstance(public_key, ec.EllipticCurvePublicKey) and \
            name == 'ecdsa':
        public_key.verify(signature, data, ec.ECDSA(digest))
    else:
        raise _Refused(_('the signature algorithm %(name)s does not fit the '
                         'signer key') % {'name': name})


def _verify_signed_data(der, candidates, result):
    try:
        info = cms.ContentInfo.load(der, strict=True)
        if info['content_type'].native != 'signed_data':
            raise _Refused(_('it is a CMS %(type)s, not SignedData')
                           % {'type': info['content_type'].native})
        signed_data = info['content']
        encapsulated = signed_data['encap_content_info']
        if encapsulated['content_type'].native != 'data':
            raise _Refused(_('it signs %(type)s content, not data')
                           % {'type': encapsulated['content_type'].native})
        embedded = encapsulated['content'].native \
            if encapsulated['content'] else None
        if embedded is not None:
            candidates = [embedded]
        if not candidates:
            raise _Refused(_('it has neither a detached nor an embedded '
                             'content'))
        result.content = _entity_body(candidates[-1])
        signers = signed_data['signer_infos']
        if len(signers) != 1:
            raise _Refused(_('it has %(count)s signers; a list has one')
                           % {'count': len(signers)})
        signer_info = signers[0]
        cert = _certificate_of(signed_data, signer_info['sid'])
        digest_name = signer_info['digest_algorithm']['algorithm'].native
        if digest_name not in HASHES:
            raise _Refused(_('its digest algorithm %(name)s is not accepted')
                           % {'name': digest_name})
        result.digest_method = digest_name
        result.uses_sha1 = digest_name == 'sha1'
        algorithm = signer_info['signature_algorithm']
        result.signature_method = algorithm['algorithm'].native
        if not signer_info['signed_attrs']:
            raise _Refused(_('it has no signed attributes'))
        attributes = _attributes(signer_info)
        if 'content_type' not in attributes or \
                attributes['content_type'].native != 'data':
            raise _Refused(_('its signed content-type attribute is missing '
                             'or not data'))
        if 'message_digest' not in attributes:
            raise _Refused(_('it has no message-digest attribute'))
        expected = attributes['message_digest'].native
        signed = next((c for c in candidates if hmac.compare_digest(
            hashlib.new(digest_name, c).digest(), expected)), None)
        if signed is None:
            raise _Refused(_('the list does not match its signature (its '
                             '%(name)s digest differs from the signed one): '
                             'it was changed after it was signed')
                           % {'name': digest_name})
        result.content = _entity_body(signed)
        # RFC 5652 5.4: the DER of the attributes as a SET OF, not [0]
        encoded = signer_info['signed_attrs'].dump()
        to_verify = b'\x31' + encoded[1:]
        certificate = x509.load_der_x509_certificate(cert.dump())
        try:
            hash_name = algorithm.hash_algo
        except ValueError:
            hash_name = digest_name
        if hash_name not in HASHES:
            raise _Refused(_('its signature hash %(name)s is not accepted')
                           % {'name': hash_name})
        result.uses_sha1 = result.uses_sha1 or hash_name == 'sha1'
        _check_signature(certificate.public_key(), algorithm,
                         HASHES[hash_name](), signer_info['signature'].native,
                         to_verify)
    except crypto_exceptions.InvalidSignature:
        raise _Refused(_("the signature does not verify with the signer "
                         "certificate's key")) from None
    except (ValueError, TypeError, KeyError, AttributeError,
            OverflowError) as exc:
        raise _Refused(_('its SignedData is malformed (%(error)s)')
                       % {'error': str(exc)[:200]}) from None
    result.certificate = certificate
    result.status = signature_mod.VALID


def verify(data):
    """The :class:`SignatureResult` of an image list as served (bytes)."""
    result = SignatureResult()
    if not _is_mime(data):
        result.status = UNSIGNED
        result.reason = _('the image list is not signed (it is not an S/MIME '
                          'message): nothing in it can be trusted')
        result.content = data
        return result
    try:
        candidates, der, _detached = _signed_message(data)
        if candidates:
            result.content = _entity_body(candidates[-1])
        _verify_signed_data(der, candidates, result)
    except _Refused as exc:
        result.status = signature_mod.INVALID
        result.reason = _('the S/MIME signature of the image list is '
                          'invalid: %(reason)s') % {'reason': str(exc)}
    return result
