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


"""``marketplace-metadata verify FILE...``: verify signed metadata.

Every entry (a ``<metadata>`` list is verified entry by entry) gets a
verdict (see :mod:`marketplace_dashboard.core.verdict`).  The exit status
counts the *invalid* entries (bad or missing signature, binding or
constraint failure, unreadable or malformed input, SHA-1 with
``--refuse-sha1``), at most 100; trust, expiry and deprecation are reported
but do not make an entry invalid.  Usage errors (including an unusable
``--ca-file``) exit with 2.
"""

import json
import sys

from marketplace_dashboard.cli import creator
from marketplace_dashboard.core import (
    draft_check,
    revocation,
    xmlsafe,
)
from marketplace_dashboard.core import verdict as verdicts
from marketplace_dashboard.core.errors import (
    ConfigurationError,
    MarketplaceError,
)
from marketplace_dashboard.core.i18n import localized

__all__ = [
    'MAX_EXIT_STATUS', 'check_draft_file', 'format_line', 'read_input',
    'register', 'run', 'run_draft', 'trust_policy', 'verify_file',
]

MAX_EXIT_STATUS = 100


def register(subparsers):
    parser = subparsers.add_parser(
        'verify', help='verify signed metadata documents',
        description=__doc__.split('\n\n')[0].split(': ', 1)[1])
    parser.add_argument('files', nargs='+', metavar='FILE',
                        help='metadata document or <metadata> list ("-" '
                             'reads standard input)')
    creator.add_trust_arguments(parser, refuse_sha1=True)
    parser.add_argument('--crl-file', dest='crl_files', action='append',
                        default=[], metavar='CRL',
                        help='certificate revocation list (PEM or DER; '
                             'repeatable)')
    parser.add_argument('--allow-stale-crls', action='store_true',
                        help='only warn about a CRL past its next update '
                             '(default: its endorsers are not trusted)')
    parser.add_argument('--valid-at-endorsement', action='store_true',
                        help='trust an endorser certificate that was valid '
                             'at the endorsement time but has expired '
                             '(default: it must be valid now, since the '
                             'endorsement time is the signer\'s word)')
    parser.add_argument('--json', action='store_true',
                        help='print a JSON array of verdicts')
    parser.add_argument('--draft', action='store_true',
                        help='check unsigned drafts: structure and '
                             'constraints only, no signature or trust')
    parser.set_defaults(func=run, parser=parser)
    return parser


def read_input(path, limit=xmlsafe.DEFAULT_MAX_LIST_BYTES):
    """Bytes of *path* (``-`` = stdin), at most *limit* + 1 of them."""
    if path == '-':
        return sys.stdin.buffer.read(limit + 1)
    with open(path, 'rb') as handle:
        return handle.read(limit + 1)


def trust_policy(args):
    """The trust options of ``verify`` (those of every command, the
    CRLs and the validity rule) as a core TrustPolicy."""
    policy = creator.trust_policy(args)
    policy.require_valid_now = not args.valid_at_endorsement
    policy.allow_stale_crls = args.allow_stale_crls
    for path in args.crl_files:
        policy.crls.extend(revocation.load_crl_file(path))
        policy.crl_files.append(path)
    return policy


def verify_file(path, policy):
    """Verdicts of every entry of one file (never raises for bad input)."""
    try:
        data = read_input(path)
    except OSError as exc:
        return [verdicts.failure('cannot read %s: %s'
                                 % (path, exc.strerror or exc))]
    return verdicts.evaluate_many(data, policy)


def _label(path, identifier, index, count):
    if identifier:
        return '%s [%s]' % (path, identifier)
    if count > 1:
        return '%s [entry %d]' % (path, index + 1)
    return path


def format_line(path, verdict, index=0, count=1):
    label = _label(path, verdict.identifier, index, count)
    reasons = '; '.join(localized(reason) for reason in verdict.reasons)
    if verdict.is_invalid:
        return 'Invalid: %s: %s' % (label, reasons)
    if verdict.reasons:
        return 'Valid: %s (%s): %s' % (label, verdict.level, reasons)
    return 'Valid: %s (%s)' % (label, verdict.level)


def check_draft_file(path):
    """``[(identifier, problems, warnings)]`` of each entry of a draft."""
    try:
        documents = xmlsafe.split_documents(read_input(path))
    except OSError as exc:
        return [(None, ['cannot read %s: %s' % (path, exc.strerror)], [])]
    except MarketplaceError as exc:
        return [(None, [str(exc)], [])]
    results = []
    for document in documents:
        try:
            app, problems, warnings = draft_check.check_draft(document)
            results.append((app.identifier, problems, warnings))
        except MarketplaceError as exc:
            results.append((None, [str(exc)], []))
    return results


def _warn(label, warnings):
    for warning in warnings:
        print('Warning: %s: %s' % (label, warning), file=sys.stderr)


def _finish(args, results, invalid):
    """Print the JSON array (``--json``); the exit status."""
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        sys.stdout.write('\n')
    return min(invalid, MAX_EXIT_STATUS)


def run_draft(args):
    """``--draft``: structure and constraint checks, signature ignored."""
    results = []
    invalid = 0
    for path in args.files:
        entries = check_draft_file(path)
        for index, (ident, problems, warnings) in enumerate(entries):
            invalid += bool(problems)
            if args.json:
                results.append({'file': path, 'identifier': ident,
                                'valid': not problems, 'problems': problems,
                                'warnings': warnings})
                continue
            label = _label(path, ident, index, len(entries))
            if problems:
                print('Invalid: %s (draft): %s' % (label, '; '.join(problems)))
            else:
                print('Valid: %s (draft)' % label)
            _warn(label, warnings)
    return _finish(args, results, invalid)


def run(args):
    if args.draft:
        return run_draft(args)
    try:
        policy = trust_policy(args)
    except ConfigurationError as exc:
        args.parser.error(str(exc))  # exits with status 2
    results = []
    invalid = 0
    for path in args.files:
        file_verdicts = verify_file(path, policy)
        for index, verdict in enumerate(file_verdicts):
            invalid += verdict.is_invalid
            if args.json:
                item = {'file': path}
                item.update(verdict.to_dict())
                results.append(item)
                continue
            print(format_line(path, verdict, index, len(file_verdicts)))
            _warn(_label(path, verdict.identifier, index,
                         len(file_verdicts)), verdict.warnings)
        if not file_verdicts and not args.json:
            print('Valid: %s (empty metadata list)' % path)
    return _finish(args, results, invalid)
