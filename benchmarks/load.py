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

"""Target 6: under load -- the panel with 16 members at once, the service
with 32 clients at once, each against one of them alone.

*The service*: a marketplace of 10,000 entries (index records written
through the server's ``Store``; the listing reads the index only, so the
documents are placeholders) served as the service guide recommends for
production: ``gunicorn --workers 4`` running ``create_app``.  A client
asks for what the panel asks for, one page of the JSON listing (20 rows,
newest first, at an offset that moves on with every request).  One
client alone, then 32 clients at once (threads of this process, each
with its own connection pool, each sending its next request as soon as
it has the answer), in interleaved rounds.  Reported: listing requests
per second and the 99th percentile of the latency, 32 clients against
one.  Goals: 32 clients get at least the requests per second of one
(concurrency never loses throughput), and their p99 stays within
``clients / cores`` times one client's (16x on two cores: a request waits
for its share of the cores, no more).

*The panel*: the suite's loopback stack (Keystone, Glance, memcached; the
stack of targets 1 to 3, started here unless they ran) gets a second
Horizon on the same settings with FOUR gunicorn workers (four threads
each), as the install guide recommends, beside the one-worker Horizon the
import benchmarks measure; its marketplace ``load`` holds signed entries
(quick: 200, full: 2,000; trust: the benchmark CA) served by the same
gunicorn setup as above.  Sixteen members (sixteen sessions of the demo
member, each logged in through Horizon's form) browse the panel's pages
of 20 verified rows at once, each asking for its next page as soon as it
has the last; their page times are compared with one member browsing
alone, in interleaved rounds, after a warm-up that has every worker
render pages and every page's verdicts cached (the steady state of
target 3).  Goal: the 95th percentile of a page with 16 members is at
most twice that of one member alone.

Every loop is bounded in requests and in time; all traffic goes to
127.0.0.1.  Latencies are pooled over the rounds; each round's figures
are in the raw results too.
"""

import concurrent.futures
import math
import os
import shutil
import subprocess
import threading
import time

from benchmarks import common, loopback

PANEL_MEMBERS = 16
SERVICE_CLIENTS = 32
HORIZON_WORKERS = 4
SERVICE_WORKERS = 4
SERVICE_ENTRIES = 10000
PAGE_ROWS = 20
#: no request loop runs longer than this (seconds)
LOOP_DEADLINE = 300
#: sizes: signed entries for the panel, rounds, each member's warm-up
#: pages, one member's pages per round, each of the 16 members' pages per
#: round, one client's requests per round, each of the 32 clients'
#: requests per round (quick: about a minute in all)
SIZES = {
    'quick': {'panel_entries': 200, 'rounds': 1, 'warm_up': 1,
              'one_member': 6, 'each_member': 2, 'one_client': 60,
              'each_client': 6},
    'full': {'panel_entries': 2000, 'rounds': 3, 'warm_up': 2,
             'one_member': 16, 'each_member': 5, 'one_client': 200,
             'each_client': 20},
}


def percentile(values, q):
    """The *q*-th percentile (0 < q <= 100) of *values* by the nearest
    rank: the smallest value with at least q % of the values at or below
    it (so the p99 of 50 values is the largest)."""
    if not values:
        raise ValueError('no values')
    if not 0 < q <= 100:
        raise ValueError('percentile %r is not in (0, 100]' % (q,))
    ordered = sorted(values)
    rank = math.ceil(q / 100.0 * len(ordered))
    return ordered[max(rank, 1) - 1]


def summary(latencies, seconds):
    """What a run of requests gives: count, wall time, requests per
    second and latency percentiles (seconds)."""
    return {'requests': len(latencies), 'seconds': round(seconds, 3),
            'rps': round(len(latencies) / seconds, 2) if seconds else None,
            'p50': round(percentile(latencies, 50), 4),
            'p95': round(percentile(latencies, 95), 4),
            'p99': round(percentile(latencies, 99), 4),
            'max': round(max(latencies), 4)}


