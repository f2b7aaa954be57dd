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

"""Target 4: ``marketplace-metadata build`` versus the coreutils digests.

The same file, already in the page cache (read once before timing, so that
the disk is out of the comparison), is hashed by

* ``marketplace-metadata build`` (MD5, SHA-1, SHA-256, SHA-512 in one read,
  one thread per digest);
* ``md5sum``, ``sha1sum``, ``sha256sum``, ``sha512sum`` one after another
  (what ``stratus-build-metadata``-era scripts did);
* a single-threaded Python loop updating the four hashlib objects per
  4 MiB chunk (how older Python tools did it), in its own interpreter.

Each comparison runs twice: as the machine is, and with a CPU-bound
process started by the suite occupying one core (the build's hash
threads share the CPUs with it: one thread per digest still beats one
thread doing every digest in turn, because the scheduler shares CPU time
between threads, not processes).

Every contender is a fresh process, so interpreter start-up is included
where it exists (it is part of what a user waits for).
"""

import os
import subprocess
import sys

from benchmarks import common

PY_LOOP = r'''
import hashlib, sys
hs = [hashlib.new(n) for n in ('md5', 'sha1', 'sha256', 'sha512')]
buf = bytearray(4 << 20)
view = memoryview(buf)
with open(sys.argv[1], 'rb', buffering=0) as f:
    while True:
        n = f.readinto(buf)
        if not n:
            break
        for h in hs:
            h.update(view[:n])
print(' '.join(h.hexdigest() for h in hs))
'''


#: a CPU-bound process: "a machine with one core busy"
BUSY = 'while True:\n    pass\n'


def _compare(repeat, image, out, build):
    def ours():
        return common.run([build, 'build', image, '-o', out, '--force',
                           '--location', 'https://example.org/image.img'])

    def coreutils():
        return sum(common.run([cmd, image]) for cmd in (
            'md5sum', 'sha1sum', 'sha256sum', 'sha512sum'))

    def pyloop():
        return common.run([sys.executable, '-c', PY_LOOP, image])

    return common.compare(repeat, {'build': ours, 'coreutils': coreutils,
                                   'loop': pyloop})


def _results(size, times, suffix, note_suffix):
    t_ours, t_core, t_loop = (times['build'], times['coreutils'],
                              times['loop'])
    raw = {'bytes': size, 'page_cache': True, 'build_s': t_ours,
           'coreutils_sequential_s': t_core, 'python_loop_s': t_loop,
           'build_MiB_per_s': round(size / common.MIB / t_ours['median'])}
    ratio_core = common.paired_ratio(t_ours['samples'], t_core['samples'])
    ratio_loop = common.paired_ratio(t_ours['samples'], t_loop['samples'])
    raw['ratio_of_medians'] = {
        'coreutils': round(t_ours['median'] / t_core['median'], 3),
        'loop': round(t_ours['median'] / t_loop['median'], 3)}
    note = ('%d MiB in page cache%s: build %.2fs (%d MiB/s), md5sum+'
            'sha1sum+sha256sum+sha512sum %.2fs, Python loop %.2fs; %d '
            'cores.' % (size // common.MIB, note_suffix, t_ours['median'],
                        raw['build_MiB_per_s'], t_core['median'],
                        t_loop['median'], os.cpu_count()))
    return [
        common.Result('4 build vs coreutils' + suffix,
                      'marketplace-metadata build / md5sum;sha1sum;'
                      'sha256sum;sha512sum (page cache)',
                      round(ratio_core, 3), 0.6, raw=raw, note=note),
        common.Result('4 build vs python loop' + suffix,
                      'marketplace-metadata build / single-threaded '
                      'hashlib loop (never slower)',
                      round(ratio_loop, 3), 1.0, raw=raw),
    ]


def run(workdir, quick=False, log=print):
    size = (256 if quick else 1024) * common.MIB
    repeat = 2 if quick else 3
    image = os.path.join(workdir, 'build-%dM.img' % (size // common.MIB))
    out = os.path.join(workdir, 'build.xml')
    log('build: writing a %d MiB file' % (size // common.MIB))
    common.make_file(image, size)
    common.warm_page_cache(image)
    build = common.tool('marketplace-metadata')
    try:
        log('build: timing (%d interleaved runs each, file in page '
            'cache)' % repeat)
        idle = _compare(repeat, image, out, build)
        log('build: timing again with one CPU-bound process running')
        busy = subprocess.Popen([sys.executable, '-c', BUSY])
        try:
            loaded = _compare(repeat, image, out, build)
        finally:
            busy.kill()
            busy.wait()
    finally:
        for path in (image, out):
            if os.path.exists(path):
                os.unlink(path)
    return (_results(size, idle, '', '') +
            _results(size, loaded, ' (one core busy)',
                     ', one CPU-bound process running'))
