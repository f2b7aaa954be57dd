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

"""Imports into a real Keystone + Glance on loopback.

Signed entries are built with the core (builder, signer, test PKI) for
random image bytes served by the stack's image server; Glance itself
fetches them (web-download) or the importer streams them (glance-direct).
"""

import gzip
import http.server
import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
import uuid

import glanceclient.exc
import pytest

from marketplace_dashboard.core import builder, glance, signature, trust
from marketplace_dashboard.core import verdict as verdict_mod
from marketplace_dashboard.core.errors import GlanceNotFound, ImportFailed
from marketplace_dashboard.core.imports import Importer, ImportPolicy, record
from marketplace_dashboard.core.imports.urlfilter import DownloadFilter
from tests import pki
from tests.unit.core.imports.fakes import checksums

POLICY = ImportPolicy(settle=1.5)
SIZE = 300_000


@pytest.fixture(scope='module', autouse=True)
def loopback_downloads(stack):
    """The stack's image server is on a loopback address: allowed."""
    POLICY.download_filter = DownloadFilter.from_settings(
        stack.download_filter())


@pytest.fixture(scope='module')
def endorser(tmp_path_factory):
    ca = pki.make_ca('Import Test CA')
    user = pki.make_endorser(ca, email='importer@example.org')
    ca_file = str(ca.write_pem(tmp_path_factory.mktemp('pki') / 'ca.pem'))
    return user, ca_file


def _signed(data, location, endorser, compression=''):
    user, _ = endorser
    locations = location if isinstance(location, list) else [location]
    document = builder.build_document(
        len(data), checksums(data), os='CirrOS', os_version='0.6',
        os_arch='x86_64', image_format='raw', locations=locations,
        compression=compression, title='Import test %s' % uuid.uuid4().hex)
    return signature.sign_document(document, user.key, user.cert)


def _verdict(document, ca_file):
    policy = trust.TrustPolicy.from_dict({'ca_files': [ca_file]})
    result = verdict_mod.evaluate(document, policy)
    assert result.level.value == 'verified', result.reasons
    return result


def _entry(image_server, endorser, compression=None, served=None):
    """(data, verdict, name) of a fresh entry whose image is served."""
    data = os.urandom(SIZE)
    name = 'img-%s.raw' % uuid.uuid4().hex + ('.gz' if compression else '')
    body = gzip.compress(data) if compression else data
    url = image_server.add_file(name, body)
    if served is not None:
        image_server.override(name, served)
    document = _signed(data, url, endorser, compression or '')
    return data, _verdict(document, endorser[1]), name


def _images(stack):
    return glance.GlanceImages(glance.make_client(stack.session()))


def _same_entry(images, appliance):
    # A delete that Glance half-did (its database busy) can leave a row
    # with status "deleted": not an image anyone can use.
    return [i for i in images.find(marketplace_identifier=appliance.identifier)
            if i.get('status') != 'deleted']


def _cli_env(stack, creds, home):
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env.update(OS_AUTH_URL=stack.keystone_url, OS_USERNAME=creds.username,
               OS_PASSWORD=creds.password, OS_PROJECT_NAME=creds.project,
               OS_USER_DOMAIN_NAME='Default',
               OS_PROJECT_DOMAIN_NAME='Default',
               OS_IDENTITY_API_VERSION='3', OS_REGION_NAME='RegionOne',
               HOME=str(home))
    return env


def test_web_download_verified(stack, image_server, endorser):
    data, verdict, name = _entry(image_server, endorser)
    images = _images(stack)
    engine = Importer(images, policy=POLICY)
    status = engine.start(verdict, marketplace_url='http://mp.example/x')
    assert status.method == 'web-download'
    final = engine.wait(status.image_id, timeout=120, interval=0.5)
    assert final.state == 'active' and final.verified, final.reasons
    image = images.get(status.image_id)
    assert image['status'] == 'active'
    assert image['size'] == len(data)
    assert image['marketplace_verified'] == 'true'
    assert image['os_hash_value'] == checksums(data)['SHA-512']
    assert image['os_distro'] == 'cirros'
    assert image['tags'] == ['marketplace']
    assert image_server.stats(name).requests >= 1  # Glance fetched it


