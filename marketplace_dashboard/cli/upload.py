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

"""``marketplace-metadata upload``: publish a signed metadata file.

Successor of ``stratus-upload-metadata``: checks locally that the file
parses and carries a valid signature, POSTs it to the marketplace and
prints the URL of the new entry.
"""

from marketplace_dashboard.cli import creator
from marketplace_dashboard.core import model, signature
from marketplace_dashboard.core.errors import CommandError

__all__ = ['add_parser', 'check_signed', 'run']


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'upload', help='upload a signed metadata file to a marketplace',
        description=__doc__.split('\n\n')[0])
    parser.add_argument('file', metavar='FILE', help='signed metadata file')
    creator.add_endpoint_arguments(parser)
    parser.set_defaults(func=creator.command(run))
    return parser


def check_signed(data, name):
    """Refuse to send what the marketplace would refuse anyway."""
    model.parse_appliance(data)
    result = signature.verify_signature(data)
    if result.status == signature.MISSING:
        raise CommandError(
            '%s is not signed; sign it first with "marketplace-metadata '
            'sign %s ..."' % (name, name))
    if not result.valid:
        raise CommandError(
            '%s has an invalid signature (%s); sign it again'
            % (name, result.reason))
    return result


def run(args):
    data = creator.read_file(args.file, 'metadata file')
    check_signed(data, args.file)
    marketplace = creator.make_client(args)
    try:
        print(creator.upload(marketplace, data))
    finally:
        marketplace.close()
    return 0
