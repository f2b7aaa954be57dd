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
"""Where the dashboard host may download from (issue 14, finding 8)."""

import socket

import pytest

from marketplace_dashboard.core.errors import ConfigurationError, TransferError
from marketplace_dashboard.core.imports import ImportPolicy, stream
from marketplace_dashboard.core.imports.urlfilter import (
    DownloadFilter,
    filtered_session,
    literal_address,
)
from stack.imageserver import ImageServer
from tests.unit.core.imports import fakes

#: Addresses the host must never fetch by default, written as such.
FORBIDDEN_HOSTS = [
    '127.0.0.1', '127.1', '2130706433', '0177.0.0.1', '0x7f.1',
    '0x7f000001', '017700000001', '0x7f.0.0.1', '127.0.0.1.', '[::1]',
    '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[0:0:0:0:0:ffff:127.0.0.1]',
    '169.254.169.254', '2852039166', '0xa9.0xfe.0xa9.0xfe',
    '[::ffff:169.254.169.254]', '[fe80::1]', '[fd00:ec2::254]',
    '10.0.0.1', '172.16.5.4', '192.168.1.1', '100.64.0.1',
    '0.0.0.0',  # noqa: S104
    '0', '[::]', '224.0.0.1', '[ff02::1]', '240.0.0.1',
    '255.255.255.255', '[64:ff9b::7f00:1]', '[2002:7f00:1::]',
    '198.18.0.1', '192.0.2.1',
]
#: URL shapes a parser may read differently from a resolver.
SHAPES = ['http://%s/x.img', 'https://%s/x.img', 'http://%s:80/x.img',
          'http://user:pw@%s/x.img', 'http://%s/x.img?u=http://a.example/']


def hostile_urls():
    """The corpus: every forbidden host in every shape."""
    return [shape % host for host in FORBIDDEN_HOSTS for shape in SHAPES]


@pytest.mark.parametrize('url', hostile_urls())
def test_non_public_addresses_refused_as_written(url):
    with pytest.raises(TransferError, match='non-public address'):
        stream.check_url(url)


CONTROL = ['ht\ttp://evil.example/x', 'http://evil.example/x\n',
           'http://evil.example/\rx', 'http://evil.example/a b',
           'http://evil\x00.example/x', ' http://evil.example/x',
           'http://evil.example/x\x7f', 'http://evil.example/\x85x',
           'http://evil.example/\u2028x', 'http\x0b://evil.example/x']


@pytest.mark.parametrize('url', CONTROL)
def test_control_characters_and_whitespace_refused(url):
    with pytest.raises(TransferError, match='control characters'):
        stream.check_url(url)
    assert stream.usable_locations([url]) == []


@pytest.mark.parametrize('url', [
    'http://images.example:8080/x', 'https://images.example:8443/x',
    'http://images.example:22/x', 'http://images.example:0/x'])
def test_only_ports_80_and_443_by_default(url):
    with pytest.raises(TransferError, match='port|not a valid'):
        stream.check_url(url)


def test_public_names_and_addresses_pass():
    for url in ('http://images.example/x', 'https://8.8.8.8/x',
                'http://[2001:4860:4860::8888]/x', 'HTTPS://x.example:443/a'):
        assert stream.check_url(url) == url


@pytest.mark.parametrize('host, expected', [
    ('2130706433', '127.0.0.1'), ('0177.0.0.1', '127.0.0.1'),
    ('0x7f.1', '127.0.0.1'), ('[::1]', '::1'), ('images.example', None),
    ('1e100.net', None), ('deadbeef', None)])
def test_literal_address(host, expected):
    address = literal_address(host)
    assert (None if address is None else str(address)) == expected


def test_allow_and_deny_lists():
    rules = DownloadFilter.from_settings({
        'allowed_hosts': ['mirror.site.internal', '10.1.0.0/16', '::1'],
        'disallowed_hosts': ['bad.example', '8.8.4.0/24'],
        'allowed_ports': [80, 443, 8080]})
    assert rules.host_problem('mirror.site.internal',
                              [literal_address('192.168.7.7')]) is None
    assert rules.check_url('http://10.1.2.3:8080/x')
    assert rules.check_url('http://[::1]/x')
    for url in ('http://10.2.0.1/x', 'http://127.0.0.1/x',
                'http://bad.example/x', 'http://BAD.example./x',
                'http://8.8.4.4/x', 'http://0x08080404/x'):
        with pytest.raises(TransferError):
            rules.check_url(url)
    # A denied name stays denied whatever allow-list its address is in.
    assert 'disallowed' in rules.host_problem(
        'bad.example', [literal_address('10.1.0.1')])


