"""The index's Glance list ("In Glance") runs while the page's documents
are fetched: the real ``api.search`` over a stub catalogue client."""

import threading
import time
from unittest import mock

from openstack_dashboard.test import helpers as test

from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core import errors
from tests.unit.dashboard import fixtures
from tests.unit.dashboard.fixtures import IDENTIFIER, INDEX_URL, glance_image
from tests.unit.dashboard.test_api import page_of

#: how long a stub waits for the other thread before failing the test
PATIENCE = 10


class StubClient:
    """A StratusLab client whose document fetch is *documents_step*,
    called after ``on_rows`` as the real client does."""

    def __init__(self, documents, documents_step):
        self.documents = documents
        self.documents_step = documents_step

    def search_appliances(self, query, on_rows=None):
        page = page_of(self.documents)
        if on_rows is not None:
            on_rows(page)
        self.documents_step()
        return (page, self.documents,
                [api.parse_document(d) for d in self.documents])


class IndexGlanceListTests(test.TestCase):

    def setUp(self):
        super().setUp()
        self.documents = [fixtures.sample('06-signed-testca.xml')]

    def _get(self, documents_step, imported_images):
        stub = StubClient(self.documents, documents_step)
        with mock.patch.object(api, 'client', return_value=stub), \
                mock.patch.object(api, 'imported_images',
                                  side_effect=imported_images) as glance:
            return self.client.get(INDEX_URL), glance

    def test_the_glance_list_runs_while_the_documents_are_fetched(self):
        # Each side waits for the other to have started: made one after
        # the other, the first would wait in vain.
        glance_started = threading.Event()
        documents_started = threading.Event()
        threads = {}

        def documents_step():
            threads['documents'] = threading.get_ident()
            documents_started.set()
            if not glance_started.wait(PATIENCE):
                raise AssertionError('the Glance list did not start')

        def imported_images(request):
            threads['glance'] = threading.get_ident()
            glance_started.set()
            if not documents_started.wait(PATIENCE):
                raise AssertionError('the documents were not fetched')
            return {IDENTIFIER: [glance_image(owner=self.tenant.id)]}

        res, glance = self._get(documents_step, imported_images)

        glance.assert_called_once_with(test.IsHttpRequest())
        self.assertNotEqual(threads['documents'], threads['glance'])
        self.assertMessageCount(res, error=0)
        entry, = res.context['table'].data
        self.assertIsNotNone(entry.image)   # In Glance, from that list
        self.assertContains(res, 'marketplace-in-glance')

    def test_a_glance_failure_in_its_thread_keeps_the_listing(self):
        def imported_images(request):
            raise self.exceptions.glance

        res, glance = self._get(lambda: None, imported_images)

        glance.assert_called_once()
        self.assertEqual(1, len(res.context['table'].data))
        self.assertMessageCount(res, error=1)

    def test_a_failed_document_fetch_waits_for_the_glance_list(self):
        finished = threading.Event()

        def documents_step():
            raise errors.MarketplaceUnavailable('the XML listing timed out')

        def imported_images(request):
            time.sleep(0.2)
            finished.set()
            return {}

        res, glance = self._get(documents_step, imported_images)

        self.assertTrue(finished.is_set())  # not left running
        self.assertEqual([], res.context['table'].data)
        # the search's error only: the Glance list's outcome is not shown
        self.assertMessageCount(res, error=1)
        glance.assert_called_once()
