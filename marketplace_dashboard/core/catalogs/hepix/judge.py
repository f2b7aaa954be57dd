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

"""Verdicts of HEPiX image list entries, on the levels of
:mod:`marketplace_dashboard.core.verdict`.

As the consumers of these lists do (vmcatcher, atrope, cloudkeeper): the
S/MIME signature must be valid (:mod:`.smime`); the signer certificate,
the list's endorser and the operator's trust must agree (the signer's
subject is the list's ``hv:dn`` and its issuer the list's ``hv:ca``; the
signer chains to the trust policy's CAs, with their CRLs, and/or is one
of its ``trusted_endorsers``, which may be given in the lists' own
``/DC=.../CN=...`` form); the list and the image must not have expired.

``invalid``
    unsigned, tampered or badly signed list, signer not the list's
    endorser (DN or CA), unreadable list or image, a SHA-1 signature the
    policy refuses;
``expired``
    the list's ``dc:date:expires`` or the image's own is past;
``untrusted``
    the signer is not trusted by the policy;
``verified``
    otherwise.
"""

import copy
import datetime
import hashlib

from cryptography import x509
from cryptography.x509.oid import NameOID

from marketplace_dashboard.core import binding, formats, signature, trust
from marketplace_dashboard.core import verdict as verdict_mod
from marketplace_dashboard.core.catalogs.hepix import document as document_mod
from marketplace_dashboard.core.catalogs.hepix import imagelist, smime
from marketplace_dashboard.core.errors import MetadataError
from marketplace_dashboard.core.i18n import _

__all__ = ['evaluate', 'openssl_dn', 'parse', 'policy_for_lists',
           'slash_dn_to_rfc2253']

#: OpenSSL's short names of the attributes grid DNs use
_SHORT = {
    NameOID.COMMON_NAME: 'CN', NameOID.COUNTRY_NAME: 'C',
    NameOID.LOCALITY_NAME: 'L', NameOID.STATE_OR_PROVINCE_NAME: 'ST',
    NameOID.ORGANIZATION_NAME: 'O', NameOID.ORGANIZATIONAL_UNIT_NAME: 'OU',
    NameOID.DOMAIN_COMPONENT: 'DC', NameOID.EMAIL_ADDRESS: 'emailAddress',
    NameOID.USER_ID: 'UID', NameOID.SERIAL_NUMBER: 'serialNumber',
    NameOID.STREET_ADDRESS: 'street', NameOID.TITLE: 'title',
    NameOID.GIVEN_NAME: 'GN', NameOID.SURNAME: 'SN',
}
_OIDS = {name.lower(): oid for oid, name in _SHORT.items()}
_OIDS.update({'email': NameOID.EMAIL_ADDRESS, 'e': NameOID.EMAIL_ADDRESS,
              'userid': NameOID.USER_ID})


def openssl_dn(name):
    """An ``x509.Name`` as the lists write DNs: ``/DC=org/DC=x/CN=y``
    (most significant first, as OpenSSL's one-line form)."""
    parts = []
    for rdn in name.rdns:
        parts.append('+'.join(
            '%s=%s' % (_SHORT.get(a.oid, a.oid.dotted_string), a.value)
            for a in rdn))
    return '/' + '/'.join(parts)


def _same_dn(left, right):
    return (left or '').strip() == (right or '').strip() and bool(left)


def slash_dn_to_rfc2253(dn):
    """``/DC=org/CN=x`` as the trust policy spells subjects
    (``CN=x,DC=org``), or None when it cannot be read."""
    attributes = []
    for part in dn.strip().split('/')[1:]:
        key, sep, value = part.partition('=')
        oid = _OIDS.get(key.strip().lower())
        if not sep or oid is None or not value:
            return None
        try:
            attributes.append(x509.RelativeDistinguishedName(
                [x509.NameAttribute(oid, value)]))
        except ValueError:
            return None
    return binding.java_dn(x509.Name(attributes)) if attributes else None


def policy_for_lists(policy):
    """*policy* with its ``/...`` trusted endorsers in the RFC 2253 form
    :meth:`~marketplace_dashboard.core.trust.TrustPolicy.lists` matches."""
    if not any(e.startswith('/') for e in policy.trusted_endorsers):
        return policy
    converted = copy.copy(policy)
    converted.trusted_endorsers = [
        (slash_dn_to_rfc2253(e) or e) if e.startswith('/') else e
        for e in policy.trusted_endorsers]
    return converted


