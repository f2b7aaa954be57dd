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

"""Targets 1 and 2: importing an image, server side and streamed.

The image (random data; 1 GiB for target 1, 256 MiB and 2 GiB for target 2;
``--quick``: 128 MiB, and 64 MiB / 256 MiB) is served by the loopback
stack's image server, which counts requests and bytes sent per path.  Its
metadata (size and the four checksums, computed by the core) is signed with
the benchmark endorser; the engine trusts the benchmark CA.

Target 1 (server side): one run of each, interleaved, on two names of the
same file (hard links), so that the per-path counters tell who fetched:

* the plugin's engine (:mod:`benchmarks.import_worker` ``engine``, in its
  own process: ``Importer.start`` then ``wait``) -- Glance web-download,
  then the engine compares Glance's size and ``os_hash_value`` (SHA-512)
  with the endorsed ones: start to *active and verified*;
* ``glance image-create-via-import --import-method web-download`` (the
  python-glanceclient CLI) then polling until *active*, with the same
  0.5 s interval.

The importing process must receive none of the image: the image server
counts one request for the engine's path (Glance's), and the engine
process's own ``rchar`` (every byte it read, files and sockets) stays far
below the image size.

Target 2 (streamed): :func:`marketplace_dashboard.core.transfer.
stream_image` read to the end in its own process (download, the four
endorsed digests, size and digest check) versus ``curl -s URL |
sha512sum``, interleaved; the engine process's peak RSS growth
(``VmHWM`` at the end minus ``VmRSS`` just before streaming, read by the
process itself from /proc/self/status).  For reference the same path is
also run with SHA-512 only (the peer's work).
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks import common, loopback

POLL = 0.5


def _worker(command, config, workdir):
    fd, path = tempfile.mkstemp(dir=workdir, suffix='.json')
    with os.fdopen(fd, 'w') as f:
        json.dump(config, f)
    try:
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, '-m', 'benchmarks.import_worker', command,
             path], capture_output=True, timeout=3600, cwd=common.REPO,
            check=False)
        wall = time.perf_counter() - started
    finally:
        os.unlink(path)
    if proc.returncode != 0:
        raise RuntimeError('import worker %s failed: %s' % (
            command, proc.stderr.decode(errors='replace')[-2000:]))
    result = json.loads(proc.stdout)
    result['wall_seconds'] = wall
    return result


def _image(st, name, size, workdir, log):
    """Write the image into the image server's directory; its metadata."""
    from marketplace_dashboard.core import builder, hashing
    from marketplace_dashboard.core.signature import sign_document

    path = st.image_server.path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    log('import: writing %s (%d MiB)' % (name, size // common.MIB))
    common.make_file(path, size)
    digests = hashing.hash_stream(path).digests
    url = st.image_server.url(name)
    endorser = loopback.credentials()[1]
    document = builder.build_document(
        size, digests, os='Ubuntu', os_version='24.04', os_arch='x86_64',
        title='Benchmark %s' % name, locations=[url], valid_days=30)
    document = sign_document(document, endorser.key, endorser.cert)
    return path, url, digests, document


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
    while True:
        image = glance.images.get(image_id)
        if image['status'] in ('active', 'killed', 'deleted'):
            break
        if image.get('os_glance_failed_import'):
            break
        time.sleep(POLL)
    elapsed = time.perf_counter() - started
    if image['status'] != 'active':
        raise RuntimeError('glance CLI import ended %s' % image['status'])
    return elapsed, image_id


def server_side(st, workdir, quick, log):
    size = (128 if quick else 1024) * common.MIB
    repeat = 2 if quick else 3
    path, _url, _digests, document = _image(
        st, 'engine-%dM.img' % (size // common.MIB), size, workdir, log)
    cli_name = 'cli-%dM.img' % (size // common.MIB)
    cli_path = st.image_server.path(cli_name)
    if not os.path.exists(cli_path):
        os.link(path, cli_path)
    doc_path = os.path.join(workdir, 'engine-entry.xml')
    with open(doc_path, 'wb') as f:
        f.write(document)
    creds = st.demo
    config = {'auth': {
        'auth_url': st.keystone_url, 'username': creds.username,
        'password': creds.password, 'project_name': creds.project,
        'user_domain_name': creds.user_domain,
        'project_domain_name': creds.project_domain},
        'ca_file': loopback.ca_file(workdir), 'document': doc_path,
        'name': 'bench-engine', 'interval': POLL}
    glance = st.glance()
    engine_runs, cli_runs, fetched = [], [], []
    try:
        for n in range(repeat):
            log('import: run %d/%d, engine (web-download)' % (n + 1, repeat))
            st.image_server.reset_stats()
            result = _worker('engine', config, workdir)
            stats = st.image_server.stats(os.path.basename(path))
            glance.images.delete(result['image_id'])
            if result['state'] != 'active' or not result['verified']:
                raise RuntimeError('engine import ended %s: %s' % (
                    result['state'], '; '.join(result['reasons'])))
            engine_runs.append(result)
            fetched.append({'requests': stats.requests,
                            'bytes_sent': stats.bytes_sent,
                            'engine_rchar': result['after']['rchar'] -
                            result['before']['rchar']})
            log('import: run %d/%d, glance CLI' % (n + 1, repeat))
            elapsed, image_id = _glance_cli(st, st.image_server.url(
                cli_name), 'bench-cli')
            glance.images.delete(image_id)
            cli_runs.append(elapsed)
    finally:
        for p in (path, cli_path, doc_path):
            if os.path.exists(p):
                os.unlink(p)
    t_engine = statistics.median(r['seconds'] for r in engine_runs)
    t_cli = statistics.median(cli_runs)
    received = max(f['engine_rchar'] for f in fetched)
    raw = {'bytes': size, 'method': engine_runs[0]['method'],
           'engine_s': [round(r['seconds'], 3) for r in engine_runs],
           'engine_process_wall_s': [round(r['wall_seconds'], 3)
                                     for r in engine_runs],
           'glance_cli_s': [round(t, 3) for t in cli_runs],
           'poll_interval_s': POLL, 'image_server': fetched}
    return [
        common.Result(
            '1 import vs glance CLI',
            'engine start -> active+verified / glance image-create-via-'
            'import web-download -> active (%d MiB)' % (size // common.MIB),
            round(common.paired_ratio([r['seconds'] for r in engine_runs],
                                      cli_runs), 3), 1.1, raw=raw, note=(
                '%d MiB: engine %.2fs (web-download, then size and SHA-512 '
                'compared), glance CLI %.2fs; the engine holds a shared '
                'lock as in the dashboard, so it elects one image among '
                'concurrent importers without the settle wait.' % (
                    size // common.MIB, t_engine, t_cli))),
        common.Result(
            '1 import bytes received by importer',
            'most bytes the importing process read (rchar, files and '
            'sockets) during an import; the image server saw %s request(s) '
            'of the engine path, %d bytes' % (
                sorted({f['requests'] for f in fetched}),
                fetched[-1]['bytes_sent']),
            received, size // 100, unit=' B', raw=raw, note=(
                'The engine process read %d bytes in all (< 1%% of the %d '
                'MiB image = none of it); the image server sent the image '
                'once per import, to Glance.' % (received,
                                                 size // common.MIB))),
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


def streamed(st, workdir, quick, log):
    sizes = (64, 256) if quick else (256, 2048)
    repeat = 3
    results, raw = [], {}
    for mib in sizes:
        size = mib * common.MIB
        path, url, digests, _doc = _image(st, 'stream-%dM.img' % mib, size,
                                          workdir, log)
        common.warm_page_cache(path)
        config = {'url': url, 'checksums': digests, 'bytes': size}
        only512 = dict(config, checksums={'SHA-512': digests['SHA-512']})
        runs = {'stream': [], 'stream_sha512': [], 'curl': []}
        log('stream: %d MiB, %d interleaved runs' % (mib, repeat))
        try:
            for _ in range(repeat):
                for key, cfg in (('stream', config),
                                 ('stream_sha512', only512)):
                    result = _worker('stream', cfg, workdir)
                    if result['problems']:
                        raise RuntimeError('streamed path reported: %s'
                                           % result['problems'])
                    runs[key].append(result)
                runs['curl'].append(_curl_sha512(url))
        finally:
            os.unlink(path)
        med = {key: statistics.median(r['seconds'] for r in runs[key])
               for key in ('stream', 'stream_sha512')}
        med['curl'] = statistics.median(runs['curl'])
        growth = max((r['after']['hwm_kib'] - r['before']['rss_kib']) * 1024
                     for r in runs['stream'])
        raw[mib] = {
            'bytes': size,
            'MiB_per_s': {k: round(mib / v, 1) for k, v in med.items()},
            'stream_s': [round(r['seconds'], 3) for r in runs['stream']],
            'stream_wall_s': [round(r['wall_seconds'], 3)
                              for r in runs['stream']],
            'stream_sha512_s': [round(r['seconds'], 3)
                                for r in runs['stream_sha512']],
            'curl_sha512sum_s': [round(t, 3) for t in runs['curl']],
            'rss_before_kib': runs['stream'][0]['before']['rss_kib'],
            # throughput ratios, round by round (time of curl / ours)
            'paired': {key: round(common.paired_ratio(
                runs['curl'], [r['seconds'] for r in runs[key]]), 3)
                for key in ('stream', 'stream_sha512')},
            'peak_rss_growth_bytes': growth}
    last = raw[sizes[-1]]
    tput = last['MiB_per_s']
    results.append(common.Result(
        '2 stream vs curl|sha512sum',
        'throughput of the streamed path (4 digests) / curl | sha512sum '
        '(%d MiB)' % sizes[-1],
        last['paired']['stream'], 0.8, op='>=', raw=raw,
        note=('%d MiB: streamed path %.0f MiB/s with MD5+SHA-1+SHA-256+'
              'SHA-512 (%.0f MiB/s with SHA-512 only), curl | sha512sum '
              '%.0f MiB/s; %d cores.' % (
                  sizes[-1], tput['stream'], tput['stream_sha512'],
                  tput['curl'], os.cpu_count()))))
    results.append(common.Result(
        '2 stream (sha512 only) vs curl',
        'the same path hashing only what the peer hashes (reference)',
        last['paired']['stream_sha512'], 0.8, op='>=',
        raw=raw))
    for mib in sizes:
        growth = raw[mib]['peak_rss_growth_bytes']
        results.append(common.Result(
            '2 stream RSS growth %d MiB' % mib,
            'peak RSS growth of the streaming process (VmHWM - VmRSS '
            'before), %d MiB image' % mib,
            round(growth / common.MIB, 1), 50, unit=' MiB', raw=raw[mib]))
    return results


def run(workdir, quick=False, log=print):
    st = loopback.stack(workdir, log=log)
    results = []
    results.extend(streamed(st, workdir, quick, log))
    results.extend(server_side(st, workdir, quick, log))
    return results

