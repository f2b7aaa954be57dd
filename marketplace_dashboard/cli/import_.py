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

"""Import a marketplace entry into Glance, verified.

Fetches the entry, evaluates its signature and trust, refuses it unless the
policy allows it, then imports it into Glance (server-side web-download, or
streamed and hashed here) and checks that Glance stored exactly the endorsed
bytes.  Authenticates with the standard ``OS_*`` variables or ``--os-cloud``
(clouds.yaml).
"""

import json
import sys

from marketplace_dashboard.cli import creator
from marketplace_dashboard.core import glance
from marketplace_dashboard.core.errors import (
    CommandError,
    ImportRefused,
    MarketplaceError,
)
from marketplace_dashboard.core.i18n import localized
from marketplace_dashboard.core.imports import (
    GLANCE_DIRECT,
    Importer,
    ImportPolicy,
    ImportStatus,
    check_policy,
)
from marketplace_dashboard.core.imports.policy import VISIBILITIES
from marketplace_dashboard.core.imports.progress import ProgressStore
from marketplace_dashboard.core.imports.site import CONVERT_TO, GlanceSite


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'import', help='import a marketplace image into Glance, verified',
        description=__doc__.split('\n\n')[0])
    parser.add_argument('identifier', metavar='IDENTIFIER',
                        help='image identifier (27 characters for a '
                             'StratusLab marketplace)')
    creator.add_endpoint_arguments(parser, ca_option='--endpoint-ca-file')
    creator.add_catalog_type_argument(parser)
    parser.add_argument('--email', metavar='E',
                        help='endorser e-mail of the entry (default: the '
                             'newest importable entry of any endorser)')
    parser.add_argument('--created', metavar='T',
                        help='endorsement date of the entry '
                             '(yyyy-mm-ddThh:mm:ssZ; needs --email)')
    parser.add_argument('--name', metavar='N',
                        help='Glance image name (default: the title)')
    parser.add_argument('--visibility', default='private',
                        choices=VISIBILITIES)
    parser.add_argument('--member', action='append', default=[],
                        metavar='PROJECT_ID',
                        help='project to share the image with (repeat; '
                             'needs --visibility shared)')
    parser.add_argument('--wait', action='store_true',
                        help='return when the image is active and '
                             'verified (exit 0) or failed (exit 1)')
    parser.add_argument('--timeout', type=creator.non_negative_int,
                        default=3600, metavar='S',
                        help='how long --wait waits (default 3600 s)')
    parser.add_argument('--json', action='store_true',
                        help='print the result as JSON')
    creator.add_trust_arguments(
        parser,
        ca_help='CA certificate(s) endorser certificates must chain to '
                '(repeat)',
        endorser_help='endorser to trust (e-mail or subject DN; repeat)')
    for level in ('untrusted', 'expired', 'deprecated'):
        parser.add_argument('--allow-%s' % level, action='store_true',
                            help='import %s entries too (the image is '
                                 'marked marketplace_verdict=%s)'
                                 % (level, level))
    parser.add_argument('--accept-unsigned-registry', action='append',
                        default=[], metavar='URL',
                        help='base URL of an OCI registry (https://host'
                             '[:port]) whose unsigned artifacts may be '
                             'imported (repeat); import setting '
                             'accept_unsigned_registries')
    parser.add_argument('--no-streamed', action='store_true',
                        help='never download the image here; only let '
                             'Glance fetch it (web-download)')
    parser.add_argument('--allow-download-host', action='append',
                        default=[], metavar='HOST',
                        help='host name, address or network this command '
                             'may download from although it is not public '
                             '(a private mirror; repeat); import setting '
                             'download_filter.allowed_hosts')
    parser.add_argument('--allow-download-port', action='append',
                        default=[], type=int, metavar='PORT',
                        help='port this command may download from besides '
                             '80 and 443 (repeat); import setting '
                             'download_filter.allowed_ports')
    parser.add_argument('--glance-convert-to', choices=CONVERT_TO,
                        help="Glance converts imported data to this format "
                             "(its image_conversion plugin's output_format): "
                             'the data is then streamed and verified here '
                             'before Glance converts it')
    parser.add_argument('--glance-decompresses', action='store_true',
                        help='Glance runs its image_decompression plugin: a '
                             'gzip location can go to web-download')
    parser.add_argument('--glance-store', metavar='STORE', action='append',
                        default=[],
                        help="import into this Glance store (repeat; "
                             "default: Glance's default store)")
    parser.add_argument('--os-cloud', metavar='NAME',
                        help='cloud in clouds.yaml (default: $OS_CLOUD or '
                             'the OS_* variables)')
    parser.set_defaults(func=creator.command(run))
    return parser


def glance_images(cloud=None):
    """GlanceImages on a keystoneauth session from clouds.yaml / OS_*."""
    from keystoneauth1 import exceptions as ks_exc
    from openstack import config as os_config
    from openstack import exceptions as os_exc

    try:
        region = os_config.OpenStackConfig().get_one(cloud=cloud)
        session = region.get_session()
    except (os_exc.SDKException, ks_exc.ClientException, KeyError,
            ValueError) as e:
        raise CommandError(
            'Cannot authenticate to OpenStack: %s. Set the OS_* variables '
            '(e.g. source an openrc file) or pass --os-cloud.'
            % str(e).rstrip('.')) from None
    return glance.GlanceImages(glance.make_client(
        session, region_name=region.region_name,
        interface=region.get_interface('image')))


