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

"""The loopback stack's orchestrator: :class:`Stack` starts the services
of ``keystone``, ``glance``, ``nova`` and ``horizon`` in phases, and the
marketplace service, and stops every process it started.

    with Stack(tmpdir, marketplace_settings={...}) as st:
        st.horizon_url, st.demo.username, st.glance(), st.nova()

Run it alone until interrupted: ``python -m stack DIR``.
"""

import concurrent.futures
import dataclasses
import importlib
import json
import os
import signal
import sys
import threading
import time

from stack.glance import Glance
from stack.horizon import Horizon
from stack.imageserver import ImageServer
from stack.keystone import (
    ADMIN,
    ADMIN_PASSWORD,
    DEMO_PASSWORD,
    DEMO_PROJECT,
    DEMO_USER,
    Credentials,
    Keystone,
)
from stack.neutron import Neutron
from stack.nova import Nova
from stack.processes import (
    MARKER,
    Processes,
    StackError,
    free_ports,
    kill_marked,
)

__all__ = ["Stack", "main"]


class Stack(Processes, Keystone, Glance, Nova, Neutron, Horizon):
    """Start/stop the loopback OpenStack; see the ``stack`` package's
    docstring and ``doc/source/contributor/loopback-stack.rst``."""

    def __init__(self, base_dir, *, nova=True, horizon=True,
                 marketplace=None, memcached=True, horizon_port=None,
                 horizon_workers=2, web_download_ports=(),
                 marketplace_settings=None, marketplace_data_dir=None,
                 glance_options=None, horizon_middleware=(),
                 python=sys.executable):
        self.base = os.path.abspath(base_dir)
        self.python = python
        self.bindir = os.path.dirname(python)
        self.want_nova = nova
        self.want_horizon = horizon
        self.want_memcached = memcached or horizon
        if marketplace is None:
            marketplace = self.marketplace_available()
        self.want_marketplace = marketplace
        self.horizon_workers = horizon_workers
        # appended to Horizon's MIDDLEWARE (e.g. the legacy launch links)
        self.horizon_middleware = tuple(horizon_middleware)
        # the plugin's MARKETPLACE_DASHBOARD setting: a dict, or a
        # callable(stack) -> dict to use the stack's URLs
        self.marketplace_settings = marketplace_settings or {}
        self.marketplace_data_dir = (marketplace_data_dir or
                                     self._p("marketplace"))
        names = ("keystone", "glance", "placement", "nova", "rabbit", "epmd",
                 "rabbit_dist", "memcached", "marketplace", "horizon",
                 "neutron")
        self.ports = dict(zip(names, free_ports(len(names)), strict=True))
        if horizon_port:
            self.ports["horizon"] = horizon_port
        self.keystone_url = "http://127.0.0.1:%d/v3" % self.ports["keystone"]
        self.glance_url = "http://127.0.0.1:%d" % self.ports["glance"]
        self.placement_url = "http://127.0.0.1:%d" % self.ports["placement"]
        self.nova_url = ("http://127.0.0.1:%d/v2.1" % self.ports["nova"]
                         if nova else None)
        # Neutron comes with Nova (the network of its servers)
        self.neutron_url = ("http://127.0.0.1:%d" % self.ports["neutron"]
                            if nova else None)
        self.network_id = None
        self.horizon_url = ("http://127.0.0.1:%d" % self.ports["horizon"]
                            if horizon else None)
        # marketplace-server serves the StratusLab API under /marketplace
        self.marketplace_url = ("http://127.0.0.1:%d/marketplace" %
                                self.ports["marketplace"]
                                if marketplace else None)
        self.memcached_location = "127.0.0.1:%d" % self.ports["memcached"]
        self.admin = Credentials(ADMIN, ADMIN_PASSWORD, ADMIN)
        self.demo = Credentials(DEMO_USER, DEMO_PASSWORD, DEMO_PROJECT)
        self.image_server = ImageServer(self._p("www"),
                                        log_file=self._p("logs",
                                                         "imageserver.log"))
        self.web_download_ports = list(web_download_ports)
        # the stack's own Glance (stack.glance.GlanceOptions; None: plain)
        self.glance_options = glance_options
        # ports of the in-process servers, known once they are bound
        self._extra_ports = {}
        self.procs = {}
        # set by stop(): no process is started after it (start-up threads
        # may still be running when a signal interrupts start())
        self._stopping = threading.Event()
        self._spawn_lock = threading.Lock()
        # stop() may be called from two threads at once (an interrupted
        # start() in a thread stops the stack while its owner does too)
        self._stop_lock = threading.Lock()
        self._novaclient_cache = None
        self.timings = {}
        self._admin_session = None

    # ------------------------------------------------------------ helpers
    @staticmethod
    def marketplace_available():
        """True once marketplace_dashboard.server.app exists and imports
        (the service is optional until it has landed)."""
        try:
            importlib.import_module("marketplace_dashboard.server.app")
        except ImportError:
            return False
        return True

    # ------------------------------------------------------- marketplace
    def _marketplace_start(self):
        exe = self._bin("marketplace-server")
        if not os.path.exists(exe):
            raise StackError("marketplace-server is not installed in %s "
                             "(pip install -e the project)" % self.bindir)
        os.makedirs(self.marketplace_data_dir, exist_ok=True)
        self._spawn("marketplace", [
            exe, "--data-dir", self.marketplace_data_dir,
            "--host", "127.0.0.1", "--port", str(self.ports["marketplace"])])
        self._wait_http("marketplace", self.marketplace_url + "/metadata",
                        ok=(200,), timeout=60)

    # --------------------------------------------------------- lifecycle
    def start(self):
        """Start everything; on any failure or interruption (a signal
        handler raising in the main thread) stop what was started and
        re-raise at once, without waiting for the start-up threads (they
        give up as soon as they see the stack stopping)."""
        t = time.monotonic()
        os.makedirs(self._p("logs"), exist_ok=True)
        self._stopping.clear()
        if self.want_nova and "NOVACLIENT_UUID_CACHE_DIR" not in os.environ:
            # novaclient's completion cache of our own clients (flavors,
            # tests): in the state directory, not ~/.novaclient
            self._novaclient_cache = self._p("home", ".novaclient")
            os.environ["NOVACLIENT_UUID_CACHE_DIR"] = self._novaclient_cache
        pool = concurrent.futures.ThreadPoolExecutor(8)
        try:
            self.image_server.start()
            self._extra_ports["image_server"] = self.image_server.port
            phase1 = [(self._keystone_phase,),
                      (self._timed, "glance_setup", self._glance_setup)]
            if self.want_nova:
                phase1 += [(self._timed, "placement_setup",
                            self._placement_setup),
                           (self._timed, "nova_setup", self._nova_setup),
                           (self._timed, "neutron_setup",
                            self._neutron_setup)]
            if self.want_memcached:
                phase1.append((self._timed, "memcached_start",
                               self._memcached_start))
            if self.want_nova:
                phase1.append((self._timed, "rabbitmq_start",
                               self._rabbit_start))
            self._all(pool, *phase1)
            phase2 = [(self._timed, "glance_start", self._glance_start)]
            if self.want_horizon:
                self._horizon_spawn()
            if self.want_nova:
                phase2 += [(self._nova_phase,), (self._neutron_phase,)]
            if self.want_marketplace:
                phase2.append((self._timed, "marketplace_start",
                               self._marketplace_start))
            self._all(pool, *phase2)
            if self.want_horizon:
                self._timed("horizon_ready", self._horizon_wait)
        except BaseException:
            self.stop()
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        self.timings["total"] = round(time.monotonic() - t, 2)
        self._write("stack.json", json.dumps(self.describe(), indent=2))
        return self

    def all_ports(self):
        """Every loopback port the stack uses: ``{name: port}``."""
        return dict(self.ports, **self._extra_ports)

    def describe(self):
        """The URLs, credentials and ports, e.g. for a ready file."""
        return {
            "keystone_url": self.keystone_url, "glance_url": self.glance_url,
            "nova_url": self.nova_url, "neutron_url": self.neutron_url,
            "network_id": self.network_id, "horizon_url": self.horizon_url,
            "marketplace_url": self.marketplace_url,
            "image_server_url": self.image_server.base_url,
            "admin": dataclasses.asdict(self.admin),
            "demo": dataclasses.asdict(self.demo),
            "state_dir": self.base, "logs": self._p("logs"),
            "ports": self.all_ports(), "marker": "%s=%s" % (MARKER,
                                                           self.base),
        }

    # stopped in this order (later waves are what earlier ones talk to)
    _STOP_WAVES = (("rabbitmq", "memcached"), ("epmd",))

    def stop(self, timeout=10):
        """SIGTERM every process group we started, SIGKILL what is left.

        Services first, then RabbitMQ and memcached, then epmd; then every
        process that still carries the stack's marker (helpers in other
        sessions, strays of a killed group leader).  Returns the pids of
        those strays."""
        with self._spawn_lock:  # nothing starts after this
            self._stopping.set()
        with self._stop_lock:
            return self._stop(timeout)

    def _stop(self, timeout):
        with self._spawn_lock:  # a consistent copy: nothing is added now
            procs = dict(self.procs)
        last = {n for wave in self._STOP_WAVES for n in wave}
        waves = [[n for n in procs if n not in last]]
        waves += [[n for n in wave if n in procs]
                  for wave in self._STOP_WAVES]
        for wave in waves:
            self._stop_group([(n, procs[n]) for n in wave], timeout)
        with self._spawn_lock:
            self.procs.clear()
        strays = kill_marked(self.base)
        self.image_server.stop()
        if (self._novaclient_cache is not None and os.environ.get(
                "NOVACLIENT_UUID_CACHE_DIR") == self._novaclient_cache):
            del os.environ["NOVACLIENT_UUID_CACHE_DIR"]
        self._novaclient_cache = None
        return strays

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    """Run the stack until interrupted: python -m stack DIR."""
    import argparse
    parser = argparse.ArgumentParser(prog="python -m stack",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("state_dir")
    parser.add_argument("--no-nova", action="store_true")
    parser.add_argument("--no-horizon", action="store_true")
    args = parser.parse_args(argv)
    st = Stack(args.state_dir, nova=not args.no_nova,
               horizon=not args.no_horizon)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    with st:
        print(json.dumps(st.describe(), indent=2))
        print(json.dumps(st.timings))
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
    return 0