def closed_loop(clients, each, call, deadline=LOOP_DEADLINE):
    """*clients* threads, started together, each calling ``call(client,
    n)`` *each* times back to back (no new call after *deadline*
    seconds); returns ``(latencies, wall seconds)``.  The first error of
    any call is raised once every thread has stopped."""
    latencies = []
    errors = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = []

    def client(number):
        start.wait()
        mine = []
        for n in range(each):
            if time.monotonic() > stop_at[0] or errors:
                break
            began = time.perf_counter()
            try:
                call(number, n)
            except Exception as exc:  # noqa: BLE001 - re-raised below
                errors.append(exc)
                break
            mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,), daemon=True)
               for i in range(clients)]
    for thread in threads:
        thread.start()
    stop_at.append(time.monotonic() + deadline)
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join(deadline + 120)
    wall = time.perf_counter() - began
    if errors:
        raise errors[0]
    if not latencies:
        raise RuntimeError('no request finished')
    return latencies, wall


def interleaved(rounds, alone, together):
    """Run ``alone()`` and ``together()`` (each returning ``(latencies,
    seconds)``) in *rounds* interleaved rounds; returns their pooled
    :func:`summary` each, and the rounds' figures."""
    pooled = {'alone': ([], 0.0), 'together': ([], 0.0)}
    per_round = []
    for _ in range(rounds):
        figures = {}
        for name, run_it in (('alone', alone), ('together', together)):
            latencies, seconds = run_it()
            pooled[name][0].extend(latencies)
            pooled[name] = (pooled[name][0], pooled[name][1] + seconds)
            figures[name] = summary(latencies, seconds)
        per_round.append(figures)
    return ({name: summary(*values) for name, values in pooled.items()},
            per_round)


def results(service, panel, cpus, clients=SERVICE_CLIENTS,
            members=PANEL_MEMBERS, raw_extra=None):
    """The target's results from the pooled summaries (``{'alone',
    'together'}`` each) of the service and of the panel."""
    one, many = service['alone'], service['together']
    alone, together = panel['alone'], panel['together']
    fair = max(clients / max(cpus, 1), 1.0)
    raw = {'service': service, 'panel': panel, 'cpus': cpus,
           'service_clients': clients, 'panel_members': members,
           **(raw_extra or {})}
    return [
        common.Result(
            '6 panel p95, %d members vs 1' % members,
            'p95 of a panel page (20 verified rows) with %d members '
            'browsing at once / with one member alone' % members,
            round(together['p95'] / alone['p95'], 3), 2.0, raw=raw,
            note='One member: p95 %.0f ms (%.1f pages/s); %d members: p95 '
                 '%.0f ms, p50 %.0f ms (%.1f pages/s in all).' % (
                     alone['p95'] * 1000, alone['rps'], members,
                     together['p95'] * 1000, together['p50'] * 1000,
                     together['rps'])),
        common.Result(
            '6 service rps, %d clients vs 1' % clients,
            'listing requests per second, %d clients at once / one client'
            % clients, round(many['rps'] / one['rps'], 3), 1.0, op='>=',
            raw=raw,
            note='One client: %.0f requests/s, p99 %.1f ms; %d clients: '
                 '%.0f requests/s, p99 %.1f ms.' % (
                     one['rps'], one['p99'] * 1000, clients, many['rps'],
                     many['p99'] * 1000)),
        common.Result(
            '6 service p99, %d clients vs 1' % clients,
            'p99 latency of a listing request, %d clients at once / one '
            'client' % clients, round(many['p99'] / one['p99'], 3),
            round(fair, 3), raw=raw,
            goal='<= %gx (%d clients / %d cores)' % (fair, clients, cpus)),
    ]


# -- the service ---------------------------------------------------------

