"""Fixtures: signed test documents and a live marketplace on loopback."""

import datetime
import hashlib
import threading

import pytest
from werkzeug.serving import make_server

from marketplace_dashboard.core import builder
from marketplace_dashboard.core.signature import sign_document
from marketplace_dashboard.core.xmlsafe import parse_xml
from tests import pki

UTC = datetime.UTC


@pytest.fixture(scope='session')
def ca():
    return pki.make_ca('Marketplace Test CA', not_before=pki.days_ago(90))


@pytest.fixture(scope='session')
def jane(ca):
    return pki.make_endorser(ca, 'Jane Tester', 'jane@example.org',
                             not_before=pki.days_ago(90))


@pytest.fixture(scope='session')
def bob(ca):
    return pki.make_endorser(ca, 'Bob Tester', 'bob@example.org',
                             not_before=pki.days_ago(90))


def sha1_of(seed):
    return hashlib.sha1(str(seed).encode()).hexdigest()  # noqa: S324


def make_doc(cred, seed=0, created=None, valid_days=100, deprecated=None,
             **fields):
    """A signed document for image *seed*, endorsed at *created*."""
    created = created or datetime.datetime.now(UTC).replace(microsecond=0)
    fields.setdefault('os', 'Ubuntu')
    fields.setdefault('os_version', '22.04')
    fields.setdefault('os_arch', 'x86_64')
    fields.setdefault('title', 'image %s' % seed)
    data = builder.build_document(1024, {'SHA-1': sha1_of(seed)},
                                  valid_days=valid_days, now=created,
                                  **fields)
    if deprecated:
        data = builder.serialize(builder.mark_deprecated(parse_xml(data),
                                                         deprecated))
    return sign_document(data, cred.key, cred.cert, now=created)


def ago(days=0, seconds=0):
    return (datetime.datetime.now(UTC).replace(microsecond=0)
            - datetime.timedelta(days=days, seconds=seconds))


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server('127.0.0.1', 0, app, threaded=True)
        self.url = 'http://127.0.0.1:%d/marketplace' % self.server.port
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def live(tmp_path):
    """Factory: ``live(**create_app_kwargs)`` -> running LiveServer."""
    from marketplace_dashboard.server.app import create_app

    servers = []

    def start(data_dir=None, **kwargs):
        srv = LiveServer(create_app(str(data_dir or tmp_path / 'data'),
                                    **kwargs))
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.stop()
