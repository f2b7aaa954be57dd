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


"""Endorser <-> certificate binding (StratusLab spec section 2.6).

Distinguished names are rendered exactly as Java's
``X500Principal.getName()`` (RFC 2253) prints them, because that is what
the reference signer wrote into ``slreq:subject`` and ``slreq:issuer``:
most specific RDN first, no spaces after commas, the RFC 2253 keywords
(CN, C, L, ST, O, OU, STREET, DC, UID) and ``OID=#hexDER`` for every other
attribute type (e.g. emailAddress).
"""

import functools

from cryptography import x509
from cryptography.x509.oid import NameOID

from marketplace_dashboard.core.i18n import _

__all__ = [
    'binding_warnings', 'certificate_email', 'certificate_identity',
    'check_binding', 'java_dn',
]

# RFC 2253 section 2.3 keywords, the only ones X500Principal prints by name.
_KEYWORDS = {
    NameOID.COMMON_NAME: 'CN',
    NameOID.COUNTRY_NAME: 'C',
    NameOID.LOCALITY_NAME: 'L',
    NameOID.STATE_OR_PROVINCE_NAME: 'ST',
    NameOID.ORGANIZATION_NAME: 'O',
    NameOID.ORGANIZATIONAL_UNIT_NAME: 'OU',
    NameOID.STREET_ADDRESS: 'STREET',
    NameOID.DOMAIN_COMPONENT: 'DC',
    NameOID.USER_ID: 'UID',
}
# Characters sun.security.x509.AVA.toRFC2253String escapes with '\'.
_ESCAPED = ',=+<>#;"\\'
# DER universal tags and encodings of the string types a Name may use.
_STRING_TYPES = {
    x509.name._ASN1Type.UTF8String: (0x0C, 'utf-8'),
    x509.name._ASN1Type.PrintableString: (0x13, 'ascii'),
    x509.name._ASN1Type.T61String: (0x14, 'latin-1'),
    x509.name._ASN1Type.IA5String: (0x16, 'ascii'),
    x509.name._ASN1Type.VisibleString: (0x1A, 'ascii'),
    x509.name._ASN1Type.UniversalString: (0x1C, 'utf-32-be'),
    x509.name._ASN1Type.BMPString: (0x1E, 'utf-16-be'),
}


def _der_length(length):
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(body)]) + body


def _hex_der(attribute):
    tag, encoding = _STRING_TYPES.get(attribute._type, (0x0C, 'utf-8'))
    value = attribute.value
    if isinstance(value, str):
        value = value.encode(encoding)
    return (bytes([tag]) + _der_length(len(value)) + value).hex()


def _escape(value):
    out = []
    for char in value:
        if char in _ESCAPED:
            out.append('\\' + char)
        elif char == '\0':
            out.append('\\00')
        else:
            out.append(char)
    text = ''.join(out)
    if text.startswith(' '):
        text = '\\' + text
    if text.endswith(' ') and not text.endswith('\\ '):
        text = text[:-1] + '\\ '
    return text


def _attribute(attribute):
    keyword = _KEYWORDS.get(attribute.oid)
    if keyword is None:
        return '%s=#%s' % (attribute.oid.dotted_string, _hex_der(attribute))
    return '%s=%s' % (keyword, _escape(str(attribute.value)))


def java_dn(name):
    """RFC 2253 string of an ``x509.Name`` as ``X500Principal.getName()``."""
    return ','.join('+'.join(_attribute(a) for a in rdn)
                    for rdn in reversed(name.rdns))


def certificate_email(cert):
    """First subjectAltName rfc822Name of *cert*, or None."""
    try:
        san = cert.extensions.get_extension_for_class(
            x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return None
    except ValueError:  # malformed extension
        return None
    emails = san.value.get_values_for_type(x509.RFC822Name)
    return emails[0] if emails else None


@functools.lru_cache(maxsize=256)
def certificate_identity(cert):
    """(email or None, subject DN, issuer DN) of an endorser certificate
    (worked out once per certificate: certificates compare by content)."""
    return (certificate_email(cert), java_dn(cert.subject),
            java_dn(cert.issuer))


def _mismatch(what, cert_value, doc_value):
    return _('endorser inconsistency (%(field)s): %(certificate)s != '
             '%(document)s') % {
        'field': what, 'certificate': cert_value,
        'document': 'null' if doc_value is None else doc_value}


def check_binding(cert, appliance):
    """Errors binding *cert* to the endorsement of *appliance* (a list).

    Subject and issuer must equal the document's ``slreq:subject`` and
    (first) ``slreq:issuer``; the e-mail must equal ``slreq:email`` when
    the certificate carries a subjectAltName e-mail.
    """
    email, subject, issuer = certificate_identity(cert)
    endorsement = appliance.endorsement
    errors = []
    if subject != endorsement.subject:
        errors.append(_mismatch('subject', subject, endorsement.subject))
    if issuer != endorsement.issuer:
        errors.append(_mismatch('issuer', issuer, endorsement.issuer))
    if email is not None and email != endorsement.email:
        errors.append(_mismatch('email', email, endorsement.email))
    return errors


def binding_warnings(cert, appliance):
    """Non-fatal remarks about the binding (a list of strings)."""
    if certificate_email(cert) is None:
        return [_('the endorser certificate has no e-mail address '
                  '(subjectAltName), so the endorser e-mail %(email)s is '
                  'not confirmed by the certificate')
                % {'email': appliance.endorsement.email}]
    return []
