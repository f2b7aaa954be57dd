from unittest import mock

from django.urls import reverse
from openstack_dashboard.test import helpers as test

from marketplace_dashboard.api import marketplace as api
from tests.unit.dashboard import fixtures

INDEX_URL = reverse('horizon:project:marketplace:index')


def result(entries, start=0, total_filtered=None, total=100):
    return api.SearchResult(
        entries=entries, total=total,
        total_filtered=len(entries) if total_filtered is None
        else total_filtered,
        start=start, page_size=20)


class IndexViewTests(test.TestCase):

    @test.create_mocks({api: ['search', 'imported_images']})
    def test_index_lists_entries(self):
        entry = fixtures.entry()
        self.mock_search.return_value = result([entry])
        self.mock_imported_images.return_value = {}

        res = self.client.get(INDEX_URL)

        self.assertTemplateUsed(res, 'project/marketplace/index.html')
        self.assertContains(res, 'ttylinux 9.3')
        self.mock_search.assert_called_once_with(
            test.IsHttpRequest(), 'stratuslab', mock.ANY, start=0,
            sort='endorsed', sort_dir='desc')
