"""Neutron's port binding: the loopback mechanism driver, and how the
stack registers it for neutron-server."""

import importlib.metadata

from neutron_lib.api.definitions import portbindings

from stack import ml2_loopback


class _Context:
    def __init__(self, *types):
        self.segments_to_bind = [
            {'id': 'seg-%d' % i, 'network_type': t, 'physical_network': None,
             'segmentation_id': None} for i, t in enumerate(types)]
        self.bound = []

    def set_binding(self, segment_id, vif_type, vif_details, status=None):
        self.bound.append((segment_id, vif_type, vif_details, status))


def test_binds_the_first_flat_or_local_segment_active():
    driver = ml2_loopback.LoopbackMechanismDriver()
    driver.initialize()
    ctx = _Context('vlan', 'flat', 'local')
    driver.bind_port(ctx)
    assert ctx.bound == [('seg-1', portbindings.VIF_TYPE_OTHER,
                          {portbindings.CAP_PORT_FILTER: False}, 'ACTIVE')]


def test_leaves_other_segment_types_unbound():
    ctx = _Context('vxlan', 'vlan')
    ml2_loopback.LoopbackMechanismDriver().bind_port(ctx)
    assert ctx.bound == []


def test_state_dir_lib_registers_the_driver_as_an_entry_point(st,
                                                              monkeypatch):
    st._neutron_lib()
    lib = st._p('lib')
    eps = [ep for dist in importlib.metadata.distributions(path=[lib])
           for ep in dist.entry_points
           if ep.group == 'neutron.ml2.mechanism_drivers']
    assert [ep.name for ep in eps] == [ml2_loopback.ENTRY_POINT]
    monkeypatch.syspath_prepend(lib)
    cls = eps[0].load()
    assert cls.__module__ == 'ml2_loopback'
    assert cls.__name__ == 'LoopbackMechanismDriver'
