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

"""Verify marketplace images nobody is watching; a cron job.

Glance imports with ``web-download`` run on the Glance server; the
dashboard and ``import --wait`` verify the stored bytes against the
endorsed size and hashes once the image is active, and deactivate it on a
mismatch.  An import nobody watches to the end (the user closed the
browser, the script did not wait) stays active and unverified until
somebody does.  This command does it for every marketplace image (Glance
tag ``marketplace``) the credentials can see, so that a mismatching image
never stays usable for longer than the cron interval: it verifies active
images, deactivates mismatches, removes duplicate imports of the same
entry, reports stalled imports and endorsements that have expired since.
"""

import datetime
import json
import sys

from marketplace_dashboard.cli import creator, import_
from marketplace_dashboard.core import formats
from marketplace_dashboard.core.errors import CommandError, MarketplaceError
from marketplace_dashboard.core.i18n import localized
from marketplace_dashboard.core.imports import Importer, ImportStatus, record
from marketplace_dashboard.core.imports.writer import RecordingWriter

__all__ = ['add_parser', 'reconcile', 'run', 'would']


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'reconcile',
        help='verify marketplace images in Glance that nobody watched',
        description=__doc__.split('\n\n')[0] + '.',
        epilog='Exit status: 0 when every marketplace image is verified '
               'or still importing, 1 when one failed or could not be '
               'checked (reasons on stderr). Run it as an admin to cover '
               'every project: Glance shows admins all images; anyone else '
               'reconciles the images of the token\'s project.')
    parser.add_argument('--dry-run', action='store_true',
                        help='report only: change nothing in Glance')
    parser.add_argument('--json', action='store_true',
                        help='print one JSON object per image, as a list')
    parser.add_argument('--os-cloud', metavar='NAME',
                        help='cloud in clouds.yaml (default: $OS_CLOUD or '
                             'the OS_* variables)')
    parser.set_defaults(func=creator.command(run))
    return parser


def would(actions):
    """What a dry run's recorded *actions* on one image would do, as a
    sentence (None when they change nothing a reader sees)."""
    done = []
    for action in actions:
        values = action.values
        found = {'delete': ['deleted'], 'deactivate': ['deactivated']}.get(
            action.name, [])
        if action.name == 'update':
            if values.get(record.VERIFIED) == 'true':
                found.append('marked verified')
            if 'visibility' in values:
                found.append('made %s' % values['visibility'])
            if values.get('os_hidden'):
                found.append('hidden')
        done.extend(f for f in found if f not in done)
    return 'Would be %s.' % ' and '.join(done) if done else None


def _expired(image, now):
    valid = record.ImageRecord(image).valid_until
    until = formats.parse_timestamp(valid)
    if until and until < now.timestamp():
        return 'The endorsement expired on %s.' % valid
    return None


def reconcile(engine, images, now=None):
    """Advance every marketplace image; a list of result dicts.

    A dry run (*engine* made by ``Importer.dry_run``) says in each
    image's reasons what the real run would do to it.
    """
    now = now or datetime.datetime.now(datetime.UTC)
    results = []
    for image in sorted(images, key=lambda i: i.get('created_at') or ''):
        before = (image.get('status'), image.get(record.VERIFIED))
        try:
            status = engine.status(image['id'], image=image)
        except MarketplaceError as e:
            status = ImportStatus(image['id'], 'failed',
                                  reasons=['Cannot check: %s' % e],
                                  image=image)
        result = status.to_dict()
        result['name'] = image.get('name')
        result['owner'] = image.get('owner')
        result['changed'] = status.state == 'duplicate' or before != (
            (status.image or image).get('status'),
            (status.image or image).get(record.VERIFIED))
        note = _expired(image, now)
        result['expired'] = bool(note)
        if note:
            result['reasons'].append(note)
        if isinstance(engine.writer, RecordingWriter):
            sentence = would(engine.writer.actions_on(image['id']))
            if sentence:  # first, as the real run's outcome would be
                result['reasons'].insert(0, sentence)
        results.append(result)
    return results


def run(args):
    images = import_.glance_images(args.os_cloud)
    # An admin checks every project's images, each among the images of its
    # own project (duplicates are only ever those of one project); anyone
    # else the images of the token's project, never others' public or
    # community images.
    admin = images.is_admin
    owner = {} if admin else {'owner': images.project_id}
    if not admin and not images.project_id:
        raise CommandError(
            'The credentials are not scoped to a project: nothing to '
            'reconcile (use project-scoped credentials, or an admin\'s).')
    if args.dry_run:
        engine = Importer.dry_run(images, all_projects=admin)
    else:
        engine = Importer(images, all_projects=admin)
    # Hidden ones too: Glance leaves them out of its listings unless asked.
    found = [i for i in images.find(tag=[record.TAG], include_hidden=True,
                                    **owner)
             if admin or i.get('owner') == images.project_id]
    results = reconcile(engine, found)
    failed = [r for r in results if r['state'] == 'failed']
    if args.json:
        print(json.dumps(results, indent=2, sort_keys=True))
    else:
        for r in results:
            print('%s  %-10s%s  %s' % (
                r['image_id'], r['state'],
                ' verified' if r['verified'] else '',
                r['name'] or ''))
            for reason in r['reasons']:
                print('    %s' % localized(reason))
    counts = {}
    for r in results:
        counts[r['state']] = counts.get(r['state'], 0) + 1
    summary = ', '.join('%d %s' % (n, s) for s, n in sorted(counts.items()))
    print('%d marketplace image(s)%s%s' % (
        len(results), ': ' + summary if summary else '',
        ' (dry run: nothing was changed)' if args.dry_run else ''),
        file=sys.stderr)
    return 1 if failed else 0
