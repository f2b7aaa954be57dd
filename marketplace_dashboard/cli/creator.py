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

"""Helpers shared by the creator commands (build, sign, upload, ...).

Error handling (a sentence on stderr, exit status 1, never a traceback),
reading documents, and the options every command that talks to a
marketplace or evaluates trust shares: the endpoint (``--endpoint``, its
TLS CA bundle) and the trust policy (CA files, trusted endorsers, SHA-1).
File writes are in :mod:`~marketplace_dashboard.cli.files`, the signing
options in :mod:`~marketplace_dashboard.cli.signing`.
"""

import argparse
import functools
import sys

from marketplace_dashboard.core import xmlsafe
from marketplace_dashboard.core.errors import (
    CommandError,
    MarketplaceError,
    MarketplaceHTTPError,
    UploadFailed,
)
from marketplace_dashboard.core.i18n import localized

__all__ = [
    'add_catalog_type_argument', 'add_endpoint_arguments',
    'add_trust_arguments', 'catalog_type', 'command', 'make_client',
    'non_negative_int', 'read_file', 'trust_policy', 'upload', 'warn',
]


def warn(message):
    print('Warning: %s' % localized(message), file=sys.stderr)


def command(run):
    """Wrap a command: core/command errors become ``Error: ...``, exit 1."""
    @functools.wraps(run)
    def wrapper(args):
        try:
            return run(args)
        except MarketplaceError as exc:
            print('%s%s' % (getattr(exc, 'prefix', 'Error: '),
                            localized(exc)),
                  file=sys.stderr)
            return 1
    return wrapper


def non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            'expected a non-negative integer, got %r' % text)
    return value


def read_file(path, what='file', max_bytes=xmlsafe.DEFAULT_MAX_BYTES):
    """Bytes of *path*, or :class:`CommandError` (missing, too large...)."""
    try:
        with open(path, 'rb') as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise CommandError('cannot read %s %s: %s' % (
            what, path, exc.strerror or exc)) from None
    if len(data) > max_bytes:
        raise CommandError('%s %s is too large (more than %d bytes)'
                           % (what, path, max_bytes))
    return data


# -- endpoint options ------------------------------------------------------

def add_endpoint_arguments(parser, ca_option='--ca-file',
                           timeout_option=None):
    """``--endpoint URL`` or ``--marketplace NAME`` (one of the
    configuration file, see :mod:`~marketplace_dashboard.cli.config_file`),
    *ca_option* (the marketplace's TLS CA bundle,
    stored as ``endpoint_ca_file``) and *timeout_option* (stored as
    ``endpoint_timeout``) for :func:`make_client`.

    *timeout_option* defaults to ``--timeout``, or ``--endpoint-timeout``
    when *ca_option* is ``--endpoint-...`` (``import``, whose own
    ``--timeout`` is for ``--wait``).
    """
    client = _client()

    def seconds(text):
        try:
            value = float(text)
        except ValueError:
            value = 0
        if not 0 < value <= client.MAX_SECONDS:
            raise argparse.ArgumentTypeError(
                'expected a number of seconds (more than 0, at most %d), '
                'got %r' % (client.MAX_SECONDS, text))
        return value

    if timeout_option is None:
        timeout_option = ('--endpoint-timeout'
                          if ca_option.startswith('--endpoint-')
                          else '--timeout')
    where = parser.add_mutually_exclusive_group()
    where.add_argument('--endpoint', metavar='URL',
                       help='marketplace service root, e.g. '
                            'https://marketplace.example.org/marketplace '
                            '(default: the first marketplace of the '
                            'configuration file)')
    where.add_argument('--marketplace', metavar='NAME',
                       help='the marketplace of this name in the '
                            'configuration file (its url, ca_file and '
                            'timeout)')
    parser.add_argument(ca_option, dest='endpoint_ca_file', metavar='PEM',
                        help='CA bundle to verify the marketplace\'s TLS '
                             'certificate (default: system CAs)')
    parser.add_argument(
        timeout_option, dest='endpoint_timeout', metavar='SECONDS',
        type=seconds,
        help='how long to wait for the marketplace to accept the '
             'connection and for each part of its answer (default: %g and '
             '%g); a request may take at most the larger of %g s and twice '
             'this in all' % (client.DEFAULT_TIMEOUT + (
                 client.DEFAULT_DEADLINE,)))


