import pytest

from marketplace_dashboard.dashboards.project.marketplace import tabs


@pytest.mark.parametrize('location', [
    'https://images.example.org/a.img.gz',
    'http://127.0.0.1:8080/a.img',
    'HTTPS://IMAGES.EXAMPLE.ORG/A.IMG',
])
def test_http_locations_are_links(location):
    assert tabs.location_link(location) == location


@pytest.mark.parametrize('location', [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    ' https://images.example.org/a.img',
    'https://images.example.org/a b.img',
    'https://images.example.org/a.img\n',
    'https://',
    'https:onehost-7.lal.in2p3.fr:1234-abcd',
    'pdisk:onehost:8445:1234',
    'ftp://ftp.example.org/a.img',
    'data:text/html,<script>alert(1)</script>',
    '//images.example.org/a.img',
    'http://[::1',
    '',
    None,
])
def test_everything_else_is_text(location):
    assert tabs.location_link(location) is None


def test_endorsement_facts_from_a_verdict():
    facts = dict(tabs.endorsement_facts({
        'signature': 'valid', 'signature_method': 'rsa-sha1',
        'digest_method': 'sha1', 'uses_sha1': True, 'trusted': False,
        'certificate': {'subject': 'CN=Jane', 'issuer': 'CN=CA',
                        'not_after': '2012-02-13T00:00:00Z'},
        'document_sha256': 'ab' * 32}))
    assert facts['Signature'] == 'Valid'
    assert facts['Uses SHA-1'] is True
    assert facts['Certificate Subject'] == 'CN=Jane'
    assert facts['Certificate Valid Until'] == '2012-02-13T00:00:00Z'
    assert facts['Certificate E-mail'] is None
    assert facts['Trusted by the Policy'] is False


def test_endorsement_facts_of_an_unreadable_document():
    facts = dict(tabs.endorsement_facts({'level': 'invalid'}))
    assert facts['Signature'] is None
    assert facts['Certificate Subject'] is None


def test_launch_links_are_links_user_information_is_not():
    launch = ('https://cloud.example.org/dashboard/project/marketplace/'
              'launch/5c4f2a2e-8f0e-4b4a-9d8e-0d8b3c6f1a11/')
    assert tabs.location_link(launch) == launch
    for hidden_host in ('http://cloud.example.org@evil.example/a.img',
                        'https://user:secret@images.example.org/a.img'):
        assert tabs.location_link(hidden_host) is None
