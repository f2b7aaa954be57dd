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

"""``benchmarks/run``: run the targets, print the table, write results."""

import argparse
import datetime
import importlib
import os
import shutil
import sys
import time
import traceback

from benchmarks import common, loopback

#: target name -> module (``run(workdir, quick, log) -> [Result]``)
TARGETS = {
    'build': 'benchmarks.metadata_build',
    'verify': 'benchmarks.metadata_verify',
    'browse': 'benchmarks.browse',
    'search': 'benchmarks.service_search',
    'import': 'benchmarks.imports',
    'hostile': 'benchmarks.hostile',
    'load': 'benchmarks.load',
}
#: ``stream`` and ``import`` share one stack: both come from imports.py
ALIASES = {'stream': 'import'}
RESULTS = os.path.join(common.REPO, 'benchmarks', 'results.json')
WORK = os.path.join(common.REPO, 'benchmarks', 'work')
#: the issue's bound for ``--quick``, in seconds
QUICK_LIMIT = 300


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='benchmarks/run',
        description='Measure marketplace-dashboard against its peers and '
                    'the machine (see benchmarks/__init__.py).')
    parser.add_argument('--quick', action='store_true',
                        help='small inputs (under five minutes)')
    parser.add_argument('--only', default='',
                        help='comma-separated targets: %s'
                        % ', '.join(list(TARGETS) + list(ALIASES)))
    parser.add_argument('--workdir', default=WORK,
                        help='where large temporary files go (default: '
                             'benchmarks/work)')
    parser.add_argument('--results', default=RESULTS,
                        help='JSON output (default: benchmarks/results.json)')
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(',') if n.strip()]
    unknown = [n for n in names if n not in TARGETS and n not in ALIASES]
    if unknown:
        parser.error('unknown target(s): %s' % ', '.join(unknown))
    args.targets = list(dict.fromkeys(ALIASES.get(n, n) for n in names)) \
        or list(TARGETS)
    return args


def log(message):
    print('[%s] %s' % (time.strftime('%H:%M:%S'), message), flush=True)


def run_targets(args, results, failures, durations):
    for name in args.targets:
        module = importlib.import_module(TARGETS[name])
        log('== %s ==' % name)
        started = time.monotonic()
        try:
            results.extend(module.run(args.workdir, quick=args.quick,
                                      log=log))
        except Exception as exc:  # noqa: BLE001 - report, go on
            traceback.print_exc()
            failures[name] = '%s: %s' % (type(exc).__name__, exc)
            results.append(common.Result(
                '%s (not measured)' % name, 'the benchmark could not run',
                None, 0, raw={'error': failures[name]},
                note='could not run: %s' % failures[name]))
        durations[name] = round(time.monotonic() - started, 1)
        log('%s took %.0fs' % (name, durations[name]))


def main(argv=None):
    began = time.monotonic()
    args = parse_args(argv)
    os.makedirs(args.workdir, exist_ok=True)
    meta = {'started': datetime.datetime.now(datetime.UTC).isoformat(
        timespec='seconds'), 'quick': args.quick,
        'machine': common.machine(), 'loadavg_start': common.loadavg()}
    log('%d CPU cores (%s), load average %.2f%s' % (
        meta['machine']['cpus'], meta['machine'].get('cpu', '?'),
        meta['loadavg_start'] or 0,
        ' -- the machine is busy: ratios of parallel code suffer'
        if (meta['loadavg_start'] or 0) > 0.5 else ''))
    results = []
    failures = {}
    durations = {}
    try:
        run_targets(args, results, failures, durations)
    finally:
        loopback.stop()
    total = time.monotonic() - began
    meta['seconds'] = {'total': round(total, 1), 'targets': durations}
    meta['loadavg_end'] = common.loadavg()
    meta['finished'] = datetime.datetime.now(datetime.UTC).isoformat(
        timespec='seconds')
    print()
    print('marketplace-dashboard benchmarks (%s mode), %d cores, load '
          'average %.2f -> %.2f' % ('quick' if args.quick else 'full',
                                    meta['machine']['cpus'],
                                    meta['loadavg_start'] or 0,
                                    meta['loadavg_end'] or 0))
    common.print_table(results)
    slow = args.quick and args.targets == list(TARGETS) and \
        total > QUICK_LIMIT
    meta['quick_over_limit'] = slow if args.quick else None
    common.write_results(args.results, results, meta)
    print('\ntotal time: %dm%02ds (%s)%s' % (
        total // 60, total % 60, ', '.join(
            '%s %.0fs' % kv for kv in durations.items()),
        '  -- OVER the %d s that --quick must take' % QUICK_LIMIT
        if slow else ''))
    print('written: %s' % os.path.relpath(args.results))
    if args.workdir == WORK and not os.listdir(WORK):
        shutil.rmtree(WORK, ignore_errors=True)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