def _index_store(data_dir, count):
    """*count* index records (placeholder documents), as the listing
    reads them; written without the store's fsync of every file (setup
    data: 20,000 fsyncs took a minute on a busy machine)."""
    import datetime
    import hashlib
    from unittest import mock

    from marketplace_dashboard.core.formats import format_date
    from marketplace_dashboard.core.identifier import identifier_from_sha1
    from marketplace_dashboard.server.records import EntryRecord
    from marketplace_dashboard.server.store import Store

    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    store = Store(data_dir)
    oses = ('Ubuntu', 'Debian', 'CentOS', 'Fedora', 'SL')
    batch = []
    for i in range(count):
        batch.append((EntryRecord(
            identifier=identifier_from_sha1(hashlib.sha1(  # noqa: S324
                b'load%d' % i).hexdigest()),
            email='endorser%d@example.org' % (i % 50),
            created=format_date(now - datetime.timedelta(seconds=i + 60)),
            valid=format_date(now + datetime.timedelta(days=30)),
            os=oses[i % len(oses)], os_version=str(i % 20), os_arch='x86_64',
            kind='machine', title='Load image %d' % i,
            description='Image %d of the load benchmark' % i), b'<doc/>'))
        if len(batch) == 1000 or i == count - 1:
            with mock.patch('os.fsync'):
                store.add_many(batch)
            batch = []


