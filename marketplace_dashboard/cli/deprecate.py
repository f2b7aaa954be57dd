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

"""``marketplace-metadata deprecate``: publish a deprecated entry.

Successor of ``stratus-deprecate-metadata``: fetches the latest entry of
an image endorsed by you (or the one endorsed at ``--created``), checks
its signature and endorser binding and that you signed it (content that
has not been verified, or that someone else signed, is never re-signed),
marks it deprecated with the reason, signs it with a fresh endorsement and
uploads it; prints the new entry's URL.
"""

from cryptography.hazmat.primitives import serialization

from marketplace_dashboard.cli import creator, signing
from marketplace_dashboard.core import (
    binding,
    builder,
    model,
    signature,
    xmlsafe,
)
from marketplace_dashboard.core.errors import CommandError

__all__ = ['add_parser', 'run', 'verified_entry']


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'deprecate', help='mark an image deprecated in a marketplace',
        description=__doc__.split('\n\n')[0])
    parser.add_argument('identifier', metavar='IDENTIFIER',
                        help='27-character image identifier')
    creator.add_endpoint_arguments(parser)
    parser.add_argument('--created', metavar='T',
                        help='endorsement date of the entry to deprecate '
                             '(yyyy-mm-ddThh:mm:ssZ; default: the latest)')
    parser.add_argument('--reason', default=builder.DEFAULT_REASON,
                        help='why (default: "%s")' % builder.DEFAULT_REASON)
    signing.add_signing_arguments(
        parser, email_required=True,
        email_help='endorser e-mail of the entry to deprecate (also used in '
                   'the new endorsement when the certificate has none)')
    parser.set_defaults(func=creator.command(run))
    return parser


def _public_key_der(cert):
    return cert.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)


def _same_endorser(cert, mine):
    """Whether *cert* (the entry's) belongs to the holder of *mine* (the
    signer's): the same public key, or the same subject and issuer DNs
    (a renewed certificate)."""
    if _public_key_der(cert) == _public_key_der(mine):
        return True
    return (binding.java_dn(cert.subject), binding.java_dn(cert.issuer)) \
        == (binding.java_dn(mine.subject), binding.java_dn(mine.issuer))


def verified_entry(document, identifier, email, certificate, created=None):
    """The verified rdf:RDF element of a fetched entry and its Appliance.

    Refuses (:class:`~marketplace_dashboard.core.errors.CommandError`) to
    re-sign anything but the requested entry (*identifier*, *email*,
    *created* when given), with a valid signature and endorser binding,
    signed with a certificate of the holder of *certificate* (the
    signer's), whose new endorsement would carry the same e-mail.
    """
    result = signature.verify_signature(document)
    if not result.valid:
        raise CommandError(
            'refusing to re-sign entry %s/%s: its signature is %s (%s); '
            'only verified content is re-signed'
            % (identifier, email, result.status, result.reason))
    appliance = model.appliance_from_root(result.signed_root, document)
    endorsement = appliance.endorsement
    if appliance.identifier != identifier or endorsement.email != email:
        raise CommandError(
            'the marketplace returned entry %s endorsed by %s instead of %s '
            'endorsed by %s; refusing to re-sign it'
            % (appliance.identifier, endorsement.email, identifier, email))
    if created is not None and endorsement.created_text != created:
        raise CommandError(
            'the marketplace returned the entry of %s endorsed by %s at %s '
            'instead of the one endorsed at %s; refusing to re-sign it'
            % (identifier, email, endorsement.created_text, created))
    errors = binding.check_binding(result.certificate, appliance)
    if errors:
        raise CommandError(
            'refusing to re-sign entry %s/%s: its endorsement does not match '
            'its signing certificate (%s)'
            % (identifier, email, '; '.join(errors)))
    if not _same_endorser(result.certificate, certificate):
        raise CommandError(
            'refusing to deprecate entry %s/%s: it was signed with the '
            'certificate of %s (issued by %s), not with yours (%s, issued by '
            '%s); only its endorser can deprecate it, with the same key or '
            'a certificate with the same subject and issuer'
            % (identifier, email, binding.java_dn(result.certificate.subject),
               binding.java_dn(result.certificate.issuer),
               binding.java_dn(certificate.subject),
               binding.java_dn(certificate.issuer)))
    new_email = binding.certificate_email(certificate) or email
    if new_email != email:
        raise CommandError(
            'refusing to deprecate entry %s/%s: your certificate carries the '
            'e-mail %s, so the deprecated entry would be endorsed by %s and '
            'not replace the one endorsed by %s'
            % (identifier, email, new_email, new_email, email))
    return result.signed_root, appliance


def run(args):
    # Fail before any network call: a reason XML cannot carry, no key.
    builder.check_reason(args.reason)
    signer = signing.load_signer(args)
    marketplace = creator.make_client(args)
    try:
        if args.created:
            document = marketplace.fetch_entry(args.identifier, args.email,
                                               args.created)
        else:
            document = marketplace.latest_entry(args.identifier, args.email)
        if document is None:
            raise CommandError(
                'no entry of image %s endorsed by %s in %s'
                % (args.identifier, args.email, args.endpoint))
        root, appliance = verified_entry(document, args.identifier,
                                         args.email, signer[1], args.created)
        print('Verified the signature of the entry endorsed by %s at %s; '
              'deprecating it.' % (appliance.endorsement.email,
                                   appliance.endorsement.created_text))
        builder.mark_deprecated(root, args.reason)
        signed = signing.sign(xmlsafe.standalone_document(root), args,
                              signer)
        print(creator.upload(marketplace, signed))
    finally:
        marketplace.close()
    return 0
