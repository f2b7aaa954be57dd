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


"""Operator trust policy: which valid signatures are *trusted*.

A valid signature only proves that the holder of the certificate's key
signed the document; whether that endorser is trusted is the operator's
decision, expressed as a :class:`TrustPolicy`:

``ca_files``
    PEM bundles of trusted CAs.  The endorser certificate must chain to one
    of them: now (with ``require_valid_now``, the default), or else at the
    endorsement time.
``require_valid_now``
    True (default): the endorser certificate must be valid now, not only
    at the endorsement time.  The endorsement time
    (``slreq:endorsement/dcterms:created``) is whatever the signer writes:
    whoever holds the key of a certificate that expired long ago can sign
    today with a ``created`` back-dated into its validity, so validity at
    that time proves nothing.  False gives the original behaviour (valid at
    the endorsement time; expired since is a warning): entries stay trusted
    after their endorser's certificate expires, at that risk.
``crl_files``
    PEM or DER certificate revocation lists, checked for the endorser and
    every CA of its chain (:mod:`marketplace_dashboard.core.revocation`);
    a revoked certificate is not trusted.
``allow_stale_crls``
    False (default): a CRL past its ``nextUpdate`` makes the endorsers it
    covers not trusted (revocation cannot be checked); True: a warning.
``trusted_endorsers``
    Allow-list of endorsers: e-mail addresses (matched against the
    certificate's subjectAltName e-mail only, since the document's e-mail
    is not bound to the certificate otherwise) and/or subject DNs
    (RFC 2253 as Java prints them, ``CN=..,OU=..,O=..,C=..``).
``sha1``
    ``'warn'`` (default: accept SHA-1 signatures with a warning) or
    ``'refuse'`` (a SHA-1 signature makes the entry invalid).
``require_trusted_ca``
    Require a CA chain even without ``ca_files`` (then nothing is
    trusted).  Defaults to true when ``ca_files`` is set.

With both a CA bundle and an allow-list, both must accept the endorser.
With neither, nothing is trusted: valid signatures are ``untrusted`` with
the reason "no trust anchors configured".

Chain validation uses ``cryptography.x509.verification`` with the client
verifier and a permissive end-entity extension policy: endorser
certificates are not TLS certificates and often lack subjectAltName and
extended key usage.  CA certificates keep the Web PKI CA checks (basic
constraints CA:TRUE, key usage, validity, signature); the Web PKI profile
also refuses SHA-1-signed and short-key certificates in the chain.
"""

import collections
import dataclasses
import datetime
import functools
import re
import threading

from cryptography import x509
from cryptography.x509 import verification

from marketplace_dashboard.core import binding, formats, revocation
from marketplace_dashboard.core.errors import ConfigurationError
from marketplace_dashboard.core.i18n import _

__all__ = [
    'NO_ANCHORS', 'SETTINGS', 'SHA1_POLICIES', 'TrustPolicy', 'TrustResult',
    'evaluate_trust', 'load_ca_file', 'normalize_dn',
]

SHA1_POLICIES = ('warn', 'refuse')
#: the keys of a trust settings dict (:meth:`TrustPolicy.from_dict`)
SETTINGS = ('ca_files', 'trusted_endorsers', 'sha1', 'require_trusted_ca',
            'require_valid_now', 'crl_files', 'allow_stale_crls')
NO_ANCHORS = _('no trust anchors configured')


def normalize_dn(dn):
    """Drop blanks after unescaped commas/plus signs (``CN=a, O=b``)."""
    return re.sub(r'(?<!\\)([,+])\s+', r'\1', dn.strip())


def load_ca_file(path):
    """Certificates of a PEM bundle; ConfigurationError if unusable."""
    data = revocation.read_policy_file(path, 'CA')
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise ConfigurationError('CA file %s holds no readable PEM '
                                 'certificate' % path) from None
    return certificates


