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

"""Signed stores at scale, and the marketplace service's figures on them.

Target 3 browses a marketplace of 100,000 signed entries (2,000 with
``--quick``).  Signing them takes minutes even in parallel, so a
:class:`KeptStore` is kept between runs under ``<workdir>/stores/``: the
signed documents, the service's index and a manifest, endorsed by a CA
and endorser kept there too (:func:`credentials`, generated once with
``tests/pki.py``; Horizon trusts that CA besides the run's).  A store is
signed again when its manifest does not match (entry count, first seed,
the source of ``benchmarks/documents.py``, the kept CA) or is older than
:data:`MAX_AGE_DAYS` (the documents are valid for a year).
:func:`signed_pairs` signs in one worker process per CPU (``spawn``: the
suite's stack starts in a thread of this process meanwhile, and forking
a threaded process is unsafe).

:func:`service_figures` measures what the service itself costs at that
size, the service stopped first: ``marketplace-server --rebuild-index``
(every document read and parsed again), the start-up until a listing of
one row answers, the bare ``/metadata`` (every document, unpaged), and
the listing requests the panel makes (first page, last page, a text
search) straight to the service.
"""

import contextlib
import datetime
import hashlib
import json
import multiprocessing
import os
import shutil
import statistics
import time
from unittest import mock

from benchmarks import common, documents

__all__ = ['KeptStore', 'MAX_AGE_DAYS', 'credentials', 'fill',
           'service_figures', 'signed_pairs', 'store_key']

MAX_AGE_DAYS = 30
MANIFEST = 'bench-store.json'
#: seeds signed per task of a worker process
CHUNK = 250
_WORKER = {}


def _init_worker(key_pem, cert_pem):
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from tests import pki

    _WORKER['endorser'] = pki.Credential(
        serialization.load_pem_private_key(key_pem, None),
        x509.load_pem_x509_certificate(cert_pem))


def _sign(seeds, now):
    from marketplace_dashboard.core.model import parse_appliance
    from marketplace_dashboard.server.records import EntryRecord

    pairs = []
    for seed in seeds:
        document = documents.signed(_WORKER['endorser'], seed, now=now)
        pairs.append((EntryRecord.from_appliance(parse_appliance(document)),
                      document))
    return pairs


def _sign_task(task):
    return _sign(*task)


def signed_pairs(endorser, seeds, processes=None, now=None):
    """``(EntryRecord, document)`` for each of *seeds*, in order, signed
    by *endorser* in *processes* worker processes (default: one per
    CPU; 1 signs here)."""
    seeds = list(seeds)
    processes = processes or os.cpu_count() or 1
    now = now or datetime.datetime.now(datetime.UTC)
    chunks = [seeds[i:i + CHUNK] for i in range(0, len(seeds), CHUNK)]
    if processes == 1 or len(chunks) < 2:
        _init_worker(endorser.key_pem(), endorser.cert_pem())
        for chunk in chunks:
            yield from _sign(chunk, now)
        return
    context = multiprocessing.get_context('spawn')
    with context.Pool(processes, _init_worker,
                      (endorser.key_pem(), endorser.cert_pem())) as pool:
        for pairs in pool.imap(_sign_task, [(c, now) for c in chunks]):
            yield from pairs


def store_key(count, first_seed):
    """What a kept store must match: its size, seeds and the source that
    makes its documents."""
    with open(documents.__file__, 'rb') as source:
        digest = hashlib.sha256(source.read()).hexdigest()
    return {'count': count, 'first_seed': first_seed,
            'documents_sha256': digest}


def _load_credentials(directory):
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from tests import pki

    def read(name):
        with open(os.path.join(directory, name), 'rb') as handle:
            return handle.read()

    ca = x509.load_pem_x509_certificate(read('ca.pem'))
    endorser = pki.Credential(
        serialization.load_pem_private_key(read('endorser-key.pem'), None),
        x509.load_pem_x509_certificate(read('endorser.pem')))
    return ca, endorser


