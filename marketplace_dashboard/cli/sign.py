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

"""``marketplace-metadata sign``: endorse and sign a metadata file.

Successor of ``stratus-sign-metadata``: fills the endorsement (created
now, e-mail from the certificate's subjectAltName or ``--email``, subject
and issuer DNs) and signs enveloped XML-DSig in the StratusLab profile with
RSA-SHA256 (RSA-SHA1 on request, for old verifiers).
"""

from marketplace_dashboard.cli import creator, files, signing

__all__ = ['add_parser', 'run']


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'sign', help='endorse and sign a metadata file',
        description=__doc__.split('\n\n')[0])
    parser.add_argument('file', metavar='FILE', help='metadata file')
    signing.add_signing_arguments(parser)
    parser.add_argument('-o', '--output', metavar='OUT',
                        help='write the signed document to OUT (default: '
                             'sign FILE in place, keeping FILE.orig)')
    parser.set_defaults(func=creator.command(run))
    return parser


def run(args):
    data = creator.read_file(args.file, 'metadata file')
    signed = signing.sign(data, args)
    if args.output:
        files.write_atomic(args.output, signed)
    else:
        files.replace_keeping_original(args.file, signed)
    print('Metadata file successfully signed: %s'
          % (args.output or args.file))
    return 0
