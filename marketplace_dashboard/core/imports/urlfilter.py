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

"""Which URLs the dashboard host itself may download from.

The rules Glance applies to web-download (``[import_filtering_opts]``),
applied to the streamed path and the location probe (:mod:`.stream`): by
default only ``http``/``https``, only ports 80 and 443, and never a
loopback, link-local (``169.254.169.254``), private, shared, multicast,
reserved or unspecified address.  :class:`DownloadFilter` holds the
import setting ``download_filter``.

Two checks: :meth:`DownloadFilter.check_url` on the URL as written (no
DNS: control characters and whitespace anywhere, scheme, port, names,
addresses written as such -- also ``2130706433``, ``0177.0.0.1``,
``0x7f.1``, ``[::ffff:127.0.0.1]``), and :meth:`DownloadFilter.addresses`
on what the host resolves to, every address, when the connection is made:
:func:`filtered_session` connects only to an address it has just checked
(no second lookup that DNS rebinding could answer differently), for every
request and so for every redirect.  Through a proxy the proxy resolves
and connects: only the first check applies.
"""

import dataclasses
import ipaddress
import re
import socket
import urllib.parse

import requests
from urllib3 import connection as u3_connection
from urllib3 import connectionpool
from urllib3.exceptions import NewConnectionError

from marketplace_dashboard.core.errors import ConfigurationError, TransferError

__all__ = ['DEFAULT_PORTS', 'DownloadFilter', 'FilteredAdapter', 'SCHEMES',
           'check_syntax', 'filtered_session', 'literal_address', 'refusal']

SCHEMES = ('http', 'https')
DEFAULT_PORTS = (80, 443)
#: What ``allow_private`` lets through: the private and shared ranges,
#: never loopback, link-local, multicast, reserved or unspecified ones.
PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10',
    'fc00::/7'))
_NAT64 = ipaddress.ip_network('64:ff9b::/96')
_FORBIDDEN_CHARS = re.compile(r'[\x00-\x20\x7f-\x9f\s]')
_NUMERIC_HOST = re.compile(r'^[0-9a-fx.]+$', re.IGNORECASE)
_KEYS = ('allowed_schemes', 'allowed_ports', 'allowed_hosts',
         'disallowed_hosts', 'allow_private')


def refusal(url, why, setting=True):
    """The :class:`TransferError` refusing to fetch *url*."""
    return TransferError('Refusing to fetch %r: %s%s.' % (
        url, why, ' (import setting download_filter)' if setting else ''))