def _policies(args):
    trust_policy = creator.trust_policy(args)
    import_policy = ImportPolicy(
        allow_untrusted=args.allow_untrusted,
        allow_expired=args.allow_expired,
        allow_deprecated=args.allow_deprecated,
        allow_streamed=not args.no_streamed,
        accept_unsigned_registries=tuple(
            getattr(args, 'accept_unsigned_registry', None) or ()),
        download_filter={'allowed_hosts': args.allow_download_host,
                         'allowed_ports': [80, 443] +
                         args.allow_download_port},
        glance=GlanceSite(convert_to=args.glance_convert_to,
                          decompresses=args.glance_decompresses,
                          stores=tuple(args.glance_store)))
    return trust_policy, import_policy


def choose_entry(marketplace, args, trust_policy, import_policy):
    """``(verdict, entry URL)`` of the entry to import."""
    kind = creator.catalog_type(args)
    if args.created and not args.email:
        raise CommandError('--created needs --email')
    if args.created:
        documents = [marketplace.fetch_entry(args.identifier, args.email,
                                             args.created)]
    else:
        documents = marketplace.entries(args.identifier, args.email)
    if not documents:
        raise CommandError(
            'No entry %s%s in %s.' % (args.identifier,
                                      ' endorsed by %s' % args.email
                                      if args.email else '', args.endpoint))
    verdicts = [kind.evaluate(d, trust_policy) for d in documents]
    verdicts.sort(key=_created, reverse=True)
    refusal = None
    for verdict in verdicts:
        try:
            check_policy(verdict, import_policy)
        except ImportRefused as e:
            refusal = refusal or e
            continue
        appliance = verdict.appliance
        if appliance.identifier != args.identifier:
            continue
        key = (appliance.identifier, appliance.endorsement.email,
               appliance.endorsement.created_text)
        if kind.name == 'stratuslab':
            # as the command always recorded it (not %-quoted)
            url = '%s/metadata/%s/%s/%s' % ((args.endpoint.rstrip('/'),)
                                            + key)
        else:
            url = kind.entry_url(args.endpoint, *key)
        return verdict, url
    raise refusal or CommandError(
        'The marketplace returned no entry for %s.' % args.identifier)


def _created(verdict):
    return verdict.appliance.endorsement.created_text or ''


class _PrintingProgress(ProgressStore):
    """Progress on stderr, one line per 10 %."""

    def __init__(self, cache):
        super().__init__(cache, interval=0)
        self._shown = -1

    def update(self, image_id, done, total, state='transferring',
               force=False, reason=None):
        super().update(image_id, done, total, state=state, force=force,
                       reason=reason)
        tenth = int(done * 10 / total) if total else 10
        if state == 'transferring' and tenth != self._shown:
            self._shown = tenth
            print('%s: %d/%d bytes (%d%%)' % (image_id, done, total,
                                               tenth * 10), file=sys.stderr)


def run(args):
    """The command; with ``--json`` a refusal or failure is a JSON object
    with an ``error`` field on standard output too (same exit status)."""
    try:
        return _run(args)
    except MarketplaceError as e:
        if not args.json:
            raise
        state = 'refused' if isinstance(e, (ImportRefused,
                                            CommandError)) \
            else 'failed'
        print(json.dumps({'error': str(e), 'state': state, 'image_id': None,
                          'verified': False}, indent=2, sort_keys=True))
        print('Error: %s' % localized(e), file=sys.stderr)
        return 1


def _run(args):
    if args.member and args.visibility != 'shared':
        raise CommandError('--member needs --visibility shared')
    trust_policy, import_policy = _policies(args)
    marketplace = creator.make_client(args)
    verdict, url = choose_entry(marketplace, args, trust_policy,
                                import_policy)
    engine = Importer(glance_images(args.os_cloud), policy=import_policy,
                      http_session=download_session(marketplace, verdict,
                                                    import_policy))
    engine.progress = _PrintingProgress(engine.cache)
    status = engine.start(verdict, name=args.name,
                          visibility=args.visibility, members=args.member,
                          marketplace_url=url)
    if status.method == GLANCE_DIRECT and not status.existing \
            and status.state == 'queued':
        try:
            status = engine.transfer(status.image_id)
        except MarketplaceError as e:
            status = ImportStatus(status.image_id, 'failed',
                                  reasons=[str(e)], method=status.method)
    if args.wait and not status.done:
        status = engine.wait(status.image_id, timeout=args.timeout)
    return report(status, args)


def download_session(marketplace, verdict, import_policy):
    """The session the streamed transfer downloads with: the
    catalogue's own (a registry's tokens) when the entry needs its
    credentials, else None (the engine's)."""
    opener = getattr(marketplace, 'download_session', None)
    if opener is None or not getattr(verdict.appliance, 'download_auth',
                                     False):
        return None
    return opener(import_policy.download_filter)


def report(status, args):
    result = status.to_dict()
    failed = status.state == 'failed' or (
        args.wait and not (status.state == 'active' and status.verified))
    if args.json:
        if failed:
            result['error'] = '; '.join(status.reasons) or \
                'The import is %s.' % status.state
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        what = 'already imported; launch it instead' if status.existing \
            else status.state
        print('Image %s: %s%s' % (status.image_id, what,
                                  ' (verified)' if status.verified else ''))
    for reason in map(localized, status.reasons):
        print('Error: %s' % reason if status.state == 'failed'
              else 'Note: %s' % reason, file=sys.stderr)
    return 1 if failed else 0

