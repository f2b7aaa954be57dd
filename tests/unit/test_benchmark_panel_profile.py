"""benchmarks/panel_profile.py: how py-spy's samples are shared out."""

from benchmarks import panel_profile

RAW = [
    # a request in our view's search
    'Thread.run (threading.py:982);BaseHandler._get_response (django/core/'
    'handlers/base.py:220);IndexView.get_data (marketplace_dashboard/'
    'dashboards/project/marketplace/views.py:90);'
    'MarketplaceClient.search_appliances (marketplace_dashboard/core/'
    'client/marketplace.py:130) 5\n',
    # a row action's policy check
    'Thread.run (threading.py:982);BaseHandler._get_response (django/core/'
    'handlers/base.py:220);DataTable.render (horizon/tables/base.py:1426);'
    'DataTable.render_row_actions (horizon/tables/base.py:1597);'
    'check (openstack_auth/policy.py:150) 3\n',
    # the navigation's policy check: not a row action's
    'Thread.run (threading.py:982);BaseHandler._get_response (django/core/'
    'handlers/base.py:220);horizon_nav (horizon/templatetags/horizon.py:'
    '80);check (openstack_auth/policy.py:150) 2\n',
    # a thread outside any request
    'Thread.run (threading.py:982);ThreadWorker.run (gunicorn/workers/'
    'gthread.py:300) 7\n',
    'not a sample\n',
]


def test_samples_go_to_every_part_they_are_in():
    total, counts = panel_profile.shares(RAW)
    assert total == 10
    assert counts['our view: search, verdicts, In Glance'] == 5
    assert counts['  the marketplace calls (listing, XML)'] == 5
    assert counts['the table (rows, cells, row actions)'] == 3
    assert counts['  row actions (policy, templates)'] == 3
    assert counts['    their policy checks'] == 3
    assert counts['Horizon: navigation'] == 2
    assert counts['  rows rendered'] == 0