def test_web_download_tampered_is_deactivated(stack, image_server,
                                              endorser):
    _, verdict, _ = _entry(image_server, endorser,
                           served=os.urandom(SIZE))
    images = _images(stack)
    engine = Importer(images, policy=POLICY)
    status = engine.start(verdict)
    final = engine.wait(status.image_id, timeout=120, interval=0.5)
    assert final.state == 'failed' and not final.verified
    image = images.get(status.image_id)
    assert image['status'] == 'deactivated'
    assert 'sha512 is' in image['marketplace_verification_error']
    assert final.reasons == [image['marketplace_verification_error']]


def test_streamed_gz_verified(stack, image_server, endorser):
    data, verdict, name = _entry(image_server, endorser, compression='gz')
    images = _images(stack)
    engine = Importer(images, policy=POLICY)
    status = engine.start(verdict)
    assert status.method == 'glance-direct' and status.state == 'queued'
    engine.transfer(status.image_id)
    final = engine.wait(status.image_id, timeout=120, interval=0.5)
    assert final.state == 'active' and final.verified, final.reasons
    image = images.get(status.image_id)
    assert image['size'] == len(data)
    assert image['os_hash_value'] == checksums(data)['SHA-512']
    assert engine.progress.get(status.image_id)['done'] == len(data)


def test_web_download_skips_a_mirror_that_is_down(stack, image_server,
                                                  endorser):
    data = os.urandom(SIZE)
    name = 'up-%s.raw' % uuid.uuid4().hex
    down_name = 'down-%s.raw' % uuid.uuid4().hex
    image_server.add_file(down_name, data)
    image_server.override(down_name, status=503)
    down, up = image_server.url(down_name), image_server.add_file(name, data)
    verdict = _verdict(_signed(data, [down, up], endorser), endorser[1])
    images = _images(stack)
    engine = Importer(images, policy=POLICY)
    status = engine.start(verdict)
    assert status.method == 'web-download'
    final = engine.wait(status.image_id, timeout=120, interval=0.5)
    assert final.state == 'active' and final.verified, final.reasons
    assert images.get(status.image_id)['marketplace_source_url'] == up
    assert image_server.stats(down_name).bytes_sent == 0
    assert image_server.stats(name).bytes_sent >= len(data)  # Glance's GET


def test_streamed_falls_back_to_a_mirror(stack, image_server, endorser):
    data = os.urandom(SIZE)
    name = 'mirror-%s.raw.gz' % uuid.uuid4().hex
    mirror = image_server.add_file(name, gzip.compress(data))
    down = image_server.url('gone-%s.raw.gz' % uuid.uuid4().hex)  # 404
    verdict = _verdict(_signed(data, [down, mirror], endorser, 'gz'),
                       endorser[1])
    images = _images(stack)
    engine = Importer(images, policy=POLICY)
    status = engine.start(verdict)
    assert status.method == 'glance-direct'
    engine.transfer(status.image_id)
    final = engine.wait(status.image_id, timeout=120, interval=0.5)
    assert final.state == 'active' and final.verified, final.reasons
    image = images.get(status.image_id)
    assert image['marketplace_source_url'] == down
    assert image['marketplace_source_url_2'] == mirror
    assert image['os_hash_value'] == checksums(data)['SHA-512']
    assert image_server.stats(name).requests == 1


def test_streamed_mismatch_leaves_nothing(stack, image_server, endorser):
    _, verdict, _ = _entry(image_server, endorser, compression='gz',
                           served=gzip.compress(os.urandom(SIZE)))
    images = _images(stack)
    engine = Importer(images, policy=POLICY)
    status = engine.start(verdict)
    with pytest.raises(ImportFailed, match='SHA-512'):
        engine.transfer(status.image_id)
    with pytest.raises(glance.GlanceNotFound):
        images.get(status.image_id)
    assert _same_entry(images, verdict.appliance) == []


def test_second_import_returns_same_image(stack, image_server, endorser):
    _, verdict, _ = _entry(image_server, endorser)
    images = _images(stack)
    engine = Importer(images, policy=POLICY)
    first = engine.start(verdict)
    engine.wait(first.image_id, timeout=120, interval=0.5)
    second = engine.start(verdict)
    assert second.existing and second.image_id == first.image_id
    assert second.state == 'active' and second.verified
    assert len(_same_entry(images, verdict.appliance)) == 1


