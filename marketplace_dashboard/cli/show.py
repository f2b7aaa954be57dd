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


"""``marketplace-metadata show``: one marketplace entry and its verdict.

``IDENTIFIER`` alone shows the latest entry of every endorser of the
image, ``IDENTIFIER EMAIL`` the latest entry of that endorser, and
``IDENTIFIER EMAIL CREATED`` that exact entry.  ``--xml`` writes the signed
document byte for byte to standard output instead.
"""

import sys

from marketplace_dashboard.cli import creator
from marketplace_dashboard.core import model
from marketplace_dashboard.core.errors import CommandError
from marketplace_dashboard.core.i18n import localized

__all__ = ['add_parser', 'describe', 'run']

_SKIPPED = {'about', 'extra', 'problems', 'document_sha256', 'endorsement',
            'checksums', 'identifier', 'deprecated'}


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'show', help='show a marketplace entry and its verdict',
        description=__doc__.split('\n\n')[0].split(': ', 1)[1])
    creator.add_endpoint_arguments(parser)
    creator.add_catalog_type_argument(parser)
    parser.add_argument('identifier', metavar='IDENTIFIER')
    parser.add_argument('email', metavar='EMAIL', nargs='?')
    parser.add_argument('created', metavar='CREATED', nargs='?',
                        help='endorsement date, yyyy-mm-ddThh:mm:ssZ')
    parser.add_argument('--xml', action='store_true',
                        help='write the signed XML document to stdout')
    creator.add_trust_arguments(
        parser, ca_option='--trust-ca-file',
        ca_help='CA certificates trusted for endorsers (repeatable)')
    parser.set_defaults(func=creator.command(run))
    return parser


def _keys(marketplace, args):
    """Entry keys to show, newest first."""
    if args.created:
        return [(args.identifier, args.email, args.created)]
    documents = marketplace.entries(args.identifier, args.email)
    kind = creator.catalog_type(args)
    keys = sorted((kind.parse(d).key for d in documents),
                  key=lambda k: k[2] or '', reverse=True)
    if not keys:
        raise CommandError(
            'no entry for %s%s in this marketplace'
            % (args.identifier, ' by %s' % args.email if args.email else ''))
    return keys


def describe(document, verdict, kind=None):
    """Readable lines: the verdict, then every field of the entry (of a
    catalogue of type *kind*, default ``stratuslab``)."""
    lines = ['Verdict: %s' % verdict.level]
    lines += ['  - %s' % localized(reason) for reason in verdict.reasons]
    lines += ['  warning: %s' % localized(warning)
              for warning in verdict.warnings]
    appliance = verdict.appliance or (
        kind.parse(document) if kind else model.parse_appliance(document))
    endorsement = appliance.endorsement
    lines += ['Identifier: %s' % appliance.identifier,
              'Status: %s' % (verdict.status or '-'),
              'Endorser: %s' % endorsement.email,
              'Endorser subject: %s' % endorsement.subject,
              'Endorser issuer: %s' % endorsement.issuer,
              'Endorsed: %s' % endorsement.created_text]
    for name, value in appliance.to_dict().items():
        if name in _SKIPPED or value in (None, '', [], {}):
            continue
        label = name.replace('_', ' ').capitalize()
        if isinstance(value, list):
            value = ', '.join(str(v) for v in value)
        lines.append('%s: %s' % (label, value))
    for algorithm, value in sorted(appliance.checksums.items()):
        lines.append('Checksum %s: %s' % (algorithm, value))
    return lines


def run(args):
    if args.created and not args.email:
        raise CommandError('give EMAIL before CREATED')
    policy = creator.trust_policy(args)
    marketplace = creator.make_client(args)
    try:
        keys = _keys(marketplace, args)
        if args.xml:
            if len(keys) > 1:
                raise CommandError(
                    '%d endorsers endorse %s (%s); give EMAIL to choose one'
                    % (len(keys), args.identifier,
                       ', '.join(k[1] for k in keys)))
            sys.stdout.buffer.write(marketplace.fetch_entry(*keys[0]))
            sys.stdout.flush()
            return 0
        blocks = []
        for key in keys:
            document, verdict = marketplace.verified_entry(*key, policy)
            blocks.append('\n'.join(describe(document, verdict,
                                              creator.catalog_type(args))))
    finally:
        marketplace.close()
    print('\n\n'.join(blocks))
    return 0
