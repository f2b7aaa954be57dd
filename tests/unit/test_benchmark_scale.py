"""benchmarks/scale.py (target 3 at scale): parallel signing, the signed
stores kept between runs and the service's own figures, on small stores
(the benchmark runs them at 100,000 entries)."""

import datetime
import json
import os
import socket
import subprocess
import time

import pytest
import requests

from benchmarks import common, documents, scale
from marketplace_dashboard.core import trust
from marketplace_dashboard.core.verdict import evaluate
from marketplace_dashboard.server.store import Store

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(scope='module')
def endorser():
    return documents.credentials()[1]


def test_worker_processes_sign_what_one_process_signs(endorser,
                                                      monkeypatch):
    monkeypatch.setattr(scale, 'CHUNK', 3)   # seven seeds, three tasks
    seeds = range(40, 47)
    here = list(scale.signed_pairs(endorser, seeds, processes=1, now=NOW))
    pooled = list(scale.signed_pairs(endorser, seeds, processes=2, now=NOW))
    assert [doc for _, doc in pooled] == [doc for _, doc in here]
    assert len({record.identifier for record, _ in pooled}) == 7
    assert [record.title for record, _ in pooled] == [
        'Benchmark image %d' % seed for seed in seeds]


def test_credentials_are_kept_and_renewed_before_they_expire(tmp_path):
    ca_file, endorser = scale.credentials(str(tmp_path))
    again_file, again = scale.credentials(str(tmp_path))
    assert again_file == ca_file
    assert again.cert.fingerprint(again.cert.signature_hash_algorithm) == \
        endorser.cert.fingerprint(endorser.cert.signature_hash_algorithm)
    before = open(ca_file, 'rb').read()
    late = endorser.cert.not_valid_after_utc - datetime.timedelta(days=300)
    renewed_file, renewed = scale.credentials(str(tmp_path), now=late)
    assert open(renewed_file, 'rb').read() != before
    assert renewed.cert.serial_number != endorser.cert.serial_number


def _trust(ca_file):
    return trust.TrustPolicy.from_dict({'ca_files': [ca_file],
                                        'require_trusted_ca': True})


def test_a_kept_store_is_signed_once_and_verifies(tmp_path):
    store = scale.KeptStore(str(tmp_path), 'browse-5', 5, first_seed=70)
    assert not store.is_current()
    assert store.fill(log=lambda _: None) > 0
    assert store.is_current()
    kept = scale.KeptStore(str(tmp_path), 'browse-5', 5, first_seed=70)
    assert kept.fill(log=lambda _: None) == 0.0
    index = Store(kept.data_dir)
    assert index.count() == 5
    rows = index.connect().execute(
        'SELECT identifier, email, created FROM entries').fetchall()
    document = index.read(*rows[0])
    verdict = evaluate(document, policy=_trust(kept.ca_file))
    assert verdict.level == 'verified', verdict


@pytest.mark.parametrize('change', ['count', 'seed', 'age', 'ca',
                                    'incomplete', 'documents'])
def test_a_kept_store_that_no_longer_matches_is_signed_again(
        tmp_path, change, monkeypatch):
    store = scale.KeptStore(str(tmp_path), 'kept', 3)
    store.fill(log=lambda _: None)
    count, seed, now = 3, 0, None
    if change == 'count':
        count = 4
    elif change == 'seed':
        seed = 1
    elif change == 'age':
        now = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
            days=scale.MAX_AGE_DAYS)
    elif change == 'ca':
        with open(store.ca_file, 'ab') as handle:
            handle.write(b'\n')
    elif change == 'incomplete':
        manifest = store.manifest()
        manifest['complete'] = False
        with open(os.path.join(store.path, scale.MANIFEST), 'w') as handle:
            json.dump(manifest, handle)
    elif change == 'documents':
        monkeypatch.setattr(scale, 'store_key', lambda c, s: {
            'count': c, 'first_seed': s, 'documents_sha256': 'changed'})
    other = scale.KeptStore(str(tmp_path), 'kept', count, first_seed=seed)
    assert not other.is_current(now=now)


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_service_figures_rebuild_start_and_list(tmp_path, endorser):
    data_dir = str(tmp_path / 'data')
    assert scale.fill(data_dir, endorser, 30, first_seed=500,
                      processes=1) == 30
    os.unlink(os.path.join(data_dir, 'index.sqlite3'))   # rebuilt first
    procs = []

    def start():
        port = _free_port()
        procs.append(subprocess.Popen(
            [common.tool('marketplace-server'), '--data-dir', data_dir,
             '--host', '127.0.0.1', '--port', str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        base = 'http://127.0.0.1:%d/marketplace' % port
        for _ in range(150):
            try:
                requests.get(base + '/metadata', timeout=2)
                return base
            except requests.ConnectionError:
                time.sleep(0.1)
        raise AssertionError('marketplace-server did not start')

    try:
        figures = scale.service_figures(data_dir, 30, start, first_seed=500,
                                        repeat=2)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
    assert figures['entries'] == 30
    assert figures['index_bytes'] > 0
    assert figures['rebuild_index_s'] > 0 and figures['startup_s'] > 0
    # the bare /metadata holds every document
    assert figures['whole_listing_s'] > 0
    assert figures['whole_listing_bytes'] > 30 * 1000
    assert {len(v) for v in figures['samples_s'].values()} == {2}
    with pytest.raises(RuntimeError, match='lists 30 entries, not 31'):
        procs.clear()
        try:
            scale.service_figures(data_dir, 31, start, repeat=1)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(10)


def _figures(entries, first, rebuild, startup):
    return {'entries': entries, 'rebuild_index_s': rebuild,
            'startup_s': startup, 'index_bytes': 2e6,
            'whole_listing_s': startup * 10, 'whole_listing_bytes': 3e6,
            'samples_s': {'first_page': first, 'last_page': first,
                          'search': first},
            'median_s': {'first_page': first[1], 'last_page': first[1],
                         'search': first[1]}}


def test_service_results_are_reference_rows():
    rows = scale.service_results({
        'small': _figures(100, [0.010, 0.010, 0.012], 0.2, 0.5),
        'large': _figures(100000, [0.012, 0.011, 0.018], 95.0, 0.6)},
        'small', 'large')
    assert [r.name for r in rows] == [
        '3 service listing 100000 vs 100 entries',
        '3 service --rebuild-index, 100000 entries',
        '3 service start-up, 100000 entries']
    assert all(r.reference and r.met is None for r in rows)
    assert rows[0].measured == 1.2      # median of 1.2, 1.1, 1.5
    assert rows[1].measured == 95.0 and rows[1].unit == ' s'
    assert '1053 entries/s' in rows[1].note
    assert '0.50 s at 100 entries' in rows[2].note
    assert '6.0 s and 3 MB at 100000 entries, 5.00 s at 100' in rows[2].note