def test_public_visibility_refused_by_glance_policy(stack, image_server,
                                                   endorser):
    # The image is created private and the requested visibility applied
    # only once it is verified; Glance's default policy does not let a
    # plain member publicize it: it stays private (and verified), and the
    # import says why.
    _, verdict, _ = _entry(image_server, endorser)
    images = _images(stack)  # the demo user is a plain project member
    engine = Importer(images, policy=POLICY)
    status = engine.start(verdict, visibility='public')
    final = engine.wait(status.image_id, timeout=120, interval=0.5)
    assert final.state == 'active' and final.verified, final.reasons
    assert any('Glance policy' in r for r in final.reasons), final.reasons
    image = images.get(status.image_id)
    assert image['visibility'] == 'private'
    assert image['marketplace_visibility'] == 'public'
    assert 'Glance policy' in image['marketplace_visibility_error']


def test_shared_with_members_once_verified(stack, image_server, endorser):
    _, verdict, _ = _entry(image_server, endorser)
    images = _images(stack)
    engine = Importer(images, policy=POLICY)
    member = uuid.uuid4().hex  # Glance does not check the project exists
    status = engine.start(verdict, visibility='shared', members=[member])
    final = engine.wait(status.image_id, timeout=120, interval=0.5)
    assert final.state == 'active' and final.verified, final.reasons
    image = images.get(status.image_id)
    assert image['visibility'] == 'shared'
    assert image['marketplace_members'] == member
    assert [m['member_id'] for m in images.client.image_members.list(
        status.image_id)] == [member]


def test_tampered_image_is_never_shared(stack, image_server, endorser):
    _, verdict, _ = _entry(image_server, endorser, served=os.urandom(SIZE))
    images = _images(stack)
    engine = Importer(images, policy=POLICY)
    status = engine.start(verdict, visibility='shared',
                          members=[uuid.uuid4().hex])
    final = engine.wait(status.image_id, timeout=120, interval=0.5)
    assert final.state == 'failed'
    image = images.get(status.image_id)
    assert image['status'] == 'deactivated'
    assert image['visibility'] == 'private'
    # a private image has no members: Glance refuses even to list them
    with pytest.raises(glanceclient.exc.HTTPForbidden,
                       match='Only shared images have members'):
        list(images.client.image_members.list(status.image_id))


def test_concurrent_threads_one_image(stack, image_server, endorser):
    _, verdict, _ = _entry(image_server, endorser)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            engine = Importer(_images(stack), policy=POLICY)
            barrier.wait()
            results.append(engine.start(verdict).image_id)
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1
    found = _same_entry(_images(stack), verdict.appliance)
    assert [i['id'] for i in found] == results[:1]


def _import_in_process(stack_info, document, ca_file, barrier, queue):
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3

    demo = stack_info['demo']
    auth = v3.Password(auth_url=stack_info['keystone_url'],
                       username=demo['username'], password=demo['password'],
                       project_name=demo['project'],
                       user_domain_name=demo['user_domain'],
                       project_domain_name=demo['project_domain'])
    images = glance.GlanceImages(glance.make_client(
        ks_session.Session(auth=auth, timeout=60)))
    verdict = _verdict(document, ca_file)
    engine = Importer(images, policy=POLICY)
    images.import_methods()  # authenticate before the race
    barrier.wait()
    queue.put(engine.start(verdict).image_id)


def test_concurrent_processes_one_image(stack, image_server, endorser):
    data = os.urandom(SIZE)
    url = image_server.add_file('proc-%s.raw' % uuid.uuid4().hex, data)
    document = _signed(data, url, endorser)
    ctx = multiprocessing.get_context('spawn')
    barrier, queue = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_import_in_process, args=(
        stack.describe(), document, endorser[1], barrier, queue))
        for _ in range(2)]
    for p in procs:
        p.start()
    ids = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert ids[0] == ids[1]
    appliance = _verdict(document, endorser[1]).appliance
    found = _same_entry(_images(stack), appliance)
    assert [i['id'] for i in found] == ids[:1]