def literal_address(host):
    """The IP address *host* writes, in any form a resolver accepts
    (dotted, decimal, octal, hex, IPv6 with or without brackets), or
    None for a name."""
    host = (host or '').strip('[]')
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not _NUMERIC_HOST.match(host) or not any(c.isdigit() for c in host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def check_syntax(url):
    """``(urlsplit(url), port)`` of an absolute http(s) *url* without
    control characters or whitespace anywhere, else raise
    :class:`TransferError` (the parser would strip some: ``ht\\ttp:``)."""
    if not isinstance(url, str) or not url:
        parts = None
    elif _FORBIDDEN_CHARS.search(url):
        raise refusal(url, 'control characters or whitespace in a URL',
                      setting=False)
    else:
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
        except ValueError:
            parts = None
    if parts is None or parts.scheme.lower() not in SCHEMES or \
            not parts.hostname:
        raise TransferError(
            'Refusing to fetch %r: only absolute http:// and https:// '
            'URLs are used for image data.' % (url,))
    return parts, port


def _embedded(address):
    """*address* and the IPv4 address it carries (mapped, 6to4, NAT64)."""
    found = [address]
    if address.version == 6:
        if address.ipv4_mapped:
            found.append(address.ipv4_mapped)
        if address.sixtofour:
            found.append(address.sixtofour)
        if address in _NAT64:
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def _public(address):
    return address.is_global and not address.is_multicast


def _entries(values, key):
    """Host entries of a list setting: names (lower-case) and networks."""
    if not isinstance(values, (list, tuple)):
        raise ConfigurationError('Import setting download_filter.%s must be '
                                 'a list, not %r.' % (key, values))
    names, networks = set(), []
    for value in values:
        if not isinstance(value, str) or not value.strip() or \
                _FORBIDDEN_CHARS.search(value.strip()):
            raise ConfigurationError(
                'Import setting download_filter.%s: %r is not a host name, '
                'an address or a network.' % (key, value))
        value = value.strip().strip('[]').lower().rstrip('.')
        address = literal_address(value)
        try:
            networks.append(ipaddress.ip_network(
                address if address is not None else value, strict=False))
        except ValueError:
            names.add(value)
    return frozenset(names), tuple(networks)


@dataclasses.dataclass(frozen=True)
class DownloadFilter:
    """The import setting ``download_filter``.

    ``allowed_schemes`` (default http, https; no other can be added),
    ``allowed_ports`` (default 80, 443: a URL's explicit or default
    port), ``disallowed_hosts`` (names, addresses or networks never
    fetched, whatever they resolve to), ``allowed_hosts`` (names,
    addresses or networks fetched even when they are or resolve to a
    non-public address: a site's private mirror; unlike Glance's option of
    the name it does not restrict other hosts) and ``allow_private``
    (private and shared ranges -- 10/8, 172.16/12, 192.168/16, 100.64/10,
    fc00::/7 -- allowed; loopback, link-local and the rest stay refused).
    """

    allowed_schemes: tuple = SCHEMES
    allowed_ports: tuple = DEFAULT_PORTS
    allowed_names: frozenset = frozenset()
    allowed_networks: tuple = ()
    disallowed_names: frozenset = frozenset()
    disallowed_networks: tuple = ()
    allow_private: bool = False

    @classmethod
    def from_settings(cls, settings=None):
        """The filter of a ``download_filter`` dict (or a filter)."""
        if isinstance(settings, cls):
            return settings
        if settings is None:
            settings = {}
        if not isinstance(settings, dict):
            raise ConfigurationError('Import setting download_filter must be '
                                     'a dict, not %r.' % (settings,))
        unknown = sorted(set(settings) - set(_KEYS))
        if unknown:
            raise ConfigurationError(
                'Unknown download_filter setting(s): %s (known: %s).'
                % (', '.join(unknown), ', '.join(_KEYS)))
        schemes = settings.get('allowed_schemes', SCHEMES)
        if not isinstance(schemes, (list, tuple)) or not {
                str(s).lower() for s in schemes} <= set(SCHEMES):
            raise ConfigurationError(
                'Import setting download_filter.allowed_schemes must list '
                'some of %s, not %r.' % (', '.join(SCHEMES), schemes))
        ports = settings.get('allowed_ports', DEFAULT_PORTS)
        if not isinstance(ports, (list, tuple)) or not all(
                isinstance(p, int) and not isinstance(p, bool)
                and 0 < p < 65536 for p in ports):
            raise ConfigurationError(
                'Import setting download_filter.allowed_ports must be a list '
                'of port numbers, not %r.' % (ports,))
        allow_private = settings.get('allow_private', False)
        if not isinstance(allow_private, bool):
            raise ConfigurationError(
                'Import setting download_filter.allow_private must be true '
                'or false, not %r.' % (allow_private,))
        allowed = _entries(settings.get('allowed_hosts', ()),
                           'allowed_hosts')
        disallowed = _entries(settings.get('disallowed_hosts', ()),
                              'disallowed_hosts')
        return cls(tuple(str(s).lower() for s in schemes), tuple(ports),
                   allowed[0], allowed[1], disallowed[0], disallowed[1],
                   allow_private)

    def _listed(self, name, addresses, names, networks):
        return name in names or any(
            a in n for a in addresses for n in networks
            if a.version == n.version)

    def check_url(self, url):
        """Return *url* if its text may be fetched, else raise
        :class:`TransferError` (no DNS: see :meth:`addresses`)."""
        parts, port = check_syntax(url)
        scheme = parts.scheme.lower()
        if scheme not in self.allowed_schemes:
            raise refusal(url, 'scheme %s not allowed' % scheme)
        if port is None:
            port = 443 if scheme == 'https' else 80
        if port not in self.allowed_ports:
            raise refusal(url, 'port %d not allowed (allowed_ports: %s)'
                          % (port, ', '.join(map(str, self.allowed_ports))))
        host = parts.hostname.rstrip('.')
        address = literal_address(host)
        problem = self.host_problem(host, [address] if address else [])
        if problem:
            raise refusal(url, problem)
        return url

    def host_problem(self, host, addresses):
        """Why *host* at *addresses* may not be fetched, or None."""
        host = host.lower().rstrip('.')
        found = [e for a in addresses for e in _embedded(a)]
        if self._listed(host, found, self.disallowed_names,
                        self.disallowed_networks):
            return '%s is listed in disallowed_hosts' % host
        if self._listed(host, found, self.allowed_names,
                        self.allowed_networks):
            return None
        for address in found:
            if _public(address) or self.allow_private and any(
                    address in n for n in PRIVATE_NETWORKS
                    if address.version == n.version):
                continue
            return ('%s is %s, a non-public address (loopback, link-local, '
                    'private, multicast, reserved or unspecified); list the '
                    'host in allowed_hosts to fetch from it'
                    % (host, address))
        return None

    def addresses(self, host, port):
        """Every address *host* resolves to, each checked: a list of
        ``getaddrinfo`` tuples; raises :class:`TransferError` when one is
        refused (or :class:`socket.gaierror`)."""
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        addresses = [ipaddress.ip_address(info[4][0].split('%', 1)[0])
                     for info in infos]
        problem = self.host_problem(host, addresses)
        if problem:
            raise refusal('%s:%s' % (host, port), problem)
        return infos


def _pinned(base, rules):
    """A connection class of *base* that connects only to an address of
    its host that *rules* just checked; TLS still verifies the name."""

    class Pinned(base):
        def _new_conn(self):
            try:
                infos = rules.addresses(self._dns_host, self.port)
            except TransferError as e:
                raise NewConnectionError(self, str(e)) from None
            except socket.gaierror:
                infos = None  # reported by the base class as usual
            name = self._dns_host
            error = None
            for info in infos or [(None,) * 4 + ((name,),)]:
                self._dns_host = info[4][0]
                try:
                    return super()._new_conn()
                except NewConnectionError as e:
                    error = e
                finally:
                    self._dns_host = name
            raise error

    return Pinned


class FilteredAdapter(requests.adapters.HTTPAdapter):
    """A ``requests`` adapter whose direct connections follow *rules*
    (a :class:`DownloadFilter`)."""

    def __init__(self, rules, **kwargs):
        self.rules = rules
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        pools = {}
        for scheme, pool, conn in (
                ('http', connectionpool.HTTPConnectionPool,
                 u3_connection.HTTPConnection),
                ('https', connectionpool.HTTPSConnectionPool,
                 u3_connection.HTTPSConnection)):
            pools[scheme] = type('Filtered' + pool.__name__, (pool,), {
                'ConnectionCls': _pinned(conn, self.rules)})
        self.poolmanager.pool_classes_by_scheme = pools


def filtered_session(rules):
    """A ``requests.Session`` that connects only where *rules* allow."""
    session = requests.Session()
    adapter = FilteredAdapter(rules)
    session.mount('http://', adapter)
    session.mount('https://', adapter)
    return session
