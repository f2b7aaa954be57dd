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


"""``marketplace-metadata search``: list and search a marketplace.

Filtering, sorting and paging happen on the server; the text and filter
values are matched literally (case-insensitively), never as patterns.
"""

import argparse
import dataclasses
import json

from marketplace_dashboard.cli import creator
from marketplace_dashboard.core import client

__all__ = ['TABLE', 'add_parser', 'format_table', 'positive_int', 'run']

TABLE = (('identifier', 'IDENTIFIER', 27), ('email', 'ENDORSER', 30),
         ('created', 'CREATED', 20), ('os', 'OS', 14),
         ('os_version', 'VERSION', 9), ('os_arch', 'ARCH', 8),
         ('title', 'TITLE', 40))


def positive_int(text):
    value = creator.non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(
            'expected a positive integer, got %r' % text)
    return value


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'search', help='search the entries of a marketplace',
        description=__doc__.split('\n\n')[0].split(': ', 1)[1])
    creator.add_endpoint_arguments(parser)
    creator.add_catalog_type_argument(parser)
    parser.add_argument('--text', default='',
                        help='words that must all appear in some column')
    parser.add_argument('--os', help='operating system (substring)')
    parser.add_argument('--os-version', help='OS version (substring)')
    parser.add_argument('--arch', help='architecture, e.g. x86_64')
    parser.add_argument('--endorser', metavar='EMAIL',
                        help='endorser e-mail')
    parser.add_argument('--kind', help='machine or disk')
    parser.add_argument('--status', default='valid',
                        choices=client.STATUSES,
                        help='entry status (default: valid)')
    parser.add_argument('--location', default='all',
                        choices=client.LOCATIONS)
    parser.add_argument('--sort', default='created', choices=client.COLUMNS)
    parser.add_argument('--order', default='desc', choices=('asc', 'desc'))
    parser.add_argument('--start', type=creator.non_negative_int, default=0,
                        help='index of the first entry (default 0)')
    parser.add_argument('--limit', type=positive_int, default=20,
                        help='number of entries (default 20)')
    parser.add_argument('--json', action='store_true',
                        help='print JSON instead of a table')
    parser.set_defaults(func=creator.command(run))
    return parser


def format_table(rows):
    lines = ['  '.join(title.ljust(width) for _, title, width in TABLE)
             .rstrip()]
    for row in rows:
        cells = []
        for name, _, width in TABLE:
            value = getattr(row, name) or '-'
            value = ' '.join(value.split())
            if len(value) > width:
                value = value[:width - 1] + '…'
            cells.append(value.ljust(width))
        lines.append('  '.join(cells).rstrip())
    return '\n'.join(lines)


def run(args):
    query = client.SearchQuery(
        text=args.text, os=args.os, os_version=args.os_version,
        arch=args.arch, endorser=args.endorser, kind=args.kind,
        status=args.status, location=args.location, start=args.start,
        length=args.limit, sort=args.sort, sort_dir=args.order)
    marketplace = creator.make_client(args)
    try:
        page = marketplace.search(query)
    finally:
        marketplace.close()
    if args.json:
        print(json.dumps({
            'total': page.total, 'total_filtered': page.total_filtered,
            'start': page.start,
            'rows': [dataclasses.asdict(row) for row in page.rows]}, indent=2))
        return 0
    if page.rows:
        print(format_table(page.rows))
        print('entries %d-%d of %d matching (%d with status %s)' % (
            page.start + 1, page.start + len(page.rows),
            page.total_filtered, page.total, args.status))
    else:
        print('no entries match (%d with status %s)'
              % (page.total, args.status))
    return 0
