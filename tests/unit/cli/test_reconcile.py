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
"""``marketplace-metadata reconcile`` against an in-memory Glance."""

import json

import pytest

from marketplace_dashboard.cli import import_, main
from marketplace_dashboard.core.errors import GlanceError
from marketplace_dashboard.core.imports.mapping import image_properties
from marketplace_dashboard.core.imports.plan import GLANCE_DIRECT, WEB_DOWNLOAD
from marketplace_dashboard.core.imports.record import TAG
from tests.unit.core.imports import fakes


@pytest.fixture
def images(monkeypatch):
    images = fakes.FakeImages()
    monkeypatch.setattr(import_, 'glance_images', lambda cloud: images)
    return images


def finished(images, data=fakes.IMAGE, owner=fakes.PROJECT, **fields):
    """A web-download import Glance finished and nobody verified."""
    appliance = fakes.appliance(**fields)
    props = image_properties(appliance, 'verified',
                                      marketplace_url='http://mp/x')
    props['marketplace_import_method'] = WEB_DOWNLOAD
    image = images.create(name=appliance.title, disk_format='qcow2',
                          container_format='bare', visibility='private',
                          tags=[TAG], owner=owner, **props)
    images._activate(image['id'], data)
    return image['id']


def run(capsys, *argv):
    status = main.main(['reconcile', *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_unwatched_good_import_is_marked_verified(images, capsys):
    image_id = finished(images)
    status, out, err = run(capsys)
    assert status == 0, err
    assert images.get(image_id)['marketplace_verified'] == 'true'
    assert '%s  active     verified' % image_id in out
    assert '1 marketplace image(s): 1 active' in err
    # A second run changes nothing and still succeeds.
    calls = len(images.calls)
    status, out, err = run(capsys, '--json')
    assert status == 0
    [result] = json.loads(out)
    assert result['verified'] and not result['changed']
    assert len(images.calls) == calls


def test_unwatched_tampered_import_is_deactivated(images, capsys):
    good = finished(images, identifier='A' * 27)
    bad = finished(images, data=fakes.IMAGE[:-1] + b'X')
    status, out, err = run(capsys, '--json')
    assert status == 1
    results = {r['image_id']: r for r in json.loads(out)}
    assert results[good]['state'] == 'active' and results[good]['verified']
    assert results[bad]['state'] == 'failed' and results[bad]['changed']
    assert 'sha512 is' in results[bad]['reasons'][0]
    image = images.get(bad)
    assert image['status'] == 'deactivated'
    assert 'sha512 is' in image['marketplace_verification_error']
    assert ('deactivate', bad) in images.calls


def test_hidden_images_are_reconciled_too(images, capsys):
    # Hidden by an administrator before anyone verified it.
    bad = finished(images, data=fakes.IMAGE[:-1] + b'X')
    images.update(bad, os_hidden=True)
    assert images.find(tag=[TAG]) == []  # Glance's default list
    status, out, err = run(capsys, '--json')
    assert status == 1
    [result] = json.loads(out)
    assert result['image_id'] == bad and result['state'] == 'failed'
    assert images.get(bad)['status'] == 'deactivated'


def test_dry_run_reports_and_changes_nothing(images, capsys):
    bad = finished(images, data=fakes.IMAGE[:-1] + b'X')
    good = finished(images, identifier='A' * 27)
    before = {i: dict(images.get(i)) for i in (good, bad)}
    calls = len(images.calls)
    status, out, err = run(capsys, '--dry-run')
    assert status == 1
    assert 'Would be deactivated' in out and 'Would be marked verified' in out
    assert {i: images.get(i) for i in (good, bad)} == before
    assert len(images.calls) == calls


def test_unwatched_import_is_shared_once_verified(images, capsys):
    image_id = finished(images)
    images.update(image_id, **{'marketplace_visibility': 'shared',
                               'marketplace_members': 'p1,p2'})
    status, out, err = run(capsys, '--dry-run')
    assert 'Would be marked verified and made shared.' in out
    assert images.get(image_id)['visibility'] == 'private'
    status, out, err = run(capsys)
    assert status == 0, err
    image = images.get(image_id)
    assert image['visibility'] == 'shared'
    assert sorted(images.members[image_id]) == ['p1', 'p2']


def test_a_foreign_image_is_verified_but_never_published(images, capsys):
    # Run as the admin of another project: the owner asked for public.
    image_id = finished(images)
    images.update(image_id, **{'marketplace_visibility': 'public'})
    images.project_id, images.is_admin = 'admin-project', True
    status, out, err = run(capsys, '--dry-run')
    assert 'Would be marked verified.' in out
    status, out, err = run(capsys)
    assert status == 0, err
    image = images.get(image_id)
    assert image['marketplace_verified'] == 'true'
    assert image['visibility'] == 'private'
    assert 'marketplace_published_at' not in image


def test_a_streamed_import_only_its_owner_can_verify(images, capsys):
    # The entry endorses SHA-256 only; Glance computed sha512, which the
    # owner's streamed transfer recorded: the admin cannot trust that.
    image_id = finished(images, checksums=fakes.checksums(
        fakes.IMAGE, ('SHA-256',)))
    images.update(image_id, **{
        'marketplace_import_method': GLANCE_DIRECT,
        'marketplace_streamed_sha512':
            fakes.checksums(fakes.IMAGE)['SHA-512']})
    images.project_id, images.is_admin = 'admin-project', True
    status, out, err = run(capsys, '--json')
    [result] = json.loads(out)
    assert status == 0, err
    assert result['state'] == 'verifying' and not result['verified']
    assert "only the image's owner can verify it" in result['reasons'][0]
    image = images.get(image_id)
    assert image['status'] == 'active' and 'marketplace_verified' not in image


def test_failed_web_download_is_reported_and_recorded(images, capsys):
    image_id = finished(images)
    images.images[image_id].update(status='queued', size=None)
    images.tasks = lambda image_id: [{'status': 'failure',
                                      'message': 'HTTP 404 Not Found'}]
    status, out, err = run(capsys, '--dry-run', '--json')
    [result] = json.loads(out)
    assert status == 1 and result['state'] == 'failed'
    assert 'HTTP 404 Not Found' in result['reasons'][0]
    assert 'marketplace_import_error' not in images.get(image_id)
    status, out, err = run(capsys, '--json')
    assert status == 1
    assert 'HTTP 404' in images.get(image_id)['marketplace_import_error']


def test_duplicate_of_an_older_image_is_removed(images, capsys):
    first = finished(images)
    second = finished(images)
    status, out, err = run(capsys, '--dry-run', '--json')
    assert {r['image_id']: r['state'] for r in json.loads(out)} == {
        first: 'active', second: 'duplicate'}
    assert second in images.images
    status, out, err = run(capsys, '--json')
    assert status == 0, err
    results = {r['image_id']: r for r in json.loads(out)}
    assert results[second]['state'] == 'duplicate'
    assert results[second]['duplicate_of'] == first
    assert second not in images.images
    assert images.get(first)['marketplace_verified'] == 'true'


def test_each_project_is_reconciled_among_its_own_images(images, capsys):
    # Run as an admin: another project's duplicate is removed in favour of
    # that project's older image, never of an image of another project.
    images.is_admin = True
    mine = finished(images)
    theirs_old = finished(images, owner=fakes.OTHER_PROJECT)
    theirs_new = finished(images, owner=fakes.OTHER_PROJECT)
    status, out, err = run(capsys, '--json')
    assert status == 0, err
    results = {r['image_id']: r for r in json.loads(out)}
    assert results[mine]['state'] == 'active'
    assert results[theirs_old]['state'] == 'active'
    assert results[theirs_new]['duplicate_of'] == theirs_old
    assert set(images.images) == {mine, theirs_old}


def test_a_member_reconciles_its_own_project_only(images, capsys):
    # Not an admin: other projects' public and community images it can
    # see are none of its business (no 403s, no failures).
    mine = finished(images)
    for visibility in ('public', 'community'):
        theirs = finished(images, data=fakes.IMAGE[:-1] + b'X',
                          owner=fakes.OTHER_PROJECT)
        images.update(theirs, visibility=visibility)
    calls = len(images.calls)
    status, out, err = run(capsys, '--json')
    assert status == 0, err
    assert [r['image_id'] for r in json.loads(out)] == [mine]
    assert images.get(mine)['marketplace_verified'] == 'true'
    assert len(images.calls) == calls  # nothing of theirs touched


def test_expired_endorsement_is_reported(images, capsys):
    import datetime
    image_id = finished(images, valid=datetime.datetime(
        2020, 1, 1, tzinfo=datetime.UTC))
    status, out, err = run(capsys, '--json')
    [result] = json.loads(out)
    assert status == 0 and result['image_id'] == image_id
    assert result['expired'] is True
    assert 'The endorsement expired on 2020-01-01T00:00:00Z.' in \
        result['reasons']


def test_non_marketplace_images_are_left_alone(images, capsys):
    other = images.create(name='plain', disk_format='raw',
                          container_format='bare', tags=[])
    status, out, err = run(capsys)
    assert status == 0 and out == ''
    assert '0 marketplace image(s)' in err
    assert images.get(other['id'])['status'] == 'queued'


def test_glance_error_on_one_image_is_reported_not_raised(images, capsys,
                                                          monkeypatch):
    image_id = finished(images)

    def broken(image_id, **props):
        raise GlanceError('Glance is down', status=503)
    monkeypatch.setattr(images, 'update', broken)
    status, out, err = run(capsys)
    assert status == 1
    assert 'Cannot check: Glance is down' in out
    assert images.get(image_id).get('marketplace_verified') is None
