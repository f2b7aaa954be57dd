"""Django-free core of marketplace-dashboard.

Nothing under this package may import Django or Horizon: it is used by the
command-line tools, the marketplace service and the tests on its own.
"""
