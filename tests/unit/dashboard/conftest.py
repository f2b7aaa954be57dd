def pytest_configure(config):
    # openstack_dashboard.test.helpers marks some of its base classes.
    for name in ('selenium', 'plugin_test'):
        config.addinivalue_line(
            'markers', '%s: Horizon test-helper marker (unused here)' % name)
