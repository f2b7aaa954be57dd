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

"""A real OpenStack on loopback for integration tests and the demo.

Keystone (sqlite, fernet), Glance (sqlite, file store, ``web-download`` and
``glance-direct``), optionally Placement + Nova (fake virt driver, RabbitMQ)
and Horizon with this plugin, plus memcached, a small HTTP image server and,
when the package provides it, our own ``marketplace-server``.  Every server
binds to 127.0.0.1 on a free port; all state (databases, keys, images, logs,
configuration, the services' ``HOME`` and ``XDG_*`` directories, Horizon's
``enabled`` files) lives under one directory; ``stop()`` terminates every
process group it started (SIGTERM, then SIGKILL) and then every process
that still carries the stack's marker (below).

Every process the stack starts gets ``MARKETPLACE_STACK=<state dir>`` in
its environment (``SPT_NOENV=1`` keeps setproctitle, which gunicorn and
the Nova services use to rename themselves, from overwriting it in
``/proc/<pid>/environ``), so that the helpers that leave their process
group -- RabbitMQ's ``inet_gethost``, ``erl_child_setup`` and disk
monitor run in sessions of their own -- are found and stopped too
(:func:`marked_processes`).

    with Stack(tmpdir, marketplace_settings={...}) as st:
        st.horizon_url, st.demo.username, st.glance(), st.nova()

Based on the tested recipe in the shared doc ``openstack-on-loopback.md``.

Nova without Neutron
--------------------
There is no Neutron.  At the API, ``server create`` with compute
microversion >= 2.37 and ``networks='none'`` works and the fake driver
brings the server to ACTIVE (``tests/integration/test_stack.py`` proves
it).  Nova's API still asks Neutron for the security groups of every
server it shows (HTTP 500 ``EndpointNotFound`` otherwise), so Nova alone is
pointed at an empty read-only stub (``neutron_stub.py``) that is not in
the Keystone catalog.

Horizon 27's launch-instance wizard, tried in headless Chromium as the
member user -- opened from Project > Compute > Instances > Launch Instance,
from the Launch button of a Marketplace Imports row and from the launch
deep link, with the same result:

* the steps are Details, Source, Flavor, Key Pair, Configuration, Server
  Groups, Scheduler Hints, Metadata -- no Networks, Network Ports or
  Security Groups step (Horizon hides them without a ``network`` service);
* an error toast "Unable to retrieve the security groups." appears
  (``GET /api/network/securitygroups/`` is a 500:
  ``ServiceCatalogException: Invalid service catalog: network``);
* Source lists the project's Glance images (the image is preselected
  when the wizard is opened with one), Flavor lists m1.tiny/small/medium;
* Nova's limits are not empty: ``GET /api/nova/limits/?reserved=true``
  answers Nova's default quotas (``maxTotalRAMSize`` 51200,
  ``maxTotalCores`` 20, ``maxTotalInstances`` 10, nothing used).  But the
  answer is slow -- about 1.3 s in Nova (as slow as a server list: both
  gather from the cell databases) and 2.3 s through Horizon on an idle
  stack, more on a busy one -- and until it arrives the Flavor step checks
  the flavors against empty limits: every flavor, m1.tiny included, is
  flagged "This flavor requires more RAM (vCPUs) than your quota allows"
  and Launch Instance stays disabled.  Once the limits are in, m1.tiny is
  allowed;
* with a name (Details), the image (Source) and m1.tiny (Flavor), Launch
  Instance is enabled; clicking it is where it STOPS: ``POST
  /api/nova/servers/`` fails in Horizon with ``ValueError: nics are
  required after microversion 2.36`` (novaclient; Horizon sends no
  ``nics`` without Neutron), HTTP 500, the wizard closes, the browser goes
  on to the Instances page (the wizard's success URL) and no server is
  created.

So the wizard is usable up to its last click (and a journey test can
assert the pre-filled source), but launching through it needs Neutron; use
the API (``Stack.nova().servers.create(..., nics='none')``) to launch.
"""

import concurrent.futures
import dataclasses
import glob
import importlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import textwrap
import threading
import time
import urllib.error
import urllib.request

from marketplace_dashboard.testing.imageserver import ImageServer
from marketplace_dashboard.testing.neutron_stub import NeutronStub

ADMIN = "admin"
ADMIN_PASSWORD = "admin-pass"  # noqa: S105 - loopback test stack only
SERVICE_PASSWORD = "service-pass"  # noqa: S105 - loopback test stack only
DEMO_PROJECT = "demo"
DEMO_USER = "demo"
DEMO_PASSWORD = "demo-pass"  # noqa: S105 - loopback test stack only
REGION = "RegionOne"

# name, vcpus, ram MiB, disk GiB
FLAVORS = (("m1.tiny", 1, 512, 1), ("m1.small", 1, 2048, 20),
           ("m1.medium", 2, 4096, 40))

#: environment variable set to the state directory in every process the
#: stack starts (see the module docstring)
MARKER = "MARKETPLACE_STACK"


class StackError(RuntimeError):
    """A component did not start; the message carries its log tail."""


