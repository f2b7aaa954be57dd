# Copyright 2026 The marketplace-dashboard Authors.
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""An in-memory Glance with the GlanceImages interface, and test entries."""

import datetime
import gzip
import hashlib
import itertools
import struct
import threading
import types
import uuid

from marketplace_dashboard.core import model
from marketplace_dashboard.core.glance import (
    GlanceError,
    GlanceForbidden,
    GlanceNotFound,
)
from marketplace_dashboard.core.imports.importer import Importer
from marketplace_dashboard.core.imports.urlfilter import DownloadFilter

#: the header of a qcow2 (v2, 1 GiB, no backing file): the entries say
#: qcow2, and the streamed path inspects the format of what it stages
QCOW2_HEADER = struct.pack('>4sIQIIQ', b'QFI\xfb', 2, 0, 0, 16, 1 << 30
                           ).ljust(512, b'\0')
IMAGE = QCOW2_HEADER + (bytes(range(256)) * 4096)[512:] + b'tail'  # 1 MiB+4
URL = 'http://images.example/a.img'
GZ_URL = 'http://images.example/a.img.gz'
MIRROR = 'https://mirror.example/a.img.gz'
PROJECT = 'a0c1b2d3e4f5a6b7c8d9e0f1a2b3c4d5'
OTHER_PROJECT = 'f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5'


def checksums(data, algorithms=('MD5', 'SHA-1', 'SHA-256', 'SHA-512')):
    return {a: hashlib.new(a.replace('-', '').lower(), data).hexdigest()
            for a in algorithms}


def appliance(data=IMAGE, locations=('http://images.example/a.img',),
              **fields):
    endorsement = model.Endorsement(
        email='jane@example.org', subject='CN=Jane',
        created=datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC))
    values = {
        'identifier': 'MMZu6WNK0rRKlhGf4RmDK3ew6Cg', 'bytes': len(data),
        'checksums': checksums(data), 'os': 'Ubuntu',
        # the format of the data: the streamed path inspects it
        'format': 'qcow2' if data.startswith(QCOW2_HEADER[:4]) else 'raw',
        'os_version': '22.04', 'os_arch': 'x86_64', 'hypervisor': 'kvm',
        'disks_bus': 'virtio', 'locations': list(locations),
        'title': 'Ubuntu 22.04', 'endorsement': endorsement,
        'valid': datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)}
    values.update(fields)
    return model.Appliance(**values)


def verdict(level='verified', **fields):
    return types.SimpleNamespace(level=level, reasons=['because'],
                                 appliance=appliance(**fields))


def _now():
    return datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def _flag(value):
    """Glance's reading of a boolean filter (``True``, ``'true'``...)."""
    return str(value).lower() == 'true'


class FakeImages:
    """GlanceImages over dicts; ``web`` maps URLs to the bytes served.

    Like Glance, listings leave out hidden images (``os_hidden``) unless
    asked for them (``os_hidden=True``, or ``include_hidden``), and only
    shared images have members (``members``: ``{image id: {project:
    status}}``); a new member is ``pending`` until it accepts.
    """

    def __init__(self, methods=('glance-direct', 'web-download'),
                 hash_algo='sha512', project_id=PROJECT):
        self.project_id = project_id  # owner of the images created
        self.is_admin = False
        self.methods = list(methods)
        self.hash_algo = hash_algo
        self.images = {}
        self.web = {}
        self.refuse = set()
        self.calls = []
        self.staged = {}
        self.members = {}
        #: Glance's image_conversion output format (None: not enabled)
        self.convert_to = None
        #: Glance's image_decompression runs
        self.decompresses = False
        self._clock = itertools.count(1)
        self._lock = threading.Lock()

    def import_methods(self):
        return list(self.methods)

    def _image(self, image_id):
        try:
            return self.images[image_id]
        except KeyError:
            raise GlanceNotFound('no image %s' % image_id) from None

    def get(self, image_id):
        return dict(self._image(image_id))

    def find(self, include_hidden=False, **filters):
        tags = set(filters.pop('tag', ()))
        hidden = _flag(filters.pop('os_hidden', False))
        with self._lock:
            return [dict(i) for i in self.images.values()
                    if tags <= set(i.get('tags', ())) and
                    (include_hidden or bool(i.get('os_hidden')) == hidden)
                    and all(i.get(k) == v for k, v in filters.items())]

    def create(self, **props):
        with self._lock:
            image_id = str(uuid.uuid4())
            props.setdefault('owner', self.project_id)
            props.setdefault('visibility', 'shared')  # Glance's default
            image = dict(props, id=image_id, status='queued', size=None,
                         checksum=None, os_hash_algo=None,
                         os_hash_value=None,
                         created_at='2026-11-25T00:00:%02dZ'
                         % (next(self._clock) % 60),
                         updated_at=_now())
            self.images[image_id] = image
            self.calls.append(('create', image_id))
            return dict(image)

    def update(self, image_id, remove_props=None, **props):
        self._image(image_id).update(props, updated_at=_now())
        return self.get(image_id)

    def delete(self, image_id):
        self.calls.append(('delete', image_id))
        with self._lock:
            self.images.pop(image_id, None)

    def deactivate(self, image_id):
        self.calls.append(('deactivate', image_id))
        self._image(image_id)['status'] = 'deactivated'

    def _activate(self, image_id, data, stores=None):
        image = self._image(image_id)
        if self.decompresses and data[:3] == b'\x1f\x8b\x08':
            data = gzip.decompress(data)
        if self.convert_to and image['disk_format'] not in (
                self.convert_to, 'iso'):
            data = b'converted:' + data  # other bytes, another size
            image['disk_format'] = self.convert_to
        image['stores'] = ','.join(stores or ['fs'])
        self._image(image_id).update(
            status='active', size=len(data),
            checksum=hashlib.md5(data).hexdigest(),  # noqa: S324
            os_hash_algo=self.hash_algo,
            os_hash_value=hashlib.new(self.hash_algo, data).hexdigest())

    def web_download(self, image_id, uri, stores=None):
        self.calls.append(('web-download', image_id, uri))
        if uri in self.refuse:
            raise GlanceError('Glance could not import image %s from %s: '
                              'URI for web-download does not pass '
                              'filtering: %s' % (image_id, uri, uri),
                              status=400)
        self._activate(image_id, self.web[uri], stores)

    def stage(self, image_id, fileobj):
        self.calls.append(('stage', image_id))
        chunks = []
        while True:
            chunk = fileobj.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
        self.staged[image_id] = b''.join(chunks)
        self._image(image_id)['status'] = 'uploading'

    def glance_direct(self, image_id, stores=None):
        self.calls.append(('glance-direct', image_id))
        self._activate(image_id, self.staged.pop(image_id), stores)

    def tasks(self, image_id):
        return []

    def _shared(self, image_id):
        if self._image(image_id).get('visibility') != 'shared':
            raise GlanceForbidden('Glance policy does not allow you to '
                                  'share image %s (HTTP 403: Only shared '
                                  'images have members.).' % image_id)
        return self.members.setdefault(image_id, {})

    def add_members(self, image_id, project_ids):
        members = self._shared(image_id)
        for project_id in project_ids:
            members.setdefault(project_id, 'pending')

    def member(self, image_id, project_id):
        """The membership status of *project_id*, or None."""
        try:
            return self._shared(image_id).get(project_id)
        except GlanceError:
            return None


