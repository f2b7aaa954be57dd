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

"""The reference stand-in of the streamed-import benchmark (a subprocess).

The targets themselves are measured through Horizon (:mod:`benchmarks.
imports`); this stand-in only gives a labelled reference figure: how fast
the core's streamed path is without Glance and without the dashboard.

``python -m benchmarks.import_worker stream CONFIG.json``
    Runs the streamed path (:func:`marketplace_dashboard.core.imports.
    stream.stream_image`: download, hash every endorsed checksum, check
    size and digests) to the end of the image, discarding the data.

It prints one JSON object: the time of the operation itself (after the
interpreter and imports are loaded), the result, and this process's own
``/proc/self/io`` and ``/proc/self/status`` figures (bytes read, RSS before
the operation and its high-water mark).
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


def stream(config):
    from marketplace_dashboard.core.imports import stream as transfer
    from marketplace_dashboard.core.imports.urlfilter import DownloadFilter

    # The benchmark's image server is on a loopback address.
    port = int(config['url'].split(':')[2].split('/')[0])
    rules = DownloadFilter.from_settings({'allowed_hosts': ['127.0.0.1'],
                                          'allowed_ports': [port]})
    buf = bytearray(4 << 20)
    before = _proc()
    started = time.perf_counter()
    with transfer.stream_image(config['url'], config['checksums'],
                               config['bytes'], rules=rules) as image:
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
    result = {'stream': stream}[command](config)
    json.dump(result, sys.stdout)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
