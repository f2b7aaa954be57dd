"""``search``, ``show`` and ``import`` of a HEPiX image list served on
loopback (``--catalog-type hepix``), Glance faked."""

import json

import pytest

from marketplace_dashboard.cli import import_, main
from tests import hepix_lists as lists
from tests import pki
from tests.unit.core.catalogs.test_hepix_client import ListServer
from tests.unit.core.imports import fakes


@pytest.fixture(scope='module')
def signer(tmp_path_factory):
    ca = pki.make_ca('CLI HEPiX CA', not_before=pki.days_ago(30))
    user = pki.make_endorser(ca, 'CLI Signer', 'cli@example.org',
                             not_before=pki.days_ago(5))
    return user, str(ca.write_pem(tmp_path_factory.mktemp('ca') / 'ca.pem'))


@pytest.fixture
def served(signer, monkeypatch):
    server = ListServer()
    server.body = lists.signed_list(signer[0], images=[
        lists.image(lists.IMAGE_ID, data=fakes.IMAGE, uri=fakes.URL),
        lists.image(lists.OTHER_ID, **{'sl:osname': 'Ubuntu'})])
    monkeypatch.setenv('XDG_CONFIG_HOME', '/nonexistent')
    yield server
    server.stop()


def run(capsys, *argv):
    status = main.main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_search(served, capsys):
    status, out, err = run(capsys, 'search', '--catalog-type', 'hepix',
                           '--endpoint', served.url, '--os', 'ubuntu')
    assert status == 0, err
    assert lists.OTHER_ID[:26] in out and lists.IMAGE_ID[:26] not in out
    assert 'entries 1-1 of 1 matching (2 with status valid)' in out


def test_show_with_verdict(served, signer, capsys):
    status, out, err = run(capsys, 'show', '--catalog-type', 'hepix',
                           '--endpoint', served.url, '--trust-ca-file',
                           signer[1], lists.IMAGE_ID)
    assert status == 0, err
    assert out.startswith('Verdict: verified\n')
    assert 'Endorser subject: /C=EU/O=StratusLab Project/OU=Testing ' \
        'Department/CN=CLI Signer' in out
    assert 'Checksum SHA-512: ' in out
    status, out, _ = run(capsys, 'show', '--catalog-type', 'hepix',
                         '--endpoint', served.url, lists.IMAGE_ID)
    assert out.startswith('Verdict: untrusted\n')


def test_import_verified_by_its_sha512(served, signer, capsys, monkeypatch):
    images = fakes.FakeImages()
    images.web[fakes.URL] = fakes.IMAGE
    monkeypatch.setattr(import_, 'glance_images', lambda cloud: images)
    status, out, err = run(capsys, 'import', lists.IMAGE_ID,
                           '--catalog-type', 'hepix', '--endpoint',
                           served.url, '--ca-file', signer[1], '--wait',
                           '--json')
    assert status == 0, err
    result = json.loads(out)
    assert result['state'] == 'active' and result['verified'] is True
    image = images.get(result['image_id'])
    assert image['marketplace_url'] == served.url + '#' + lists.IMAGE_ID
    assert image['os_distro'] == 'centos' and image['os_version'] == '7'
    assert image['architecture'] == 'x86_64'
    assert image['appdb_id'] == lists.IMAGE_ID
    assert image['hepix_image_list'] == served.url
    assert image['hepix_image_list_identifier'] == lists.LIST_ID
    assert image['marketplace_verdict'] == 'verified'


def test_import_refuses_a_tampered_list(served, signer, capsys, monkeypatch):
    served.body = served.body.replace(b'"Ubuntu"', b'"Evil"')
    monkeypatch.setattr(import_, 'glance_images',
                        lambda cloud: fakes.FakeImages())
    status, _, err = run(capsys, 'import', lists.IMAGE_ID,
                         '--catalog-type', 'hepix', '--endpoint',
                         served.url, '--ca-file', signer[1])
    assert status == 1
    assert 'changed after it was signed' in err