class FakeResponse:
    def __init__(self, status=200, body=b'', location=None, chunk=65536,
                 content_type=None):
        self.status_code = status
        self.reason = 'OK' if status == 200 else 'Error'
        self.headers = {'Location': location} if location else {}
        if content_type:
            self.headers['Content-Type'] = content_type
        self.is_redirect = location is not None
        self.body = body
        self.chunk = chunk
        self.closed = False

    @property
    def raw(self):
        return self  # urllib3's response: stream(size, decode_content)

    def stream(self, size, decode_content=True):
        assert decode_content is False, 'the body must be read as sent'
        return self.iter_content(size)

    def iter_content(self, size):
        for i in range(0, len(self.body), self.chunk):
            yield self.body[i:i + self.chunk]

    def close(self):
        self.closed = True


class FakeSession:
    """``requests.Session`` serving ``routes`` {url: FakeResponse}."""

    def __init__(self, routes):
        self.routes = routes
        self.requested = []

    def get(self, url, **kwargs):
        self.requested.append((url, kwargs))
        return self.routes.get(url) or FakeResponse(404)

    def head(self, url, **kwargs):
        self.requested.append(('HEAD ' + url, kwargs))
        response = self.routes.get(url)
        if isinstance(response, Exception):
            raise response
        answer = FakeResponse(response.status_code if response else 404)
        if response is not None:
            answer.headers = dict(response.headers)  # no body for a HEAD
        return answer


def loopback(url):
    """The download filter letting the host itself fetch *url*, served
    by a test server on a loopback address and a random port."""
    port = int(url.split(':')[2].split('/')[0])
    return DownloadFilter.from_settings({'allowed_hosts': ['127.0.0.1'],
                                         'allowed_ports': [80, 443, port]})


def gz(data):
    return gzip.compress(data, mtime=0)


def make(policy=None, session=None, **glance):
    """A :class:`FakeImages` serving :data:`IMAGE` at :data:`URL`, and an
    importer that never sleeps."""
    images = FakeImages(**glance)
    images.web[URL] = IMAGE
    return images, Importer(images, policy=policy, http_session=session,
                            sleep=lambda seconds: None)


def recording_updates(images):
    """The properties of every ``images.update`` from now on."""
    updates = []
    update = images.update

    def recorded(image_id, remove_props=None, **props):
        updates.append(props)
        return update(image_id, **props)

    images.update = recorded
    return updates


def refuse(*names):
    """A Glance call that Glance policy refuses."""
    def refused(image_id, **props):
        raise GlanceForbidden('Glance policy does not allow you to do that')
    return refused


def streamed_engine(**glance):
    """:func:`make` with a streamed import of :data:`IMAGE` (gzipped at
    :data:`GZ_URL`) started: ``(images, engine, image_id)``."""
    session = FakeSession({GZ_URL: FakeResponse(body=gz(IMAGE))})
    images, engine = make(session=session, **glance)
    status = engine.start(verdict(locations=[GZ_URL]), name='streamed')
    assert status.method == 'glance-direct'
    return images, engine, status.image_id
