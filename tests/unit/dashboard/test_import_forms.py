"""The import form's parsing of what the user typed.
"""


from openstack_dashboard.test import helpers as test

from marketplace_dashboard.dashboards.project.marketplace import (
    import_forms,
)


class ParsePropertiesTests(test.TestCase):

    def test_lines(self):
        self.assertEqual({'a': '1', 'b.c': 'x=y'},
                         import_forms.parse_properties(' a = 1 \n\nb.c=x=y\n'))
        self.assertEqual({}, import_forms.parse_properties(''))