@dataclasses.dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    project: str
    user_domain: str = "Default"
    project_domain: str = "Default"


def free_port():
    return free_ports(1)[0]


def free_ports(count):
    """``count`` distinct free loopback ports.

    All sockets stay bound until every port is chosen, so the kernel cannot
    hand the same port out twice within one call.
    """
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            sockets.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _dedent(text):
    return textwrap.dedent(text).lstrip()


def marked_processes(base_dir):
    """Pids of the live processes whose environment has
    ``MARKETPLACE_STACK=<base_dir>`` (read from ``/proc/<pid>/environ``;
    never this process or its ancestors)."""
    needle = ("%s=%s" % (MARKER, os.path.abspath(base_dir))).encode()
    spared = {os.getpid(), os.getppid()}
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in spared:
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as f:
                environ = f.read().split(b"\0")
        except OSError:  # gone, or not ours to read
            continue
        if needle in environ:
            found.append(int(entry))
    return sorted(found)


def kill_marked(base_dir, timeout=5):
    """SIGTERM every process :func:`marked_processes` finds, SIGKILL those
    still there after *timeout* seconds; returns the pids found."""
    found = marked_processes(base_dir)
    left = found
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in left:
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + timeout
        while True:
            left = sorted(set(left) & set(marked_processes(base_dir)))
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if not left:
            break
    return found


