"""Horizon's test-helper markers, and each test in the default language.

Django's LocaleMiddleware activates the request's language in the test's
thread and nothing deactivates it afterwards: without the reset below, a
test that asks for a French page would leave the next tests (which call
the API layer outside any request) in French.
"""

from django.utils import translation
import pytest


def pytest_configure(config):
    # openstack_dashboard.test.helpers marks some of its base classes.
    for name in ('selenium', 'plugin_test'):
        config.addinivalue_line(
            'markers', '%s: Horizon test-helper marker (unused here)' % name)


@pytest.fixture(autouse=True)
def default_language():
    translation.deactivate()
    yield
    translation.deactivate()
