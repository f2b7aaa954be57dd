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

Appends an ``slterms:location``: a URL, or (``--launch-link IMAGE_ID
--dashboard URL``) the dashboard's deep link that launches that image.
The old signature no longer matches, so it is removed (and the endorsement
emptied): nothing claims to be signed when it is not.  With signing options
the document is signed again directly; otherwise sign it before uploading.
"""

from marketplace_dashboard.cli import creator, files, signing
from marketplace_dashboard.core import builder, locations, model, xmlsafe
from marketplace_dashboard.core.errors import CommandError

__all__ = ['add_parser', 'location_of', 'run']


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'add-location', help='add a download location to a metadata file',
        description=__doc__.split('\n\n')[0])
    parser.add_argument('file', metavar='FILE', help='metadata file')
    parser.add_argument('url', metavar='URL', nargs='?',
                        help='location URI to add')
    parser.add_argument('--launch-link', metavar='IMAGE_ID',
                        help='add the launch link of this Glance image (a '
                             'UUID) on the dashboard given by --dashboard, '
                             'instead of URL')
    parser.add_argument('--dashboard', metavar='URL',
                        help='base URL of the dashboard the image is in, '
                             'for example https://cloud.example.org/'
                             'dashboard/ (with --launch-link)')
    parser.add_argument('-o', '--output', metavar='OUT',
                        help='write the result to OUT (default: update FILE '
                             'in place, keeping FILE.orig)')
    signing.add_signing_arguments(parser, required=False)
    parser.set_defaults(func=creator.command(run))
    return parser


def location_of(args):
    """The location to add: URL, or the deep link of ``--launch-link``."""
    if args.launch_link is None:
        if args.dashboard is not None:
            raise CommandError('--dashboard is only used with --launch-link')
        if args.url is None:
            raise CommandError('give the URL to add, or --launch-link '
                               'IMAGE_ID --dashboard URL')
        return args.url
    if args.url is not None:
        raise CommandError('give either a URL or --launch-link, not both')
    if args.dashboard is None:
        raise CommandError('--launch-link needs --dashboard URL, the '
                           'dashboard the image is in')
    return locations.deep_link(args.dashboard, args.launch_link)


def run(args):
    uri = location_of(args)
    data = creator.read_file(args.file, 'metadata file')
    was_signed = xmlsafe.parse_xml(data).find(
        './/' + model.q('ds', 'Signature')) is not None
    root, warnings = builder.add_location(data, uri)
    for warning in warnings:
        creator.warn(warning)
    if args.launch_link is not None:
        print('Launch link: %s' % uri)
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
