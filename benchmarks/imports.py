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

"""Targets 1 and 2: importing an image through the dashboard.

Every import is made through Horizon, as a person would: the demo member
logs in with the login form, POSTs the panel's import form of a signed
entry (the ``bench`` marketplace, trusted through the benchmark CA) and
polls the Imports row update (``?action=row_update``, what the page's
JavaScript does) until it says *Active (verified)*.  Horizon runs ONE
gunicorn worker, so the dashboard process is that worker: its bytes read
come from ``/proc/<pid>/io`` (``rchar``: files and sockets) and its memory
from ``/proc/<pid>/status`` (``VmRSS``, ``VmHWM``, the high-water mark
being reset through ``/proc/<pid>/clear_refs`` before each import).  The
image (random data; 1 GiB for target 1, 256 MiB and 2 GiB for target 2;
``--quick``: 128 MiB, and 64 MiB / 256 MiB) is served by the stack's image
server, which counts requests and bytes per path.

Target 1 (server side), interleaved runs on two names of the same file
(hard links), so that the per-path counters tell who fetched:

* the panel: POST of the import form (web-download: the entry endorses
  SHA-512, Glance's algorithm, and the location is not compressed) until
  the row is *Active (verified)* -- Glance downloads, the dashboard's
  status check compares Glance's size and SHA-512 with the endorsed ones;
* ``glance image-create-via-import --import-method web-download`` (the
  python-glanceclient CLI) then polling until *active*, with the same
  0.5 s interval as the row polls here.

Bytes received by the dashboard process during the import: the growth of
its ``rchar`` (every byte it read: the form, Keystone's, Glance's and the
marketplace's answers, the polls); the image server's count shows that the
image went to Glance, once.

Target 2 (streamed): an entry for an uncompressed location that endorses
MD5, SHA-1 and SHA-256 but not SHA-512 (Glance's algorithm), so that the
panel streams it (``glance-direct``) -- the path compressed locations take
too, without the decompression.  The dashboard's background thread
downloads, hashes the three endorsed digests plus SHA-512 for Glance, and
uploads to Glance's staging area; then Glance imports the staged data.  The
figure is the *transfer*: from the POST until Glance has the whole image
staged and is importing it (the transfer's progress record says
``importing``, polled in memcached every 0.02 s, then confirmed by
Glance: polling Glance itself would load the worker that stages), versus
its bound (issue 15): python-glanceclient staging the same file from
local disk (``images.stage``, what the dashboard's transfer calls) into
the same Glance, interleaved round by round.  The time until
*Active (verified)* is reported too.  Memory: the dashboard process's peak
RSS during the import (``VmHWM``, reset before) minus its RSS before.

Before the streamed runs, one small streamed import warms the dashboard
process up (modules and buffers loaded once per process are not growth
per import).

For reference (``reference=True``: printed, never judged), on the
larger image, each against ``curl -s URL | sha512sum`` on the same file
(the old target): the panel, a stand-in process
(:mod:`benchmarks.import_worker`) running the same core
``transfer.stream_image`` without Glance -- download and hashing only,
with the four digests and with SHA-512 alone -- and Glance staging alone.
Together they tell how much of the streamed time is hashing and how much
is Glance taking the data.
"""

import html
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

from benchmarks import common, loopback
from stack import forms

POLL = 0.5
MARKETPLACE = 'bench'
PANEL = '/project/marketplace/'
IMPORTS = PANEL + 'imports/'
IMPORT_DEADLINE = 3600


# -- the dashboard process -------------------------------------------------

def _status_kib(pid):
    with open('/proc/%d/status' % pid) as f:
        fields = dict(line.split(':', 1) for line in f)
    return {k: int(fields[k].split()[0]) for k in ('VmRSS', 'VmHWM')}


def _rchar(pid):
    with open('/proc/%d/io' % pid) as f:
        return int(dict(line.split(':', 1) for line in f)['rchar'])


def _reset_peak(pid):
    """Reset the process's VmHWM to its current RSS (Linux >= 4.0)."""
    with open('/proc/%d/clear_refs' % pid, 'w') as f:
        f.write('5')