def test_cli_import_wait_json(stack, image_server, endorser, tmp_path):
    data = os.urandom(SIZE)
    url = image_server.add_file('cli-%s.raw' % uuid.uuid4().hex, data)
    document = _signed(data, url, endorser)
    identifier = _verdict(document, endorser[1]).appliance.identifier
    # A static marketplace: GET <endpoint>/metadata/<id> lists the entry.
    body = document.split(b'?>', 1)[1] if document.startswith(b'<?xml') \
        else document
    image_server.add_file('mp/metadata/%s' % identifier,
                          b'<metadata>' + body + b'</metadata>')
    env = _cli_env(stack, stack.demo, tmp_path)
    command = os.path.join(os.path.dirname(sys.executable),
                           'marketplace-metadata')
    result = subprocess.run(
        [command, 'import', identifier, '--endpoint', image_server.url('mp'),
         '--ca-file', endorser[1], '--wait', '--json', '--timeout', '120',
         '--allow-download-host', '127.0.0.1',
         '--allow-download-port', str(image_server.port)],
        env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output['state'] == 'active' and output['verified'] is True
    assert output['status'] == 'active'
    image = _images(stack).get(output['image_id'])
    assert image['marketplace_identifier'] == identifier
    assert image['marketplace_url'].endswith(
        '/mp/metadata/%s/importer@example.org/%s'
        % (identifier, image['marketplace_endorsed_at']))


def test_shared_lock_and_cli_importers_end_with_one_image(stack, image_server,
                                                          endorser):
    # A dashboard worker (shared lock: elects at once) and a CLI run (no
    # shared lock: settles first) race; the status polls finish the job.
    _, verdict, _ = _entry(image_server, endorser)
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def run(shared):
        try:
            engine = Importer(_images(stack), policy=POLICY,
                              shared_lock=shared)
            barrier.wait()
            status = engine.start(verdict)
            results[shared] = engine.wait(status.image_id, timeout=120,
                                          interval=0.5)
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(shared,))
               for shared in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results[True].image_id == results[False].image_id
    assert results[True].state == 'active' and results[True].verified
    found = _same_entry(_images(stack), verdict.appliance)
    assert [i['id'] for i in found] == [results[True].image_id]


