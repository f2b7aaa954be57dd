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

"""The ``oci`` catalogue in the real Horizon panel: an artifact pushed by
``oras`` into the stack's loopback registry (conftest) is listed, shown
with EGI's annotations and the unsigned verdict, and imported with the
panel's form into the real Glance, verified by its layer digest (the
site accepts its own registry: ``accept_unsigned_registries``)."""

import hashlib
import html
import uuid

import pytest

from marketplace_dashboard.core import glance
from marketplace_dashboard.core.catalogs.oci import document
from stack.registry import egi_annotations
from tests.integration import test_dashboard_import as panel
from tests.integration.conftest import OCI_MARKETPLACE, oci_registry
from tests.integration.test_hepix_import import start_import
from tests.integration.test_oci_registry_import import _qcow2


@pytest.fixture
def member(horizon_login):
    return horizon_login(next_url=panel.PANEL)


def test_browse_show_and_import_an_artifact(stack, member, tmp_path):
    registry = oci_registry(stack)
    path = _qcow2(tmp_path)
    name = 'panel-%s' % uuid.uuid4().hex[:8]
    tag = '22.04-20261201-%s' % uuid.uuid4().hex[:8]
    pushed = registry.push_appliance(name, tag, str(path), egi_annotations(
        description='Ubuntu <b>for</b> EGI', tag='22.04',
        admin_user='cloudadm'))
    data = path.read_bytes()
    identifier = document.entry_identifier(pushed.layer_digest)

    page = member.get('%s%s?marketplace=%s' % (
        stack.horizon_url, panel.PANEL, OCI_MARKETPLACE), timeout=120)
    assert page.status_code == 200
    assert '%s %s' % (name, tag) in html.unescape(page.text)
    prefix = '%s%s/%s/registry@127.0.0.1/' % (panel.PANEL, OCI_MARKETPLACE,
                                              identifier)
    assert prefix in page.text
    assert 'data-level="untrusted"' in page.text
    created = page.text.split(prefix, 1)[1].split('/', 1)[0]
    assert created == '2026-12-01T00:00:00Z'

    detail = member.get(stack.horizon_url + prefix + created + '/',
                        timeout=120)
    assert detail.status_code == 200
    text = html.unescape(detail.text)
    assert 'unsigned: trusted by registry only' in text
    assert 'Ubuntu <b>for</b> EGI' in text
    assert 'Ubuntu <b>for</b> EGI' not in detail.text  # escaped
    assert 'cloudadm' in text

    image_name = 'oci %s' % uuid.uuid4().hex[:8]
    start_import(member, stack, prefix + created + '/', name=image_name)
    image_id = panel.image_id_of(member, stack, image_name)
    row = panel.poll_row(member, stack, image_id,
                         ('Active (verified)', 'Failed'))
    assert 'Active (verified)' in row, row
    image = glance.GlanceImages(glance.make_client(stack.session())).get(
        image_id)
    assert image['marketplace_verified'] == 'true'
    assert image['marketplace_verdict'] == 'untrusted'
    assert image['marketplace_sha256'] == hashlib.sha256(data).hexdigest()
    assert image['size'] == len(data)
    assert image['os_distro'] == 'ubuntu'
    assert image['oci_reference'] == '%s/%s:%s' % (
        registry.host, pushed.repository, tag)
    assert image['oci_manifest_digest'] == pushed.manifest_digest
