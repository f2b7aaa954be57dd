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

"""Stage 1 of an import: the operator's settings and the verdict check.

:class:`ImportPolicy` holds ``MARKETPLACE_DASHBOARD['import']`` (or the
CLI's options), validated when it is made: unusable settings raise
:class:`~marketplace_dashboard.core.errors.ConfigurationError`.
:func:`check_policy` decides whether an entry of a given verdict may be
imported at all, and :func:`check_request` whether what a user asks for
(visibility, members) can be done with it.
"""

import dataclasses
import hashlib
import os
import urllib.parse

from marketplace_dashboard.core import formats
from marketplace_dashboard.core.errors import ConfigurationError, ImportRefused
from marketplace_dashboard.core.i18n import _
from marketplace_dashboard.core.imports import urlfilter
from marketplace_dashboard.core.imports.site import GlanceSite, refuse_unknown

__all__ = ['ImportPolicy', 'VISIBILITIES', 'accepts_unsigned', 'check_policy',
           'check_request',
           'verdict_level']

VISIBILITIES = ('private', 'shared', 'community', 'public')


def _bool(value, key):
    if not isinstance(value, bool):
        raise ConfigurationError('Import setting %r must be true or false, '
                                 'not %r.' % (key, value))
    return value


@dataclasses.dataclass
class ImportPolicy:
    """Operator settings of imports (``MARKETPLACE_DASHBOARD['import']``).

    ``glance_hash_algo`` is Glance's ``hashing_algorithm`` (sha512 unless
    the operator changed it): web-download is only chosen when it is
    endorsed.  ``settle`` is how long (seconds) an importer without a
    shared lock (see :class:`~.importer.Importer`) waits after creating
    its image before electing the winner among concurrent importers; it
    must exceed the resolution of Glance's ``created_at`` (one second).
    ``stall_after``: a streamed transfer without a heartbeat for that long
    is reported as stalled.  ``set_hypervisor_type``: copy the metadata's
    hypervisor (``kvm`` by default in StratusLab documents) into Glance's
    ``hypervisor_type``; Nova's ImagePropertiesFilter then only schedules
    the image on hosts of that hypervisor, so clouds whose compute hosts
    report another one (plain QEMU, or Nova's fake driver) turn it off.
    ``probe_locations``: when an entry has several plain locations, send
    each a ``HEAD`` (in order, short timeouts) and give Glance's
    web-download the first that answers.  ``verify_tls``: ``True`` (the
    system CAs) or the path of a PEM CA bundle for image downloads; TLS
    verification cannot be turned off.  ``max_streamed_transfers``: how
    many streamed transfers one process (a dashboard web worker) runs in
    background threads at once; more are refused with a message.
    ``download_filter``: where the dashboard host itself may download
    from (the streamed path, the location probe), a dict read into a
    :class:`~.urlfilter.DownloadFilter` (keys ``allowed_schemes``,
    ``allowed_ports``, ``allowed_hosts``, ``disallowed_hosts``,
    ``allow_private``; by default public addresses on ports 80 and 443
    only).  ``heartbeat_interval``: how often (seconds) a streamed
    transfer records on its image that it is alive
    (``marketplace_heartbeat``); ``dead_after``: a streamed transfer
    whose image has no heartbeat that long is dead, and its image
    (unverified, this project's) is deleted so that the entry can be
    imported again.
    ``glance``: what the site's Glance does to imported data
    (:class:`~.site.GlanceSite`: ``convert_to``, ``decompresses``,
    ``stores``; a dict in the settings).
    ``accept_unsigned_registries``: base URLs of OCI registries
    (``https://host[:port]``) whose unsigned artifacts -- ``untrusted``,
    "unsigned: trusted by registry only" -- may be imported without
    ``allow_untrusted``, so that a site accepts its own registry without
    accepting unsigned content from anywhere else.
    """

    allow_untrusted: bool = False
    allow_expired: bool = False
    allow_deprecated: bool = False
    allow_streamed: bool = True
    allow_web_download: bool = True
    glance_hash_algo: str = 'sha512'
    settle: float = 2.0
    stall_after: float = 300.0
    lock_timeout: float = 600.0
    verify_tls: bool | str = True
    set_hypervisor_type: bool = True
    probe_locations: bool = True
    max_streamed_transfers: int = 2
    download_filter: dict | urlfilter.DownloadFilter | None = None
    heartbeat_interval: float = 15.0
    dead_after: float = 60.0
    glance: GlanceSite = dataclasses.field(default_factory=GlanceSite)
    accept_unsigned_registries: tuple = ()

    _BOOLS = ('allow_untrusted', 'allow_expired', 'allow_deprecated',
              'allow_streamed', 'allow_web_download',
              'set_hypervisor_type', 'probe_locations')

    def __post_init__(self):
        self.glance = GlanceSite.from_dict(self.glance)
        self.accept_unsigned_registries = _registries(
            self.accept_unsigned_registries)
        verify = self.verify_tls
        if verify is False:
            raise ConfigurationError(
                'Import setting verify_tls cannot be False: TLS '
                'verification of image downloads cannot be turned off; use '
                'True (the system CAs) or the path of a PEM CA bundle.')
        if verify is not True and not (isinstance(verify, str)
                                       and os.path.isfile(verify)):
            raise ConfigurationError(
                'Import setting verify_tls must be True or the path of a '
                'readable PEM CA bundle, not %r.' % (verify,))
        limit = self.max_streamed_transfers
        if isinstance(limit, bool) or not isinstance(limit, int) or \
                limit < 1:
            raise ConfigurationError(
                'Import setting max_streamed_transfers must be a whole '
                'number of at least 1, not %r.' % (limit,))
        self.download_filter = urlfilter.DownloadFilter.from_settings(
            self.download_filter)
        if not 0 < self.heartbeat_interval < self.dead_after:
            raise ConfigurationError(
                'Import setting heartbeat_interval (%r s) must be more than '
                '0 and less than dead_after (%r s).'
                % (self.heartbeat_interval, self.dead_after))

    @classmethod
    def from_dict(cls, settings):
        settings = dict(settings or {})
        refuse_unknown(cls, settings)
        for key in cls._BOOLS:
            if key in settings:
                _bool(settings[key], key)
        for key in ('settle', 'stall_after', 'lock_timeout',
                    'heartbeat_interval', 'dead_after'):
            value = settings.get(key, 0)
            if isinstance(value, bool) or not isinstance(
                    value, (int, float)) or value < 0:
                raise ConfigurationError(
                    'Import setting %r must be a number of seconds, not '
                    '%r.' % (key, value))
        if 'glance_hash_algo' in settings:
            algo = formats.hashlib_name(settings['glance_hash_algo'])
            try:
                hashlib.new(algo)
            except (TypeError, ValueError):
                raise ConfigurationError(
                    'Import setting glance_hash_algo must be the hash '
                    'algorithm Glance computes (its hashing_algorithm, e.g. '
                    'sha512), not %r.' % settings['glance_hash_algo']
                ) from None
            settings['glance_hash_algo'] = algo
        return cls(**settings)