@dataclasses.dataclass
class TrustResult:
    trusted: bool
    reasons: list = dataclasses.field(default_factory=list)
    warnings: list = dataclasses.field(default_factory=list)
    chain_ok: bool | None = None
    endorser_listed: bool | None = None
    valid_at_endorsement: bool | None = None
    expired_now: bool | None = None
    #: subjects (RFC 2253) from the endorser certificate to the trusted CA,
    #: when the chain was verified
    chain: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class TrustPolicy:
    ca_files: list = dataclasses.field(default_factory=list)
    trusted_endorsers: list = dataclasses.field(default_factory=list)
    sha1: str = 'warn'
    require_trusted_ca: bool | None = None
    ca_certificates: list = dataclasses.field(default_factory=list)
    require_valid_now: bool = True
    crl_files: list = dataclasses.field(default_factory=list)
    allow_stale_crls: bool = False
    crls: list = dataclasses.field(default_factory=list)

    def __post_init__(self):
        if isinstance(self.ca_files, str):
            self.ca_files = [self.ca_files]
        if isinstance(self.trusted_endorsers, str):
            self.trusted_endorsers = [self.trusted_endorsers]
        self.ca_files = list(self.ca_files or [])
        self.trusted_endorsers = [e.strip() for e in
                                  self.trusted_endorsers or [] if e.strip()]
        if self.sha1 not in SHA1_POLICIES:
            raise ConfigurationError(
                'trust policy sha1 must be one of %s, not %r'
                % (', '.join(SHA1_POLICIES), self.sha1))
        self.ca_certificates = list(self.ca_certificates or [])
        for path in self.ca_files:
            self.ca_certificates.extend(load_ca_file(path))
        if isinstance(self.crl_files, str):
            self.crl_files = [self.crl_files]
        self.crl_files = list(self.crl_files or [])
        self.crls = list(self.crls or [])
        for path in self.crl_files:
            self.crls.extend(revocation.load_crl_file(path))
        for name in ('require_valid_now', 'allow_stale_crls'):
            if not isinstance(getattr(self, name), bool):
                raise ConfigurationError('trust policy %s must be True or '
                                         'False, not %r'
                                         % (name, getattr(self, name)))
        if self.require_trusted_ca is None:
            self.require_trusted_ca = bool(self.ca_certificates)

    @classmethod
    def from_dict(cls, settings=None):
        """Policy from a settings dict (keys as the attributes)."""
        settings = dict(settings or {})
        unknown = set(settings) - set(SETTINGS)
        if unknown:
            raise ConfigurationError('unknown trust policy setting(s): %s'
                                     % ', '.join(sorted(unknown)))
        flags = {name: settings[name] for name in ('require_valid_now',
                                                   'allow_stale_crls')
                 if settings.get(name) is not None}
        return cls(ca_files=settings.get('ca_files') or [],
                   trusted_endorsers=settings.get('trusted_endorsers') or [],
                   sha1=settings.get('sha1') or 'warn',
                   require_trusted_ca=settings.get('require_trusted_ca'),
                   crl_files=settings.get('crl_files') or [], **flags)

    @property
    def has_anchors(self):
        return bool(self.require_trusted_ca or self.trusted_endorsers)

    def lists(self, certificate):
        """The endorser certificate is on the allow-list."""
        email, subject, _issuer = binding.certificate_identity(certificate)
        for entry in self.trusted_endorsers:
            if '@' in entry and '=' not in entry:
                if email is not None and entry.lower() == email.lower():
                    return True
            elif normalize_dn(entry) == subject:
                return True
        return False


def _fmt(when):
    return formats.format_date(when)


#: verified chains: (trusted CAs, endorser certificate) -> (chain, the
#: window in which every certificate of the chain is valid)
_CHAINS = collections.OrderedDict()
_CHAINS_MAX = 256
_CHAINS_LOCK = threading.Lock()


@functools.lru_cache(maxsize=8)
def _store(ca_certificates):
    return verification.Store(list(ca_certificates))


def _verify_chain(certificate, policy, when):
    """``(None, certificates leaf → anchor)`` when the chain is valid at
    *when*, else ``(reason, [])``.

    A chain once verified is valid at any time within the validity of all
    its certificates: the documents of one endorser, signed at different
    times, are verified against the trusted CAs once (revocation is
    checked apart, each time).
    """
    if not policy.ca_certificates:
        return _('no trusted CA certificates are configured'), []
    cas = tuple(policy.ca_certificates)
    with _CHAINS_LOCK:
        known = _CHAINS.get((cas, certificate))
    if known is not None and known[1] <= when <= known[2]:
        return None, list(known[0])
    builder = (verification.PolicyBuilder().store(_store(cas)).time(when)
               .extension_policies(
                   ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
                   ee_policy=verification.ExtensionPolicy.permit_all()))
    try:
        verified = builder.build_client_verifier().verify(certificate, [])
    except verification.VerificationError as exc:
        return (_('the endorser certificate does not chain to a trusted '
                  'CA (%(error)s)') % {'error': exc}), []
    chain = tuple(verified.chain)
    window = (max(c.not_valid_before_utc for c in chain),
              min(c.not_valid_after_utc for c in chain))
    with _CHAINS_LOCK:
        _CHAINS[(cas, certificate)] = (chain,) + window
        while len(_CHAINS) > _CHAINS_MAX:
            _CHAINS.popitem(last=False)
    return None, list(chain)


