"""What the stack describes (the demo's ready file)."""

import stack as stack_mod


def test_describe_lists_every_port(st):
    st.image_server.start()
    st._extra_ports['image_server'] = st.image_server.port
    try:
        described = st.describe()
    finally:
        st.image_server.stop()
    assert set(st.ports) < set(described['ports'])
    assert described['ports']['image_server'] == \
        st._extra_ports['image_server']
    assert described['marker'] == '%s=%s' % (stack_mod.MARKER, st.base)
