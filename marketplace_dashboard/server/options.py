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

"""The command line of ``marketplace-server``: its options and the
public URL they give."""

import argparse
import socket

from marketplace_dashboard.server.endorsers import DEFAULT_CREATED_SKEW
from marketplace_dashboard.server.limits import (
    DEFAULT_CLIENT_TIMEOUT,
    DEFAULT_MAX_FORM,
)
from marketplace_dashboard.server.search import SEARCH_BUDGET
from marketplace_dashboard.server.upload import DEFAULT_MAX_UPLOAD

__all__ = ['build_parser', 'public_url_of', 'server_url']

_WILDCARDS = ('', '0.0.0.0', '::')  # noqa: S104 (names, not a bind)


def build_parser():
    parser = argparse.ArgumentParser(
        prog='marketplace-server',
        description='StratusLab-compatible marketplace service, served '
                    'under /marketplace.')
    parser.add_argument('--data-dir', required=True,
                        help='directory holding metadata/ and the index')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8081)
    parser.add_argument('--public-url', metavar='URL',
                        help='the service as its clients reach it, e.g. '
                             'https://mp.example.org/ (the base of an '
                             "upload's Location; default: "
                             'http://HOST:PORT/)')
    parser.add_argument('--read-only', action='store_true',
                        help='refuse uploads (403), as a replica')
    parser.add_argument('--trusted-endorser', action='append', default=[],
                        metavar='EMAIL_OR_DN',
                        help='accept uploads only from these endorsers '
                             '(repeatable)')
    parser.add_argument('--ca-file', action='append', default=[],
                        metavar='PEM',
                        help='accept uploads only from certificates issued '
                             'by these CAs (repeatable)')
    parser.add_argument('--allow-unconfirmed-email', action='store_true',
                        help='without a trust policy, let certificates '
                             'without a subjectAltName e-mail endorse under '
                             'any e-mail (as the original service did)')
    parser.add_argument('--created-skew', type=int,
                        default=DEFAULT_CREATED_SKEW, metavar='SECONDS',
                        help='refuse endorsement dates more than this far '
                             'in the future (default: %(default)s)')
    parser.add_argument('--max-upload-bytes', type=int,
                        default=DEFAULT_MAX_UPLOAD)
    parser.add_argument('--max-form-bytes', type=int,
                        default=DEFAULT_MAX_FORM,
                        help='limit of a listing form body (default: '
                             '%(default)s)')
    parser.add_argument('--search-budget', type=float,
                        default=SEARCH_BUDGET, metavar='SECONDS',
                        help='abort a listing search after this long '
                             '(default: %(default)s)')
    parser.add_argument('--client-timeout', type=float,
                        default=DEFAULT_CLIENT_TIMEOUT, metavar='SECONDS',
                        help='close connections silent for this long '
                             '(default: %(default)s)')
    parser.add_argument('--rebuild-index', action='store_true',
                        help='rebuild the index from the stored files and '
                             'exit')
    return parser


def _url(scheme, host, port):
    if ':' in host:
        host = '[%s]' % host
    default = {'http': 80, 'https': 443}.get(scheme)
    port = '' if int(port) == default else ':%d' % int(port)
    return '%s://%s%s/' % (scheme, host, port)


def server_url(environ):
    """The URL of the address a WSGI server listens on (``SERVER_NAME``,
    ``SERVER_PORT``), for a service without a public URL."""
    return _url(environ.get('wsgi.url_scheme') or 'http',
                environ.get('SERVER_NAME') or 'localhost',
                environ.get('SERVER_PORT') or 80)


def public_url_of(args):
    """``--public-url``, else ``http://HOST:PORT/`` of the address served
    (the machine's name for a wildcard address)."""
    if args.public_url:
        return args.public_url
    host = socket.getfqdn() if args.host in _WILDCARDS else args.host
    return _url('http', host, args.port)
