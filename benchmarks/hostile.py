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

"""Target 6: hostile documents of the maximum size versus a typical one.

Every shape of the hostile corpus (``tests/hostile.py``: distinct and
repeated locations, checksums, nesting at the depth limit, comments inside
values, unknown elements, elements as dense as allowed, ports, one huge
text node, attributes and namespaces at their limits, and the shapes past
the limits, refused) is
signed at the maximum size of an entry (4 MiB; 1 MiB with ``--quick``)
and put through what ``marketplace-metadata verify`` runs for a file
(``cli.verify.verify_file``: read, parse, signature, model, constraints,
binding, trust) and through the model build alone
(``model.parse_appliance``).

The typical document of the same size is an honest big entry: its bulk is
a mirror list (distinct ``slterms:location`` elements), the element an
endorser repeats.  The figure is the worst shape's time over the typical
one's (medians of interleaved runs); the bound is 3x: what a few times
the typical cost means in the issue, and what linear-time processing of
every shape gives (before the fixes, 120k locations took 73 s, some
thousand times the typical figure).
"""

import os
import shutil
import time

from benchmarks import common
from marketplace_dashboard.cli import verify
from marketplace_dashboard.core import model, trust, xmlsafe
from marketplace_dashboard.core.errors import MetadataError
from tests import hostile, pki

#: the worst shape may cost this many times the typical document
BOUND = 3.0
TYPICAL = 'locations'


def _write(directory, name, data):
    path = os.path.join(directory, '%s.xml' % name)
    with open(path, 'wb') as out:
        out.write(data)
    return path


def run(workdir, quick=False, log=print):
    size = xmlsafe.DEFAULT_MAX_BYTES // (4 if quick else 1)
    repeat = 3
    directory = os.path.join(workdir, 'hostile-docs')
    os.makedirs(directory, exist_ok=True)
    ca = pki.make_ca('Hostile CA')
    endorser = pki.make_endorser(ca, 'Hostile Endorser',
                                 'hostile@example.org', days=3650)
    policy = trust.TrustPolicy(ca_certificates=[ca.cert])
    shapes = sorted(set(hostile.SHAPES) | set(hostile.REFUSED))
    log('hostile: signing %d documents of %d bytes' % (len(shapes), size))
    # the shapes past the limits cannot be signed by our signer (it
    # parses them first); they are refused before any signature check
    paths = {shape: _write(directory, shape,
                           hostile.signed(shape, size, endorser)
                           if shape in hostile.SHAPES
                           else hostile.document(shape, size))
             for shape in shapes}

    def verifying(path):
        def run_once():
            started = time.perf_counter()
            verify.verify_file(path, policy)
            return time.perf_counter() - started
        return run_once

    def building(path):
        with open(path, 'rb') as handle:
            data = handle.read()

        def run_once():
            started = time.perf_counter()
            try:
                model.parse_appliance(data)
            except MetadataError:
                pass  # the refused shapes
            return time.perf_counter() - started
        return run_once

    try:
        log('hostile: timing verify (%d interleaved runs each)' % repeat)
        verify_times = common.compare(repeat, {
            shape: verifying(path) for shape, path in paths.items()})
        log('hostile: timing the model build')
        model_times = common.compare(repeat, {
            shape: building(path) for shape, path in paths.items()})
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return [_result('6 hostile verify', 'verify', verify_times, size),
            _result('6 hostile model', 'the model build', model_times,
                    size)]


def _result(name, what, times, size):
    typical = times[TYPICAL]['median']
    ratios = {shape: round(t['median'] / typical, 2)
              for shape, t in times.items()}
    worst = max(ratios, key=ratios.get)
    raw = {'bytes': size, 'typical': TYPICAL, 'bound': BOUND,
           'seconds': {s: round(t['median'], 4) for s, t in times.items()},
           'ratio': ratios}
    note = ('%s of a %d-byte document: worst shape %s %.3f s, typical (%s) '
            '%.3f s, %.2fx (bound %.0fx)'
            % (what, size, worst, times[worst]['median'], TYPICAL, typical,
               ratios[worst], BOUND))
    return common.Result(name, 'time of the worst hostile shape / a '
                         'typical document of the same size (%s)' % what,
                         ratios[worst], BOUND, raw=raw, note=note)