def _issuer_pairs(certificate, chain, policy):
    """``[(certificate, issuer certificate)]`` to check for revocation:
    along the verified *chain* (or the endorser alone), and on from its
    last certificate through the trusted CAs that issued it (an
    intermediate CA of the bundle is an anchor, yet its root's CRL may
    revoke it)."""
    pairs = list(zip(chain, chain[1:], strict=False))
    last = chain[-1] if chain else certificate
    seen = {id(c) for c in chain}
    while last.issuer != last.subject:
        issuer = next((ca for ca in policy.ca_certificates
                       if ca.subject == last.issuer and id(ca) not in seen),
                      None)
        if issuer is None:
            break
        pairs.append((last, issuer))
        seen.add(id(issuer))
        last = issuer
    return pairs


def evaluate_trust(certificate, policy, endorsed_at=None, now=None):
    """Decide whether the endorser *certificate* is trusted.

    *endorsed_at* is the endorsement time (the document's
    ``slreq:endorsement/dcterms:created``); certificate validity and the
    chain are evaluated then, and "expired now" is only a warning.
    """
    now = now or datetime.datetime.now(datetime.UTC)
    result = TrustResult(trusted=False)
    when = endorsed_at
    if when is None:
        when = now
        result.warnings.append(_('the endorsement has no creation date; '
                                 'the certificate was checked at the '
                                 'current time'))
    not_before = certificate.not_valid_before_utc
    not_after = certificate.not_valid_after_utc
    result.valid_at_endorsement = not_before <= when <= not_after
    result.expired_now = now > not_after
    valid_now = not_before <= now <= not_after
    if not result.valid_at_endorsement:
        result.reasons.append(
            _('the endorser certificate was not valid at the endorsement '
              'time %(when)s (valid from %(start)s to %(end)s)')
            % {'when': _fmt(when), 'start': _fmt(not_before),
               'end': _fmt(not_after)})
    if policy.require_valid_now and not valid_now:
        result.reasons.append(
            _('the endorser certificate is not valid now (valid from '
              '%(start)s to %(end)s) and the trust policy requires it '
              '(require_valid_now)')
            % {'start': _fmt(not_before), 'end': _fmt(not_after)})
    elif result.valid_at_endorsement and result.expired_now:
        result.warnings.append(
            _('the endorser certificate expired on %(date)s (it was valid '
              'when the entry was endorsed)') % {'date': _fmt(not_after)})
    if not policy.has_anchors:
        result.reasons.append(NO_ANCHORS)
        return result
    chain = []
    if policy.require_trusted_ca:
        # at the time the validity was decided on (the endorser's own
        # validity now is reported above, once)
        failure, chain = _verify_chain(
            certificate, policy,
            now if policy.require_valid_now and valid_now else when)
        result.chain_ok = failure is None
        result.chain = [binding.java_dn(c.subject) for c in chain]
        if failure:
            result.reasons.append(failure)
    if policy.trusted_endorsers:
        result.endorser_listed = policy.lists(certificate)
        if not result.endorser_listed:
            email, subject, _issuer = binding.certificate_identity(
                certificate)
            result.reasons.append(
                _('endorser %(endorser)s is not in the trusted endorsers '
                  'list')
                % {'endorser': subject if email is None
                   else '%s (%s)' % (email, subject)})
    if policy.crls:
        reasons, warnings = revocation.check_revocation(
            _issuer_pairs(certificate, chain, policy), policy.crls, now,
            policy.allow_stale_crls)
        result.reasons.extend(reasons)
        result.warnings.extend(warnings)
    result.trusted = not result.reasons
    return result