def add_catalog_type_argument(parser):
    """``--catalog-type`` (stored as ``catalog_type``; ``None`` when not
    given: the configured marketplace's ``type``, else ``stratuslab``)."""
    from marketplace_dashboard.core import catalogs
    parser.add_argument(
        '--catalog-type', choices=catalogs.TYPES, default=None,
        help='what the endpoint is: a StratusLab marketplace (stratuslab, '
             'the default), an OCI registry (oci: its base URL and a '
             'repository prefix) or a HEPiX image list (hepix: the URL of '
             'the list)')
    parser.add_argument(
        '--cosign-key', dest='cosign_keys', action='append', default=[],
        metavar='PEM',
        help='public key (PEM, as cosign.pub) whose cosign signatures of '
             'an OCI registry\'s artifacts are trusted (repeat); setting '
             'cosign_public_keys of the marketplace')


def catalog_type(args):
    """The core catalogue type (``core.catalogs``) of the command."""
    from marketplace_dashboard.core import catalogs
    return catalogs.get_type(getattr(args, 'catalog_type', None)
                             or catalogs.DEFAULT_TYPE)


def make_client(args):
    """Client of the endpoint options for the catalogue type of the
    command (TLS verification on, with the given CA bundle or the system
    CAs; the given timeout): a ``MarketplaceClient`` for ``stratuslab``."""
    client = _client()
    kind = catalog_type(args)
    if kind.name == 'stratuslab':
        config = client.MarketplaceConfig(
            name=args.endpoint, url=args.endpoint,
            verify=args.endpoint_ca_file or True,
            timeout=getattr(args, 'endpoint_timeout', None))
        return kind.make_client(config)
    # the other settings of a marketplace of the configuration file
    # (an access token, ...) apply too
    settings = dict(getattr(args, 'endpoint_settings', None) or {})
    settings.update(name=args.endpoint, url=args.endpoint, type=kind.name)
    settings.pop('ca_file', None)
    settings['verify'] = args.endpoint_ca_file or True
    if getattr(args, 'cosign_keys', None):
        settings['cosign_public_keys'] = list(args.cosign_keys)
    timeout = getattr(args, 'endpoint_timeout', None)
    if timeout is not None:
        settings['timeout'] = timeout
    return kind.make_client(settings)


def _client():
    """``core.client``, imported by the commands that talk to a
    marketplace only: it pulls in requests, which ``verify``, ``build``
    and ``sign`` do not need (their start-up time counts on every run)."""
    from marketplace_dashboard.core import client
    return client


# -- trust options ---------------------------------------------------------

def add_trust_arguments(
        parser, ca_option='--ca-file',
        ca_help='trusted CA certificates (PEM bundle; repeatable)',
        endorser_help='trusted endorser e-mail or subject DN (repeatable)',
        refuse_sha1=False):
    """*ca_option* and ``--trusted-endorser`` (both repeatable), and with
    *refuse_sha1* ``--refuse-sha1``, for :func:`trust_policy`."""
    parser.add_argument(ca_option, dest='trust_ca_files', action='append',
                        default=[], metavar='PEM', help=ca_help)
    parser.add_argument('--trusted-endorser', dest='trusted_endorsers',
                        action='append', default=[], metavar='EMAIL_OR_DN',
                        help=endorser_help)
    if refuse_sha1:
        parser.add_argument('--refuse-sha1', action='store_true',
                            help='treat SHA-1 signatures as invalid')
    else:
        parser.set_defaults(refuse_sha1=False)


def trust_policy(args):
    """Core :class:`~marketplace_dashboard.core.trust.TrustPolicy` of the
    trust options; ``ConfigurationError`` (a ``MarketplaceError``) when a
    CA file is unusable."""
    # imported here: X.509 path validation is not needed by build or sign
    from marketplace_dashboard.core import trust
    return trust.TrustPolicy(
        ca_files=args.trust_ca_files, trusted_endorsers=args.trusted_endorsers,
        sha1='refuse' if args.refuse_sha1 else 'warn')


def upload(marketplace, data):
    """POST *data*; the new entry's URL.  HTTP errors are shown as the
    original client did: ``Failed to upload: <status>: <message>``."""
    try:
        return marketplace.upload(data)
    except MarketplaceHTTPError as exc:
        raise UploadFailed('Failed to upload: %s: %s' % (
            exc.status, exc.server_message or exc)) from None
