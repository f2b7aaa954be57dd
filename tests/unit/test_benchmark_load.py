"""benchmarks/load.py (target 6): its percentiles, request loops and
results, without a server (the benchmark itself runs by hand)."""

import json
import threading

import pytest

from benchmarks import common, load


@pytest.mark.parametrize('values, q, expected', [
    (list(range(1, 101)), 95, 95),
    (list(range(1, 101)), 99, 99),
    (list(range(1, 101)), 100, 100),
    (list(range(100, 0, -1)), 50, 50),     # order does not matter
    ([1, 2, 3, 4], 50, 2),
    ([1, 2, 3, 4], 51, 3),
    (list(range(1, 11)), 95, 10),          # p95 of 10 values: the largest
    (list(range(1, 51)), 99, 50),
    ([0.25], 99, 0.25),
])
def test_percentile_is_the_nearest_rank(values, q, expected):
    assert load.percentile(values, q) == expected


@pytest.mark.parametrize('values, q', [([], 50), ([1], 0), ([1], 101),
                                       ([1], -5)])
def test_percentile_refuses_what_has_none(values, q):
    with pytest.raises(ValueError):
        load.percentile(values, q)


def test_summary():
    latencies = [0.01] * 98 + [0.5, 1.0]
    figures = load.summary(latencies, 2.0)
    assert figures == {'requests': 100, 'seconds': 2.0, 'rps': 50.0,
                       'p50': 0.01, 'p95': 0.01, 'p99': 0.5, 'max': 1.0}


def test_closed_loop_runs_every_client_its_requests_at_once():
    calls = []
    seen = set()
    lock = threading.Lock()

    def call(client, n):
        with lock:
            calls.append((client, n))
            seen.add(threading.get_ident())

    latencies, seconds = load.closed_loop(5, 3, call)
    assert sorted(calls) == [(c, n) for c in range(5) for n in range(3)]
    assert len(latencies) == 15 and seconds >= 0
    assert len(seen) == 5                  # a thread per client


def test_closed_loop_raises_the_first_error_and_stops():
    calls = []

    def call(client, n):
        calls.append(n)
        if n == 1:
            raise RuntimeError('HTTP 500')

    with pytest.raises(RuntimeError, match='HTTP 500'):
        load.closed_loop(1, 10, call)
    assert calls == [0, 1]


def test_closed_loop_issues_no_request_after_the_deadline():
    calls = []
    with pytest.raises(RuntimeError, match='no request finished'):
        load.closed_loop(1, 5, lambda c, n: calls.append(n), deadline=-1)
    assert calls == []


def test_interleaved_pools_the_rounds_in_order():
    order = []

    def alone():
        order.append('alone')
        return [0.1, 0.1], 0.2

    def together():
        order.append('together')
        return [0.2] * 8, 0.4

    pooled, rounds = load.interleaved(3, alone, together)
    assert order == ['alone', 'together'] * 3
    assert pooled['alone']['requests'] == 6
    assert pooled['alone']['rps'] == pytest.approx(10.0)
    assert pooled['together']['requests'] == 24
    assert pooled['together']['rps'] == pytest.approx(20.0)
    assert len(rounds) == 3 and rounds[0]['together']['p95'] == 0.2


def _pooled(rps, p50, p95, p99):
    return {'requests': 100, 'seconds': 100 / rps, 'rps': rps, 'p50': p50,
            'p95': p95, 'p99': p99, 'max': p99}


def test_results_have_the_suites_shape(tmp_path):
    service = {'alone': _pooled(200, 0.004, 0.006, 0.01),
               'together': _pooled(300, 0.09, 0.12, 0.15)}
    panel = {'alone': _pooled(4, 0.2, 0.25, 0.3),
             'together': _pooled(6, 0.6, 0.75, 0.9)}
    results = load.results(service, panel, cpus=2)
    by_name = {r.name: r for r in results}
    assert set(by_name) == {'6 panel p95, 16 members vs 1',
                            '6 service rps, 32 clients vs 1',
                            '6 service p99, 32 clients vs 1'}
    panel_p95 = by_name['6 panel p95, 16 members vs 1']
    assert (panel_p95.measured, panel_p95.op, panel_p95.target) == (
        3.0, '<=', 2.0)
    assert not panel_p95.met
    rps = by_name['6 service rps, 32 clients vs 1']
    assert (rps.measured, rps.op, rps.target, rps.met) == (1.5, '>=', 1.0,
                                                           True)
    p99 = by_name['6 service p99, 32 clients vs 1']
    assert (p99.measured, p99.op, p99.target, p99.met) == (15.0, '<=', 16.0,
                                                           True)
    assert p99.goal_text == '<= 16x (32 clients / 2 cores)'
    assert load.results(service, panel, cpus=4)[2].target == 8.0
    path = tmp_path / 'results.json'
    common.write_results(str(path), results, {'quick': True})
    written = json.loads(path.read_text())['targets']
    for target in written:
        assert {'name', 'measured', 'target', 'op', 'met'} <= set(target)
        assert target['raw']['service']['alone']['rps'] == 200
        assert target['raw']['panel']['together']['p95'] == 0.75


def test_the_suite_knows_the_target():
    from benchmarks import suite

    assert suite.TARGETS['load'] == 'benchmarks.load'
    assert suite.parse_args(['--only', 'load']).targets == ['load']
