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

"""``marketplace-metadata build``: unsigned metadata of an image file.

Successor of ``stratus-build-metadata``: one read of the image (through a
gz/bz2/xz decoder when compressed) gives the size and the MD5, SHA-1,
SHA-256 and SHA-512 of the uncompressed bytes; the identifier is derived
from the SHA-1.
"""

import os
import sys
import time

from marketplace_dashboard.cli import creator, files
from marketplace_dashboard.core import builder, hashing, identifier
from marketplace_dashboard.core.compression import (
    COMPRESSIONS,
    guess_compression,
)
from marketplace_dashboard.core.errors import CommandError

__all__ = [
    'NO_LOCATION_WARNING', 'PROGRESS_MIN_BYTES', 'ProgressBar', 'add_parser',
    'run',
]

NO_LOCATION_WARNING = ("Image physical location (URL) was not provided. "
                       "You'll have to set it manually in the resulting "
                       "manifest.")
PROGRESS_MIN_BYTES = 64 * 1024 * 1024


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'build', help='compute an image\'s checksums and write its unsigned '
                      'metadata',
        description=__doc__.split('\n\n')[0])
    parser.add_argument('image', metavar='IMAGE',
                        help='image file (.gz, .bz2 or .xz are read '
                             'through the decompressor)')
    parser.add_argument('--os', default='', help='slterms:os')
    parser.add_argument('--os-version', default='', help='slterms:os-version')
    parser.add_argument('--os-arch', default='', help='slterms:os-arch')
    parser.add_argument('--image-version', default='',
                        help='slterms:version')
    parser.add_argument('--type', default='base', dest='image_type',
                        help='dcterms:type (default: base)')
    parser.add_argument('--kind', default='machine',
                        help='slterms:kind: machine (default) or disk')
    parser.add_argument('--format', default='raw', dest='image_format',
                        help='dcterms:format: raw (default), qcow2, ...')
    parser.add_argument('--hypervisor', default='kvm',
                        help='slterms:hypervisor (default: kvm)')
    parser.add_argument('--disks-bus', default='ide',
                        help='slterms:disks-bus: ide (default), scsi, virtio')
    parser.add_argument('--location', action='append', default=[],
                        metavar='URL',
                        help='download location of the image file '
                             '(repeatable); only http(s) can be imported')
    parser.add_argument('--compression', choices=COMPRESSIONS,
                        help='compression of IMAGE (default: guessed from '
                             'its extension)')
    parser.add_argument('--title', default='', help='dcterms:title')
    parser.add_argument('--tag', default='',
                        help='dcterms:alternative (a short tag)')
    parser.add_argument('--comment', default='',
                        help='dcterms:description')
    parser.add_argument('--author', default='', help='dcterms:creator')
    parser.add_argument('--valid-days', type=creator.non_negative_int,
                        default=builder.DEFAULT_VALID_DAYS, metavar='N',
                        help='endorsement validity in days (default: %d)'
                             % builder.DEFAULT_VALID_DAYS)
    parser.add_argument('-o', '--output', metavar='FILE',
                        help='output file (default: <os>-<os-version>-'
                             '<os-arch>-<type>-<image-version>.xml in the '
                             'current directory)')
    parser.add_argument('--force', action='store_true',
                        help='overwrite an existing output file')
    parser.set_defaults(func=creator.command(run))
    return parser


class ProgressBar:
    """``[#####     ]  50%  512/1024 MiB`` on a terminal, rewritten in
    place at most a few times per second."""

    def __init__(self, total, stream):
        self.total = max(total, 1)
        self.stream = stream
        self._last = 0.0

    def __call__(self, done, final=False):
        now = time.monotonic()
        if not final and now - self._last < 0.2:
            return
        self._last = now
        ratio = min(done / self.total, 1.0)
        filled = int(ratio * 30)
        self.stream.write('\r[%s%s] %3d%%  %d/%d MiB' % (
            '#' * filled, ' ' * (30 - filled), ratio * 100,
            done // 2**20, self.total // 2**20))
        if final:
            self.stream.write('\n')
        self.stream.flush()


def run(args):
    for location in args.location:
        for warning in builder.check_location(location):
            creator.warn(warning)
    if not args.location:
        creator.warn(NO_LOCATION_WARNING)
    output = args.output or builder.default_filename(
        args.os, args.os_version, args.os_arch, args.image_type,
        args.image_version)
    # Fail before reading a possibly huge image.
    files.check_writable(output, overwrite=args.force)
    compression = args.compression or guess_compression(args.image)
    try:
        total = os.stat(args.image).st_size
    except OSError as exc:
        raise CommandError('cannot read image %s: %s' % (
            args.image, exc.strerror)) from None
    progress = None
    if sys.stderr.isatty() and total >= PROGRESS_MIN_BYTES:
        progress = ProgressBar(total, sys.stderr)
    result = hashing.hash_stream(args.image, compression=compression,
                                 progress=progress)
    if progress:
        progress(total, final=True)
    document = builder.build_document(
        result.size, result.digests, os=args.os, os_version=args.os_version,
        os_arch=args.os_arch, image_version=args.image_version,
        image_type=args.image_type, kind=args.kind,
        image_format=args.image_format, hypervisor=args.hypervisor,
        disks_bus=args.disks_bus, locations=args.location,
        compression=compression or '', title=args.title, tag=args.tag,
        comment=args.comment, author=args.author,
        valid_days=args.valid_days)
    files.write_atomic(output, document, overwrite=args.force)
    ident = identifier.identifier_from_sha1(result.digests['SHA-1'])
    print('Metadata of %s (identifier %s) written to: %s'
          % (args.image, ident, output))
    return 0
