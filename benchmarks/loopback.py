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

"""The real loopback stack for the benchmarks that need OpenStack.

One :class:`stack.Stack` (Keystone, Glance
with web-download open to the image server, Horizon with the plugin and
ONE gunicorn worker -- the dashboard process whose bytes read and memory
the import benchmarks measure --, memcached; no Nova) is shared by the
browse and import benchmarks.  :func:`start_stack` starts it in a
background thread (the browse benchmark signs its entries meanwhile),
:func:`stack` waits for it, :func:`stop` ends it and every marketplace
service started here.  Marketplace services are ``marketplace-server``
processes on their own ports (``small`` and ``large`` for browsing,
``bench`` for the import entries; ``load``, target 6, runs its own), filled
beforehand through the server's
:class:`~marketplace_dashboard.server.store.Store` (no HTTP upload; signed
in one process per CPU by :func:`benchmarks.scale.fill`) or by an upload.
"""

import os
import pathlib
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from benchmarks import common, documents, scale

_STATE = {}


def free_port():
    """A free TCP port of 127.0.0.1 (the stack's helper)."""
    from stack import free_port as stack_free_port
    return stack_free_port()


def marketplaces():
    """``{name: port}`` of the marketplaces Horizon is configured with."""
    if 'ports' not in _STATE:
        _STATE['ports'] = {name: free_port()
                           for name in ('small', 'large', 'bench', 'load')}
    return _STATE['ports']


def credentials():
    """The benchmark CA and endorser (made once per run)."""
    if 'pki' not in _STATE:
        _STATE['pki'] = documents.credentials()
    return _STATE['pki']


def ca_file(workdir):
    """The benchmark CA certificate (of this run) as a PEM file."""
    if 'ca_file' not in _STATE:
        path = os.path.join(workdir, 'bench-ca.pem')
        credentials()[0].write_pem(pathlib.Path(path))
        _STATE['ca_file'] = path
    return _STATE['ca_file']


def start_stack(workdir, log=print):
    """Start the stack in a background thread (once); :func:`stack` waits
    for it."""
    if 'stack_thread' in _STATE:
        return
    from stack import Stack

    base = tempfile.mkdtemp(prefix='stack-', dir=workdir)
    # the run's CA, and the one of the signed stores kept between runs
    cas = [ca_file(workdir), scale.credentials(stores_root(workdir))[0]]

    def settings(st):
        return {
            'marketplaces': [
                {'name': name, 'url': 'http://127.0.0.1:%d/marketplace'
                 % port, 'timeout': (5, 60)}
                for name, port in marketplaces().items()],
            'trust': {'ca_files': cas},
            'page_size': 20,
        }

    # one Horizon worker: the dashboard process of the import benchmarks
    st = Stack(base, nova=False, horizon=True, marketplace=False,
               horizon_workers=1, marketplace_settings=settings)
    _STATE['stack_dir'] = base
    _STATE['stack_obj'] = st
    outcome = {}

    def run():
        log('stack: starting Keystone, Glance, memcached, Horizon (no '
            'Nova) in the background')
        started = time.monotonic()
        try:
            st.start()  # stops what it started if it fails
        except BaseException as exc:  # noqa: BLE001 - re-raised by stack()
            outcome['error'] = exc
            return
        outcome['seconds'] = time.monotonic() - started
        log('stack: up in %.0fs' % outcome['seconds'])

    thread = threading.Thread(target=run, name='stack-start', daemon=True)
    _STATE['stack_thread'] = (thread, outcome)
    thread.start()


def stack(workdir, log=print):
    """The started stack (started now unless :func:`start_stack` was
    called); raises what stopped it from starting."""
    start_stack(workdir, log=log)
    thread, outcome = _STATE['stack_thread']
    if thread.is_alive():
        log('stack: waiting for the start-up')
    thread.join()
    if 'error' in outcome:
        raise RuntimeError('the loopback stack did not start: %s'
                           % outcome['error']) from outcome['error']
    _STATE['stack_seconds'] = outcome['seconds']
    return _STATE['stack_obj']


def dashboard_pid(st):
    """Pid of the (single) Horizon gunicorn worker: the dashboard process
    that serves every request and runs the streamed transfers."""
    master = st.procs['horizon'].pid
    children = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            children.append(int(entry))
    if len(children) != 1:
        raise RuntimeError('expected one Horizon worker under gunicorn %d, '
                           'found %s' % (master, children))
    return children[0]


def stores_root(workdir):
    """Where the signed stores kept between runs live
    (:class:`~benchmarks.scale.KeptStore`)."""
    return os.path.join(workdir, 'stores')


def fill_store(data_dir, count, first_seed=0, log=print):
    """*count* distinct signed entries (the run's endorser) written
    through the Store API (seeds *first_seed*...: give each marketplace
    its own documents), signed in one process per CPU."""
    started = time.monotonic()
    stored = scale.fill(data_dir, credentials()[1], count, first_seed)
    log('store: %d entries signed and stored in %.0fs'
        % (count, time.monotonic() - started))
    return stored


def start_marketplace(name, data_dir):
    """Run ``marketplace-server`` for *data_dir* on *name*'s port."""
    port = marketplaces()[name]
    proc = subprocess.Popen(
        [common.tool('marketplace-server'), '--data-dir', data_dir,
         '--host', '127.0.0.1', '--port', str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    _STATE.setdefault('servers', []).append(proc)
    url = 'http://127.0.0.1:%d/marketplace/metadata' % port
    # one row: the bare /metadata lists every entry (seconds at 100,000),
    # which is not what start-up costs
    probe = url + '?iDisplayLength=1&media=json'
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(probe, timeout=5):  # noqa: S310
                return url
        except urllib.error.HTTPError:
            return url  # it answers
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError('marketplace-server %s did not start'
                                   % name) from None
            time.sleep(0.2)


def horizon_login(st, horizon_url=None):
    """A ``requests.Session`` logged in to Horizon (the stack's, or the
    one at *horizon_url*) as the demo member."""
    from lxml import html
    import requests

    session = requests.Session()
    url = '%s/auth/login/?next=%s' % (
        horizon_url or st.horizon_url,
        urllib.parse.quote('/project/marketplace/'))
    page = session.get(url, timeout=300)
    page.raise_for_status()
    form = html.fromstring(page.content).xpath(
        "//form[.//input[@name='csrfmiddlewaretoken']]")[0]
    data = {i.get('name'): i.get('value', '')
            for i in form.xpath('.//input[@name]')}
    data.update(username=st.demo.username, password=st.demo.password)
    if 'domain' in data:
        data['domain'] = st.demo.user_domain
    reply = session.post(url, data=data, allow_redirects=False, timeout=300,
                         headers={'Referer': url})
    if reply.status_code != 302:
        raise RuntimeError('Horizon login failed (HTTP %d)'
                           % reply.status_code)
    return session


def stop():
    """Stop the marketplace services and the stack started here."""
    for proc in _STATE.pop('servers', []):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
    if 'ca_file' in _STATE:
        os.unlink(_STATE.pop('ca_file'))
    st = _STATE.pop('stack_obj', None)
    if st is not None:
        st.stop()  # also makes a start still under way give up
    thread = _STATE.pop('stack_thread', (None, None))[0]
    if thread is not None:
        thread.join(60)
    if 'stack_dir' in _STATE:
        shutil.rmtree(_STATE.pop('stack_dir'), ignore_errors=True)
