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

"""Target 3: the Horizon Marketplace panel with 100 versus 10,000 entries.

Two ``marketplace-server`` processes serve 100 and 10,000 (2,000 with
``--quick``) distinct signed entries, filled through the server's Store
API (signed with the core signer, keys from ``tests/pki.py``) while the
loopback stack starts in the background.  Horizon
on the loopback stack is configured with both (trust: the benchmark CA)
and the demo member logs in through the real login form.  Each sample is
one page of 20 rows (``?marketplace=...&start=N``) fetched over HTTP:

* the *first* view of a page has never been seen (its 20 verdicts are
  computed: signature, binding, chain, constraints);
* the *second* view of the same page comes from the verdict (and listing)
  cache in memcached.

Pages 0, 20, 40, 60 of each marketplace are the samples, interleaved
(small first view, small second view, large first view, large second
view), after warm-up requests that match nothing (templates, SCSS,
connections).  Every measured page must show 20 verified rows.
"""

import os
import re
import shutil
import statistics
import time

from benchmarks import common, loopback

STARTS = (0, 20, 40, 60)


def _timed_get(session, url, params):
    began = time.perf_counter()
    reply = session.get(url, params=params, timeout=300,
                        allow_redirects=False)
    elapsed = time.perf_counter() - began
    if reply.status_code != 200:
        raise RuntimeError('%s answered HTTP %d' % (url, reply.status_code))
    return elapsed, reply


def _view(session, st, name, start):
    url = '%s/project/marketplace/' % st.horizon_url
    elapsed, reply = _timed_get(session, url, {'marketplace': name,
                                               'start': start})
    verified = reply.text.count('data-level="verified"')
    if verified != 20:
        levels = sorted(set(re.findall(r'data-level="([a-z]+)"',
                                       reply.text)))
        errors = re.findall(r'alert-danger[^>]*>(.*?)</div>', reply.text,
                            re.S)
        raise RuntimeError('page %s of %s shows %d verified rows, not 20 '
                           '(levels: %s; errors: %s)' % (
                               start, name, verified, levels,
                               ' '.join(' '.join(e.split())[:300]
                                        for e in errors) or 'none'))
    return elapsed


def run(workdir, quick=False, log=print):
    sizes = {'small': 100, 'large': 2000 if quick else 10000}
    # the stack starts in the background while the entries are signed
    loopback.start_stack(workdir, log=log)
    data_dirs = {}
    for number, (name, count) in enumerate(sizes.items()):
        data_dirs[name] = os.path.join(workdir, 'market-%s' % name)
        shutil.rmtree(data_dirs[name], ignore_errors=True)
        loopback.fill_store(data_dirs[name], count,
                            first_seed=number * 1000000, log=log)
    st = loopback.stack(workdir, log=log)
    for name, data_dir in data_dirs.items():
        loopback.start_marketplace(name, data_dir)
    session = loopback.horizon_login(st)
    url = '%s/project/marketplace/' % st.horizon_url
    log('browse: warming up Horizon')
    for _ in range(3):
        for name in sizes:
            session.get(url, params={'marketplace': name,
                                     'q': 'no-such-appliance'},
                        timeout=600).raise_for_status()
    samples = {key: [] for key in ('small_first', 'small_second',
                                   'large_first', 'large_second')}
    log('browse: timing pages %s of each marketplace' % (STARTS,))
    for start in STARTS:
        for name in sizes:
            samples[name + '_first'].append(_view(session, st, name, start))
            samples[name + '_second'].append(_view(session, st, name, start))
    # the floor: a Horizon page without our rows, and our page matching
    # nothing (same framework, session, Glance call; no rows)
    for _ in STARTS:
        samples.setdefault('horizon_settings_page', []).append(
            _timed_get(session, st.horizon_url + '/settings/', {})[0])
        samples.setdefault('empty_result', []).append(_timed_get(
            session, url, {'marketplace': 'large',
                           'q': 'no-such-appliance'})[0])
    med = {key: statistics.median(values) for key, values in samples.items()}
    raw = {'entries': sizes, 'page_rows': 20, 'pages': list(STARTS),
           'seconds': {k: [round(v, 4) for v in values]
                       for k, values in samples.items()},
           'median_s': {k: round(v, 4) for k, v in med.items()},
           'horizon_workers': st.horizon_workers}
    note = ('Median page time, first view: %d entries %.0f ms, %d entries '
            '%.0f ms; second view %.0f ms / %.0f ms.'
            % (sizes['small'], med['small_first'] * 1000, sizes['large'],
               med['large_first'] * 1000, med['small_second'] * 1000,
               med['large_second'] * 1000) +
            ' For reference: Horizon\'s own /settings/ page %.0f ms, our page '
            'with no matching row %.0f ms (the framework floor that a '
            'verdict cache cannot remove).' % (
                med['horizon_settings_page'] * 1000,
                med['empty_result'] * 1000))
    for name in data_dirs.values():
        shutil.rmtree(name, ignore_errors=True)
    return [
        common.Result('3 browse %d vs %d entries' % (sizes['large'],
                                                     sizes['small']),
                      'panel page (first view) with %d / with %d entries'
                      % (sizes['large'], sizes['small']),
                      round(common.paired_ratio(samples['large_first'],
                                                samples['small_first']), 3),
                      1.2,
                      raw=raw, note=note),
        common.Result('3 browse second view',
                      'second view of a page (cached verdicts) / first '
                      'view (%d entries)' % sizes['large'],
                      round(common.paired_ratio(samples['large_second'],
                                                samples['large_first']), 3),
                      0.3, raw=raw, note=(
                          'Second view %.0f ms vs first %.0f ms: the 20 '
                          'verdicts cost %.0f ms; the rest is Horizon '
                          '(its /settings/ page alone: %.0f ms).' % (
                              med['large_second'] * 1000,
                              med['large_first'] * 1000,
                              (med['large_first'] - med['large_second'])
                              * 1000,
                              med['horizon_settings_page'] * 1000))),
    ]
