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

"""A real OpenStack on loopback for the integration tests, the demo and
the benchmarks: never part of the product package (nor of its wheel).

Keystone (sqlite, fernet), Glance (sqlite, file store, ``web-download`` and
``glance-direct``), optionally Placement + Nova (fake virt driver, RabbitMQ)
and Horizon with this plugin, plus memcached, a small HTTP image server and
our own ``marketplace-server``.  Every server binds to 127.0.0.1 on a free
port; all state (databases, keys, images, logs, configuration, the
services' ``HOME`` and ``XDG_*`` directories, Horizon's ``enabled`` files)
lives under one directory; ``stop()`` terminates every process group it
started (SIGTERM, then SIGKILL) and then every process that still carries
the stack's marker (``processes``).

    with Stack(tmpdir, marketplace_settings={...}) as st:
        st.horizon_url, st.demo.username, st.glance(), st.nova()

One module per service: ``processes`` (spawning, the marker, waiting),
``keystone``, ``glance``, ``nova`` (with Placement and RabbitMQ),
``neutron`` (ML2, one shared flat network; its port-binding driver in
``ml2_loopback``), ``horizon`` (with memcached) and ``core`` (the
:class:`Stack` that starts them in phases).  Beside them:
``imageserver``, ``sqlite_immediate``, ``demo`` (``tools/demo``),
``demo_data`` and ``forms``.  Neutron on this stack and Horizon's
launch-instance wizard:
``doc/source/contributor/loopback-stack.rst``.  Based on the tested
recipe in the shared doc ``openstack-on-loopback.md``.
"""

from stack.core import Stack
from stack.keystone import Credentials
from stack.processes import (
                             MARKER,
                             StackError,
                             free_port,
                             free_ports,
                             kill_marked,
                             marked_processes,
)

__all__ = ["MARKER", "Credentials", "Stack", "StackError", "free_port",
           "free_ports", "kill_marked", "marked_processes"]
