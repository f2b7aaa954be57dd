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

"""The importing process of the import benchmarks (run in a subprocess).

``python -m benchmarks.import_worker engine CONFIG.json``
    Imports the signed entry of CONFIG through the plugin's engine
    (:class:`marketplace_dashboard.core.importer.Importer`, what the panel's
    *Import* action calls): ``start`` then ``wait`` until active and
    verified.
``python -m benchmarks.import_worker stream CONFIG.json``
    Runs the streamed path (:func:`marketplace_dashboard.core.transfer.
    stream_image`: download, hash every endorsed checksum, check size and
    digests) to the end of the image, discarding the data.

Both print one JSON object: the time of the operation itself (after the
interpreter and imports are loaded), the result, and this process's own
``/proc/self/io`` and ``/proc/self/status`` figures (bytes read, RSS before
the operation and its high-water mark), so that nothing outside the
process has to guess them.
"""

import json
import sys
import time


def _proc():
    with open('/proc/self/status') as f:
        status = dict(line.split(':', 1) for line in f)
    with open('/proc/self/io') as f:
        io = dict(line.split(':', 1) for line in f)
    return {'rss_kib': int(status['VmRSS'].split()[0]),
            'hwm_kib': int(status['VmHWM'].split()[0]),
            'rchar': int(io['rchar']), 'read_bytes': int(io['read_bytes'])}


def engine(config):
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3

    from marketplace_dashboard.core import glance, importer, trust, verdict

    auth = v3.Password(**config['auth'])
    images = glance.GlanceImages(glance.make_client(
        ks_session.Session(auth=auth, timeout=60)))
    policy = trust.TrustPolicy.from_dict({'ca_files': [config['ca_file']]})
    with open(config['document'], 'rb') as f:
        entry = verdict.evaluate(f.read(), policy)
    # As the panel runs it: the dashboard's lock (its memcached Django
    # cache) is shared by every worker, so the engine elects at once.
    engine = importer.Importer(images, importer.ImportPolicy(),
                               shared_lock=True)
    before = _proc()
    started = time.perf_counter()
    status = engine.start(entry, name=config['name'])
    if status.method == importer.GLANCE_DIRECT:
        status = engine.transfer(status.image_id)
    status = engine.wait(status.image_id, timeout=3600,
                         interval=config.get('interval', 0.5))
    elapsed = time.perf_counter() - started
    return {'seconds': elapsed, 'image_id': status.image_id,
            'state': status.state, 'verified': status.verified,
            'method': status.method, 'reasons': status.reasons,
            'before': before, 'after': _proc()}


def stream(config):
    from marketplace_dashboard.core import transfer

    buf = bytearray(4 << 20)
    before = _proc()
    started = time.perf_counter()
    with transfer.stream_image(config['url'], config['checksums'],
                               config['bytes']) as image:
        while image.readinto(buf):
            pass
        problems = image.mismatches()
    elapsed = time.perf_counter() - started
    return {'seconds': elapsed, 'problems': problems,
            'algorithms': sorted(config['checksums']),
            'before': before, 'after': _proc()}


def main(argv):
    command, path = argv
    with open(path) as f:
        config = json.load(f)
    result = {'engine': engine, 'stream': stream}[command](config)
    json.dump(result, sys.stdout)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