def _registries(value):
    """The ``accept_unsigned_registries`` setting: registry base URLs
    (``https://host[:port]``), normalised."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ConfigurationError(
            'Import setting accept_unsigned_registries must be a list of '
            'registry base URLs (https://host[:port]), not %r.' % (value,))
    found = []
    for url in value:
        parts = urllib.parse.urlsplit(url if isinstance(url, str) else '')
        if parts.scheme not in ('http', 'https') or not parts.hostname or \
                parts.path.strip('/') or parts.query or parts.fragment:
            raise ConfigurationError(
                'Import setting accept_unsigned_registries: %r is not a '
                'registry base URL (https://host[:port], no path).' % (url,))
        found.append('%s://%s' % (parts.scheme, parts.netloc.lower()))
    return tuple(found)


def accepts_unsigned(verdict, policy):
    """Whether *policy* accepts the unsigned artifact *verdict* judged:
    its registry is one of ``accept_unsigned_registries``."""
    registry = getattr(verdict, 'registry', None)
    if not isinstance(registry, str):
        return False
    parts = urllib.parse.urlsplit(registry)
    return '%s://%s' % (parts.scheme, parts.netloc.lower()) in \
        policy.accept_unsigned_registries


def verdict_level(verdict):
    """The level of *verdict* (or of a level given as such), lower-case."""
    level = getattr(verdict, 'level', verdict)
    return str(getattr(level, 'value', level)).lower()


_REFUSED = {
    'untrusted': _('This entry is untrusted (%(reasons)s) and the import '
                   'policy refuses untrusted entries (setting '
                   'allow_untrusted).'),
    'expired': _('This entry is expired (%(reasons)s) and the import policy '
                 'refuses expired entries (setting allow_expired).'),
    'deprecated': _('This entry is deprecated (%(reasons)s) and the import '
                    'policy refuses deprecated entries (setting '
                    'allow_deprecated).'),
}


def check_policy(verdict, policy):
    """Return the verdict level if *policy* allows the import, else raise.

    An invalid signature is never importable; untrusted, expired and
    deprecated entries need the matching ``allow_*`` setting.
    """
    level = verdict_level(verdict)
    reasons = '; '.join(getattr(verdict, 'reasons', None) or ()) or level
    if level == 'verified':
        return level
    if level == 'invalid':
        raise ImportRefused(_('This entry cannot be imported: its '
                              'signature is invalid (%(reasons)s).')
                            % {'reasons': reasons})
    if level == 'untrusted' and accepts_unsigned(verdict, policy):
        return level
    allowed = {'untrusted': policy.allow_untrusted,
               'expired': policy.allow_expired,
               'deprecated': policy.allow_deprecated}
    if level not in allowed:
        raise ImportRefused('This entry cannot be imported: unknown '
                            'verdict %r.' % level)
    if not allowed[level] and isinstance(getattr(verdict, 'registry', None),
                                         str):
        raise ImportRefused(
            _('This entry is %(level)s (%(reasons)s) and the import policy '
              'accepts no unsigned artifact of registry %(registry)s '
              '(setting accept_unsigned_registries).')
            % {'level': level, 'reasons': reasons,
               'registry': verdict.registry})
    if not allowed[level]:
        raise ImportRefused(_REFUSED[level] % {'reasons': reasons})
    return level


def check_request(visibility, members, hashes, size):
    """Refuse (:class:`ImportRefused`) an import that cannot be done as
    asked: an unknown *visibility*, *members* of an image that is not
    shared, an entry without a size or with only an MD5 among its
    endorsed *hashes* (``mapping.endorsed_hashes``)."""
    if visibility not in VISIBILITIES:
        raise ImportRefused('Visibility must be one of %s, not %r.'
                            % (', '.join(VISIBILITIES), visibility))
    if members and visibility != 'shared':
        raise ImportRefused('Members can only be added to a shared '
                            'image (use visibility "shared").')
    if not size:
        raise ImportRefused('The entry does not say how large the image '
                            'is (slreq:bytes); cannot verify it.')
    if hashes and not set(hashes) - {'md5'}:
        raise ImportRefused('The entry endorses only an MD5 checksum, '
                            'which cannot prove the image is intact '
                            '(collisions); ask the endorser for SHA-1 '
                            'or SHA-2 checksums.')
