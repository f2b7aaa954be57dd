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


"""Verdicts: one trust decision per metadata entry, ready for a badge.

Levels, most severe first (the first that applies wins):

``invalid``
    malformed or hostile document, missing or bad signature, endorser
    binding failure, constraint failure, or a SHA-1 signature the policy
    refuses;
``deprecated``
    ``slterms:deprecated`` present (its text is the reason);
``expired``
    ``dcterms:valid`` is in the past;
``untrusted``
    valid signature but the trust policy does not trust the endorser (or
    no trust anchors are configured at all);
``verified``
    valid signature from a trusted endorser, current and not deprecated.

``reasons`` explain the level (every failure found, most severe first);
``warnings`` are worth showing but do not change it.
"""

import dataclasses
import datetime
import enum
import functools
import hashlib

from cryptography.hazmat.primitives import hashes

from marketplace_dashboard.core import (
    binding,
    constraints,
    formats,
    model,
    signature,
    trust,
    xmlsafe,
)
from marketplace_dashboard.core.errors import MetadataError
from marketplace_dashboard.core.i18n import _

__all__ = [
    'STATUS_DEPRECATED', 'STATUS_EXPIRED', 'STATUS_VALID', 'Level', 'Verdict',
    'certificate_facts', 'entry_status', 'evaluate', 'evaluate_many',
    'failure',
]


class Level(enum.StrEnum):
    VERIFIED = 'verified'
    UNTRUSTED = 'untrusted'
    INVALID = 'invalid'
    EXPIRED = 'expired'
    DEPRECATED = 'deprecated'


# Entry status as the marketplace lists it.
STATUS_VALID = 'valid'
STATUS_EXPIRED = 'expired'
STATUS_DEPRECATED = 'deprecated'


@dataclasses.dataclass
class Verdict:
    level: Level
    reasons: list = dataclasses.field(default_factory=list)
    warnings: list = dataclasses.field(default_factory=list)
    signature: str = signature.INVALID
    status: str | None = None
    trusted: bool = False
    appliance: model.Appliance | None = None
    certificate: dict | None = None
    signature_method: str | None = None
    digest_method: str | None = None
    uses_sha1: bool = False
    document_sha256: str | None = None
    #: subjects from the endorser certificate to the trusted CA (verified
    #: chains only)
    trust_path: list = dataclasses.field(default_factory=list)
    #: the registry an unsigned OCI artifact was read from (its base URL:
    #: the import policy's ``accept_unsigned_registries``); None otherwise
    registry: str | None = None
    #: the SHA-256 fingerprint of the configured public key a cosign
    #: signature of an OCI artifact verified with; None otherwise
    public_key_sha256: str | None = None

    @property
    def identifier(self):
        return self.appliance.identifier if self.appliance else None

    @property
    def endorser(self):
        return self.appliance.endorsement.email if self.appliance else None

    @property
    def created(self):
        return (self.appliance.endorsement.created_text
                if self.appliance else None)

    @property
    def valid_until(self):
        if self.appliance is None or self.appliance.valid is None:
            return None
        return formats.format_date(self.appliance.valid)

    @property
    def is_invalid(self):
        return self.level == Level.INVALID

    @property
    def summary(self):
        """One line for a badge tooltip."""
        if self.reasons:
            return self.reasons[0]
        return _('signature valid, endorser trusted')

    def to_dict(self, include_appliance=False):
        data = {
            'level': str(self.level),
            'reasons': list(self.reasons),
            'warnings': list(self.warnings),
            'signature': self.signature,
            'status': self.status,
            'trusted': self.trusted,
            'identifier': self.identifier,
            'endorser': self.endorser,
            'created': self.created,
            'valid_until': self.valid_until,
            'deprecated_reason': (self.appliance.deprecated_reason
                                  if self.appliance else None),
            'certificate': self.certificate,
            'signature_method': self.signature_method,
            'digest_method': self.digest_method,
            'uses_sha1': self.uses_sha1,
            'document_sha256': self.document_sha256,
            'trust_path': list(self.trust_path),
            'registry': self.registry,
            'public_key_sha256': self.public_key_sha256,
        }
        if include_appliance:
            data['appliance'] = (self.appliance.to_dict()
                                 if self.appliance else None)
        return data


def failure(reason, data=None):
    """An ``invalid`` verdict for input that could not be read at all."""
    return Verdict(Level.INVALID, reasons=[reason],
                   document_sha256=(hashlib.sha256(data).hexdigest()
                                    if isinstance(data, bytes) else None))


