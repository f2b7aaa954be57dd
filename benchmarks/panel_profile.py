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

"""Where the Horizon worker spends a panel page (target 3), by hand.

    python -m benchmarks.panel_profile [--pages 40] [--entries 2000]
                                       [--py-spy PATH] [--raw FILE]

It starts the loopback stack of the benchmarks (one Horizon worker) and a
marketplace of signed entries, logs the demo member in, warms the page
(verdicts cached: the second view of target 3) and samples the worker
with py-spy (``--idle``: waiting on Keystone, Glance, the marketplace and
memcached counts) while the member views *pages* pages of 20 rows.  It
prints the share of the worker's request time in each part of the page:
ours (the search and its verdicts, the Glance list, the rows, the row
actions) and Horizon's (its context processor's Keystone project list,
the compressor, the navigation).  py-spy is not a project dependency:
``pip install py-spy`` anywhere (``--py-spy`` or ``PATH``).
"""

import argparse
import collections
import os
import shutil
import signal
import subprocess
import tempfile
import time

from benchmarks import common, loopback

#: (label, a frame of it as py-spy names it, or a tuple of names all in
#: the sample's frames), in the order printed
PARTS = (
    ('our view: search, verdicts, In Glance', 'IndexView.get_data'),
    ('  the marketplace calls (listing, XML)',
     'MarketplaceClient.search_appliances'),
    ('  verdicts (cache, parse)', 'Verifier.entries'),
    ('  the Glance list (In Glance)', 'imported_images'),
    ('the table (rows, cells, row actions)', 'DataTable.render'),
    ('  rows rendered', 'Row.render'),
    ('  row actions (policy, templates)', 'DataTable.render_row_actions'),
    ('    their policy checks', ('DataTable.render_row_actions',
                               'openstack_auth/policy.py')),
    ("Horizon: Keystone's project list", 'User.authorized_tenants'),
    ('Horizon: compressor', 'CompressorNode.render'),
    ('Horizon: navigation', 'horizon_nav'),
)
REQUEST = 'BaseHandler._get_response'


def shares(raw_lines, parts=PARTS, request=REQUEST):
    """``(samples in requests, {label: samples})`` of py-spy's raw output
    (``frame;frame;... count``): a sample counts for a part when one of
    its frames contains the part's name, or each of its names (once per
    sample)."""
    counts = collections.Counter()
    total = 0
    for line in raw_lines:
        stack, _, number = line.rstrip('\n').rpartition(' ')
        if not stack or not number.isdigit():
            continue
        frames = stack.split(';')
        if not any(request in f for f in frames):
            continue
        total += int(number)
        for label, names in parts:
            names = (names,) if isinstance(names, str) else names
            if all(any(name in f for f in frames) for name in names):
                counts[label] += int(number)
    return total, counts


def _page(session, url, start):
    began = time.perf_counter()
    reply = session.get(url, params={'marketplace': 'large',
                                     'start': start}, timeout=300)
    reply.raise_for_status()
    if reply.text.count('data-level="verified"') != 20:
        raise RuntimeError('page %d does not show 20 verified rows' % start)
    return time.perf_counter() - began


def main(argv=None):
    parser = argparse.ArgumentParser(prog='benchmarks.panel_profile')
    parser.add_argument('--pages', type=int, default=40)
    parser.add_argument('--entries', type=int, default=2000)
    parser.add_argument('--py-spy', default=shutil.which('py-spy'))
    parser.add_argument('--raw', help="keep py-spy's raw samples here")
    args = parser.parse_args(argv)
    if not args.py_spy:
        parser.error('py-spy is not on PATH (pip install py-spy; --py-spy)')
    work = os.path.join(common.REPO, 'benchmarks', 'work')
    os.makedirs(work, exist_ok=True)
    data = tempfile.mkdtemp(prefix='profile-', dir=work)
    try:
        loopback.start_stack(work)
        loopback.fill_store(data, args.entries)
        st = loopback.stack(work)
        loopback.start_marketplace('large', data)
        session = loopback.horizon_login(st)
        url = '%s/project/marketplace/' % st.horizon_url
        starts = [20 * (n % 5) for n in range(args.pages)]
        for start in sorted(set(starts)) * 2:  # templates, verdicts
            _page(session, url, start)
        raw = args.raw or os.path.join(data, 'horizon.raw')
        spy = subprocess.Popen(  # noqa: S603 - our own arguments
            [args.py_spy, 'record', '-p', str(loopback.dashboard_pid(st)),
             '-r', '250', '-f', 'raw', '-o', raw, '--idle',
             '--nonblocking'], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        try:
            time.sleep(2)  # py-spy attaches
            seconds = sorted(_page(session, url, s) for s in starts)
        finally:
            spy.send_signal(signal.SIGINT)  # py-spy writes what it has
            spy.wait(60)
        with open(raw) as f:
            total, counts = shares(f)
        per_page = total / 250.0 / len(starts)
        print('%d pages of 20 rows, median %.0f ms; the worker spent %.0f '
              'ms of request time per page (%d samples at 250 Hz):'
              % (len(starts), 1000 * seconds[len(seconds) // 2],
                 1000 * per_page, total))
        for label, _name in PARTS:
            share = counts[label] / total if total else 0
            print('  %-42s %5.1f %%  %4.0f ms' % (label, 100 * share,
                                                 1000 * share * per_page))
    finally:
        loopback.stop()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == '__main__':
    main()