def _read(document):
    """``(identifier, list URL, SignatureResult, ImageList)``."""
    identifier, list_url, signed = document_mod.split_entry_document(
        document)
    result = smime.verify(signed)
    if result.content is None:
        return identifier, list_url, result, None
    return identifier, list_url, result, imagelist.parse_list(
        result.content)


def parse(document):
    """The appliance of an entry document (MetadataError if unusable)."""
    identifier, list_url, _result, image_list = _read(document)
    if image_list is None:
        raise MetadataError(_('the image list could not be read'))
    return imagelist.appliance_of(image_list, identifier, document,
                                  list_url)


def _signer_checks(verdict, result, image_list, policy):
    """Reasons the signer is not the list's endorser (invalid)."""
    cert = result.certificate
    verdict.certificate = verdict_mod.certificate_facts(cert)
    verdict.uses_sha1 = result.uses_sha1
    invalid = []
    subject, issuer = openssl_dn(cert.subject), openssl_dn(cert.issuer)
    if not _same_dn(subject, image_list.endorser_dn):
        invalid.append(
            _('the list is signed by %(signer)s, not by its endorser '
              '%(endorser)s (hv:dn)')
            % {'signer': subject,
               'endorser': image_list.endorser_dn or _('(none named)')})
    if not _same_dn(issuer, image_list.endorser_ca):
        invalid.append(
            _('the signer certificate is issued by %(issuer)s, not by the '
              'CA the list names, %(ca)s (hv:ca)')
            % {'issuer': issuer,
               'ca': image_list.endorser_ca or _('(none named)')})
    if result.uses_sha1:
        if policy.sha1 == 'refuse':
            invalid.append(_('the signature uses SHA-1, which the '
                             'trust policy refuses'))
        else:
            verdict.warnings.append(_('the signature uses SHA-1, a weak '
                                      'algorithm; ask the endorser to '
                                      're-sign with SHA-256'))
    return invalid


def evaluate(document, policy=None, now=None):
    """The :class:`~marketplace_dashboard.core.verdict.Verdict` of the
    entry *document* under the trust *policy*."""
    policy = policy if policy is not None else trust.TrustPolicy()
    now = now or datetime.datetime.now(datetime.UTC)
    try:
        identifier, list_url, result, image_list = _read(document)
    except MetadataError as exc:
        return verdict_mod.failure(str(exc), document)
    verdict = verdict_mod.Verdict(
        verdict_mod.Level.INVALID,
        document_sha256=hashlib.sha256(document).hexdigest(),
        signature=result.status, signature_method=result.signature_method,
        digest_method=result.digest_method)
    invalid = [] if result.valid else [result.reason]
    if image_list is None:
        verdict.reasons = invalid
        return verdict
    try:
        app = imagelist.appliance_of(image_list, identifier, document,
                                     list_url)
    except MetadataError as exc:
        verdict.reasons = invalid + [str(exc)]
        return verdict
    verdict.appliance = app
    verdict.status = verdict_mod.entry_status(app, now)
    invalid.extend(app.problems)
    trust_result = None
    if result.valid:
        signer_invalid = _signer_checks(verdict, result, image_list, policy)
        if signer_invalid:
            verdict.signature = signature.INVALID
        invalid.extend(signer_invalid)
        trust_result = trust.evaluate_trust(
            result.certificate, policy_for_lists(policy), image_list.created,
            now)
        verdict.warnings.extend(trust_result.warnings)
        verdict.trust_path = list(trust_result.chain)
    expired = []
    if image_list.expires < now:
        expired.append(_('the image list expired on %(date)s '
                         '(dc:date:expires)')
                       % {'date': formats.format_date(image_list.expires)})
    own = imagelist.image_expiry(image_list.image(identifier))
    if own is not None and own < now:
        expired.append(_('the image expired on %(date)s (its '
                         'dc:date:expires in the list)')
                       % {'date': formats.format_date(own)})
    verdict.reasons = invalid + expired + (
        trust_result.reasons if trust_result is not None else [])
    verdict.trusted = bool(not invalid and trust_result is not None
                           and trust_result.trusted)
    if invalid:
        verdict.level = verdict_mod.Level.INVALID
    elif expired:
        verdict.level = verdict_mod.Level.EXPIRED
    elif not verdict.trusted:
        verdict.level = verdict_mod.Level.UNTRUSTED
    else:
        verdict.level = verdict_mod.Level.VERIFIED
    return verdict