def serve(data_dir, port=None, workers=SERVICE_WORKERS, log=print):
    """``gunicorn --workers N`` running ``create_app(data_dir)`` on
    *port* (default: a free one) of 127.0.0.1; ``(process, base URL)``."""
    import requests

    port = port or loopback.free_port()
    env = dict(os.environ, PYTHONPATH=common.REPO)
    app = 'marketplace_dashboard.server.app:create_app(%r)' % data_dir
    proc = subprocess.Popen(  # noqa: S603 - our own arguments
        [common.tool('gunicorn'), '-b', '127.0.0.1:%d' % port, '--workers',
         str(workers), '--timeout', '60', '--graceful-timeout', '10', app],
        cwd=common.REPO, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    url = 'http://127.0.0.1:%d/marketplace' % port
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(url + '/endorsers', timeout=5).raise_for_status()
            log('load: gunicorn with %d workers serves %s' % (workers,
                                                               data_dir))
            return proc, url
        except requests.RequestException:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_process(proc)
                raise RuntimeError('the marketplace service did not start '
                                   'under gunicorn') from None
            time.sleep(0.2)


def stop_process(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _listing_call(url, entries):
    """``call(client, n)``: the panel's listing request, one page of 20
    at an offset that moves on with each request of each client."""
    import requests

    from marketplace_dashboard.core.client.query import SearchQuery

    sessions = {}
    pages = max(entries // PAGE_ROWS, 1)

    def call(client, n):
        session = sessions.get(client)
        if session is None:
            session = sessions[client] = _keep_alive_retry(
                requests.Session())
        start = ((client * 7 + n) % pages) * PAGE_ROWS
        params = dict(SearchQuery(start=start, length=PAGE_ROWS,
                                  sort='created', sort_dir='desc').params(),
                      media='json')
        reply = session.get(url + '/metadata', params=params, timeout=60)
        reply.raise_for_status()
        if len(reply.json()['aaData']) != PAGE_ROWS:
            raise RuntimeError('a listing page had %d rows, not %d'
                               % (len(reply.json()['aaData']), PAGE_ROWS))
    return call


def measure_service(url, sizes, entries=SERVICE_ENTRIES,
                    clients=SERVICE_CLIENTS, log=print):
    call = _listing_call(url, entries)
    closed_loop(4, 10, call)  # connections, page cache, workers
    pooled, rounds = interleaved(
        sizes['rounds'],
        lambda: closed_loop(1, sizes['one_client'], call),
        lambda: closed_loop(clients, sizes['each_client'], call))
    log('load: service, one client %.0f requests/s (p99 %.1f ms), %d '
        'clients %.0f requests/s (p99 %.1f ms)' % (
            pooled['alone']['rps'], pooled['alone']['p99'] * 1000, clients,
            pooled['together']['rps'], pooled['together']['p99'] * 1000))
    return dict(pooled, rounds=rounds)


# -- the panel -----------------------------------------------------------

def _horizon(st, log=print):
    """A second Horizon on the suite's stack (its settings, Keystone and
    memcached) with four workers; its URL."""
    began = time.monotonic()
    url = st.add_horizon('horizon_load', HORIZON_WORKERS)
    log('load: Horizon with %d workers up in %.0fs'
        % (HORIZON_WORKERS, time.monotonic() - began))
    return url


def _page_call(horizon_url, sessions, pages):
    """``call(member, n)``: member's next panel page, which must show 20
    verified rows."""
    url = '%s/project/marketplace/' % horizon_url

    def call(member, n):
        start = ((member * 3 + n) % pages) * PAGE_ROWS
        reply = sessions[member].get(
            url, params={'marketplace': 'load', 'start': start}, timeout=120,
            allow_redirects=False)
        if reply.status_code != 200:
            raise RuntimeError('the panel answered HTTP %d'
                               % reply.status_code)
        verified = reply.text.count('data-level="verified"')
        if verified != PAGE_ROWS:
            raise RuntimeError('page %d shows %d verified rows, not %d'
                               % (start, verified, PAGE_ROWS))
    return call


def _keep_alive_retry(session):
    """*session* retrying a GET once when the server closed the kept-alive
    connection just as it was reused (gunicorn closes idle ones after its
    keep-alive; a member waiting out the others' rounds is idle)."""
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    adapter = HTTPAdapter(max_retries=Retry(
        total=1, connect=1, read=1, status=0, other=0,
        allowed_methods={'GET'}, raise_on_status=False))
    session.mount('http://', adapter)
    return session


def measure_panel(st, horizon_url, entries, sizes, members=PANEL_MEMBERS,
                  log=print):
    began = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(HORIZON_WORKERS) as pool:
        sessions = list(pool.map(
            lambda _: _keep_alive_retry(loopback.horizon_login(
                st, horizon_url)), range(members)))
    log('load: %d members logged in (%.0fs)' % (members,
                                                time.monotonic() - began))
    pages = entries // PAGE_ROWS
    call = _page_call(horizon_url, sessions, pages)
    # every worker renders pages (templates, compressor: its first page
    # takes seconds), every page's verdicts are cached: the steady state
    closed_loop(members, sizes['warm_up'], call)
    if pages > members:
        closed_loop(1, pages, lambda _member, n: call(0, n))
    pooled, rounds = interleaved(
        sizes['rounds'],
        lambda: closed_loop(1, sizes['one_member'], call),
        lambda: closed_loop(members, sizes['each_member'], call))
    log('load: panel, one member p95 %.0f ms, %d members p95 %.0f ms'
        % (pooled['alone']['p95'] * 1000, members,
           pooled['together']['p95'] * 1000))
    return dict(pooled, rounds=rounds)


def run(workdir, quick=False, log=print):
    sizes = SIZES['quick' if quick else 'full']
    service_dir = os.path.join(workdir, 'load-service')
    panel_dir = os.path.join(workdir, 'load-panel')
    for path in (service_dir, panel_dir):
        shutil.rmtree(path, ignore_errors=True)
    procs = []
    try:
        # the suite's stack (started now unless browse or import did),
        # whose Horizon settings name the 'load' marketplace
        loopback.start_stack(workdir, log=log)
        loopback.fill_store(panel_dir, sizes['panel_entries'],
                            first_seed=5000000, log=log)
        st = loopback.stack(workdir, log=log)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            # the four workers start while the service's records are
            # written
            horizon = pool.submit(_horizon, st, log)
            log('load: storing %d index records for the service'
                % SERVICE_ENTRIES)
            _index_store(service_dir, SERVICE_ENTRIES)
            procs.append(serve(panel_dir,
                               port=loopback.marketplaces()['load'],
                               log=log)[0])
            horizon_url = horizon.result()
        # the service alone on the machine's cores (the stack idle)
        service_proc, service_url = serve(service_dir, log=log)
        procs.append(service_proc)
        service = measure_service(service_url, sizes, log=log)
        stop_process(service_proc)
        panel = measure_panel(st, horizon_url, sizes['panel_entries'],
                              sizes, log=log)
    finally:
        for proc in procs:
            stop_process(proc)
        for path in (service_dir, panel_dir):
            shutil.rmtree(path, ignore_errors=True)
    return results(service, panel, os.cpu_count() or 1, raw_extra={
        'service_entries': SERVICE_ENTRIES,
        'panel_entries': sizes['panel_entries'],
        'horizon_workers': HORIZON_WORKERS,
        'service_workers': SERVICE_WORKERS, 'sizes': sizes})
