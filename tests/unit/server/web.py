"""Talking to the marketplace service in the tests: requests and what
they answer."""

import pathlib

from lxml import etree
import requests

from tests import SAMPLES

BEE8 = 'BEE8-MMAw-Lk_IgsEExAy3d9R8h'
JANE = 'jane.tester@example.org'


def sample(name):
    return (SAMPLES / name).read_bytes()


def post(srv, data, ctype='application/xml', **kw):
    return requests.post(srv.url + '/metadata', data=data, timeout=30,
                         headers={'Content-Type': ctype}, **kw)


def get(srv, path, **params):
    headers = params.pop('headers', {})
    return requests.get(srv.url + path, params=params, headers=headers,
                        timeout=30)


def listing(srv, path='/metadata', **params):
    params.setdefault('media', 'json')
    response = get(srv, path, **params)
    assert response.status_code == 200, response.text
    return response.json()


def keys(doc):
    return [(r[7], r[4], r[6]) for r in doc['aaData']]


def stored_files(root):
    return sorted(p for p in pathlib.Path(root).rglob('*.xml'))


def error_text(response):
    assert response.headers['Content-Type'].startswith('application/xml')
    root = etree.fromstring(response.content)
    assert root.tag == 'error'
    return root.text


def parse_key(data):
    from marketplace_dashboard.core.model import parse_appliance
    return parse_appliance(data).key
