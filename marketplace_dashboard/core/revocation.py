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


"""Certificate revocation lists for the trust policy (``crl_files``).

As the StratusLab tools, the operator gives CRL files (PEM, one or more
``X509 CRL`` blocks, or DER); each certificate of the endorser's chain
(the endorser and every intermediate CA) is looked up in the CRLs of its
issuer:

* a CRL counts for a certificate only when its issuer name is the
  certificate's issuer and it is signed by that issuing CA (a CRL that
  names the issuer but is not signed by it is ignored, with a warning);
* a revoked certificate makes the endorser not trusted, whatever the
  endorsement date says (the date is the signer's word);
* a CRL whose ``nextUpdate`` has passed is *stale*: by default the
  endorser is then not trusted either (revocation cannot be checked; fetch
  a fresh CRL), or only warned about with ``allow_stale_crls``;
* an issuer without a configured CRL is not checked (CRLs are optional,
  per CA).
"""

import re

from cryptography import x509

from marketplace_dashboard.core import binding, formats
from marketplace_dashboard.core.errors import ConfigurationError
from marketplace_dashboard.core.i18n import _

__all__ = ['check_revocation', 'load_crl_file', 'read_policy_file']

_PEM_CRL_RE = re.compile(rb'-----BEGIN X509 CRL-----.+?-----END X509 CRL-----',
                         re.DOTALL)


def read_policy_file(path, kind):
    """Bytes of a trust policy file (*kind* ``'CA'`` or ``'CRL'`` names it
    in the ConfigurationError if it cannot be read)."""
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except OSError as exc:
        raise ConfigurationError('cannot read %s file %s: %s'
                                 % (kind, path, exc.strerror or exc)) from None


def load_crl_file(path):
    """The CRLs of a PEM or DER file; ConfigurationError if unusable."""
    data = read_policy_file(path, 'CRL')
    try:
        if b'-----BEGIN' in data:
            crls = [x509.load_pem_x509_crl(block)
                    for block in _PEM_CRL_RE.findall(data)]
        else:
            crls = [x509.load_der_x509_crl(data)]
    except ValueError:
        crls = []
    if not crls:
        raise ConfigurationError('CRL file %s holds no readable PEM or DER '
                                 'certificate revocation list' % path)
    return crls


def _signed_by(crl, issuer):
    try:
        return crl.is_signature_valid(issuer.public_key())
    except (TypeError, ValueError):
        return False


def check_revocation(pairs, crls, now, allow_stale=False):
    """``(reasons, warnings)`` for ``[(certificate, its issuer's
    certificate)]`` (the endorser first) against *crls*."""
    reasons, warnings = [], []
    for index, (certificate, issuer) in enumerate(pairs):
        what = (_('the endorser certificate') if index == 0 else
                _('the CA certificate %(dn)s')
                % {'dn': binding.java_dn(certificate.subject)})
        issuer_dn = binding.java_dn(certificate.issuer)
        for crl in crls:
            if crl.issuer != certificate.issuer:
                continue
            if not _signed_by(crl, issuer):
                warnings.append(_('a CRL of %(dn)s is not signed by that CA '
                                  'and was ignored') % {'dn': issuer_dn})
                continue
            revoked = crl.get_revoked_certificate_by_serial_number(
                certificate.serial_number)
            if revoked is not None:
                reasons.append(
                    _('%(certificate)s (serial %(serial)s) was revoked by '
                      '%(issuer)s on %(date)s')
                    % {'certificate': what,
                       'serial': '%X' % certificate.serial_number,
                       'issuer': issuer_dn,
                       'date': formats.format_date(
                           revoked.revocation_date_utc)})
            next_update = crl.next_update_utc
            if next_update is not None and next_update < now:
                stale = (_('the CRL of %(issuer)s is stale (its next update '
                           'was due on %(date)s): revocation of '
                           '%(certificate)s cannot be checked; install a '
                           'fresh CRL')
                         % {'issuer': issuer_dn,
                            'date': formats.format_date(next_update),
                            'certificate': what})
                (warnings if allow_stale else reasons).append(stale)
    return reasons, warnings
