"""The api layer and the real core client against a real marketplace.

A plain pytest module (Horizon's TestCase forbids sockets): the
marketplace service runs on loopback, the documents are signed with keys
made by tests/pki.py, and the dashboard's settings point at it.
"""

import datetime
import hashlib
import threading

from django.core.cache import cache
from django.test import RequestFactory
import pytest
from werkzeug.serving import make_server

from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core import builder, errors
from marketplace_dashboard.core import client as core_client
from marketplace_dashboard.core.signature import sign_document
from marketplace_dashboard.core.xmlsafe import parse_xml
from marketplace_dashboard.server.app import create_app
from tests import pki

UTC = datetime.UTC
NOW = datetime.datetime.now(UTC).replace(microsecond=0)


def signed(credential, seed, created, valid_days=100, deprecated=None,
           **fields):
    sha1 = hashlib.sha1(b'image %d' % seed).hexdigest()  # noqa: S324
    fields.setdefault('title', 'Image %d' % seed)
    fields.setdefault('os', 'Ubuntu')
    fields.setdefault('os_version', '24.04')
    fields.setdefault('os_arch', 'x86_64')
    data = builder.build_document(4096, {'SHA-1': sha1},
                                  valid_days=valid_days, now=created,
                                  **fields)
    if deprecated:
        data = builder.serialize(builder.mark_deprecated(parse_xml(data),
                                                         deprecated))
    return sign_document(data, credential.key, credential.cert, now=created)


@pytest.fixture(scope='module')
def pki_set():
    ca = pki.make_ca('Dashboard Live CA')
    rogue_ca = pki.make_ca('Dashboard Rogue CA')
    return {
        'ca': ca,
        'jane': pki.make_endorser(ca, 'Jane Live', 'jane@example.org'),
        'bob': pki.make_endorser(rogue_ca, 'Bob Live', 'bob@example.org'),
    }


@pytest.fixture
def marketplace(tmp_path, pki_set, settings):
    app = create_app(str(tmp_path / 'data'))
    server = make_server('127.0.0.1', 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = 'http://127.0.0.1:%d/marketplace' % server.port
    ca_file = tmp_path / 'ca.pem'
    pki_set['ca'].write_pem(ca_file)
    settings.MARKETPLACE_DASHBOARD = {
        'marketplaces': [{'name': 'live', 'url': url, 'timeout': (2, 10)}],
        'trust': {'ca_files': [str(ca_file)]},
        'page_size': 2,
    }
    cache.clear()
    uploader = core_client.MarketplaceClient(
        core_client.MarketplaceConfig(name='live', url=url))
    try:
        yield uploader
    finally:
        uploader.close()
        server.shutdown()
        server.server_close()
        thread.join(5)


def request():
    return RequestFactory().get('/project/marketplace/')


def test_search_pages_and_verdicts_from_a_live_marketplace(marketplace,
                                                           pki_set):
    jane, bob = pki_set['jane'], pki_set['bob']
    documents = {
        'trusted-new': signed(jane, 1, NOW - datetime.timedelta(hours=1)),
        'trusted-old': signed(jane, 2, NOW - datetime.timedelta(hours=2)),
        'rogue': signed(bob, 3, NOW - datetime.timedelta(hours=3)),
        'expired': signed(jane, 4, NOW - datetime.timedelta(days=10),
                          valid_days=1),
    }
    for document in documents.values():
        marketplace.upload(document)

    first = api.search(request(), 'live', {'status': 'valid'})
    assert [e.title for e in first.entries] == ['Image 1', 'Image 2']
    assert [e.level for e in first.entries] == ['verified', 'verified']
    assert (first.total_filtered, first.has_more, first.has_prev) == (
        3, True, False)

    second = api.search(request(), 'live', {'status': 'valid'},
                        start=first.next_start)
    assert [e.title for e in second.entries] == ['Image 3']
    assert second.entries[0].level == 'untrusted'
    assert any('does not chain to a trusted CA' in r
               for r in second.entries[0].reasons)
    assert (second.has_more, second.has_prev, second.prev_start) == (
        False, True, 0)

    expired = api.search(request(), 'live', {'status': 'expired'})
    assert [(e.title, e.level) for e in expired.entries] == [
        ('Image 4', 'expired')]

    by_endorser = api.search(request(), 'live',
                             {'endorser': 'bob@example.org'})
    assert [e.email for e in by_endorser.entries] == ['bob@example.org']

    sorted_by_title = api.search(request(), 'live', {}, sort='title',
                                 sort_dir='asc')
    assert [e.title for e in sorted_by_title.entries] == ['Image 1',
                                                          'Image 2']


def test_entry_and_versions_from_a_live_marketplace(marketplace, pki_set):
    jane = pki_set['jane']
    endorsed = NOW - datetime.timedelta(hours=5)
    original = signed(jane, 7, endorsed)
    deprecated = signed(jane, 7, NOW - datetime.timedelta(hours=1),
                        deprecated='superseded by image 8')
    marketplace.upload(original)
    marketplace.upload(deprecated)
    first = api.search(request(), 'live', {'status': 'deprecated'})
    key = first.entries[0]

    entry = api.entry(request(), 'live', key.identifier, key.email,
                      key.created_key)
    assert entry.document == deprecated
    assert entry.level == 'deprecated'
    assert entry.deprecated_reason == 'superseded by image 8'

    old = api.entry(request(), 'live', key.identifier, key.email,
                    endorsed.strftime('%Y-%m-%dT%H:%M:%SZ'))
    assert old.document == original
    assert old.level == 'verified'

    versions = api.versions(request(), 'live', key.identifier)
    assert [v.level for v in versions] == ['deprecated']

    with pytest.raises(errors.MarketplaceHTTPError) as info:
        api.entry(request(), 'live', key.identifier, 'nobody@example.org',
                  key.created_key)
    assert info.value.status == 404


def test_marketplace_down_is_a_client_error(marketplace, settings):
    settings.MARKETPLACE_DASHBOARD = {'marketplaces': [
        {'name': 'live', 'url': 'http://127.0.0.1:9/marketplace',
         'timeout': (1, 1)}]}
    with pytest.raises(errors.MarketplaceUnavailable):
        api.search(request(), 'live', {})
