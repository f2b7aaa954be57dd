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

"""Placement, Nova (fake virt driver) and RabbitMQ of the loopback stack.

Nova's network is the stack's Neutron (``stack/neutron.py``); Nova does
not wait for VIF-plugged events, which nothing would send (no agent, and
the fake driver plugs nothing).
"""

import os
import shutil
import sysconfig

from stack.keystone import REGION
from stack.processes import StackError, dedent

__all__ = ["FLAVORS", "Nova"]

# name, vcpus, ram MiB, disk GiB
FLAVORS = (("m1.tiny", 1, 512, 1), ("m1.small", 1, 2048, 20),
           ("m1.medium", 2, 4096, 40))



class Nova:
    """Placement, Nova and RabbitMQ's part of :class:`stack.Stack` (mixed
    into it)."""

    def nova(self, creds=None, version=None):
        """A python-novaclient client (admin unless ``creds``), by default
        at the newest microversion novaclient knows."""
        import novaclient
        from novaclient import client
        version = version or novaclient.API_MAX_VERSION.get_string()
        return client.Client(version, session=self.session(creds) if creds
                             else self.admin_session())

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

    # ------------------------------------------------- placement and nova
    def _placement_setup(self):
        conf = self._write("etc/placement/placement.conf", dedent(f"""
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
        return self._write("etc/nova/nova.conf", dedent(f"""
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
            vif_plugging_is_fatal = false
            vif_plugging_timeout = 0
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
            "valid_interfaces = public\n")

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
        the state directory (see stack/sqlite_immediate.py).  Nova's
        services and ``nova-manage`` write to the same databases at the
        same time; a deferred transaction failed a server build in the
        conductor, and ``discover_hosts`` beside the running conductor,
        with ``database is locked``."""
        module = "nova.cmd." + name.split("-", 1)[1]
        # (oslo.log names the log file after this script: bin/<name>)
        script = self._write("bin/%s" % name, self.sqlite_hook() +
                             dedent(f"""
            from {module} import main  # noqa: E402
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

    def _nova_phase(self):
        # conductor and scheduler need only the databases and RabbitMQ;
        # compute reports its resources to placement as it starts
        self._nova_services_start("nova-conductor", "nova-scheduler")
        self._timed("placement_start", self._placement_start)
        self._nova_services_start("nova-compute")
        self._timed("nova_api_start", self._nova_api_start)
        self._timed("flavors", self._flavors)
        self._timed("compute_discover", self._discover_compute)