def credentials(root, now=None):
    """The CA certificate file and the endorser (key and certificate) of
    the kept stores under *root*: made once (``<root>/pki``), made again
    when the endorser has less than a year left."""
    import pathlib

    directory = os.path.join(root, 'pki')
    now = now or datetime.datetime.now(datetime.UTC)
    try:
        ca, endorser = _load_credentials(directory)
        if endorser.cert.not_valid_after_utc - now > \
                datetime.timedelta(days=365):
            return os.path.join(directory, 'ca.pem'), endorser
    except (OSError, ValueError):
        pass
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    ca, endorser = documents.credentials()
    ca.write_pem(pathlib.Path(directory, 'ca.pem'))
    endorser.write_pem(pathlib.Path(directory, 'endorser.pem'))
    endorser.write_key(pathlib.Path(directory, 'endorser-key.pem'))
    return os.path.join(directory, 'ca.pem'), endorser


def _file_sha256(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


class KeptStore:
    """*count* signed entries (seeds *first_seed*...) kept in
    ``<root>/<name>`` between runs, endorsed by the kept endorser of
    :func:`credentials` (its CA: ``ca_file``, for Horizon's trust)."""

    def __init__(self, root, name, count, first_seed=0):
        self.path = os.path.join(root, name)
        self.data_dir = os.path.join(self.path, 'data')
        self.ca_file, self._endorser = credentials(root)
        self.count = count
        self.first_seed = first_seed

    @property
    def _manifest_path(self):
        return os.path.join(self.path, MANIFEST)

    def _key(self):
        return dict(store_key(self.count, self.first_seed),
                    ca_sha256=_file_sha256(self.ca_file))

    def manifest(self):
        try:
            with open(self._manifest_path) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return None

    def is_current(self, now=None):
        """True if the kept entries can be used as they are."""
        manifest = self.manifest()
        if not manifest or not manifest.get('complete'):
            return False
        key = self._key()
        if {k: manifest.get(k) for k in key} != key:
            return False
        try:
            made = datetime.datetime.fromisoformat(manifest['made'])
        except (KeyError, TypeError, ValueError):
            return False
        now = now or datetime.datetime.now(datetime.UTC)
        return now - made < datetime.timedelta(days=MAX_AGE_DAYS)

    def fill(self, log=print):
        """Sign and store the entries unless they are current; the
        seconds it took (0 if they were kept)."""
        name = os.path.basename(self.path)
        if self.is_current():
            log('store %s: %d signed entries kept from an earlier run'
                % (name, self.count))
            return 0.0
        shutil.rmtree(self.path, ignore_errors=True)
        os.makedirs(self.path)
        started = time.monotonic()
        fill(self.data_dir, self._endorser, self.count, self.first_seed)
        manifest = dict(self._key(), complete=True,
                        made=datetime.datetime.now(datetime.UTC).isoformat(
                            timespec='seconds'))
        with open(self._manifest_path, 'w') as handle:
            json.dump(manifest, handle, indent=1)
        seconds = time.monotonic() - started
        log('store %s: %d entries signed (%d processes) and stored in %.0fs'
            % (name, self.count, os.cpu_count() or 1, seconds))
        return seconds


def fill(data_dir, endorser, count, first_seed=0, processes=None):
    """Store *count* entries signed by *endorser* through the server's
    Store API, 1,000 per transaction.  Setup data: the store's fsync of
    every file is left out (one ``sync`` at the end instead), as 100,000
    fsyncs take minutes."""
    from marketplace_dashboard.core.model import parse_appliance
    from marketplace_dashboard.server.store import Store

    store = Store(data_dir, parse=parse_appliance)
    batch = []
    pairs = signed_pairs(endorser, range(first_seed, first_seed + count),
                         processes)
    with mock.patch('marketplace_dashboard.server.records.os.fsync'):
        for pair in pairs:
            batch.append(pair)
            if len(batch) == 1000:
                store.add_many(batch)
                batch = []
        if batch:
            store.add_many(batch)
    os.sync()
    return store.count()


# -- the service's own figures ---------------------------------------------

def _listing(session, base, **query):
    from marketplace_dashboard.core.client.query import SearchQuery

    params = dict(SearchQuery(length=20, sort='created', sort_dir='desc',
                              **query).params(), media='json')
    began = time.perf_counter()
    reply = session.get(base + '/metadata', params=params, timeout=120)
    elapsed = time.perf_counter() - began
    reply.raise_for_status()
    return elapsed, reply.json()


def service_figures(data_dir, count, start_service, first_seed=0,
                    repeat=7):
    """The service's costs on *data_dir* (*count* entries of seeds
    *first_seed*...), measured with the service stopped and then started
    by ``start_service()`` (which returns its base URL once it answers);
    a dict of seconds."""
    import requests

    from marketplace_dashboard.server.store import INDEX_NAME

    rebuild = common.run([common.tool('marketplace-server'), '--data-dir',
                          data_dir, '--rebuild-index'], timeout=3600)
    index_bytes = os.path.getsize(os.path.join(data_dir, INDEX_NAME))
    began = time.perf_counter()
    base = start_service()
    startup = time.perf_counter() - began
    samples = {'first_page': [], 'last_page': [], 'search': []}
    with contextlib.closing(requests.Session()) as session:
        _listing(session, base)  # connection, page cache
        # the bare /metadata: every entry's document, as StratusLab lists
        # (counted as it arrives: 451 MB at 100,000 entries)
        began = time.perf_counter()
        with session.get(base + '/metadata', timeout=600,
                         stream=True) as whole:
            whole.raise_for_status()
            whole_bytes = sum(len(chunk)
                              for chunk in whole.iter_content(1 << 20))
        whole_listing = time.perf_counter() - began
        for n in range(repeat):
            elapsed, first = _listing(session, base)
            samples['first_page'].append(elapsed)
            if int(first['iTotalDisplayRecords']) != count:
                raise RuntimeError('the service lists %s entries, not %d'
                                   % (first['iTotalDisplayRecords'], count))
            samples['last_page'].append(
                _listing(session, base, start=max(count - 20, 0))[0])
            elapsed, found = _listing(session, base, text='Benchmark image %d'
                                      % (first_seed + count // 2 + n))
            samples['search'].append(elapsed)
            if not found['aaData']:
                raise RuntimeError('a text search found nothing')
    return {'entries': count, 'rebuild_index_s': round(rebuild, 2),
            'startup_s': round(startup, 3), 'index_bytes': index_bytes,
            'whole_listing_s': round(whole_listing, 3),
            'whole_listing_bytes': whole_bytes,
            'samples_s': {k: [round(v, 4) for v in values]
                          for k, values in samples.items()},
            'median_s': {k: round(statistics.median(values), 4)
                         for k, values in samples.items()}}


def service_results(figures, small, large):
    """The reference rows of target 3 for the service: its listing at
    *large* versus *small* entries, its ``--rebuild-index`` and start-up
    at *large* (``figures``: :func:`service_figures` by name)."""
    big, little = figures[large], figures[small]
    count = big['entries']
    listing = common.paired_ratio(big['samples_s']['first_page'],
                                  little['samples_s']['first_page'])
    note = ('Straight to the service (marketplace-server), 20 rows: first '
            'page %.1f ms at %d entries, %.1f ms at %d; last page %.1f ms '
            '/ %.1f ms; a text search %.0f ms / %.1f ms.  Index %.1f MB.' % (
                big['median_s']['first_page'] * 1000, count,
                little['median_s']['first_page'] * 1000, little['entries'],
                big['median_s']['last_page'] * 1000,
                little['median_s']['last_page'] * 1000,
                big['median_s']['search'] * 1000,
                little['median_s']['search'] * 1000,
                big['index_bytes'] / 1e6))
    raw = {'service': figures}
    return [
        common.Result('3 service listing %d vs %d entries'
                      % (count, little['entries']),
                      'service listing request, first page of 20, at %d / '
                      'at %d entries' % (count, little['entries']),
                      round(listing, 3), 0, raw=raw, note=note,
                      reference=True),
        common.Result('3 service --rebuild-index, %d entries' % count,
                      'marketplace-server --rebuild-index (every document '
                      'read and parsed) at %d entries' % count,
                      big['rebuild_index_s'], 0, unit=' s', raw=raw,
                      note='%.0f entries/s (%.2f s at %d entries).' % (
                          count / max(big['rebuild_index_s'], 1e-9),
                          little['rebuild_index_s'], little['entries']),
                      reference=True),
        common.Result('3 service start-up, %d entries' % count,
                      'marketplace-server start until a listing of one row '
                      'answers, at %d entries' % count,
                      big['startup_s'], 0, unit=' s', raw=raw,
                      note='%.2f s at %d entries.  The bare /metadata (every '
                      'document, unpaged): %.1f s and %.0f MB at %d entries, '
                      '%.2f s at %d.' % (
                          little['startup_s'], little['entries'],
                          big['whole_listing_s'],
                          big['whole_listing_bytes'] / 1e6, count,
                          little['whole_listing_s'], little['entries']),
                      reference=True),
    ]
