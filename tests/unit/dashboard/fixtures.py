"""Entries, images and URLs for the panel tests.

The api layer is mocked in the view tests; its results are real core
objects: parsed sample documents wrapped in ``api.marketplace.Entry``,
image dicts as Glance gives them, ``ImportStatus`` rows.
"""

from xml.sax.saxutils import escape

from django.contrib import messages
from django.urls import reverse

from marketplace_dashboard.api import import_rows
from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core import imports as core_imports
from marketplace_dashboard.core import model
from marketplace_dashboard.core.imports import mapping
from tests import SAMPLES

IDENTIFIER = 'BEE8-MMAw-Lk_IgsEExAy3d9R8h'
EMAIL = 'jane.tester@example.org'
CREATED = '2014-03-08T14:10:40Z'
KEY = {'marketplace': 'stratuslab', 'identifier': IDENTIFIER,
       'email': EMAIL, 'created': CREATED}
INDEX_URL = reverse('horizon:project:marketplace:index')
DETAIL_URL = reverse('horizon:project:marketplace:detail', kwargs=KEY)
DOWNLOAD_URL = reverse('horizon:project:marketplace:download', kwargs=KEY)
IMPORT_URL = reverse('horizon:project:marketplace:import', kwargs=KEY)
IMPORTS_URL = reverse('horizon:project:marketplace:imports')
IMAGE_ID = '5c4f2a2e-8f0e-4b4a-9d8e-0d8b3c6f1a11'
OTHER_ID = '0b7c0c43-3a8e-4b1f-b1a0-94f3f0f6d2c2'
LAUNCH_URL = reverse('horizon:project:marketplace:launch',
                     kwargs={'image_id': IMAGE_ID})
LINK_URL = reverse('horizon:project:marketplace:launch_link',
                   kwargs={'image_id': IMAGE_ID})
AJAX = {'HTTP_X_REQUESTED_WITH': 'XMLHttpRequest'}
#: the test user's project (openstack_dashboard's test data)
PROJECT = '1'


def sample(name):
    return (SAMPLES / name).read_bytes()


def entry(name='06-signed-testca.xml', level='verified', reasons=(),
          warnings=(), marketplace='stratuslab', document=None):
    document = document if document is not None else sample(name)
    verdict = {'level': level, 'reasons': list(reasons),
               'warnings': list(warnings)}
    return api.Entry(marketplace, document, model.parse_appliance(document),
                     verdict)


HOSTILE_TITLE = '<script>alert("title")</script>'
HOSTILE_LOCATION = 'javascript:alert(document.cookie)'


def hostile_document():
    """The testca sample with HTML and script URLs in its fields."""
    text = sample('06-signed-testca.xml').decode()
    text = text.replace(
        '<dcterms:format>raw</dcterms:format>',
        '<dcterms:format>raw</dcterms:format>'
        '<dcterms:title>&lt;script&gt;alert("title")&lt;/script&gt;'
        '</dcterms:title>'
        '<slterms:location>javascript:alert(document.cookie)'
        '</slterms:location>'
        '<slterms:location>pdisk:onehost:8445:1234</slterms:location>'
        '<slterms:location>ftp://ftp.example.org/a.img</slterms:location>'
        '<slterms:location>https://images.example.org/a.img.gz'
        '</slterms:location>'
        '<dcterms:description>&lt;img src=x onerror=alert(1)&gt;'
        '</dcterms:description>')
    return text.encode()


def document_with_locations(*uris):
    """The testca sample (unsigned by the change) listing *uris*."""
    text = sample('06-signed-testca.xml').decode()
    return text.replace(
        '<dcterms:format>raw</dcterms:format>',
        '<dcterms:format>raw</dcterms:format>' + ''.join(
            '<slterms:location>%s</slterms:location>' % escape(uri)
            for uri in uris)).encode()


def image(image_id=IMAGE_ID, status='active', verified=True, **extra):
    props = {'id': image_id, 'name': 'ttylinux 9.3', 'status': status,
             'visibility': 'private', 'size': 128, 'owner': PROJECT,
             'created_at': '2026-11-25T03:00:00Z',
             'marketplace_identifier': IDENTIFIER,
             'marketplace_endorser': EMAIL,
             'marketplace_endorsed_at': CREATED}
    if verified:
        props['marketplace_verified'] = 'true'
    props.update(extra)
    return props


def row(state='active', verified=True, flags=(), progress=None,
        reasons=(), **extra):
    img = image(status='active' if state == 'active' else 'importing',
                verified=verified, **extra)
    status = core_imports.ImportStatus(IMAGE_ID, state, verified=verified,
                                   reasons=list(reasons), progress=progress,
                                   image=img)
    return import_rows.ImportRow(img, status, flags)


def glance_image(status='active', verified=True, owner=PROJECT, **extra):
    """The image dict of an import of the testca sample entry, as
    ``api.marketplace.imported_images`` lists it (the In Glance mark)."""
    appliance = entry().appliance
    props = mapping.image_properties(appliance, 'verified')
    props.update({
        'id': IMAGE_ID, 'name': 'ttylinux 9.3', 'status': status,
        'owner': owner, 'visibility': 'private',
        'created_at': '2026-11-25T03:00:00Z',
        'marketplace_import_method': core_imports.WEB_DOWNLOAD})
    if status == 'active':
        props.update(size=appliance.bytes, os_hash_algo='sha512',
                     os_hash_value=props['marketplace_sha512'],
                     checksum=props['marketplace_md5'])
    if verified:
        props['marketplace_verified'] = 'true'
    props.update(extra)
    return props


def deny(*rules):
    """A POLICY_CHECK_FUNCTION refusing the given rules."""
    def check(actions, request, target=None):
        return not any(tuple(a) in rules for a in actions)
    return check


def messages_of(response):
    """The messages the request of *response* left (Django's storage)."""
    return messages.get_messages(response.wsgi_request)
