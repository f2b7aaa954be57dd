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

"""An ML2 mechanism driver for the loopback stack: it binds every port on
a ``flat`` or ``local`` segment, for any host, and marks it ACTIVE.

Nova's fake virt driver plugs nothing, and the stack runs no Neutron
agent; Neutron's own drivers either need a live agent on the host
(``openvswitch``, ``macvtap``, the ``fake_agent`` test drivers) or bind
only the host names of Neutron's unit tests (``test``).  Without a
binding a port stays ``unbound`` and Nova's build fails.

neutron-server imports this module from a copy in ``<state dir>/lib``
(see ``stack/neutron.py``), where a ``dist-info`` directory registers it
as the ``loopback`` entry point of ``neutron.ml2.mechanism_drivers``: ML2
loads mechanism drivers by entry-point name only.  It imports nothing of
the stack or of this project.
"""

from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api

__all__ = ["ENTRY_POINT", "LoopbackMechanismDriver"]

ENTRY_POINT = "loopback"

_BINDABLE = (constants.TYPE_FLAT, constants.TYPE_LOCAL)


class LoopbackMechanismDriver(api.MechanismDriver):
    """Bind each port to its first flat or local segment, VIF type
    ``other``, no port filter, status ACTIVE."""

    def initialize(self):
        pass

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            if segment[api.NETWORK_TYPE] in _BINDABLE:
                context.set_binding(
                    segment[api.ID], portbindings.VIF_TYPE_OTHER,
                    {portbindings.CAP_PORT_FILTER: False},
                    status=constants.PORT_STATUS_ACTIVE)
                return