class Stack:
    """Start/stop the loopback OpenStack; see the module docstring."""

    def __init__(self, base_dir, *, nova=True, horizon=True,
                 marketplace=None, memcached=True, horizon_port=None,
                 horizon_workers=2, web_download_ports=(),
                 marketplace_settings=None, marketplace_data_dir=None,
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
        # the plugin's MARKETPLACE_DASHBOARD setting: a dict, or a
        # callable(stack) -> dict to use the stack's URLs
        self.marketplace_settings = marketplace_settings or {}
        self.marketplace_data_dir = (marketplace_data_dir or
                                     self._p("marketplace"))
        names = ("keystone", "glance", "placement", "nova", "rabbit", "epmd",
                 "rabbit_dist", "memcached", "marketplace", "horizon")
        self.ports = dict(zip(names, free_ports(len(names)), strict=True))
        if horizon_port:
            self.ports["horizon"] = horizon_port
        self.keystone_url = "http://127.0.0.1:%d/v3" % self.ports["keystone"]
        self.glance_url = "http://127.0.0.1:%d" % self.ports["glance"]
        self.placement_url = "http://127.0.0.1:%d" % self.ports["placement"]
        self.nova_url = ("http://127.0.0.1:%d/v2.1" % self.ports["nova"]
                         if nova else None)
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
        # only Nova talks to it; see neutron_stub.py
        self.neutron_stub = NeutronStub() if nova else None
        # ports of the in-process servers, known once they are bound
        self._extra_ports = {}
        if self.neutron_stub is not None:
            self._extra_ports["neutron_stub"] = int(
                self.neutron_stub.url.rsplit(":", 1)[1])
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

    def _p(self, *parts):
        return os.path.join(self.base, *parts)

    def _write(self, rel, text):
        path = self._p(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".tmp", "w") as f:
            f.write(_dedent(text))
        os.replace(path + ".tmp", path)
        return path

    def _bin(self, name):
        return os.path.join(self.bindir, name)

    def child_env(self, **extra):
        """The environment of a process the stack starts: ours, with a
        ``HOME`` and ``XDG_*`` directories in the state directory (Nova's
        client cache, stevedore's entry-point cache, Chromium's profile and
        dconf files stay there), the stack's marker and ``SPT_NOENV``
        (see the module docstring), then *extra*."""
        home = self._p("home")
        dirs = {"HOME": home,
                "XDG_CONFIG_HOME": os.path.join(home, ".config"),
                "XDG_CACHE_HOME": os.path.join(home, ".cache"),
                "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
                "XDG_STATE_HOME": os.path.join(home, ".local", "state"),
                "XDG_RUNTIME_DIR": os.path.join(home, "run")}
        for path in dirs.values():
            os.makedirs(path, mode=0o700, exist_ok=True)
        env = dict(os.environ, **dirs)
        env.update({MARKER: self.base, "SPT_NOENV": "1"})
        env.update(extra)
        return env

    def log_tail(self, name, nbytes=4000):
        """The end of a component's log files (for failure messages)."""
        out = []
        for path in sorted(glob.glob(self._p("logs", name + "*"))):
            if not os.path.isfile(path):
                continue
            with open(path, errors="replace") as f:
                f.seek(max(os.path.getsize(path) - nbytes, 0))
                out.append("==> %s <==\n%s" % (path, f.read()))
        return "\n".join(out)

    def _timed(self, key, func, *args):
        t = time.monotonic()
        try:
            return func(*args)
        finally:
            self.timings[key] = round(time.monotonic() - t, 2)

    def _popen(self, name, cmd, env=None, cwd=None, register=False,
               **kwargs):
        """Start *cmd* with the stack's environment, its output appended to
        ``logs/<name>.out``; refused once stop() has begun.  *register*:
        record it in ``procs`` (under the same lock as the refusal, so that
        stop() sees every process it has to stop)."""
        env = dict(env or self.child_env(), **{MARKER: self.base})
        with open(self._p("logs", name + ".out"), "a") as log, \
                self._spawn_lock:
            if self._stopping.is_set():
                raise StackError("the stack is stopping: %s not started"
                                 % name)
            p = subprocess.Popen(  # noqa: S603 - argv built here, no shell
                cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, **kwargs)
            if register:
                self.procs[name] = p
            return p

    def _run(self, name, *cmd, env=None):
        """Run a setup command (fixed argv, never a shell)."""
        p = self._popen(name, cmd, env=env)
        try:
            returncode = p.wait(300)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise StackError("%s did not finish in 300 s:\n%s" % (
                " ".join(cmd), self.log_tail(name))) from None
        if returncode:
            raise StackError("%s failed (exit %d):\n%s" % (
                " ".join(cmd), returncode, self.log_tail(name)))

    def _spawn(self, name, cmd, env=None, cwd=None):
        # own session = own process group: stop() signals exactly it
        self._popen(name, cmd, env=env, cwd=cwd, register=True,
                    start_new_session=True)

    def _check_alive(self, name):
        p = self.procs.get(name)
        if p is not None and p.poll() is not None:
            raise StackError("%s exited with status %s:\n%s" % (
                name, p.returncode, self.log_tail(name)))

    def _wait(self, name, probe, what, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._stopping.is_set():
                raise StackError("the stack is stopping: stopped waiting "
                                 "for %s" % name)
            self._check_alive(name)
            try:
                if probe():
                    return
            except Exception:  # noqa: S110 - not ready yet, retry
                pass
            time.sleep(0.25)
        raise StackError("%s: %s not ready after %ds:\n%s" % (
            name, what, timeout, self.log_tail(name)))

    def _wait_http(self, name, url, ok=(200, 300), timeout=120):
        def probe():
            try:
                with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310
                    return r.status in ok
            except urllib.error.HTTPError as e:
                return e.code in ok
        self._wait(name, probe, "GET " + url, timeout)

    def _wait_port(self, name, port, timeout=60):
        def probe():
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return True
        self._wait(name, probe, "port %d" % port, timeout)

    def _gunicorn(self, name, wsgi_source, port, env, workers=1,
                  timeout=300):
        # oslo.config parses sys.argv inside the apps: hide gunicorn's argv
        self._write("wsgi/%s_app.py" % name, _dedent(wsgi_source))
        self._spawn(name, [
            self._bin("gunicorn"), "--chdir", self._p("wsgi"),
            "--bind", "127.0.0.1:%d" % port, "--workers", str(workers),
            "--threads", "4", "--worker-class", "gthread",
            "--keep-alive", "30",
            "--timeout", str(timeout), "--graceful-timeout", "5",
            "--no-control-socket", "%s_app:application" % name], env=env)

    @staticmethod
    def _wsgi(import_line, prog=None):
        argv = "[%r]" % prog if prog else "sys.argv[:1]"
        # BEGIN IMMEDIATE for SQLite: see testing/sqlite_immediate.py
        return ("import sys\nsys.argv = %s\n" % argv +
                "from marketplace_dashboard.testing import sqlite_immediate\n"
                "sqlite_immediate.install()\n" + import_line +
                "  # noqa: E402,F401\n")

    def _authtoken(self, user):
        return _dedent(f"""
            [keystone_authtoken]
            www_authenticate_uri = {self.keystone_url[:-3]}
            auth_url = {self.keystone_url[:-3]}
            auth_type = password
            project_domain_name = Default
            user_domain_name = Default
            project_name = service
            username = {user}
            password = {SERVICE_PASSWORD}
            """)

    def _service_auth(self, section, user="nova"):
        return _dedent(f"""
            [{section}]
            auth_type = password
            auth_url = {self.keystone_url[:-3]}
            project_domain_name = Default
            user_domain_name = Default
            project_name = service
            username = {user}
            password = {SERVICE_PASSWORD}
            region_name = {REGION}
            """)

    # ---------------------------------------------------------- keystone
    def _keystone_setup(self):
        kdir = self._p("etc", "keystone")
        conf = self._write("etc/keystone/keystone.conf", f"""
            [DEFAULT]
            log_file = {self._p('logs', 'keystone.log')}
            [database]
            connection = sqlite:///{self._p('keystone.db')}?timeout=30
            [token]
            provider = fernet
            [fernet_tokens]
            key_repository = {kdir}/fernet-keys
            [fernet_receipts]
            key_repository = {kdir}/fernet-keys
            [credential]
            key_repository = {kdir}/credential-keys
            [cache]
            enabled = false
            [identity]
            # bcrypt's minimum cost: every login and token of this loopback
            # test stack hashes a password (the default 12 costs ~0.25 s)
            password_hash_rounds = 4
            """)
        km = [self._bin("keystone-manage"), "--config-file", conf]
        user = ["--keystone-user", str(os.getuid()),
                "--keystone-group", str(os.getgid())]
        # the key repositories do not need the database: in parallel
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            self._all(pool, *[
                (self._run, "keystone-manage-%s" % step, *km, step, *args)
                for step, args in (("db_sync", ()), ("fernet_setup", user),
                                   ("credential_setup", user))])
        self._run("keystone-manage", *km, "bootstrap",
                  "--bootstrap-password", ADMIN_PASSWORD,
                  "--bootstrap-username", ADMIN,
                  "--bootstrap-project-name", ADMIN,
                  "--bootstrap-role-name", "admin",
                  "--bootstrap-service-name", "keystone",
                  "--bootstrap-region-id", REGION,
                  "--bootstrap-admin-url", self.keystone_url,
                  "--bootstrap-internal-url", self.keystone_url,
                  "--bootstrap-public-url", self.keystone_url)

    def _keystone_start(self):
        env = self.child_env(OS_KEYSTONE_CONFIG_DIR=self._p("etc",
                                                            "keystone"))
        self._gunicorn("keystone", self._wsgi(
            "from keystone.wsgi.api import application"),
            self.ports["keystone"], env)
        self._wait_http("keystone", self.keystone_url)

    def _identity(self):
        """Service users, catalog, the demo project and member user."""
        sess = self.admin_session()
        K = self.keystone_url

        def get(path, key):
            return sess.get(K + path).json()[key]

        def post(path, key, body):
            return sess.post(K + path, json={key: body}).json()[key]

        roles = {r["name"]: r["id"] for r in get("/roles", "roles")}
        for role in ("member", "reader", "service"):
            if role not in roles:
                roles[role] = post("/roles", "role", {"name": role})["id"]
        service = post("/projects", "project",
                       {"name": "service", "domain_id": "default"})
        users = ["glance"]
        catalog = [("image", "glance", self.glance_url)]
        if self.want_nova:
            users += ["nova", "placement"]
            catalog += [("compute", "nova", self.nova_url),
                        ("placement", "placement", self.placement_url)]

        def add_user(name):
            uid = post("/users", "user", {
                "name": name, "password": SERVICE_PASSWORD,
                "domain_id": "default",
                "default_project_id": service["id"]})["id"]
            for role in ("admin", "service"):
                sess.put(K + "/projects/%s/users/%s/roles/%s" % (
                    service["id"], uid, roles[role]))

        def add_service(stype, name, url):
            sid = post("/services", "service",
                       {"type": stype, "name": name})["id"]
            for iface in ("public", "internal", "admin"):
                post("/endpoints", "endpoint", {
                    "service_id": sid, "interface": iface, "url": url,
                    "region_id": REGION})

        # independent requests: in parallel (keystone runs 4 threads)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            self._all(pool, *[(add_user, name) for name in users],
                      *[(add_service, *c) for c in catalog],
                      (self.create_project_user, DEMO_PROJECT,
                       DEMO_PASSWORD, ("member",), DEMO_USER))
        self._admin_session = None  # its token's catalog predates ours

    def admin_session(self):
        """A keystoneauth session scoped to the admin project."""
        if self._admin_session is None:
            self._admin_session = self.session(self.admin)
        return self._admin_session

    def session(self, creds=None):
        """A keystoneauth session for ``creds`` (default: the demo user)."""
        from keystoneauth1 import session
        from keystoneauth1.identity import v3
        creds = creds or self.demo
        auth = v3.Password(
            auth_url=self.keystone_url, username=creds.username,
            password=creds.password, project_name=creds.project,
            user_domain_name=creds.user_domain,
            project_domain_name=creds.project_domain)
        # connect_retries: clients poll every ~2 s, gunicorn closes idle
        # keep-alive connections after --keep-alive seconds; a request sent
        # on a connection closed meanwhile is retried, not failed.
        return session.Session(auth=auth, timeout=60, connect_retries=2)

    def create_project_user(self, name, password, roles=("member",),
                            username=None):
        """Create project ``name`` and user ``username`` (default ``name``)
        with ``roles`` on it; returns their Credentials."""
        sess = self.admin_session()
        K = self.keystone_url
        username = username or name
        pid = sess.post(K + "/projects", json={"project": {
            "name": name, "domain_id": "default"}}).json()["project"]["id"]
        uid = sess.post(K + "/users", json={"user": {
            "name": username, "password": password, "domain_id": "default",
            "default_project_id": pid}}).json()["user"]["id"]
        all_roles = {r["name"]: r["id"]
                     for r in sess.get(K + "/roles").json()["roles"]}
        for role in roles:
            sess.put(K + "/projects/%s/users/%s/roles/%s" % (
                pid, uid, all_roles[role]))
        return Credentials(username, password, name)

    def glance(self, creds=None):
        """A python-glanceclient v2 client (admin unless ``creds``)."""
        from glanceclient import Client
        return Client("2", session=self.session(creds) if creds
                      else self.admin_session())

    def nova(self, creds=None, version=None):
        """A python-novaclient client (admin unless ``creds``), by default
        at the newest microversion novaclient knows."""
        import novaclient
        from novaclient import client
        version = version or novaclient.API_MAX_VERSION.get_string()
        return client.Client(version, session=self.session(creds) if creds
                             else self.admin_session())

    # ------------------------------------------------------------ glance
    def _glance_setup(self):
        gdir = self._p("etc", "glance")
        for d in ("images", "staging", "tasks", "locks"):
            os.makedirs(self._p("glance", d), exist_ok=True)
        data = sysconfig.get_paths(
            vars={"base": os.path.dirname(self.bindir)})["data"]
        os.makedirs(gdir, exist_ok=True)
        shutil.copy(os.path.join(data, "etc", "glance",
                                 "glance-api-paste.ini"), gdir)
        ports = sorted({80, 443, self.image_server.port,
                        self.ports["marketplace"],
                        *self.web_download_ports})
        conf = self._write("etc/glance/glance-api.conf", _dedent(f"""
            [DEFAULT]
            log_file = {self._p('logs', 'glance-api.log')}
            enabled_backends = fs:file
            enabled_import_methods = [glance-direct,web-download,copy-image]
            worker_self_reference_url = {self.glance_url}
            [glance_store]
            default_backend = fs
            [fs]
            filesystem_store_datadir = {self._p('glance', 'images')}/
            [os_glance_staging_store]
            filesystem_store_datadir = {self._p('glance', 'staging')}/
            [os_glance_tasks_store]
            filesystem_store_datadir = {self._p('glance', 'tasks')}/
            [database]
            connection = sqlite:///{self._p('glance.db')}?timeout=30
            [paste_deploy]
            flavor = keystone
            config_file = {gdir}/glance-api-paste.ini
            [oslo_concurrency]
            lock_path = {self._p('glance', 'locks')}
            [import_filtering_opts]
            # loopback is refused unless allowed, and only 80/443 by default
            allowed_hosts = [127.0.0.1]
            allowed_ports = [{",".join(map(str, ports))}]
            """) + self._authtoken("glance"))
        self._run("glance-manage", self._bin("glance-manage"),
                  "--config-file", conf, "db_sync")
        # Glance's import tasks write from worker threads while the API
        # reads: without WAL they hit "database is locked".
        self._wal("glance.db")

    def _glance_start(self):
        env = self.child_env(OS_GLANCE_CONFIG_DIR=self._p("etc", "glance"))
        self._gunicorn("glance", self._wsgi(
            "from glance.wsgi.api import application"),
            self.ports["glance"], env)
        self._wait_http("glance", self.glance_url + "/", ok=(300,))

    # --------------------------------------------------- rabbit, memcached
    def _rabbit_start(self):
        rdir = self._p("rabbit")
        os.makedirs(os.path.join(rdir, "mnesia"), exist_ok=True)
        os.makedirs(self._p("logs", "rabbitmq"), exist_ok=True)
        with open(os.path.join(rdir, "enabled_plugins"), "w") as f:
            f.write("[].\n")
        # A private epmd on its own port, started (and later killed) by us,
        # so that nothing outlives the stack and parallel stacks coexist.
        # HOME: the Erlang cookie
        env = self.child_env(HOME=rdir,
                             ERL_EPMD_PORT=str(self.ports["epmd"]),
                             ERL_EPMD_ADDRESS="127.0.0.1")
        self._spawn("epmd", ["epmd", "-port", str(self.ports["epmd"]),
                             "-address", "127.0.0.1"], env=env)
        self._wait_port("epmd", self.ports["epmd"])
        env.update(
            RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(self.ports["rabbit"]),
            RABBITMQ_DIST_PORT=str(self.ports["rabbit_dist"]),
            RABBITMQ_NODENAME="mdstack%d@localhost" % self.ports["rabbit"],
            RABBITMQ_MNESIA_BASE=os.path.join(rdir, "mnesia"),
            RABBITMQ_LOG_BASE=self._p("logs", "rabbitmq"),
            RABBITMQ_ENABLED_PLUGINS_FILE=os.path.join(rdir,
                                                       "enabled_plugins"),
            RABBITMQ_CONFIG_FILE=os.path.join(rdir, "rabbitmq"),
            RABBITMQ_ADVANCED_CONFIG_FILE=os.path.join(rdir, "advanced"),
            RABBITMQ_CONF_ENV_FILE=os.path.join(rdir, "rabbitmq-env.conf"),
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=(
                "-kernel inet_dist_use_interface {127,0,0,1}"))
        # the Debian wrapper in /usr/sbin switches to the rabbitmq user;
        # the real script runs as whoever we are with HOME in the state dir
        server = "/usr/lib/rabbitmq/bin/rabbitmq-server"
        if not os.path.exists(server):
            raise StackError("RabbitMQ not found: install the Debian package "
                             "rabbitmq-server (tools/bootstrap does).")
        self._spawn("rabbitmq", [server], env=env, cwd=rdir)
        self._wait_port("rabbitmq", self.ports["rabbit"], timeout=120)

    def _memcached_start(self):
        exe = shutil.which("memcached")
        if exe is None:
            raise StackError("memcached not found: install the Debian "
                             "package memcached (tools/bootstrap does).")
        cmd = [exe, "-l", "127.0.0.1", "-p", str(self.ports["memcached"]),
               "-U", "0", "-m", "128"]
        if os.geteuid() == 0:
            cmd += ["-u", "root"]
        self._spawn("memcached", cmd)
        self._wait_port("memcached", self.ports["memcached"])

    # ------------------------------------------------- placement and nova
    def _placement_setup(self):
        conf = self._write("etc/placement/placement.conf", _dedent(f"""
            [DEFAULT]
            log_file = {self._p('logs', 'placement.log')}
            [api]
            auth_strategy = keystone
            [placement_database]
            connection = sqlite:///{self._p('placement.db')}?timeout=30
            """) + self._authtoken("placement"))
        self._run("placement-manage", self._bin("placement-manage"),
                  "--config-file", conf, "db", "sync")
        self._wal("placement.db")

    def _nova_conf(self):
        ndir = self._p("etc", "nova")
        data = sysconfig.get_paths(
            vars={"base": os.path.dirname(self.bindir)})["data"]
        os.makedirs(ndir, exist_ok=True)
        shutil.copy(os.path.join(data, "etc", "nova", "api-paste.ini"), ndir)
        state = self._p("nova")
        os.makedirs(os.path.join(state, "instances"), exist_ok=True)
        os.makedirs(os.path.join(state, "locks"), exist_ok=True)
        # One sqlite file per nova database; ?timeout= makes writers wait
        # for the lock instead of failing with "database is locked", and
        # the files are switched to WAL after the schema is created.
        return self._write("etc/nova/nova.conf", _dedent(f"""
            [DEFAULT]
            log_dir = {self._p('logs')}
            transport_url = rabbit://guest:guest@127.0.0.1:{self.ports['rabbit']}/
            compute_driver = fake.FakeDriver
            host = stack-compute
            my_ip = 127.0.0.1
            state_path = {state}
            instances_path = {state}/instances
            osapi_compute_listen = 127.0.0.1
            osapi_compute_workers = 1
            graceful_shutdown_timeout = 3
            [api]
            auth_strategy = keystone
            [wsgi]
            api_paste_config = {ndir}/api-paste.ini
            [api_database]
            connection = sqlite:///{self._p('nova_api.db')}?timeout=60
            [database]
            connection = sqlite:///{self._p('nova_cell1.db')}?timeout=60
            [conductor]
            workers = 1
            [scheduler]
            workers = 1
            discover_hosts_in_cells_interval = -1
            [oslo_concurrency]
            lock_path = {state}/locks
            [oslo_messaging_notifications]
            driver = noop
            [notifications]
            notification_format = unversioned
            [vnc]
            enabled = false
            [glance]
            valid_interfaces = public
            [cinder]
            os_region_name = {REGION}
            """) + self._authtoken("nova") +
            self._service_auth("placement") +
            "valid_interfaces = public\n" +
            self._service_auth("service_user") +
            "send_service_user_token = true\n" +
            self._service_auth("neutron") +
            "endpoint_override = %s\n" % self.neutron_stub.url)

    def _nova_setup(self):
        conf = self._nova_conf()
        nm = [self._bin("nova-manage"), "--config-file", conf]
        self._run("nova-manage", *nm, "api_db", "sync")
        self._run("nova-manage", *nm, "cell_v2", "map_cell0",
                  "--database_connection",
                  "sqlite:///%s?timeout=60" % self._p("nova_cell0.db"))
        self._run("nova-manage", *nm, "cell_v2", "create_cell",
                  "--name", "cell1", "--verbose")
        self._run("nova-manage", *nm, "db", "sync")
        self._wal("nova_api.db", "nova_cell0.db", "nova_cell1.db")

    def _wal(self, *names):
        """WAL journals: readers never block the (single) writer."""
        import sqlite3
        for name in names:
            with sqlite3.connect(self._p(name), timeout=30) as c:
                c.execute("PRAGMA journal_mode=WAL")

    def _nova_env(self, api=False):
        env = self.child_env(OS_NOVA_CONFIG_DIR=self._p("etc", "nova"))
        if api:  # its own log file; otherwise it would be "gunicorn.log"
            self._write("etc/nova/nova-api.conf", "[DEFAULT]\nlog_file = "
                        "%s\n" % self._p("logs", "nova-api.log"))
            env["OS_NOVA_CONFIG_FILES"] = "api-paste.ini;nova.conf;" \
                "nova-api.conf"
        return env

    def _placement_start(self):
        env = self.child_env(
            OS_PLACEMENT_CONFIG_DIR=self._p("etc", "placement"))
        self._gunicorn("placement", self._wsgi(
            "from placement.wsgi import init_application\n"
            "application = init_application()"),
            self.ports["placement"], env)
        self._wait_http("placement", self.placement_url + "/")

    def _nova_api_start(self):
        self._gunicorn("nova-api", self._wsgi(
            "from nova.wsgi.osapi_compute import application",
            prog="nova-api"),
            self.ports["nova"], self._nova_env(api=True))
        self._wait_http("nova-api", self.nova_url, ok=(200, 300))

    def _nova_command(self, name):
        """The command of Nova's console script *name* (``nova-conductor``)
        with BEGIN IMMEDIATE for SQLite: its main, run by a launcher in
        the state directory (see testing/sqlite_immediate.py).  Nova's
        services and ``nova-manage`` write to the same databases at the
        same time; a deferred transaction failed a server build in the
        conductor, and ``discover_hosts`` beside the running conductor,
        with ``database is locked``."""
        module = "nova.cmd." + name.split("-", 1)[1]
        # (oslo.log names the log file after this script: bin/<name>)
        script = self._write("bin/%s" % name, _dedent(f"""
            import sys
            from {module} import main
            from marketplace_dashboard.testing import sqlite_immediate
            sqlite_immediate.install()
            sys.exit(main())
            """))
        return [self.python, script]

    def _nova_services_start(self, *names):
        conf = self._p("etc", "nova", "nova.conf")
        for name in names:
            self._spawn(name, self._nova_command(name) +
                        ["--config-file", conf], env=self._nova_env())

    def _flavors(self):
        nova = self.nova()
        have = {f.name for f in nova.flavors.list(is_public=None)}
        for name, vcpus, ram, disk in FLAVORS:
            if name not in have:
                nova.flavors.create(name, ram, vcpus, disk)

    def _discover_compute(self):
        sess = self.admin_session()

        def provider():
            r = sess.get(self.placement_url + "/resource_providers",
                         raise_exc=False)
            return r.status_code == 200 and r.json()["resource_providers"]
        for name in ("nova-conductor", "nova-scheduler"):
            self._check_alive(name)
        self._wait("nova-compute", provider,
                   "compute node in placement", timeout=180)
        # beside the running services: the same SQLite hook as theirs
        self._run("nova-manage", *self._nova_command("nova-manage"),
                  "--config-file", self._p("etc", "nova", "nova.conf"),
                  "cell_v2", "discover_hosts", "--verbose")

    # ----------------------------------------------------------- horizon
    @staticmethod
    def enabled_source_dir():
        import marketplace_dashboard
        return os.path.join(os.path.dirname(os.path.dirname(
            os.path.abspath(marketplace_dashboard.__file__))), "enabled")

    def install_enabled_files(self):
        """Copy ``enabled/_*.py`` into ``<state>/horizon/enabled`` (the
        documented install procedure, with the state directory standing
        for Horizon's ``local/enabled``: the generated local_settings.py
        puts it first in ``openstack_dashboard.local.enabled.__path__``);
        returns the directory.  Copies of ours that earlier versions of
        the stack left in the installed Horizon are removed."""
        target = self._p("horizon", "enabled")
        os.makedirs(target, exist_ok=True)
        src = self.enabled_source_dir()
        for path in sorted(glob.glob(os.path.join(src, "_*.py"))):
            shutil.copyfile(path, os.path.join(target,
                                               os.path.basename(path)))
        self.remove_installed_enabled_files()
        return target

    @staticmethod
    def remove_installed_enabled_files(installed=None):
        """Remove the files of this plugin from the installed Horizon's
        ``local/enabled`` (or *installed*), copied there by earlier versions
        of the stack; returns their paths."""
        if installed is None:
            spec = importlib.util.find_spec("openstack_dashboard")
            installed = os.path.join(os.path.dirname(spec.origin), "local",
                                     "enabled")
        removed = []
        for path in glob.glob(os.path.join(installed, "_*.py")):
            with open(path, errors="replace") as f:
                if "marketplace_dashboard" not in f.read():
                    continue
            try:
                os.unlink(path)
            except FileNotFoundError:  # removed meanwhile
                continue
            removed.append(path)
        return removed

    def _horizon_settings(self):
        hdir = self._p("horizon")
        enabled = self.install_enabled_files()
        plugin = self.marketplace_settings
        if callable(plugin):  # may use our URLs, known only now
            plugin = plugin(self)
        launch = {
            "config_drive": False, "create_volume": False,
            "hide_create_volume": True, "disable_image": False,
            "disable_instance_snapshot": False, "disable_volume": True,
            "disable_volume_snapshot": True, "enable_scheduler_hints": True,
            "enable_metadata": True, "enable_net_ports": True,
            "default_availability_zone": "Any"}
        # openstack_dashboard/settings.py does
        # "from local.local_settings import *"; PYTHONPATH puts this
        # directory before the package's own, so this file wins.
        self._write("horizon/local/__init__.py", "")
        self._write("horizon/local/local_settings.py", _dedent(f"""
            # Generated by marketplace_dashboard.testing.stack
            # This plugin's enabled files, from the state directory: Horizon's
            # settings.py imports this file before update_dashboards() reads
            # openstack_dashboard.local.enabled, whose __path__ now starts
            # with our directory (nothing is written into the installed
            # Horizon).
            from openstack_dashboard.local import enabled as _local_enabled
            _local_enabled.__path__.insert(0, {enabled!r})
            DEBUG = False
            SECRET_KEY = {os.urandom(24).hex()!r}
            ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
            OPENSTACK_HOST = "127.0.0.1"
            OPENSTACK_KEYSTONE_URL = {self.keystone_url!r}
            OPENSTACK_KEYSTONE_DEFAULT_DOMAIN = "Default"
            OPENSTACK_KEYSTONE_DEFAULT_ROLE = "member"
            OPENSTACK_ENDPOINT_TYPE = "publicURL"
            # memcached: sessions, compressor and the plugin's shared state
            # are seen by every worker (LocMem would be per process and
            # culls the session at 300 entries).
            # use_pooling: a bare pymemcache client is not thread-safe
            # (MemcacheUnknownError: b'STORED' under concurrent requests in
            # Horizon's gthread workers).
            # django-compressor keeps ONE cache object for the whole process
            # (compressor.cache.cache), shared by every thread, and Django
            # closes it when the thread that made it finishes a request:
            # closing a pooled client drops every connection of the pool,
            # also those other threads are reading from (AttributeError:
            # 'NoneType' object has no attribute 'recv', an error page).
            # Compressor gets a cache of its own, per process.
            CACHES = {{"default": {{
                "BACKEND":
                    "django.core.cache.backends.memcached.PyMemcacheCache",
                "LOCATION": {self.memcached_location!r},
                "OPTIONS": {{"use_pooling": True}},
                "TIMEOUT": 3600}},
                "compressor": {{
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}}}
            COMPRESS_CACHE_BACKEND = "compressor"
            SESSION_ENGINE = "django.contrib.sessions.backends.cache"
            COMPRESS_OFFLINE = False
            STATIC_ROOT = {hdir + '/static'!r}
            MEDIA_ROOT = {hdir + '/media'!r}
            TIME_ZONE = "UTC"
            LAUNCH_INSTANCE_DEFAULTS = {launch!r}
            MARKETPLACE_DASHBOARD = {dict(plugin)!r}
            LOGGING = {{"version": 1, "disable_existing_loggers": False,
                       "handlers": {{"console": {{
                           "class": "logging.StreamHandler"}}}},
                       "root": {{"handlers": ["console"],
                                "level": "WARNING"}},
                       "loggers": {{"marketplace_dashboard": {{
                           "handlers": ["console"], "level": "INFO",
                           "propagate": False}}}}}}
            """))
        return hdir

    def _horizon_spawn(self):
        hdir = self._horizon_settings()
        env = self.child_env(
            PYTHONPATH=os.pathsep.join(
                [hdir] + [p for p in os.environ.get("PYTHONPATH", "").split(
                    os.pathsep) if p]),
            PYTHONWARNINGS="ignore",
            DJANGO_SETTINGS_MODULE="openstack_dashboard.settings")
        # gunicorn + Django's static files handler (what runserver
        # --insecure does) serves /static/ without collectstatic; SCSS is
        # compiled on the first page view and shared through memcached.
        self._gunicorn("horizon", """
            from django.contrib.staticfiles.handlers import StaticFilesHandler
            from django.core.wsgi import get_wsgi_application
            application = StaticFilesHandler(get_wsgi_application())
            """, self.ports["horizon"], env,
            workers=self.horizon_workers, timeout=600)

    def _horizon_wait(self):
        self._wait_http("horizon", self.horizon_url + "/auth/login/",
                        ok=(200,), timeout=300)

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
    def _keystone_phase(self):
        self._timed("keystone_setup", self._keystone_setup)
        self._timed("keystone_start", self._keystone_start)
        self._timed("identity", self._identity)


    def _nova_phase(self):
        # conductor and scheduler need only the databases and RabbitMQ;
        # compute reports its resources to placement as it starts
        self._nova_services_start("nova-conductor", "nova-scheduler")
        self._timed("placement_start", self._placement_start)
        self._nova_services_start("nova-compute")
        self._timed("nova_api_start", self._nova_api_start)
        self._timed("flavors", self._flavors)
        self._timed("compute_discover", self._discover_compute)

    @staticmethod
    def _all(pool, *calls):
        futures = [pool.submit(*c) for c in calls]
        errors = [f.exception() for f in futures]
        for e in errors:
            if e is not None:
                raise e

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
        pool = concurrent.futures.ThreadPoolExecutor(6)
        try:
            self.image_server.start()
            self._extra_ports["image_server"] = self.image_server.port
            if self.neutron_stub is not None:
                self.neutron_stub.start()
            phase1 = [(self._keystone_phase,),
                      (self._timed, "glance_setup", self._glance_setup)]
            if self.want_nova:
                phase1 += [(self._timed, "placement_setup",
                            self._placement_setup),
                           (self._timed, "nova_setup", self._nova_setup)]
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
                phase2.append((self._nova_phase,))
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
            "nova_url": self.nova_url, "horizon_url": self.horizon_url,
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
        if self.neutron_stub is not None:
            self.neutron_stub.stop()
        if (self._novaclient_cache is not None and os.environ.get(
                "NOVACLIENT_UUID_CACHE_DIR") == self._novaclient_cache):
            del os.environ["NOVACLIENT_UUID_CACHE_DIR"]
        self._novaclient_cache = None
        return strays

    @staticmethod
    def _stop_group(procs, timeout):
        for _name, p in procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout
        for _name, p in procs:
            try:
                p.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                pass
        for _name, p in procs:
            # also children that outlived their group leader
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    """Run the stack until interrupted: python -m ...testing.stack DIR."""
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
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


if __name__ == "__main__":
    sys.exit(main())