class Dashboard:
    """The benchmark's view of Horizon: a logged-in member session, the
    ``bench`` marketplace, the dashboard process."""

    def __init__(self, st, workdir, log):
        from marketplace_dashboard.core import client

        self.st, self.log = st, log
        data_dir = os.path.join(workdir, 'market-bench')
        shutil.rmtree(data_dir, ignore_errors=True)
        os.makedirs(data_dir)
        url = loopback.start_marketplace(MARKETPLACE, data_dir)
        self.data_dir = data_dir
        self.market = client.MarketplaceClient(client.MarketplaceConfig(
            name=MARKETPLACE, url=url.rsplit('/metadata', 1)[0]))
        self.session = loopback.horizon_login(st)
        self.pid = loopback.dashboard_pid(st)
        self.glance = st.glance()  # admin: find and delete the images

    def publish(self, name, size, algorithms, log):
        """Write *size* random bytes as *name* on the image server; sign and
        upload an entry endorsing *algorithms* for it; (path, appliance,
        checksums)."""
        from marketplace_dashboard.core import builder, hashing, model
        from marketplace_dashboard.core.signature import sign_document

        path = self.st.image_server.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        log('import: writing %s (%d MiB)' % (name, size // common.MIB))
        common.make_file(path, size)
        digests = hashing.hash_stream(path).digests
        endorser = loopback.credentials()[1]
        document = builder.build_document(
            size, {k: v for k, v in digests.items() if k in algorithms},
            os='Ubuntu', os_version='24.04', os_arch='x86_64',
            title='Benchmark %s' % name,
            locations=[self.st.image_server.url(name)], valid_days=30)
        signed = sign_document(document, endorser.key, endorser.cert)
        self.market.upload(signed)
        return path, model.parse_appliance(signed), digests

    def _entry_url(self, appliance):
        return '%s%s%s/%s/%s/%s/import/' % (
            self.st.horizon_url, PANEL, MARKETPLACE, appliance.identifier,
            appliance.endorsement.email, appliance.endorsement.created_text)

    def import_form(self, appliance):
        """The import form's fields (GET, not timed)."""
        url = self._entry_url(appliance)
        page = self.session.get(url, timeout=300)
        page.raise_for_status()
        try:
            return url, forms.form_fields(page.text, 'marketplace_import_form')
        except KeyError:
            raise RuntimeError('no import form for %s: %s' % (
                appliance.identifier, _text(page.text)[:500])) from None

    def submit(self, url, fields, name):
        """POST the import form (the click); returns when Horizon answered."""
        reply = self.session.post(url, data=dict(fields, name=name),
                                  allow_redirects=False, timeout=300,
                                  headers={'Referer': url})
        if reply.status_code != 302 or \
                reply.headers.get('Location') != IMPORTS:
            raise RuntimeError('the import form answered HTTP %d: %s' % (
                reply.status_code, _text(reply.text)[:500]))

    def image_id(self, name, deadline):
        while time.monotonic() < deadline:
            images = list(self.glance.images.list(filters={'name': name}))
            if images:
                return images[0]['id']
            time.sleep(0.1)
        raise RuntimeError('no image %r in Glance' % name)

    def wait_staged(self, image_id, deadline, interval=0.02):
        """Until the dashboard has staged the whole image and Glance took
        its import: the transfer's progress record (in memcached, where
        the Imports view reads it) says ``importing``, which the transfer
        writes once Glance accepted ``glance-direct``; Glance then
        confirms (``importing`` or ``active``).  Polling Glance itself
        every 0.1 s took about a tenth of the Glance worker the staging
        runs in; memcached is asked instead, and Glance every 0.5 s in
        case the record is missed."""
        from pymemcache import serde
        from pymemcache.client.base import Client

        from marketplace_dashboard.core.imports.progress import ProgressStore

        host, port = self.st.memcached_location.rsplit(':', 1)
        cache = Client((host, int(port)), serde=serde.pickle_serde,
                       connect_timeout=5, timeout=5)
        key = ':1:' + ProgressStore.PREFIX + image_id  # Django's key
        asked = 0.0
        try:
            while time.monotonic() < deadline:
                record = cache.get(key) or {}
                state = record.get('state')
                if state == 'failed':
                    raise RuntimeError('the import of %s failed: %s'
                                       % (image_id, record))
                if state == 'importing' or \
                        time.monotonic() - asked >= 0.5:
                    asked = time.monotonic()
                    status = self.glance.images.get(image_id)['status']
                    if status in ('importing', 'active'):
                        return status
                    if status in ('killed', 'deleted', 'deactivated'):
                        raise RuntimeError('image %s is %s'
                                           % (image_id, status))
                time.sleep(interval)
        finally:
            cache.close()
        raise RuntimeError('image %s not staged in time' % image_id)

    def wait_row(self, image_id, deadline):
        """Poll the Imports row (as horizon.tables.js does) until it is
        *Active (verified)*; returns the row text."""
        url = '%s%s?%s' % (self.st.horizon_url, IMPORTS,
                           urllib.parse.urlencode({
                               'action': 'row_update', 'table': 'imports',
                               'obj_id': image_id}))
        text = ''
        while time.monotonic() < deadline:
            reply = self.session.get(url, timeout=300, headers={
                'X-Requested-With': 'XMLHttpRequest'})
            reply.raise_for_status()
            text = _text(reply.text)
            if 'Active (verified)' in text:
                return text
            if 'Failed' in text:
                raise RuntimeError('the import failed: %s' % text[:500])
            time.sleep(POLL)
        raise RuntimeError('row %s still "%s"' % (image_id, text[:300]))

    def delete(self, image_id):
        self.glance.images.delete(image_id)

    def stop(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)


def _text(page):
    return ' '.join(html.unescape(re.sub(r'<[^>]+>', ' ', page)).split())


# -- target 1 --------------------------------------------------------------

def _close_stdin():
    os.close(0)


def _glance_cli(st, url, name):
    creds = st.demo
    env = dict(os.environ, OS_AUTH_URL=st.keystone_url,
               OS_USERNAME=creds.username, OS_PASSWORD=creds.password,
               OS_PROJECT_NAME=creds.project,
               OS_USER_DOMAIN_NAME=creds.user_domain,
               OS_PROJECT_DOMAIN_NAME=creds.project_domain,
               OS_IDENTITY_API_VERSION='3', OS_IMAGE_API_VERSION='2')
    glance = st.glance()
    started = time.perf_counter()
    proc = subprocess.run(
        [common.tool('glance'), 'image-create-via-import',
         '--disk-format', 'raw', '--container-format', 'bare',
         '--name', name, '--import-method', 'web-download', '--uri', url],
        capture_output=True, text=True, env=env, timeout=600, check=False,
        # glance reads image data from any open stdin, even /dev/null;
        # closed, it does not (as in a cron job: "glance ... <&-")
        preexec_fn=_close_stdin)  # noqa: PLW1509 - no threads depend on it
    if proc.returncode != 0:
        raise RuntimeError('glance image-create-via-import failed: %s'
                           % proc.stderr[-1000:])
    match = re.search(r'^\|\s*id\s*\|\s*([0-9a-f-]{36})\s*\|', proc.stdout,
                      re.M)
    if not match:
        raise RuntimeError('no image id in the glance output')
    image_id = match.group(1)
    deadline = time.monotonic() + IMPORT_DEADLINE
    while True:
        image = glance.images.get(image_id)
        if image['status'] in ('active', 'killed', 'deleted'):
            break
        if image.get('os_glance_failed_import'):
            break
        if time.monotonic() > deadline:
            glance.images.delete(image_id)
            raise RuntimeError('glance CLI import still %s after %d s'
                               % (image['status'], IMPORT_DEADLINE))
        time.sleep(POLL)
    elapsed = time.perf_counter() - started
    if image['status'] != 'active':
        raise RuntimeError('glance CLI import ended %s' % image['status'])
    return elapsed, image_id


def server_side(st, dash, quick, log):
    size = (128 if quick else 1024) * common.MIB
    repeat = 2 if quick else 3
    name = 'web-%dM.img' % (size // common.MIB)
    path, appliance, _digests = dash.publish(
        name, size, ('MD5', 'SHA-1', 'SHA-256', 'SHA-512'), log)
    cli_name = 'cli-%dM.img' % (size // common.MIB)
    cli_path = st.image_server.path(cli_name)
    if not os.path.exists(cli_path):
        os.link(path, cli_path)
    panel_runs, cli_runs = [], []
    try:
        for n in range(repeat):
            log('import: run %d/%d, the panel (web-download)'
                % (n + 1, repeat))
            url, fields = dash.import_form(appliance)
            st.image_server.reset_stats()
            image_name = 'bench-web-%s' % uuid.uuid4().hex[:8]
            rchar = _rchar(dash.pid)
            started = time.perf_counter()
            deadline = time.monotonic() + IMPORT_DEADLINE
            dash.submit(url, fields, image_name)
            image_id = dash.image_id(image_name, deadline)
            try:
                dash.wait_row(image_id, deadline)
                seconds = time.perf_counter() - started
                received = _rchar(dash.pid) - rchar
                image = dash.glance.images.get(image_id)
            finally:
                dash.delete(image_id)
            stats = st.image_server.stats(name)
            if image.get('marketplace_import_method') != 'web-download':
                raise RuntimeError('the panel imported by %s, not '
                                   'web-download' % image.get(
                                       'marketplace_import_method'))
            panel_runs.append({
                'seconds': seconds, 'dashboard_rchar': received,
                'image_server_requests': stats.requests,
                'image_server_bytes_sent': stats.bytes_sent})
            log('import: run %d/%d, glance CLI' % (n + 1, repeat))
            elapsed, cli_id = _glance_cli(st, st.image_server.url(cli_name),
                                          'bench-cli')
            dash.delete(cli_id)
            cli_runs.append(elapsed)
    finally:
        for p in (path, cli_path):
            if os.path.exists(p):
                os.unlink(p)
    t_panel = statistics.median(r['seconds'] for r in panel_runs)
    t_cli = statistics.median(cli_runs)
    received = max(r['dashboard_rchar'] for r in panel_runs)
    raw = {'bytes': size, 'method': 'web-download',
           'panel_s': [round(r['seconds'], 3) for r in panel_runs],
           'glance_cli_s': [round(t, 3) for t in cli_runs],
           'poll_interval_s': POLL, 'horizon_workers': st.horizon_workers,
           'runs': panel_runs}
    return [
        common.Result(
            '1 import via panel vs glance CLI',
            'Horizon import form POST -> Imports row "Active (verified)" / '
            'glance image-create-via-import web-download -> active (%d MiB)'
            % (size // common.MIB),
            round(common.paired_ratio([r['seconds'] for r in panel_runs],
                                      cli_runs), 3), 1.1, raw=raw, note=(
                '%d MiB: through the panel %.2fs (click to active and '
                'verified: Glance web-download, then size and SHA-512 '
                'compared by the row poll), glance CLI %.2fs (to active).'
                % (size // common.MIB, t_panel, t_cli))),
        common.Result(
            '1 import bytes read by dashboard',
            'most bytes the dashboard process (the one Horizon worker) read '
            'during an import (rchar: files and sockets); the image server '
            'sent the image %s time(s) per import, to Glance' % sorted(
                {round(r['image_server_bytes_sent'] / size, 2)
                 for r in panel_runs}),
            received, size / 100, op='<', unit=' B', raw=raw,
            goal='none of the image (< 1% of it)', note=(
                'The dashboard process read %s bytes during the import (the '
                'form, the API answers, the row polls): none of the %d MiB '
                'image, which the image server sent to Glance only.'
                % (format(received, ','), size // common.MIB))),
    ]


# -- target 2 --------------------------------------------------------------

def _curl_sha512(url):
    started = time.perf_counter()
    curl = subprocess.Popen([shutil.which('curl'), '-sf', '--max-time',
                             '3600', url], stdout=subprocess.PIPE)
    digest = subprocess.run([shutil.which('sha512sum')], stdin=curl.stdout,
                            capture_output=True, timeout=3600, check=False)
    curl.stdout.close()
    curl.wait(60)
    elapsed = time.perf_counter() - started
    if curl.returncode or digest.returncode:
        raise RuntimeError('curl | sha512sum failed')
    return elapsed


def _standin(command, config, workdir):
    """Run :mod:`benchmarks.import_worker` (the reference stand-in)."""
    fd, path = tempfile.mkstemp(dir=workdir, suffix='.json')
    with os.fdopen(fd, 'w') as f:
        json.dump(config, f)
    try:
        proc = subprocess.run(
            [sys.executable, '-m', 'benchmarks.import_worker', command,
             path], capture_output=True, timeout=3600, cwd=common.REPO,
            check=False)
    finally:
        os.unlink(path)
    if proc.returncode != 0:
        raise RuntimeError('stand-in %s failed: %s' % (
            command, proc.stderr.decode(errors='replace')[-2000:]))
    result = json.loads(proc.stdout)
    if result['problems']:
        raise RuntimeError('the stand-in reported: %s' % result['problems'])
    return result


def _panel_streamed(st, dash, appliance, size):
    url, fields = dash.import_form(appliance)
    image_name = 'bench-stream-%s' % uuid.uuid4().hex[:8]
    rss_before = _status_kib(dash.pid)['VmRSS']
    _reset_peak(dash.pid)
    started = time.perf_counter()
    deadline = time.monotonic() + IMPORT_DEADLINE
    dash.submit(url, fields, image_name)
    image_id = dash.image_id(image_name, deadline)
    try:
        # staged: the dashboard has sent the whole image to Glance, which
        # imports it now
        dash.wait_staged(image_id, deadline)
        staged = time.perf_counter() - started
        dash.wait_row(image_id, deadline)
        done = time.perf_counter() - started
        peak = _status_kib(dash.pid)['VmHWM']
        image = dash.glance.images.get(image_id)
    finally:
        dash.delete(image_id)
    if image.get('marketplace_import_method') != 'glance-direct' or \
            int(image['size']) != size:
        raise RuntimeError('unexpected streamed import: %s' % {
            k: image.get(k) for k in ('marketplace_import_method', 'size')})
    return {'transfer_s': staged, 'verified_s': done,
            'rss_before_kib': rss_before, 'peak_kib': peak,
            'growth_bytes': (peak - rss_before) * 1024}


def glance_stage(glance, path, stage=None):
    """Seconds *stage* (``image_id, file``; default python-glanceclient's
    ``images.stage``) takes to stage *path* into Glance, in a fresh image
    that is deleted afterwards."""
    stage = stage or glance.images.stage
    image = glance.images.create(
        name='bench-stage-%s' % uuid.uuid4().hex[:8], disk_format='raw',
        container_format='bare')
    try:
        with open(path, 'rb') as f:
            started = time.perf_counter()
            stage(image['id'], f)
            return time.perf_counter() - started
    finally:
        glance.images.delete(image['id'])


def streamed(st, dash, workdir, quick, log):
    sizes = (64, 256) if quick else (256, 2048)
    repeat = 3
    raw = {}
    log('stream: warming the dashboard process up (1 MiB)')
    path, appliance, _ = dash.publish('stream-warmup.img', common.MIB,
                                      ('MD5', 'SHA-1', 'SHA-256'), log)
    try:
        # kept in the raw figures: the one-time growth of a fresh process
        warmup = _panel_streamed(st, dash, appliance, common.MIB)
    finally:
        os.unlink(path)
    for mib in sizes:
        size = mib * common.MIB
        path, appliance, digests = dash.publish(
            'stream-%dM.img' % mib, size, ('MD5', 'SHA-1', 'SHA-256'), log)
        url = st.image_server.url('stream-%dM.img' % mib)
        common.warm_page_cache(path)
        runs = {'panel': [], 'curl': []}
        reference = mib == sizes[-1]
        if reference:
            runs.update(standin=[], standin_sha512=[], glance_stage=[])
        log('stream: %d MiB through the panel, %d interleaved runs'
            % (mib, repeat))
        try:
            for _ in range(repeat):
                runs['panel'].append(_panel_streamed(st, dash, appliance,
                                                     size))
                runs['curl'].append(_curl_sha512(url))
                if reference:
                    config = {'url': url, 'checksums': digests,
                              'bytes': size}
                    runs['standin'].append(_standin('stream', config,
                                                    workdir)['seconds'])
                    runs['standin_sha512'].append(_standin('stream', dict(
                        config, checksums={'SHA-512': digests['SHA-512']}),
                        workdir)['seconds'])
                    runs['glance_stage'].append(
                        glance_stage(dash.glance, path))
        finally:
            os.unlink(path)
        transfer = [r['transfer_s'] for r in runs['panel']]
        entry = {
            'bytes': size,
            'transfer_s': [round(t, 3) for t in transfer],
            'verified_s': [round(r['verified_s'], 3) for r in runs['panel']],
            'curl_sha512sum_s': [round(t, 3) for t in runs['curl']],
            'MiB_per_s': {
                'panel_transfer': round(mib / statistics.median(transfer), 1),
                'panel_to_verified': round(mib / statistics.median(
                    r['verified_s'] for r in runs['panel']), 1),
                'curl_sha512sum': round(
                    mib / statistics.median(runs['curl']), 1)},
            'rss_before_kib': [r['rss_before_kib'] for r in runs['panel']],
            'peak_kib': [r['peak_kib'] for r in runs['panel']],
            'peak_rss_growth_bytes': max(r['growth_bytes']
                                         for r in runs['panel']),
            # throughput ratios, round by round (time of curl / ours)
            'paired': {'panel_transfer': round(common.paired_ratio(
                runs['curl'], transfer), 3)},
        }
        if reference:
            for key in ('standin', 'standin_sha512', 'glance_stage'):
                entry[key + '_s'] = [round(t, 3) for t in runs[key]]
                entry['MiB_per_s'][key] = round(
                    mib / statistics.median(runs[key]), 1)
                entry['paired'][key] = round(common.paired_ratio(
                    runs['curl'], runs[key]), 3)
        raw[mib] = entry
    raw['first_import_1MiB'] = warmup
    last = raw[sizes[-1]]
    tput = last['MiB_per_s']
    # the target: through the panel against Glance staging the same file
    # alone, round by round (time of Glance's staging / time of ours)
    last['paired']['panel_vs_glance_stage'] = round(common.paired_ratio(
        last['glance_stage_s'], last['transfer_s']), 3)
    results = [common.Result(
        '2 stream via panel vs Glance staging',
        'throughput of the streamed import through the panel (download, '
        'MD5+SHA-1+SHA-256 endorsed + SHA-512 for Glance, upload to Glance '
        'staging: POST -> image importing) / python-glanceclient staging '
        'the same file from local disk into the same Glance (%d MiB)'
        % sizes[-1],
        last['paired']['panel_vs_glance_stage'], 0.9, op='>=', raw=raw,
        note=('%d MiB: through the panel %.0f MiB/s to staged (%.0f MiB/s '
              'to active and verified, Glance\'s own import included), '
              'Glance staging the file from disk (glanceclient) %.0f MiB/s; '
              'references: curl | sha512sum %.0f MiB/s, the stand-in '
              'without Glance %.0f MiB/s with the four digests, %.0f MiB/s '
              'with SHA-512 only; %d cores.' % (
                  sizes[-1], tput['panel_transfer'],
                  tput['panel_to_verified'], tput['glance_stage'],
                  tput['curl_sha512sum'], tput['standin'],
                  tput['standin_sha512'], os.cpu_count())))]
    # references, each against curl | sha512sum (the old target's 0.8x)
    for key, name, description in (
            ('panel_transfer', 'panel / curl|sha512sum',
             'the streamed import through the panel (the old target)'),
            ('standin', 'stand-in, no Glance',
             'the same core stream_image in a stand-in process, download '
             'and the four digests only, no upload'),
            ('standin_sha512', 'stand-in, SHA-512 only',
             'the stand-in hashing only what the peer hashes'),
            ('glance_stage', 'Glance staging alone',
             'python-glanceclient staging the file from disk into the same '
             'Glance (the bound of target 2)')):
        results.append(common.Result(
            '2 (reference) ' + name,
            'reference: %s / curl | sha512sum of the same file' % description,
            last['paired'][key], 0.8, op='>=', raw=raw, reference=True))
    for mib in sizes:
        growth = raw[mib]['peak_rss_growth_bytes']
        results.append(common.Result(
            '2 dashboard RSS growth %d MiB' % mib,
            'peak RSS of the dashboard process during a streamed import '
            '(VmHWM, reset before) minus its RSS before, %d MiB image'
            % mib, round(growth / 1e6, 1), 50, op='<', unit=' MB',
            raw=raw[mib], note=(
                'The first streamed import of the process (1 MiB, before '
                'these) grew it by %.1f MB once: modules and buffers that '
                'stay for the next imports.'
                % (raw['first_import_1MiB']['growth_bytes'] / 1e6)
                if mib == sizes[0] else '')))
    return results


def run(workdir, quick=False, log=print):
    st = loopback.stack(workdir, log=log)
    dash = Dashboard(st, workdir, log)
    try:
        results = []
        results.extend(streamed(st, dash, workdir, quick, log))
        results.extend(server_side(st, dash, quick, log))
    finally:
        dash.stop()
    return results
