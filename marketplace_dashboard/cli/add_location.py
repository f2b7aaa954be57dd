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

"""``marketplace-metadata add-location``: add a download location.

Appends an ``slterms:location`` (for example a dashboard launch link).
The old signature no longer matches, so it is removed (and the endorsement
emptied): nothing claims to be signed when it is not.  With signing options
the document is signed again directly; otherwise sign it before uploading.
"""

from marketplace_dashboard.cli import creator, files, signing
from marketplace_dashboard.core import builder, model, xmlsafe

__all__ = ['add_parser', 'run']


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'add-location', help='add a download location to a metadata file',
        description=__doc__.split('\n\n')[0])
    parser.add_argument('file', metavar='FILE', help='metadata file')
    parser.add_argument('url', metavar='URL', help='location URI to add')
    parser.add_argument('-o', '--output', metavar='OUT',
                        help='write the result to OUT (default: update FILE '
                             'in place, keeping FILE.orig)')
    signing.add_signing_arguments(parser, required=False)
    parser.set_defaults(func=creator.command(run))
    return parser


def run(args):
    data = creator.read_file(args.file, 'metadata file')
    was_signed = xmlsafe.parse_xml(data).find(
        './/' + model.q('ds', 'Signature')) is not None
    root, warnings = builder.add_location(data, args.url)
    for warning in warnings:
        creator.warn(warning)
    document = builder.serialize(root)
    sign = signing.signing_requested(args)
    if sign:
        document = signing.sign(document, args)
    target = args.output or args.file
    if args.output:
        files.write_atomic(args.output, document)
    else:
        files.replace_keeping_original(args.file, document)
    if sign:
        print('Location added and metadata file successfully signed: %s'
              % target)
    else:
        print('Location added: %s' % target)
        creator.warn(
            '%s is not signed%s: sign it with "marketplace-metadata sign %s '
            '..." before uploading it'
            % (target, ' any more (the old signature was removed)'
               if was_signed else '', target))
    return 0
