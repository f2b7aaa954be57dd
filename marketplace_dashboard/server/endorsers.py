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

"""What protects an endorser on this service, beyond a valid signature.

The original StratusLab service accepted any validly signed document: a
certificate without a subjectAltName e-mail could endorse under any
e-mail, and an entry dated far in the future became the latest one of its
(identifier, e-mail) pair and locked its real endorser out.  Here, by
default:

* an (identifier, e-mail) pair is bound to the certificate of its first
  entry (:func:`binding_problem`, checked by the store inside its write
  transaction): the same public key, or, when the trust policy checks
  the CA chain, a renewed certificate with the same subject and issuer;
* a certificate without subjectAltName e-mail cannot claim an e-mail on
  a service without a trust policy, unless the operator allows it
  (:class:`EndorserRules`, ``--allow-unconfirmed-email``);
* an endorsement date more than *created_skew* seconds in the future is
  refused.
"""

import datetime

from marketplace_dashboard.core.binding import certificate_email
from marketplace_dashboard.core.errors import (
    MarketplaceError,
)
from marketplace_dashboard.core.signature import verify_signature
from marketplace_dashboard.server.records import key_fingerprint
from marketplace_dashboard.server.responses import HTTPError

__all__ = [
    'DEFAULT_CREATED_SKEW', 'EndorserRules',
    'binding_problem', 'document_key',
]

#: Seconds an endorsement date may be ahead of the service's clock.
DEFAULT_CREATED_SKEW = 24 * 3600


def document_key(document):
    """Public-key fingerprint of the certificate that validly signed
    *document*, or ``None``: the binding of a stored entry, recovered when
    the index is rebuilt."""
    try:
        signature = verify_signature(document)
    except MarketplaceError:
        return None
    if signature.status != 'valid' or signature.certificate is None:
        return None
    return key_fingerprint(signature.certificate)


def binding_problem(first, record, allow_renewal):
    """Why *record* may not join the pair whose first entry is *first*
    (an index row with created, subject, issuer and key_sha256), or
    ``None``."""
    same_names = (first['subject'] == record.subject
                  and first['issuer'] == record.issuer)
    if first['key_sha256'] and record.key_sha256:
        if first['key_sha256'] == record.key_sha256:
            return None
        if allow_renewal and same_names:
            return None
    elif same_names:
        # an entry indexed without its key (not verifiable when indexed)
        return None
    return ('endorser %s of %s is bound to the certificate of its first '
            'entry (%s: subject %s, issuer %s); this document is signed '
            'with another one' % (record.email, record.identifier,
                                  first['created'], first['subject'],
                                  first['issuer']))


class EndorserRules:
    """The checks of an upload's endorsement the trust policy does not
    make; each refusal is an :class:`HTTPError` (400 or 403)."""

    def __init__(self, has_policy=False, allow_unconfirmed_email=False,
                 created_skew=DEFAULT_CREATED_SKEW):
        self.has_policy = has_policy
        self.allow_unconfirmed_email = allow_unconfirmed_email
        self.created_skew = created_skew

    def check(self, certificate, appliance, now=None):
        now = now or datetime.datetime.now(datetime.UTC)
        endorsement = appliance.endorsement
        limit = now + datetime.timedelta(seconds=self.created_skew)
        if endorsement.created is not None and endorsement.created > limit:
            raise HTTPError(400, 'invalid metadata: the endorsement date %s '
                            'is in the future (more than %d seconds ahead '
                            'of this marketplace\'s clock)'
                            % (endorsement.created_text, self.created_skew))
        if (certificate_email(certificate) is None and not self.has_policy
                and not self.allow_unconfirmed_email):
            raise HTTPError(403, 'endorser e-mail not confirmed: the '
                            'certificate has no subjectAltName e-mail, so '
                            'it cannot endorse as %s on this marketplace '
                            '(no trust policy; the operator can allow it '
                            'with --allow-unconfirmed-email)'
                            % endorsement.email)
