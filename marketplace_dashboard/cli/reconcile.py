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
from marketplace_dashboard.core import importer
from marketplace_dashboard.core.errors import CommandError, MarketplaceError

P = importer.P


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


class _ReadOnlyImages:
    """GlanceImages that refuses every change (``--dry-run``)."""

    def __init__(self, images):
        self._images = images

    def __getattr__(self, name):
        if name in ('get', 'find', 'tasks', 'import_methods', 'project_id',
                    'is_admin'):
            return getattr(self._images, name)
        raise AttributeError(name)


class _DryRunImporter(importer.Importer):
    """An importer that computes what it would do and does nothing."""

    def _record_import_error(self, image_id, reason):
        pass  # reported, not recorded

    def _reelect(self, image):
        winner = self.older_twin(image)
        if winner is None:
            return None
        return importer.ImportStatus(
            image['id'], 'duplicate', duplicate_of=winner['id'], reasons=[
                'Would be deleted: a duplicate of image %s.' % winner['id']])

    def verify(self, image):
        own = self._ours(image)
        problems = importer.integrity_problems(image, trust_streamed=own)
        if problems and not own and not importer.integrity_problems(image):
            return importer.ImportStatus(image['id'], 'verifying',
                                         image=image,
                                         reasons=[importer.OWNER_ONLY])
        if not problems:
            verified = dict(image, **{P + 'verified': 'true'})
            publish = own and importer.publish_pending(verified)
            return importer.ImportStatus(
                image['id'], 'active', verified=True, image=image, reasons=[
                    'Would be marked verified%s.' % (
                        ' and made %s' % verified.get(P + 'visibility')
                        if publish else '')])
        return importer.ImportStatus(
            image['id'], 'failed', image=image, reasons=[
                'Would be deactivated: stored data does not match the '
                'endorsed metadata: ' + '; '.join(problems)])

    def _publish(self, image):
        return image, 'Would be made %s.' % image.get(P + 'visibility')


def _expired(image, now):
    valid = image.get(P + 'valid_until')
    if not valid:
        return None
    try:
        until = datetime.datetime.fromisoformat(valid.replace('Z', '+00:00'))
    except ValueError:
        return None
    if until.tzinfo is None:
        until = until.replace(tzinfo=datetime.UTC)
    if until < now:
        return 'The endorsement expired on %s.' % valid
    return None


def reconcile(engine, images, now=None):
    """Advance every marketplace image; a list of result dicts."""
    now = now or datetime.datetime.now(datetime.UTC)
    results = []
    for image in sorted(images, key=lambda i: i.get('created_at') or ''):
        before = (image.get('status'), image.get(P + 'verified'))
        try:
            status = engine.status(image['id'], image=image)
        except MarketplaceError as e:
            status = importer.ImportStatus(image['id'], 'failed',
                                           reasons=['Cannot check: %s' % e],
                                           image=image)
        result = status.to_dict()
        result['name'] = image.get('name')
        result['owner'] = image.get('owner')
        result['changed'] = status.state == 'duplicate' or before != (
            (status.image or image).get('status'),
            (status.image or image).get(P + 'verified'))
        note = _expired(image, now)
        result['expired'] = bool(note)
        if note:
            result['reasons'].append(note)
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
        images = _ReadOnlyImages(images)
        engine = _DryRunImporter(images, all_projects=admin)
    else:
        engine = importer.Importer(images, all_projects=admin)
    # Hidden ones too: Glance leaves them out of its listings unless asked.
    found = [i for i in images.find(tag=[importer.TAG], include_hidden=True,
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
                print('    %s' % reason)
    counts = {}
    for r in results:
        counts[r['state']] = counts.get(r['state'], 0) + 1
    summary = ', '.join('%d %s' % (n, s) for s, n in sorted(counts.items()))
    print('%d marketplace image(s)%s' % (
        len(results), ': ' + summary if summary else ''), file=sys.stderr)
    return 1 if failed else 0
