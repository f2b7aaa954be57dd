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

"""Neutron of the loopback stack: ``neutron-server``'s API under gunicorn
with ML2, one shared flat network and its subnet, no agent.

* The schema is created from Neutron's models (``create_all``): its
  alembic migrations alter constraints, which SQLite cannot do.
* ``rpc_workers = 0``: no RPC listener, no agent notifier, no DHCP
  scheduling; nothing in the stack talks to an agent.
* Ports are bound by ``ml2_loopback.LoopbackMechanismDriver`` (type
  drivers ``flat`` and ``local``), registered as an entry point by a
  ``dist-info`` directory in ``<state dir>/lib`` beside a copy of the
  module; see ``stack/ml2_loopback.py``.
* Neutron does not notify Nova of port events; Nova does not wait for
  them (``vif_plugging_timeout = 0``, see ``stack/nova.py``).
"""

import os
import shutil
import sysconfig

from stack import ml2_loopback
from stack.processes import dedent

__all__ = ["NETWORK", "PHYSNET", "SUBNET_CIDR", "Neutron"]

# the shared network every project sees (Horizon's launch wizard offers it)
NETWORK = "loopback-net"
PHYSNET = "loopback"
SUBNET_CIDR = "10.42.0.0/24"


class Neutron:
    """Neutron's part of :class:`stack.Stack` (mixed into it)."""

    def _neutron_lib(self):
        """Copy the mechanism driver into ``<state>/lib`` and register it
        as an entry point there (ML2 loads drivers by entry-point name)."""
        lib = self._p("lib")
        os.makedirs(lib, exist_ok=True)
        shutil.copyfile(ml2_loopback.__file__,
                        os.path.join(lib, "ml2_loopback.py"))
        info = "marketplace_stack_ml2-1.0.dist-info"
        self._write("lib/%s/METADATA" % info, dedent("""
            Metadata-Version: 2.1
            Name: marketplace-stack-ml2
            Version: 1.0
            """))
        self._write("lib/%s/entry_points.txt" % info, dedent(f"""
            [neutron.ml2.mechanism_drivers]
            {ml2_loopback.ENTRY_POINT} = ml2_loopback:LoopbackMechanismDriver
            """))

    def _neutron_setup(self):
        ndir = self._p("etc", "neutron")
        data = sysconfig.get_paths(
            vars={"base": os.path.dirname(self.bindir)})["data"]
        os.makedirs(ndir, exist_ok=True)
        shutil.copy(os.path.join(data, "etc", "neutron", "api-paste.ini"),
                    ndir)
        state = self._p("neutron")
        os.makedirs(os.path.join(state, "locks"), exist_ok=True)
        db = "sqlite:///%s?timeout=60" % self._p("neutron.db")
        self._write("etc/neutron/neutron.conf", dedent(f"""
            [DEFAULT]
            log_file = {self._p('logs', 'neutron.log')}
            state_path = {state}
            api_paste_config = {ndir}/api-paste.ini
            core_plugin = ml2
            service_plugins =
            auth_strategy = keystone
            rpc_workers = 0
            rpc_state_report_workers = 0
            enable_traditional_dhcp = false
            dhcp_agent_notification = false
            notify_nova_on_port_status_changes = false
            notify_nova_on_port_data_changes = false
            transport_url = rabbit://guest:guest@127.0.0.1:{self.ports['rabbit']}/
            [database]
            connection = {db}
            [oslo_concurrency]
            lock_path = {state}/locks
            [oslo_messaging_notifications]
            driver = noop
            """) + self._authtoken("neutron"))
        self._write("etc/neutron/ml2_conf.ini", dedent(f"""
            [ml2]
            type_drivers = flat,local
            tenant_network_types = local
            mechanism_drivers = {ml2_loopback.ENTRY_POINT}
            extension_drivers = port_security
            [ml2_type_flat]
            flat_networks = {PHYSNET}
            """))
        self._neutron_lib()
        script = self._write("bin/neutron-schema", dedent("""
            import sys
            import sqlalchemy
            from neutron.db.migration.models import head
            head.get_metadata().create_all(sqlalchemy.create_engine(
                sys.argv[1]))
            """))
        self._run("neutron-schema", self.python, script, db)
        self._wal("neutron.db")

    def _neutron_start(self):
        env = self.child_env(OS_NEUTRON_CONFIG_DIR=self._p("etc", "neutron"),
                             OS_NEUTRON_CONFIG_FILES="neutron.conf;"
                             "ml2_conf.ini")
        self._gunicorn("neutron", self._wsgi(
            "from neutron.wsgi.api import application", prog="neutron-api"),
            self.ports["neutron"], env)
        self._wait_http("neutron", self.neutron_url + "/", ok=(200,))

    def _neutron_network(self):
        """The shared flat network and its subnet (no DHCP: no agent)."""
        sess = self.admin_session()
        url = self.neutron_url + "/v2.0"
        net = sess.post(url + "/networks", json={"network": {
            "name": NETWORK, "shared": True,
            "provider:network_type": "flat",
            "provider:physical_network": PHYSNET}}).json()["network"]
        sess.post(url + "/subnets", json={"subnet": {
            "name": NETWORK + "-subnet", "network_id": net["id"],
            "ip_version": 4, "cidr": SUBNET_CIDR, "enable_dhcp": False}})
        self.network_id = net["id"]

    def _neutron_phase(self):
        self._timed("neutron_start", self._neutron_start)
        self._timed("neutron_network", self._neutron_network)
