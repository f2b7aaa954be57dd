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

"""Where Glance spends a staging upload (target 2's bound), by hand.

Usage, from the repository root::

    .venv/bin/python -m benchmarks.glance_stage [--size MiB] [--rounds N]
                                                 [--py-spy PATH]

It starts Keystone and Glance alone on loopback (the stack of the tests,
state in ``benchmarks/work/``), then stages the same file from disk into
Glance, interleaved: with python-glanceclient (``images.stage``, what the
dashboard's streamed import calls; the body goes chunked) and with a
``Content-Length`` (the keystoneauth session, a sized body).  It prints
both throughputs.  With py-spy (``--py-spy``, or ``py-spy`` on ``PATH``;
not a project dependency: ``pip install py-spy`` anywhere) it also samples
Glance's worker during one more glanceclient staging and prints where the
request spent its samples: hashing, reading the request body, writing the
file, other.
"""

import argparse
import collections
import linecache
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time

from benchmarks import common
from benchmarks.imports import glance_stage

STAGE_FRAME = 'ImageDataController.stage'
BODY_PATHS = ('gunicorn/http/', 'glance/common/utils.py',
              'glance_store/common/utils.py', 'webob/', 'eventlet/')


def _source_line(path, lineno, roots):
    for root in roots:
        line = linecache.getline(os.path.join(root, path), lineno)
        if line:
            return line.strip()
    return ''


def classify(frame, roots):
    """The category of py-spy's innermost frame ``func (path:line)``:
    ``reading the request body`` (gunicorn's readers and Glance's wrappers
    of them), ``hashing`` (a ``.update(`` call), ``writing the file`` or
    ``other``."""
    try:
        location = frame.rsplit(' (', 1)[1].rstrip(')')
        path, lineno = location.rsplit(':', 1)
        lineno = int(lineno)
    except (IndexError, ValueError):
        return 'other'
    if path.startswith(BODY_PATHS):  # their buffers' writes included
        return 'reading the request body'
    line = _source_line(path, lineno, roots)
    if '.update(' in line:
        return 'hashing'
    if '.write(' in line or '.truncate(' in line:
        return 'writing the file'
    return 'other'


def summarize(raw_lines, roots):
    """Samples of py-spy's raw output (``frame;frame;... count``) that are
    in Glance's stage request, by the category of their innermost frame:
    ``(total, Counter)``."""
    counts = collections.Counter()
    total = 0
    for line in raw_lines:
        line = line.strip()
        if not line:
            continue
        stack, _, number = line.rpartition(' ')
        frames = stack.split(';')
        if not any(f.startswith(STAGE_FRAME + ' ') for f in frames):
            continue
        total += int(number)
        counts[classify(frames[-1], roots)] += int(number)
    return total, counts


class _Sized:
    """A file whose length requests sees: sent with Content-Length."""

    def __init__(self, f, size):
        self.f, self.size = f, size

    def read(self, n=-1):
        return self.f.read(n)

    def __len__(self):
        return self.size


def _stage_with_length(st):
    """A staging call (``image_id, file``) that sends a Content-Length."""
    session = st.admin_session()
    url = session.get_endpoint(service_type='image',
                               interface='public').rstrip('/')

    def stage(image_id, f):
        session.put('%s/v2/images/%s/stage' % (url, image_id),
                    data=_Sized(f, os.fstat(f.fileno()).st_size),
                    headers={'Content-Type': 'application/octet-stream'})
    return stage


def _profile(st, path, py_spy, out):
    worker = int(subprocess.check_output(  # noqa: S603,S607
        ['pgrep', '-P', str(st.procs['glance'].pid)]).split()[0])
    spy = subprocess.Popen([py_spy, 'record', '-p', str(worker),  # noqa: S603
                            '-r', '200', '-f', 'raw', '-o', out,
                            '--nonblocking'],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        time.sleep(2)  # py-spy attaches
        glance_stage(st.glance(), path)
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes what it has
        spy.wait(60)
    roots = [sysconfig.get_paths()['purelib']]
    with open(out) as f:
        return summarize(f, roots)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, default=512, help='MiB')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--py-spy', default=shutil.which('py-spy'))
    args = parser.parse_args(argv)
    from stack import Stack

    work = os.path.join(common.REPO, 'benchmarks', 'work')
    os.makedirs(work, exist_ok=True)
    base = tempfile.mkdtemp(prefix='glance-stage-', dir=work)
    path = os.path.join(base, 'image.raw')
    size = args.size * common.MIB
    common.make_file(path, size)
    common.warm_page_cache(path)
    st = Stack(os.path.join(base, 'stack'), nova=False, horizon=False,
               marketplace=False, memcached=False)
    try:
        st.start()
        glance = st.glance()
        stages = {'glanceclient (chunked)': None,
                  'Content-Length': _stage_with_length(st)}
        runs = {name: [] for name in stages}
        for _ in range(args.rounds):
            for name, stage in stages.items():
                runs[name].append(glance_stage(glance, path, stage))
        for name, seconds in runs.items():
            print('%-24s %6.1f MiB/s  (%s s)' % (
                name, size / min(seconds) / common.MIB,
                ', '.join('%.2f' % s for s in seconds)))
        if args.py_spy:
            total, counts = _profile(st, path, args.py_spy,
                                     os.path.join(base, 'glance.raw'))
            print('Glance worker, %d samples in the stage request:' % total)
            for name, number in counts.most_common():
                print('  %-26s %3.0f %%' % (name, 100.0 * number / total))
        else:
            print('no py-spy: no profile (pip install py-spy, or --py-spy)')
    finally:
        st.stop()
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
