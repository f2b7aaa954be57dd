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

"""The writer: a dry run decides what the real run does."""

import copy
import datetime

import pytest

from marketplace_dashboard.cli.reconcile import reconcile, would
from marketplace_dashboard.core.imports.importer import Importer
from marketplace_dashboard.core.imports.mapping import image_properties
from marketplace_dashboard.core.imports.plan import WEB_DOWNLOAD
from marketplace_dashboard.core.imports.record import TAG
from marketplace_dashboard.core.imports.writer import (
    Action,
    GlanceWriter,
    RecordingWriter,
)
from tests.unit.core.imports import fakes

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)


def finished(images, data=fakes.IMAGE, owner=fakes.PROJECT, props=None,
             **fields):
    """A web-download import Glance finished and nobody verified."""
    appliance = fakes.appliance(**fields)
    recorded = image_properties(appliance, 'verified',
                                marketplace_url='http://mp/x')
    recorded['marketplace_import_method'] = WEB_DOWNLOAD
    recorded.update(props or {})
    image = images.create(name=appliance.title, disk_format='qcow2',
                          container_format='bare', visibility='private',
                          tags=[TAG], owner=owner, **recorded)
    images._activate(image['id'], data)
    return image['id']


def glance():
    """One Glance with something to decide about every image."""
    images = fakes.FakeImages()
    finished(images, identifier='A' * 27)  # verified
    finished(images, identifier='B' * 27, props={
        'marketplace_visibility': 'shared',
        'marketplace_members': 'p1,p2'})   # verified, then shared
    finished(images, identifier='C' * 27, props={
        'marketplace_visibility': 'public'})  # verified, then public
    finished(images, data=fakes.IMAGE[:-1] + b'X')  # tampered
    finished(images, identifier='D' * 27)  # older of two
    finished(images, identifier='D' * 27)  # younger duplicate
    queued = finished(images, identifier='E' * 27)
    images.images[queued].update(status='queued', size=None)
    images.tasks = lambda image_id: [
        {'status': 'failure', 'message': 'HTTP 404 Not Found'}
    ] if image_id == queued else []
    return images


def twin(images):
    """Another Glance in the same state."""
    other = fakes.FakeImages()
    other.images = copy.deepcopy(images.images)
    other.tasks = images.tasks
    return other


def run(engine, images):
    found = images.find(tag=[TAG], include_hidden=True)
    return reconcile(engine, found, now=NOW)


@pytest.mark.parametrize('all_projects', [False, True])
def test_dry_run_decides_what_the_real_run_does(all_projects):
    real_glance = glance()
    dry_glance = twin(real_glance)
    before = copy.deepcopy(dry_glance.images)
    dry = Importer.dry_run(dry_glance, now=lambda: NOW,
                           all_projects=all_projects)
    real = Importer(real_glance, now=lambda: NOW, all_projects=all_projects)
    assert isinstance(dry.writer, RecordingWriter)
    assert isinstance(real.writer, GlanceWriter)
    dry_results = run(dry, dry_glance)
    real_results = run(real, real_glance)
    assert dry.writer.actions == real.writer.actions
    names = {a.name for a in real.writer.actions}
    assert {'update', 'delete', 'deactivate', 'add_members'} <= names
    # The same outcome for every image, and nothing written by the dry run.
    assert [(r['image_id'], r['state'], r['verified'])
            for r in dry_results] == [
        (r['image_id'], r['state'], r['verified']) for r in real_results]
    assert dry_glance.images == before
    assert dry_glance.members == {}


def test_a_dry_run_sees_what_it_would_have_done():
    images = fakes.FakeImages()
    image_id = finished(images)
    dry = Importer.dry_run(images, now=lambda: NOW)
    assert dry.status(image_id).verified
    assert dry.images.get(image_id)['marketplace_verified'] == 'true'
    assert 'marketplace_verified' not in images.get(image_id)
    [action] = dry.writer.actions_on(image_id)
    assert action.name == 'update'
    assert action.values == {'marketplace_verified': 'true',
                             'marketplace_verified_at':
                                 '2026-12-01T12:00:00Z'}


def test_would_says_what_a_reader_sees():
    verified = Action('update', 'i', (('marketplace_verified', 'true'),))
    shared = Action('update', 'i', (('visibility', 'shared'),))
    members = Action('add_members', 'i', (('members', ('p1',)),))
    recorded = Action('update', 'i', (('marketplace_import_error', 'x'),))
    assert would([verified, shared, members]) == \
        'Would be marked verified and made shared.'
    assert would([Action('deactivate', 'i'), recorded]) == \
        'Would be deactivated.'
    assert would([Action('delete', 'i')]) == 'Would be deleted.'
    assert would([recorded]) is None