def test_allow_private_keeps_loopback_and_link_local_out():
    rules = DownloadFilter.from_settings({'allow_private': True})
    assert rules.check_url('http://192.168.1.10/x')
    assert rules.check_url('http://[fd12::1]/x')
    for host in ('127.0.0.1', '169.254.169.254', '[::1]', '[fe80::1]',
                 '0.0.0.0', '224.0.0.1'):  # noqa: S104
        with pytest.raises(TransferError):
            rules.check_url('http://%s/x' % host)


@pytest.mark.parametrize('settings', [
    {'allowed_schemes': ['ftp']}, {'allowed_ports': [0]},
    {'allowed_ports': ['80']}, {'allowed_ports': 80},
    {'allowed_hosts': 'a.example'}, {'allowed_hosts': ['a b']},
    {'allow_private': 'yes'}, {'unknown': 1}, ['a']])
def test_bad_settings_refused(settings):
    with pytest.raises(ConfigurationError):
        ImportPolicy.from_dict({'download_filter': settings})


def test_resolved_addresses_are_checked(monkeypatch):
    answers = {'rebind.example': ['93.184.216.34', '127.0.0.1'],
               'meta.example': ['169.254.169.254'],
               'ok.example': ['93.184.216.34', '2606:2800:220:1::1']}

    def getaddrinfo(host, port, *args):
        return [(socket.AF_INET6 if ':' in a else socket.AF_INET,
                 socket.SOCK_STREAM, 6, '', (a, port))
                for a in answers[host]]

    monkeypatch.setattr(socket, 'getaddrinfo', getaddrinfo)
    rules = DownloadFilter()
    # Every address is checked, not only the first.
    for host in ('rebind.example', 'meta.example'):
        with pytest.raises(TransferError, match='non-public'):
            rules.addresses(host, 80)
    assert len(rules.addresses('ok.example', 443)) == 2


def test_names_resolving_to_loopback_are_not_fetched(tmp_path):
    # localhost is a name: only its resolution shows it is loopback.  The
    # session refuses it when it connects, for the URL and any redirect.
    with ImageServer(str(tmp_path)) as server:
        url = server.add_file('a.img', fakes.IMAGE)
        port = int(url.split(':')[2].split('/')[0])
        rules = DownloadFilter.from_settings({'allowed_ports': [port]})
        named = url.replace('127.0.0.1', 'localhost')
        with pytest.raises(TransferError, match='non-public'):
            stream.open_url(named, rules=rules)
        with pytest.raises(TransferError, match='non-public'):
            stream.open_url(named, session=filtered_session(rules),
                            rules=rules)
        assert 'non-public' in stream.probe(named, rules=rules)
        # Allowed explicitly, it is fetched.
        allowed = DownloadFilter.from_settings({
            'allowed_ports': [port], 'allowed_hosts': ['localhost']})
        stream.open_url(named, rules=allowed).close()


def test_redirect_to_a_forbidden_address_refused():
    session = fakes.FakeSession({'http://a.example/x': fakes.FakeResponse(
        status=302, location='http://169.254.169.254/latest/meta-data/')})
    with pytest.raises(TransferError, match='non-public'):
        stream.open_url('http://a.example/x', session=session)
    assert len(session.requested) == 1


def test_probe_refuses_forbidden_locations_without_a_request():
    session = fakes.FakeSession({})
    assert 'non-public' in stream.probe('http://[::1]/x', session=session)
    assert 'control characters' in stream.probe('ht\ttp://a.example/x',
                                                session=session)
    assert session.requested == []


def test_policy_default_is_safe():
    policy = ImportPolicy()
    assert policy.download_filter == DownloadFilter()
    assert policy.download_filter.allowed_ports == (80, 443)
    with pytest.raises(TransferError):
        policy.download_filter.check_url('http://127.0.0.1/x')


def test_connection_goes_to_the_address_just_checked(monkeypatch, tmp_path):
    # DNS rebinding: a name that answers a checked address once and
    # another later is connected to the checked one, never looked up again.
    real = socket.getaddrinfo
    lookups = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host == 'rebind.example':
            lookups.append(host)
            address = '127.0.0.1' if len(lookups) == 1 else '10.9.9.9'
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, '',
                     (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, 'getaddrinfo', getaddrinfo)
    with ImageServer(str(tmp_path)) as server:
        url = server.add_file('a.img', fakes.IMAGE)
        port = int(url.split(':')[2].split('/')[0])
        rules = DownloadFilter.from_settings({
            'allowed_ports': [port], 'allowed_hosts': ['127.0.0.0/8']})
        response = stream.open_url(url.replace('127.0.0.1', 'rebind.example'),
                                   rules=rules)
        assert response.raw.read() == fakes.IMAGE
        response.close()
    assert lookups == ['rebind.example']