@functools.lru_cache(maxsize=256)
def _certificate_facts(cert):
    email, subject, issuer = binding.certificate_identity(cert)
    return {
        'subject': subject,
        'issuer': issuer,
        'email': email,
        'serial_number': '%X' % cert.serial_number,
        'not_before': formats.format_date(cert.not_valid_before_utc),
        'not_after': formats.format_date(cert.not_valid_after_utc),
        'sha256_fingerprint': cert.fingerprint(hashes.SHA256()).hex(),
    }


def certificate_facts(cert):
    """What a verdict shows of the endorser certificate *cert* (a new
    dict; worked out once per certificate: the documents of one endorser
    share it)."""
    return dict(_certificate_facts(cert))


def entry_status(appliance, now):
    if appliance.deprecated:
        return STATUS_DEPRECATED
    if appliance.is_expired(now):
        return STATUS_EXPIRED
    return STATUS_VALID


def evaluate(data, policy=None, now=None,
             max_bytes=xmlsafe.DEFAULT_MAX_BYTES, root=None):
    """Verdict for one standalone metadata document (bytes); *root*: the
    document as :func:`~.xmlsafe.parse_xml` parsed it already, if it did
    (it is not parsed again)."""
    policy = policy if policy is not None else trust.TrustPolicy()
    now = now or datetime.datetime.now(datetime.UTC)
    if root is None:
        try:
            root = xmlsafe.parse_xml(data, max_bytes=max_bytes)
        except MetadataError as exc:
            return failure(str(exc), data)
    if root.tag == xmlsafe.METADATA_LIST:
        return failure(_('document is a <metadata> list of entries; '
                         'evaluate each entry (evaluate_many)'), data)
    verdict = Verdict(Level.INVALID,
                      document_sha256=hashlib.sha256(data).hexdigest())
    sig = signature.verify_root(root)
    verdict.signature = sig.status
    verdict.signature_method = sig.signature_method
    verdict.digest_method = sig.digest_method
    invalid = []
    if not sig.valid:
        invalid.append(sig.reason)
    try:
        # Only the root the signature covers is reported (when it is
        # valid that is this very root; otherwise nothing is verified).
        signed = sig.signed_root if sig.signed_root is not None else root
        app = model.appliance_from_root(signed, data)
    except MetadataError as exc:
        verdict.reasons = invalid + [str(exc)]
        return verdict
    verdict.appliance = app
    verdict.status = entry_status(app, now)
    invalid.extend(constraints.check_entry(root, app))
    trust_result = None
    if sig.valid:
        cert = sig.certificate
        verdict.certificate = certificate_facts(cert)
        verdict.uses_sha1 = sig.uses_sha1
        binding_errors = binding.check_binding(cert, app)
        if binding_errors:
            # As StratusLab: the endorser binding is part of the signature
            # check, so a mismatch makes the signature invalid.
            verdict.signature = signature.INVALID
            invalid.extend(binding_errors)
        verdict.warnings.extend(binding.binding_warnings(cert, app))
        if sig.uses_sha1:
            if policy.sha1 == 'refuse':
                verdict.signature = signature.INVALID
                invalid.append(_('the signature uses SHA-1, which the '
                                 'trust policy refuses'))
            else:
                verdict.warnings.append(_('the signature uses SHA-1, a weak '
                                          'algorithm; ask the endorser to '
                                          're-sign with SHA-256'))
        trust_result = trust.evaluate_trust(
            cert, policy, app.endorsement.created, now)
        verdict.warnings.extend(trust_result.warnings)
        verdict.trust_path = list(trust_result.chain)
    reasons = list(invalid)
    if app.deprecated:
        reasons.append(_('deprecated: %(reason)s') % {
            'reason': app.deprecated_reason or _('no reason given')})
    if app.is_expired(now):
        reasons.append(_('expired on %(date)s')
                       % {'date': formats.format_date(app.valid)})
    if trust_result is not None:
        reasons.extend(trust_result.reasons)
    verdict.reasons = reasons
    verdict.trusted = bool(not invalid and trust_result and
                           trust_result.trusted)
    if invalid:
        verdict.level = Level.INVALID
    elif app.deprecated:
        verdict.level = Level.DEPRECATED
    elif app.is_expired(now):
        verdict.level = Level.EXPIRED
    elif not verdict.trusted:
        verdict.level = Level.UNTRUSTED
    else:
        verdict.level = Level.VERIFIED
    return verdict


def evaluate_many(data, policy=None, now=None,
                  max_bytes=xmlsafe.DEFAULT_MAX_BYTES):
    """Verdicts for a document or a ``<metadata>`` list (one per entry)."""
    try:
        documents = xmlsafe.split_parsed(data, max_bytes=max_bytes)
    except MetadataError as exc:
        return [failure(str(exc), data if isinstance(data, bytes)
                        else None)]
    return [evaluate(document, policy, now, max_bytes=max_bytes, root=root)
            for document, root in documents]