def test_reconcile_verifies_unwatched_web_download_imports(
        stack, image_server, endorser, tmp_path):
    # The demo user starts two web-download imports and walks away; one
    # image was tampered with on the image server; the good one is to be
    # shared with another project once verified.
    images = _images(stack)
    engine = Importer(images, policy=POLICY)
    _, good_verdict, _ = _entry(image_server, endorser)
    _, bad_verdict, _ = _entry(image_server, endorser,
                               served=os.urandom(SIZE))
    member = uuid.uuid4().hex
    good = engine.start(good_verdict, visibility='shared',
                        members=[member]).image_id
    bad = engine.start(bad_verdict).image_id
    deadline = time.monotonic() + 120
    while {images.get(i)['status'] for i in (good, bad)} != {'active'}:
        assert time.monotonic() < deadline, 'Glance did not finish'
        time.sleep(0.5)
    assert images.get(bad).get('marketplace_verified') is None
    # cron, as the admin: Glance lists every project's images to admins
    command = os.path.join(os.path.dirname(sys.executable),
                           'marketplace-metadata')
    env = _cli_env(stack, stack.admin, tmp_path)
    dry = subprocess.run([command, 'reconcile', '--dry-run', '--json'],
                         env=env, capture_output=True, text=True,
                         timeout=300)
    results = {r['image_id']: r for r in json.loads(dry.stdout)}
    assert results[bad]['state'] == 'failed', dry.stderr
    assert 'Would be deactivated' in results[bad]['reasons'][0]
    assert images.get(bad)['status'] == 'active'
    result = subprocess.run([command, 'reconcile', '--json'], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    results = {r['image_id']: r for r in json.loads(result.stdout)}
    assert results[good]['state'] == 'active' and results[good]['verified']
    assert results[bad]['state'] == 'failed' and results[bad]['changed']
    assert images.get(good)['marketplace_verified'] == 'true'
    image = images.get(bad)
    assert image['status'] == 'deactivated'
    assert 'sha512 is' in image['marketplace_verification_error']
    # The admin only verified: sharing is the owner's, under its own
    # token (Glance's policy for the owner), at its next status check.
    assert images.get(good)['visibility'] == 'private'
    final = engine.status(good)
    assert final.state == 'active' and final.verified, final.reasons
    assert images.get(good)['visibility'] == 'shared'
    assert [m['member_id'] for m in images.client.image_members.list(
        good)] == [member]


def test_web_download_filtered_by_glance_fails(stack, tmp_path, endorser):
    # A location on a port Glance's [import_filtering_opts] does not
    # allow: Glance answers 400 and the import fails with its message; the
    # importer never streams the URL itself instead.
    from stack.imageserver import ImageServer

    data = os.urandom(SIZE)
    with ImageServer(str(tmp_path)) as other:
        url = other.add_file('filtered-%s.raw' % uuid.uuid4().hex, data)
        verdict = _verdict(_signed(data, url, endorser), endorser[1])
        images = _images(stack)
        engine = Importer(images, policy=POLICY)
        with pytest.raises(ImportFailed, match='does not pass filtering'):
            engine.start(verdict)
        assert other.bytes_sent() == 0
    assert _same_entry(images, verdict.appliance) == []


class _Trickle(http.server.BaseHTTPRequestHandler):
    """Serves ``body``; slowly (a chunk every half second, for ever)
    while ``slow`` is set."""

    body = b''
    slow = threading.Event()
    sent = 0

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    def do_GET(self):  # noqa: N802 - stdlib naming
        self.send_response(200)
        self.send_header('Content-Type', 'application/octet-stream')
        self.send_header('Content-Length', str(len(self.body)))
        self.end_headers()
        try:
            if not self.slow.is_set():
                self.wfile.write(self.body)
                return
            for i in range(0, len(self.body), 4096):
                self.wfile.write(self.body[i:i + 4096])
                self.wfile.flush()
                type(self).sent += 4096
                time.sleep(0.5)
        except OSError:
            pass  # the client died


@pytest.fixture
def trickle():
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Trickle)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _wait_for(what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError('timed out waiting for %s' % what)


def test_killed_streamed_import_is_deleted_and_imported_again(
        stack, image_server, endorser, trickle, tmp_path):
    data = os.urandom(1 << 20)
    _Trickle.body = gzip.compress(data, compresslevel=0)
    _Trickle.slow.set()
    url = 'http://127.0.0.1:%d/dead.img.gz' % trickle
    document = _signed(data, url, endorser, 'gz')
    appliance = _verdict(document, endorser[1]).appliance
    body = document.split(b'?>', 1)[1] if document.startswith(b'<?xml') \
        else document
    image_server.add_file('mp/metadata/%s' % appliance.identifier,
                          b'<metadata>' + body + b'</metadata>')
    command = [os.path.join(os.path.dirname(sys.executable),
                            'marketplace-metadata'),
               'import', appliance.identifier,
               '--endpoint', image_server.url('mp'),
               '--ca-file', endorser[1], '--wait', '--json',
               '--timeout', '120', '--allow-download-host', '127.0.0.1',
               '--allow-download-port', str(trickle)]
    env = _cli_env(stack, stack.demo, tmp_path)
    images = _images(stack)
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    try:
        dead = _wait_for(lambda: [
            i for i in _same_entry(images, appliance)
            if i.get(record.HEARTBEAT)] and _Trickle.sent >= 8192)
        dead = _same_entry(images, appliance)[0]
    finally:
        first.kill()  # as an OOM kill or a worker restart would
        first.communicate()
    assert dead['status'] in ('queued', 'uploading')
    _Trickle.slow.clear()
    # Within dead_after (and a heartbeat), the next import starts anew.
    time.sleep(ImportPolicy().dead_after + 5)
    result = subprocess.run(command, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output['state'] == 'active' and output['verified'] is True
    assert output['image_id'] != dead['id'] and not output['existing']
    try:
        gone = images.get(dead['id'])['status'] == 'deleted'
    except GlanceNotFound:
        gone = True
    assert gone
    assert [i['id'] for i in _same_entry(images, appliance)] == [
        output['image_id']]
