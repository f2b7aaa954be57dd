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

"""Import marketplace appliances into Glance with verified integrity.

Django-free engine shared by the CLI and the dashboard.  All the state of an
import lives on the Glance image itself (``marketplace_*`` properties), so
any worker can advance it or read its status:

* :meth:`Importer.start` checks the refusal policy, returns an image that
  already holds the same entry (same ``marketplace_identifier`` and
  endorsed hash), or creates one and starts the import.  Concurrent
  importers of the same entry converge on one image: after creating its
  image each importer lists the candidates, the oldest (``created_at`` then
  ``id``) wins and the others delete their own image.  An importer that
  holds the lock of a cache shared by every importer (the dashboard's
  memcached/Redis/database cache) elects at once; the others (the CLI)
  first wait ``settle`` seconds for concurrent images to appear.  Because
  importers that do not share the lock may still race, :meth:`status`
  re-runs the election for an image not yet verified: a younger duplicate
  is deleted and reported as ``duplicate`` of the winner.
* Server-side ``web-download`` is preferred: Glance fetches the data and
  :meth:`Importer.status` then compares Glance's ``size``,
  ``os_hash_algo``/``os_hash_value`` and ``checksum`` with the endorsed
  values.  MD5 alone is never enough (collisions): web-download is chosen
  only when the algorithm Glance computes is endorsed.
* Otherwise (compressed location, no usable hash, web-download not
  offered) the streamed path (:meth:`Importer.transfer`) downloads,
  decompresses and hashes in one pass while staging, and triggers
  ``glance-direct`` only when the size and every endorsed hash match.
* An image whose data does not match is deactivated (deleted when it
  never became active or Glance refuses the deactivation, hidden when it
  refuses that too) and the reason recorded in
  ``marketplace_verification_error``; it never stays usable silently.
* Images are created private; the requested visibility and members are
  applied once the data is verified, by a status check with the owner's
  own token.  Only the importing project's own images are deduped to,
  elected against or deleted.
"""

import dataclasses
import datetime
import hashlib
import logging
import math
import os
import re
import threading
import time
import uuid

from marketplace_dashboard.core import formats, transfer
from marketplace_dashboard.core.compression import (
    COMPRESSIONS,
    guess_compression,
)
from marketplace_dashboard.core.errors import (  # noqa: F401
    ImageDataError,
    ImportFailed,
    ImportRefused,
    MarketplaceError,
)
from marketplace_dashboard.core.glance import (
    LIVE_STATUSES,
    GlanceError,
    GlanceForbidden,
    GlanceNotFound,
)

LOG = logging.getLogger(__name__)

WEB_DOWNLOAD = 'web-download'
GLANCE_DIRECT = 'glance-direct'
TAG = 'marketplace'
P = 'marketplace_'
#: Hash algorithms by decreasing strength (Glance/hashlib names).
#: further locations a streamed import falls back to
MAX_MIRRORS = 4
#: seconds the web-download location probe may take in all
PROBE_BUDGET = 10.0
#: seconds between the checks of a streamed import's own thread once
#: Glance imports the staged data
FOLLOW_INTERVAL = 2.0
STRENGTH = ('sha512', 'sha384', 'sha256', 'sha1', 'md5')
VISIBILITIES = ('private', 'shared', 'community', 'public')
DISK_FORMATS = {
    'raw': 'raw', 'img': 'raw', 'qcow2': 'qcow2', 'qcow': 'qcow2',
    'vmdk': 'vmdk', 'vdi': 'vdi', 'vhd': 'vhd', 'vhdx': 'vhdx',
    'iso': 'iso', 'ploop': 'ploop', 'aki': 'aki', 'ari': 'ari',
    'ami': 'ami',
}
#: libosinfo-style ``os_distro`` values (lower-case, unversioned).
DISTROS = {
    'ubuntu': 'ubuntu', 'debian': 'debian', 'centos': 'centos',
    'fedora': 'fedora', 'rhel': 'rhel', 'redhat': 'rhel',
    'red hat': 'rhel', 'red hat enterprise linux': 'rhel',
    'sles': 'sles', 'suse linux enterprise server': 'sles',
    'sled': 'sled', 'opensuse': 'opensuse', 'suse': 'opensuse',
    'rocky': 'rocky', 'rocky linux': 'rocky', 'rockylinux': 'rocky',
    'almalinux': 'almalinux', 'alma': 'almalinux',
    'alma linux': 'almalinux',
    # libosinfo's Scientific Linux short-ids are sl5.x, sl6.x, sl7.x.
    'scientific linux': 'sl', 'scientificlinux': 'sl', 'sl': 'sl',
    'scientific': 'sl', 'sl6': 'sl', 'sl7': 'sl',
    'cirros': 'cirros', 'ttylinux': 'ttylinux', 'arch': 'arch',
    'archlinux': 'arch', 'arch linux': 'arch', 'gentoo': 'gentoo',
    'freebsd': 'freebsd', 'netbsd': 'netbsd', 'openbsd': 'openbsd',
    'windows': 'windows', 'alpine': 'alpinelinux',
    'alpine linux': 'alpinelinux', 'alpinelinux': 'alpinelinux',
}
ARCHITECTURES = {
    'x86_64': 'x86_64', 'amd64': 'x86_64', 'x64': 'x86_64',
    'x86-64': 'x86_64', 'i386': 'i686', 'i486': 'i686', 'i586': 'i686',
    'i686': 'i686', 'x86': 'i686', 'ia32': 'i686',
    'aarch64': 'aarch64', 'arm64': 'aarch64', 'armv7l': 'armv7l',
    'armhf': 'armv7l', 'ppc64le': 'ppc64le', 'ppc64': 'ppc64',
    's390x': 's390x', 'riscv64': 'riscv64',
}
DISK_BUSES = ('ide', 'scsi', 'virtio', 'sata', 'usb', 'xen', 'uml', 'lxc',
              'fdc')
GIB = 1024 ** 3
#: Longest image name Glance takes, and the bound this module puts on the
#: descriptive values and reasons it records (Glance 33 limits property
#: names to 255 characters, not their values: URLs and member lists are
#: recorded whole).
_PROP_MAX = 255


class _TransferSlots:
    """Streamed transfers running in background threads of this process
    (a web worker): bounded by ``max_streamed_transfers``."""

    def __init__(self):
        self._lock = threading.Lock()
        self.running = 0

    def acquire(self, limit):
        with self._lock:
            if self.running >= limit:
                return False
            self.running += 1
            return True

    def release(self):
        with self._lock:
            self.running -= 1


#: Background transfer slots of this process.
TRANSFER_SLOTS = _TransferSlots()


def _busy(limit):
    return ('This server is already streaming %d image(s) into Glance '
            '(import setting max_streamed_transfers); try again in a few '
            'minutes.' % limit)


def _now():
    return datetime.datetime.now(datetime.UTC)


def _iso(value):
    return value.strftime('%Y-%m-%dT%H:%M:%SZ') if value else None


def _clip(text):
    text = str(text)
    return text if len(text) <= _PROP_MAX else text[:_PROP_MAX - 1] + '…'


def _bool(value, key):
    if not isinstance(value, bool):
        raise ImportRefused('Import setting %r must be true or false, not '
                            '%r.' % (key, value))
    return value


@dataclasses.dataclass
class ImportPolicy:
    """Operator settings of imports (``MARKETPLACE_DASHBOARD['import']``).

    ``glance_hash_algo`` is Glance's ``hashing_algorithm`` (sha512 unless
    the operator changed it): web-download is only chosen when it is
    endorsed.  ``settle`` is how long (seconds) an importer without a
    shared lock (see :class:`Importer`) waits after creating its image
    before electing the winner among concurrent importers; it must exceed
    the resolution of Glance's ``created_at`` (one second).
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

    _BOOLS = ('allow_untrusted', 'allow_expired', 'allow_deprecated',
              'allow_streamed', 'allow_web_download',
              'set_hypervisor_type', 'probe_locations')

    def __post_init__(self):
        verify = self.verify_tls
        if verify is False:
            raise ImportRefused(
                'Import setting verify_tls cannot be False: TLS '
                'verification of image downloads cannot be turned off; use '
                'True (the system CAs) or the path of a PEM CA bundle.')
        if verify is not True and not (isinstance(verify, str)
                                       and os.path.isfile(verify)):
            raise ImportRefused(
                'Import setting verify_tls must be True or the path of a '
                'readable PEM CA bundle, not %r.' % (verify,))
        limit = self.max_streamed_transfers
        if isinstance(limit, bool) or not isinstance(limit, int) or \
                limit < 1:
            raise ImportRefused(
                'Import setting max_streamed_transfers must be a whole '
                'number of at least 1, not %r.' % (limit,))

    @classmethod
    def from_dict(cls, settings):
        settings = dict(settings or {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise ImportRefused('Unknown import setting(s): %s (known: %s).'
                                % (', '.join(unknown),
                                   ', '.join(sorted(known))))
        for key in cls._BOOLS:
            if key in settings:
                _bool(settings[key], key)
        for key in ('settle', 'stall_after', 'lock_timeout'):
            value = settings.get(key, 0)
            if isinstance(value, bool) or not isinstance(
                    value, (int, float)) or value < 0:
                raise ImportRefused('Import setting %r must be a number of '
                                    'seconds, not %r.' % (key, value))
        if 'glance_hash_algo' in settings:
            algo = _algo(settings['glance_hash_algo'])
            try:
                hashlib.new(algo)
            except (TypeError, ValueError):
                raise ImportRefused(
                    'Import setting glance_hash_algo must be the hash '
                    'algorithm Glance computes (its hashing_algorithm, e.g. '
                    'sha512), not %r.' % settings['glance_hash_algo']
                ) from None
            settings['glance_hash_algo'] = algo
        return cls(**settings)


def _algo(name):
    """A hash algorithm as hashlib (and Glance's ``os_hash_algo``) spells
    it: ``'SHA-512'`` → ``'sha512'``, ``'SHA3-512'`` → ``'sha3_512'``,
    ``'SHA-512/256'`` → ``'sha512_256'``."""
    name = re.sub(r'[-/]', '_', str(name).strip().lower())
    return re.sub(r'^sha_(?=\d)', 'sha', name)


def _level(verdict):
    level = getattr(verdict, 'level', verdict)
    return str(getattr(level, 'value', level)).lower()


def check_policy(verdict, policy):
    """Return the verdict level if *policy* allows the import, else raise.

    An invalid signature is never importable; untrusted, expired and
    deprecated entries need the matching ``allow_*`` setting.
    """
    level = _level(verdict)
    reasons = '; '.join(getattr(verdict, 'reasons', None) or ()) or level
    if level == 'verified':
        return level
    if level == 'invalid':
        raise ImportRefused('This entry cannot be imported: its signature '
                            'is invalid (%s).' % reasons)
    allowed = {'untrusted': policy.allow_untrusted,
               'expired': policy.allow_expired,
               'deprecated': policy.allow_deprecated}
    if level not in allowed:
        raise ImportRefused('This entry cannot be imported: unknown '
                            'verdict %r.' % level)
    if not allowed[level]:
        raise ImportRefused(
            'This entry is %s (%s) and the import policy refuses %s '
            'entries (setting allow_%s).' % (level, reasons, level, level))
    return level


def normalise_distro(name):
    """libosinfo-style ``os_distro`` for a marketplace ``slterms:os``."""
    if not name:
        return None
    key = re.sub(r'\s+', ' ', name.strip().lower())
    if key in DISTROS:
        return DISTROS[key]
    # "CentOS 7", "Ubuntu-14.04", "SL6": drop a trailing version.
    stripped = re.sub(r'[\s_-]*v?\d[\w.]*$', '', key)
    return DISTROS.get(stripped, re.sub(r'[^a-z0-9._-]+', '', key) or None)


def normalise_arch(name):
    """Glance ``architecture`` for a marketplace ``slterms:os-arch``."""
    if not name:
        return None
    key = name.strip().lower()
    return ARCHITECTURES.get(key, re.sub(r'[^a-z0-9_]+', '', key) or None)


def disk_format(fmt):
    """Glance disk format of a ``dcterms:format`` (default raw)."""
    key = (fmt or 'raw').strip().lower()
    if key not in DISK_FORMATS:
        raise ImportRefused('Unsupported image format %r (supported: %s).'
                            % (fmt, ', '.join(sorted(set(
                                DISK_FORMATS.values())))))
    return DISK_FORMATS[key]


def min_disk_gib(size):
    """``min_disk`` (GiB, rounded up) for an image of *size* bytes."""
    return max(1, math.ceil(size / GIB)) if size else 0


def endorsed_hashes(appliance):
    """``{'sha512': hex, 'md5': hex, ...}`` of the endorsed checksums."""
    result = {}
    for algorithm, value in (appliance.checksums or {}).items():
        name = _algo(algorithm)
        if name in STRENGTH and value and re.fullmatch(r'[0-9a-fA-F]+',
                                                       value):
            result[name] = value.lower()
    return result


def dedupe_key(hashes):
    """(property, value) of the strongest endorsed hash."""
    for name in STRENGTH:
        if name in hashes:
            return P + name, hashes[name]
    raise ImportRefused('The entry endorses no usable checksum.')


def image_name(appliance):
    """Default image name: the title, else os + version (+ arch)."""
    if appliance.title:
        return _clip(appliance.title.strip())
    parts = [appliance.os, appliance.os_version, appliance.os_arch]
    name = ' '.join(p.strip() for p in parts if p and p.strip())
    return _clip(name or appliance.identifier)


def image_properties(appliance, level, marketplace_url=None,
                     hypervisor_type=True):
    """Glance properties (strings) describing *appliance* and provenance.

    ``hypervisor_type=False`` leaves Glance's ``hypervisor_type`` unset
    (see :class:`ImportPolicy` ``set_hypervisor_type``).
    """
    endorsement = appliance.endorsement
    props = {
        'os_distro': normalise_distro(appliance.os),
        'os_version': appliance.os_version,
        'architecture': normalise_arch(appliance.os_arch),
        'hypervisor_type': ((appliance.hypervisor or '').strip().lower()
                            if hypervisor_type else None),
        P + 'url': marketplace_url,
        P + 'identifier': appliance.identifier,
        P + 'endorser': endorsement.email,
        P + 'endorsed_at': _iso(endorsement.created),
        P + 'valid_until': _iso(appliance.valid),
        P + 'verdict': level,
        P + 'bytes': str(appliance.bytes),
    }
    bus = (appliance.disks_bus or '').strip().lower()
    if bus in DISK_BUSES:
        props['hw_disk_bus'] = bus
    for name, value in endorsed_hashes(appliance).items():
        props[P + name] = value
    return {k: _clip(v) for k, v in props.items() if v}


#: Glance's own image attributes: never settable as extra properties.
GLANCE_CORE_ATTRIBUTES = frozenset({
    'id', 'name', 'status', 'visibility', 'protected', 'checksum', 'owner',
    'size', 'virtual_size', 'min_ram', 'min_disk', 'disk_format',
    'container_format', 'created_at', 'updated_at', 'tags', 'self', 'file',
    'schema', 'locations', 'direct_url', 'stores', 'member', 'members',
    'deleted', 'deleted_at', 'is_public', 'location', 'kernel_id',
    'ramdisk_id'})
RESERVED_PREFIXES = ('os_', P)
_PROPERTY_KEY = re.compile(r'^[A-Za-z0-9_:.-]{1,255}\Z')


def check_properties(properties):
    """Validate extra image properties given by a user; a clean dict.

    Refuses (:class:`ImportRefused`) keys Glance or the import owns:
    Glance core attributes, ``os_*`` and ``marketplace_*``, and keys or
    values that are malformed or too long (255 characters).
    """
    clean = {}
    for key, value in (properties or {}).items():
        key = str(key).strip()
        if not _PROPERTY_KEY.match(key):
            raise ImportRefused('Invalid property name %r: use up to 255 '
                                'letters, digits, "_", ":", "." or "-".'
                                % key)
        lower = key.lower()
        if lower in GLANCE_CORE_ATTRIBUTES or lower.startswith(
                RESERVED_PREFIXES):
            raise ImportRefused('Property %r is reserved (Glance '
                                'attributes, os_* and marketplace_* are '
                                'set by Glance or the import).' % key)
        value = str(value)
        if len(value) > _PROP_MAX or any(ord(c) < 32 for c in value):
            raise ImportRefused('Property %r: the value must be one line '
                                'of at most %d characters.'
                                % (key, _PROP_MAX))
        clean[key] = value
    return clean


@dataclasses.dataclass
class Plan:
    """How an entry will be imported."""

    method: str
    url: str
    compression: str | None
    reason: str
    #: further ``(url, compression)`` tried in order when *url* cannot be
    #: downloaded: by the streamed transfer, or (web-download, which takes
    #: one URL) by a ``HEAD`` probe before Glance is asked
    mirrors: tuple = ()


def location_compression(appliance, url):
    declared = (appliance.compression or '').strip().lower() or None
    if declared in ('gzip',):
        declared = 'gz'
    if declared and declared not in COMPRESSIONS:
        raise ImportRefused('Unsupported compression %r (supported: %s).'
                            % (declared, ', '.join(COMPRESSIONS)))
    return declared or guess_compression(
        url.split('?', 1)[0].split('#', 1)[0])


def choose_method(appliance, import_methods, policy):
    """The :class:`Plan` for *appliance* given Glance's import methods."""
    urls = transfer.usable_locations(appliance.locations)
    if not urls:
        raise ImportRefused('The entry has no http:// or https:// location '
                            'to import from (other schemes are never '
                            'used).')
    hashes = endorsed_hashes(appliance)
    why = None
    if not policy.allow_web_download:
        why = 'web-download disabled by the import policy'
    elif WEB_DOWNLOAD not in import_methods:
        why = 'Glance does not offer web-download'
    elif policy.glance_hash_algo not in hashes:
        why = ('the endorsed checksums do not include %s, the algorithm '
               'Glance computes (MD5 alone is not a sufficient match)'
               % policy.glance_hash_algo)
    else:
        plain = [url for url in urls
                 if location_compression(appliance, url) is None]
        if plain:
            return Plan(WEB_DOWNLOAD, plain[0], None,
                        'Glance downloads the image itself',
                        tuple((url, None) for url in plain[1:]
                              )[:MAX_MIRRORS])
        why = 'every location is compressed'
    if not policy.allow_streamed:
        raise ImportRefused('Cannot import this entry: %s, and the streamed '
                            'import is disabled by the import policy.'
                            % why)
    if GLANCE_DIRECT not in import_methods:
        raise ImportRefused('Cannot import this entry: %s, and Glance does '
                            'not offer glance-direct either.' % why)
    mirrors = tuple((url, location_compression(appliance, url))
                    for url in urls[1:])[:MAX_MIRRORS]
    url = urls[0]
    return Plan(GLANCE_DIRECT, url, location_compression(appliance, url),
                'streamed and verified here: %s' % why, mirrors)


@dataclasses.dataclass
class ImportStatus:
    """Where an import stands.

    ``state`` is ``queued``, ``importing``, ``verifying``, ``active``
    (verified, or not a marketplace image), ``failed`` or ``duplicate``
    (a concurrent import of the same entry won: this image was deleted and
    the import goes on as image ``duplicate_of``, whose dict is ``image``
    when known); ``existing`` is true when :meth:`Importer.start` returned
    an image that was already there ("launch it instead").
    """

    image_id: str
    state: str
    verified: bool = False
    reasons: list = dataclasses.field(default_factory=list)
    method: str | None = None
    progress: dict | None = None
    existing: bool = False
    image: dict | None = None
    duplicate_of: str | None = None

    @property
    def done(self):
        return self.state in ('active', 'failed')

    def to_dict(self):
        return {'image_id': self.image_id, 'state': self.state,
                'status': (self.image or {}).get('status'),
                'verified': self.verified, 'reasons': list(self.reasons),
                'method': self.method, 'progress': self.progress,
                'existing': self.existing, 'duplicate_of': self.duplicate_of}


STREAMED = P + 'streamed_'


def _strongly_endorsed(image):
    """True when the image records an endorsed hash stronger than MD5."""
    return any(image.get(P + name) for name in STRENGTH if name != 'md5')


def integrity_problems(image, trust_streamed=True):
    """Differences between Glance's data facts and the endorsed ones.

    Glance's ``os_hash_value`` is compared with the endorsed hash of its
    ``os_hash_algo``.  When the entry does not endorse that algorithm, a
    streamed (``glance-direct``) import is still verifiable: the transfer
    computed Glance's algorithm in the same pass as the endorsed ones and
    recorded it (``marketplace_streamed_<algo>``) only after the bytes
    matched every endorsed checksum, so Glance must have stored exactly
    those bytes.  *trust_streamed* false (an image of another project,
    whose properties its owner wrote) accepts endorsed hashes only.
    """
    problems = []
    expected = image.get(P + 'bytes')
    if expected is None or str(image.get('size')) != str(expected):
        problems.append('size is %s bytes, %s endorsed'
                        % (image.get('size'), expected))
    algo = _algo(image.get('os_hash_algo') or '')
    known = bool(re.fullmatch(r'[a-z0-9_]{1,32}', algo))
    endorsed = image.get(P + algo) if algo in STRENGTH and algo != 'md5' \
        else None
    what = 'endorsed'
    if not endorsed and known and trust_streamed and algo != 'md5' \
            and image.get(P + 'import_method') == GLANCE_DIRECT \
            and _strongly_endorsed(image):
        endorsed = image.get(STREAMED + algo)
        what = 'hashed while streaming the endorsed bytes'
    if not endorsed:
        hint = ''
        streamed = sorted(k[len(STREAMED):] for k in image
                          if k.startswith(STREAMED))
        if streamed and trust_streamed:
            hint = (' (the streamed import hashed %s: set the import '
                    'setting glance_hash_algo to Glance\'s '
                    'hashing_algorithm)' % ', '.join(streamed))
        problems.append('Glance computed %s, which the entry does not '
                        'endorse: cannot verify the stored data%s'
                        % ((algo if known else '') or 'no hash', hint))
    elif (image.get('os_hash_value') or '').lower() != endorsed.lower():
        problems.append('%s is %s…, %s… %s'
                        % (algo, (image.get('os_hash_value') or '')[:16],
                           endorsed[:16], what))
    md5 = image.get(P + 'md5')
    if md5 and image.get('checksum') and image['checksum'].lower() != md5:
        problems.append('md5 is %s, %s endorsed' % (image['checksum'],
                                                    md5))
    return problems


class Importer:
    """Start, advance and inspect imports.

    *images* is a :class:`marketplace_dashboard.core.glance.GlanceImages`;
    *cache* (optional) has Django's ``add``/``get``/``set``/``delete`` and
    is used for a best-effort lock and for transfer progress.
    *shared_lock*: true when ``cache.add`` is atomic across every importer
    that may import the same entries (default: the cache's ``shared``
    attribute, else false); an importer holding such a lock needs no
    ``settle`` wait before electing.

    *project_id*: the project importing (default: ``images.project_id``).
    Dedupe, election and the deletion of duplicates only ever consider
    images this project owns: another project's image (e.g. a community
    image carrying an entry's identifier and hash, never uploaded) is
    never returned, elected against, waited on, deleted or written to.
    The one exception is for launching: a *public* image, or a *shared*
    one whose membership this project accepted, whose Glance-computed
    size and hash match the entry's endorsed ones is offered as existing
    (:meth:`existing`, :meth:`start`), and nothing else; community images
    never are.  Images without ``marketplace_import_method`` are ignored.
    *all_projects* (the reconciler, run with an admin token): verify and
    withdraw every image it sees, each among the images of its own
    project -- never publish another project's image, nor trust what its
    owner recorded (:meth:`verify`).
    """

    LOCK_PREFIX = 'marketplace-import-lock:'
    #: what the last check saw of an image that may yet be deleted as a
    #: younger duplicate (see :meth:`_gone`)
    SEEN_PREFIX = 'marketplace-import-seen:'

    def __init__(self, images, policy=None, cache=None, http_session=None,
                 sleep=time.sleep, clock=time.time, shared_lock=None,
                 project_id=None, all_projects=False):
        self.images = images
        self._project_id = project_id
        self.all_projects = all_projects
        self.policy = policy or ImportPolicy()
        self.cache = cache if cache is not None else transfer.MemoryCache()
        self.shared_lock = bool(getattr(self.cache, 'shared', False)
                                if shared_lock is None else shared_lock)
        self.progress = transfer.ProgressStore(self.cache, clock=clock)
        self.http_session = http_session
        self.sleep = sleep
        self.clock = clock
        #: images whose background transfer has its slot (see start())
        self._reserved = set()

    @property
    def project_id(self):
        """The importing project (owner of the images it creates)."""
        if self._project_id is None:
            self._project_id = getattr(self.images, 'project_id', None)
        return self._project_id

    def _ours(self, image):
        owner = image.get('owner')
        return owner is not None and owner == self.project_id

    def _manages(self, image):
        """May this importer change or delete *image* (verify, deactivate,
        delete as a duplicate)?  Its own project's images only, or any
        image for the reconciler (*all_projects*)."""
        return self._ours(image) or (self.all_projects
                                     and image.get('owner') is not None)

    # -- start ---------------------------------------------------------

    def start(self, verdict, name=None, visibility='private', members=(),
              marketplace_url=None, properties=None, background=False):
        """Start importing the entry of *verdict*; an :class:`ImportStatus`.

        Raises :class:`ImportRefused` (policy, unusable entry) or
        :class:`GlanceError` (e.g. :class:`GlanceForbidden` when Glance
        policy forbids creating images).  For the streamed method the
        caller then runs :meth:`transfer` (in a thread or in the
        foreground).  *properties*: extra image properties, checked with
        :func:`check_properties`.  *background*: the caller will run a
        streamed transfer with :meth:`transfer_in_background`; its slot
        (``max_streamed_transfers`` per process) is taken here, before any
        image is created (the import is refused when none is free), and
        given back when no transfer is needed (an existing image).

        The image is created private: the requested *visibility* and
        *members* are recorded (``marketplace_visibility``,
        ``marketplace_members``...) and applied by :meth:`verify` once
        the stored data matched, by whichever worker verifies it; an image
        is never shared before it is verified.
        """
        level = check_policy(verdict, self.policy)
        extra = check_properties(properties)
        appliance = verdict.appliance
        if visibility not in VISIBILITIES:
            raise ImportRefused('Visibility must be one of %s, not %r.'
                                % (', '.join(VISIBILITIES), visibility))
        if members and visibility != 'shared':
            raise ImportRefused('Members can only be added to a shared '
                                'image (use visibility "shared").')
        if not appliance.bytes:
            raise ImportRefused('The entry does not say how large the image '
                                'is (slreq:bytes); cannot verify it.')
        hashes = endorsed_hashes(appliance)
        if hashes and not set(hashes) - {'md5'}:
            raise ImportRefused('The entry endorses only an MD5 checksum, '
                                'which cannot prove the image is intact '
                                '(collisions); ask the endorser for SHA-1 '
                                'or SHA-2 checksums.')
        key = dedupe_key(hashes)
        found = self._listed(appliance.identifier, key)
        own = self._own(found, appliance.identifier, key)
        if own:
            status = self._existing(own)
            if status.state != 'failed':
                if request_unapplied(own, visibility, members):
                    status.reasons.append(
                        'This project already imported this entry as image '
                        '%s (visibility %s): the visibility "%s"%s asked '
                        'for now was not applied; change it with Glance\'s '
                        'image edit (Horizon\'s Edit Image, or openstack '
                        'image set).' % (own['id'], own.get('visibility'),
                                         visibility, ' and the members'
                                         if members else ''))
                return status
        offered = self._offered_image(found, appliance)
        if offered is not None:
            return self._offered(offered)
        plan = choose_method(appliance, self.images.import_methods(),
                             self.policy)
        props = dict(extra)
        props.update(image_properties(
            appliance, level, marketplace_url,
            hypervisor_type=self.policy.set_hypervisor_type))
        if plan.method == WEB_DOWNLOAD:
            plan = self._reachable(plan)
        props[P + 'import_method'] = plan.method
        props.update(pack_members(members))
        props[P + 'visibility'] = visibility
        props[P + 'source_url'] = plan.url  # whole: it is downloaded
        if plan.compression:
            props[P + 'compression'] = plan.compression
        for number, (url, compression) in enumerate(plan.mirrors, 2):
            props[P + 'source_url_%d' % number] = url
            if compression:
                props[P + 'compression_%d' % number] = compression
        if not (background and plan.method == GLANCE_DIRECT):
            return self._begin(appliance, key, plan, props, name)
        # The background transfer's slot is taken before any image exists
        # and handed over to transfer_in_background().
        limit = self.policy.max_streamed_transfers
        if not TRANSFER_SLOTS.acquire(limit):
            raise ImportRefused(_busy(limit))
        try:
            status = self._begin(appliance, key, plan, props, name)
        except BaseException:
            TRANSFER_SLOTS.release()
            raise
        if status.existing:  # no transfer to run
            TRANSFER_SLOTS.release()
        else:
            self._reserved.add(status.image_id)
        return status

    def _begin(self, appliance, key, plan, props, name):
        """Create the image (or find the concurrent import that won) and
        start Glance's import; the :class:`ImportStatus`."""
        # Dedupe and election are per project: so is the lock.
        lock = self.LOCK_PREFIX + '%s:%s:%s' % (
            self.project_id, appliance.identifier, key[1][:32])
        locked = self.cache.add(lock, self.clock(),
                                self.policy.lock_timeout)
        try:
            if not locked:
                # Someone else is creating it; give them time to appear.
                self.sleep(self.policy.settle)
                existing = self._winner(appliance.identifier, key)
                if existing:
                    return self._existing(existing)
            image = self._create(
                name=name or image_name(appliance),
                disk_format=disk_format(appliance.format),
                container_format='bare', visibility='private',
                min_disk=min_disk_gib(appliance.bytes), tags=[TAG], **props)
            # Holding a shared lock, no other importer sharing it can be
            # creating this entry: elect at once.  Others may still race
            # (CLI, another deployment): status() re-elects lazily.
            winner = self._elect(image, appliance.identifier, key,
                                 settle=not (locked and self.shared_lock))
            if winner['id'] != image['id']:
                return self._existing(winner)
        finally:
            if locked:
                self.cache.delete(lock)
        if plan.method == WEB_DOWNLOAD:
            try:
                self.images.web_download(image['id'], plan.url)
            except GlanceError as e:
                # Final: Glance's answer (e.g. its URL filtering, 400
                # "URI for web-download does not pass filtering") is never
                # worked around by streaming the URL from here instead.
                reason = 'Glance %s the web-download of %s: %s' % (
                    'refused' if 400 <= (e.status or 0) < 500
                    else 'could not start', plan.url,
                    str(e).rstrip('.') + '.')
                deleted = self._delete_quietly(image['id'])
                if not deleted:  # marked failed: never reused
                    self._record_import_error(image['id'], _clip(reason))
                if isinstance(e, GlanceForbidden):
                    raise
                raise ImportFailed('%s %s' % (reason, (
                    'The image was deleted.' if deleted else
                    'The image %s could not be deleted: delete it '
                    'yourself.' % image['id']))) from None
        return self._status(image['id'], None, elect=False)

    def _delete_quietly(self, image_id):
        """Delete an image of ours; a failure is logged, not raised."""
        try:
            self.images.delete(image_id)
        except GlanceError as e:
            LOG.warning('Could not delete image %s: %s', image_id, e)
            return False
        return True

    def _reachable(self, plan):
        """*plan* for the first of its locations a ``HEAD`` finds up.

        Glance's web-download takes a single URL; when the entry has
        several plain locations, a down mirror is skipped here rather than
        failing the import in Glance.  If none answers, the first is kept
        and Glance reports the error; so it is when probing has taken
        :data:`PROBE_BUDGET` seconds (the import form waits for this).
        The result has no mirrors left.
        """
        urls = [plan.url] + [url for url, _ in plan.mirrors]
        if len(urls) == 1 or not self.policy.probe_locations:
            return dataclasses.replace(plan, mirrors=())
        deadline = self.clock() + PROBE_BUDGET
        for url in urls:
            if self.clock() >= deadline:
                LOG.info('Probing locations took too long; using %s',
                         plan.url)
                break
            problem = transfer.probe(url, session=self.http_session,
                                     verify=self.policy.verify_tls)
            if problem is None:
                return dataclasses.replace(plan, url=url, mirrors=())
            LOG.info('Skipping location: %s', problem)
        return dataclasses.replace(plan, mirrors=())

    def _create(self, attempts=3, **props):
        """Create the image, retrying server errors (e.g. a busy database).

        Glance may fail *after* storing part of an image; each call is
        marked with a unique ``marketplace_import_token`` so that such
        leftovers of ours are found and deleted before retrying or giving
        up (never anyone else's image).
        """
        token = uuid.uuid4().hex
        props[P + 'import_token'] = token
        for attempt in range(1, attempts + 1):
            try:
                return self.images.create(**props)
            except GlanceError as e:
                for orphan in self.images.find(**{P + 'import_token': token}):
                    LOG.info('Deleting %s, left by a failed create',
                             orphan['id'])
                    self.images.delete(orphan['id'])
                if attempt == attempts or not (e.status or 0) >= 500:
                    raise
                LOG.info('Glance failed to create an image (%s); retrying',
                         e)
                self.sleep(attempt)

    def existing(self, appliance, images=None):
        """The image already holding *appliance*'s data, or None: the one
        rule of dedupe (:meth:`start`), of the import form's "launch it
        instead" and of the panel's *In Glance* mark.

        This project's oldest live import of the entry (same identifier
        and strongest endorsed hash: :func:`live_import`, and neither
        stalled nor failed as far as the engine can tell), else the oldest
        image of another project that this project may launch and whose
        Glance-computed size and hash are the entry's endorsed ones
        (:func:`offerable`): a public image, or a shared one whose
        membership this project accepted.  Community images are never
        offered: any project can make one.  *images*: the images to look
        among when the caller listed them already (else Glance is asked).
        """
        try:
            key = dedupe_key(endorsed_hashes(appliance))
        except ImportRefused:
            return None
        if images is None:
            images = self._listed(appliance.identifier, key)
        return self._own(images, appliance.identifier, key) or \
            self._offered_image(images, appliance)

    def _existing(self, image):
        # The oldest live candidate just listed: nothing to re-elect.
        status = self._status(image['id'], image, elect=False)
        status.existing = True
        return status

    def _listed(self, identifier, key, **filters):
        """Images Glance lists with the entry's identifier and hash."""
        prop, value = key
        filters.update({P + 'identifier': identifier, prop: value})
        return self.images.find(**filters)

    def _own(self, images, identifier, key, owner=None):
        """The oldest live import of the entry among *images* owned by
        *owner* (default: this project), or None."""
        owner = owner or self.project_id
        live = [i for i in images if live_import(i, identifier, key, owner)
                and not self._stopped(i)]
        return min(live, key=_age) if live else None

    def _stopped(self, image):
        """An import that stopped, as only the engine can tell: stalled,
        its transfer failed, or Glance's web-download task failed."""
        return self._stalled(image) or self._transfer_failed(image) or (
            image.get(P + 'import_method') == WEB_DOWNLOAD
            and image.get('status') in ('queued', 'importing')
            and self._web_download_failure(image) is not None)

    def _offered_image(self, images, appliance):
        """The oldest image of another project among *images* that may be
        offered for launch instead of importing *appliance* (see
        :meth:`existing`), or None."""
        for image in sorted((i for i in images
                             if offerable(i, appliance, self.project_id)),
                            key=_age):
            if image.get('visibility') == 'public' or self._accepted(image):
                return image
        return None

    def _accepted(self, image):
        """Has this project accepted the shared *image*?  (Glance lists
        shared images only once accepted, but lists them all to admins.)"""
        if self.project_id is None:
            return False
        try:
            return self.images.member(image['id'],
                                      self.project_id) == 'accepted'
        except GlanceError as e:
            LOG.info('Cannot read the membership of image %s: %s',
                     image['id'], e)
            return False

    def _offered(self, image):
        """Status of an image of another project that holds the entry's
        data: launch it, nothing else."""
        what = 'A public image of this cloud' if image.get(
            'visibility') == 'public' else 'An image shared with your project'
        return ImportStatus(
            image['id'], 'active', verified=True, existing=True, image=image,
            method=image.get(P + 'import_method'), reasons=[
                '%s holds exactly the endorsed data (its size and %s, '
                'computed by Glance, checked against this entry): launch it '
                'instead.' % (what, _algo(image.get('os_hash_algo') or ''))])

    def _winner(self, identifier, key, owner=None):
        """The oldest live import of the entry by *owner* (default: this
        project), asked of Glance."""
        owner = owner or self.project_id
        if owner is None:
            LOG.warning('Unknown project: no image is considered a '
                        'previous import of %s', identifier)
            return None
        return self._own(self._listed(identifier, key, owner=owner),
                         identifier, key, owner)

    def _elect(self, image, identifier, key, settle=True):
        """The oldest live image of the entry; deletes ours if it lost."""
        if settle:
            self.sleep(self.policy.settle)
        winner = self._winner(identifier, key) or image
        if _age(winner) > _age(image):
            winner = image
        if winner['id'] != image['id']:
            LOG.info('Concurrent import of %s: keeping %s, deleting %s',
                     image.get(P + 'identifier'), winner['id'], image['id'])
            self.images.delete(image['id'])
        return winner

    def _stalled(self, image):
        """An import that stopped making progress.

        Streamed: no heartbeat for ``stall_after`` seconds (an image being
        uploaded by a worker whose heartbeats we cannot see, e.g. a CLI
        elsewhere, is given the benefit of the doubt).  Web-download: Glance
        left the image ``queued`` that long.  Both: Glance left it
        ``importing`` that long (e.g. it restarted mid-import) -- measured
        from the image's last change or its newest import task's (Glance
        updates the task as it copies data), whichever is later.
        """
        status = image.get('status')
        method = image.get(P + 'import_method')
        if method not in (GLANCE_DIRECT, WEB_DOWNLOAD):
            return False
        record = self.progress.get(image['id']) \
            if method == GLANCE_DIRECT else None
        if status == 'importing':
            last = max(_timestamp(image.get('updated_at')),
                       (record or {}).get('heartbeat', 0))
            if self.clock() - last <= self.policy.stall_after:
                return False
            tasks = self.images.tasks(image['id'])
            if tasks is None:  # Glance cannot tell: not known to be stuck
                return False
            last = max([last] + [_timestamp(t.get('updated_at'))
                                 for t in tasks])
            return self.clock() - last > self.policy.stall_after
        if record:
            last = record.get('heartbeat', 0)
        elif status == 'queued':
            last = _timestamp(image.get('updated_at'))
        else:
            return False
        if status not in ('queued', 'uploading') or (
                record and record.get('state') == 'importing'):
            return False
        return self.clock() - last > self.policy.stall_after

    def _transfer_failed(self, image):
        """A streamed import whose transfer ended in failure (its image
        could not be deleted)."""
        if image.get(P + 'import_method') != GLANCE_DIRECT or \
                image.get('status') == 'active':
            return False
        record = self.progress.get(image['id'])
        return bool(record) and record.get('state') == 'failed'

    def _web_download_failure(self, image):
        """Why Glance's web-download of *image* failed, or None.

        Single-store Glance puts an image whose web-download failed back
        to ``queued`` without ``os_glance_failed_import``; only the import
        task says so.  The reason is recorded on the image
        (``marketplace_import_error``) so that the next look is cheap.
        """
        tasks = self.images.tasks(image['id'])
        if not tasks:
            return None
        newest = max(tasks, key=lambda t: (t.get('created_at') or '',
                                           t.get('updated_at') or ''))
        if newest.get('status') != 'failure':
            return None
        reason = _clip('Glance could not download the image: %s'
                       % (newest.get('message') or 'its import task failed'
                          ' without a message'))
        self._record_import_error(image['id'], reason)
        return reason

    def _record_import_error(self, image_id, reason):
        try:
            self.images.update(image_id, **{P + 'import_error': reason})
        except GlanceError as e:
            LOG.info('Cannot record the failure of %s: %s', image_id, e)

    # -- streamed transfer --------------------------------------------

    def transfer(self, image_id):
        """Run the streamed import of *image_id* in this thread.

        Downloads from ``marketplace_source_url`` (or, when that cannot
        be downloaded, the next of its :func:`sources`), decompresses, hashes
        and stages in one pass, then imports with ``glance-direct`` only
        if size and every endorsed hash match; otherwise deletes the image
        and raises :class:`ImportFailed`.  Returns the :class:`ImportStatus`.
        """
        status = self._stream(image_id)
        return status if status is not None else self._imported(image_id)

    def _stream(self, image_id):
        """:meth:`transfer` up to Glance accepting the ``glance-direct``
        import: then None (from there on the import is Glance's, and
        nothing here fails it or deletes the image); else the status that
        ended it (not a streamed import, a duplicate)."""
        image = self.images.get(image_id)
        if image.get(P + 'import_method') != GLANCE_DIRECT:
            return self.status(image_id)
        hashes = {name: image[P + name] for name in STRENGTH
                  if image.get(P + name)}
        checksums = {hashing_name(name): value
                     for name, value in hashes.items()}
        total = int(image[P + 'bytes'])
        report = self.progress.callback(image_id)
        self.progress.update(image_id, 0, total, force=True)
        # Glance's own algorithm is hashed in the same pass, so that its
        # os_hash_value can be checked even when the entry does not
        # endorse that algorithm (see integrity_problems).
        glance_algo = self.policy.glance_hash_algo
        errors = []
        for url, compression in sources(image):
            try:
                stream = transfer.stream_image(
                    url, checksums, total, compression=compression,
                    progress=report, session=self.http_session,
                    verify=self.policy.verify_tls, extra=(glance_algo,))
                break
            except (transfer.TransferError, ImageDataError) as e:
                LOG.info('Streamed import of %s: %s', image_id, e)
                errors.append(str(e))
        else:
            return self._discard(image_id, '; '.join(errors), total, image)
        with stream:
            try:
                self.images.stage(image_id, stream)
            except GlanceError as e:
                if stream.error is not None:  # the data stopped the upload
                    return self._discard(image_id,
                                         '; '.join(stream.mismatches()),
                                         total, image)
                return self._fail(image_id, 'Glance could not stage the '
                                  'image data: %s' % e, total, image)
            except (transfer.TransferError, ImageDataError):
                pass  # recorded in stream.error, reported below
            except Exception as e:  # the upload wraps reader errors
                if stream.error is None:
                    raise
                LOG.debug('staging stopped: %s', e)
            self.progress.update(image_id, stream.done, total,
                                 state='verifying', force=True)
            problems = stream.mismatches()
            streamed = stream.digest(glance_algo)
        if problems:
            return self._discard(image_id, '; '.join(problems), total,
                                 image)
        try:
            # Recorded only now that every endorsed checksum matched.
            self.images.update(image_id,
                               **{STREAMED + glance_algo: streamed})
            self.images.glance_direct(image_id)
        except GlanceError as e:
            return self._fail(image_id, 'Glance could not import the '
                              'staged image: %s' % e, total, image)
        try:
            self.progress.update(image_id, total, total, state='importing',
                                 force=True)
        except Exception:
            LOG.exception('Cannot record the progress of %s', image_id)
        return None

    def _imported(self, image_id):
        """The status of an image whose ``glance-direct`` import Glance
        accepted.  Its check failing (Glance unreachable for a moment, the
        cache...) never fails the import: the status is ``importing`` with
        the reason, and the next look checks again."""
        try:
            return self.status(image_id)
        except Exception as e:
            if isinstance(e, MarketplaceError):
                LOG.warning('Cannot check the import of %s: %s', image_id, e)
            else:
                LOG.exception('Checking the import of %s crashed', image_id)
            reason = ('Glance is importing the image; its status could not '
                      'be checked (%s) and is checked again on the next '
                      'look.' % (e if isinstance(e, MarketplaceError)
                                 else type(e).__name__))
            try:
                record = self.progress.get(image_id) or {}
                self.progress.update(image_id, record.get('done', 0),
                                     record.get('total', 0),
                                     state='importing', force=True,
                                     reason=reason)
            except Exception:
                LOG.exception('Cannot record the progress of %s', image_id)
            return ImportStatus(image_id, 'importing', method=GLANCE_DIRECT,
                                reasons=[reason])

    def _follow(self, image_id):
        """After ``glance-direct``, in the background thread: check the
        image (:meth:`status`, with the importing user's token) until it
        is verified -- and given the visibility asked for -- or failed, for
        at most ``stall_after`` seconds, so that this happens even when
        nobody is watching."""
        deadline = self.clock() + self.policy.stall_after
        while True:
            status = self._imported(image_id)
            if status.done or status.state == 'duplicate' or \
                    self.clock() >= deadline:
                return status
            self.sleep(FOLLOW_INTERVAL)

    def transfer_in_background(self, image_id):
        """Run :meth:`transfer` in a daemon thread; returns the thread.

        For a web worker: the request returns at once and the page polls
        :meth:`status`.  Whatever stops it before Glance accepts the
        ``glance-direct`` import (a mismatch, Glance refusing the stage or
        the import, e.g. an expired token, a crash) ends in the progress
        record (``state`` ``failed`` and ``reason``), which :meth:`status`
        and the Imports view report, and the image is deleted (best
        effort).  Once Glance accepted it, the thread follows the image
        (:meth:`_follow`) and never fails or deletes it.

        At most ``max_streamed_transfers`` run at once in this process:
        ``start(background=True)`` took this transfer's slot before
        creating the image.  Without such a slot and none free,
        :class:`ImportRefused` is raised and the image left as it is.
        """
        limit = self.policy.max_streamed_transfers
        if image_id in self._reserved:
            self._reserved.discard(image_id)
        elif not TRANSFER_SLOTS.acquire(limit):
            raise ImportRefused(_busy(limit))

        def run():
            if self._streamed(image_id):
                try:
                    self._follow(image_id)
                except Exception:  # never a reason to fail the import
                    LOG.exception('Following the import of %s crashed',
                                  image_id)

        thread = threading.Thread(target=run, daemon=True,
                                  name='marketplace-import-%s' % image_id)
        try:
            thread.start()
        except BaseException:
            TRANSFER_SLOTS.release()
            raise
        return thread

    def _streamed(self, image_id):
        """:meth:`_stream` in the background thread, its slot given back
        once the data is in Glance; True when Glance accepted the
        ``glance-direct`` import."""
        try:
            return self._stream(image_id) is None
        except ImportFailed as e:  # recorded, image deleted
            LOG.warning('Streamed import of %s failed: %s', image_id, e)
        except Exception as e:
            if isinstance(e, MarketplaceError):
                LOG.warning('Streamed import of %s failed: %s', image_id, e)
                reason = 'The streamed import failed: %s' % e
            else:
                LOG.exception('Streamed import of %s crashed', image_id)
                reason = ('The streamed import failed unexpectedly (%s); see '
                          'the dashboard logs.' % type(e).__name__)
            try:
                self._fail(image_id, reason)
            except ImportFailed:
                pass
            except Exception:
                LOG.exception('Cannot record the failure of %s', image_id)
        finally:
            TRANSFER_SLOTS.release()
        return False

    def _discard(self, image_id, reason, total, image):
        return self._fail(image_id, 'Image data does not match the '
                          'endorsed metadata: %s' % reason, total, image)

    def _fail(self, image_id, reason, total=0, image=None):
        """End a streamed import: record *reason*, delete the image (best
        effort) and raise :class:`ImportFailed`.

        The reason goes to the progress record (any worker's
        :meth:`status` reports it, even once the image is gone) and to the
        project's list of failed imports (:meth:`failed_imports`), which
        the Imports view shows as rows after a reload.  An image already
        gone because a concurrent import of the entry won (another
        worker, the CLI or the reconciler deleted it as a younger
        duplicate: see :meth:`_gone`) is no failure: its ``duplicate``
        status is returned.  *image*: what the transfer read of it.
        """
        try:
            image = self.images.get(image_id)
        except GlanceNotFound:
            duplicate = self._gone(image_id, image)
            if duplicate is not None:
                return duplicate
        except GlanceError:
            pass
        image = image or {'id': image_id}
        LOG.warning('Import of %s failed: %s', image_id, reason)
        self.progress.update(image_id, 0, total, state='failed', force=True,
                             reason=reason)
        deleted = self._delete_quietly(image_id)
        self._remember_failure(image, reason)
        raise ImportFailed('%s%s' % (
            reason.rstrip('.') + '.', ' The image was deleted.' if deleted
            else ' The image could not be deleted: delete it yourself.'))

    FAILED_PREFIX = 'marketplace-import-failed:'
    #: failed imports remembered per project
    MAX_FAILURES = 20

    def _remember_failure(self, image, reason):
        """Add a failed import to the project's list (best effort: the
        cache's ``add`` serialises writers for a moment)."""
        project = image.get('owner') or self.project_id
        if not project:
            return
        record = {'id': image['id'], 'name': image.get('name'),
                  'reason': reason, 'failed_at': _iso(_now()),
                  'created_at': image.get('created_at')}
        for key in ('identifier', 'endorser', 'endorsed_at', 'url'):
            if image.get(P + key):
                record[P + key] = image[P + key]
        key = self.FAILED_PREFIX + project
        lock = key + ':lock'
        locked = False
        for _attempt in range(20):
            locked = self.cache.add(lock, 1, 5)
            if locked:
                break
            self.sleep(0.05)
        try:
            records = [r for r in self.cache.get(key) or ()
                       if r.get('id') != image['id']]
            records.append(record)
            self.cache.set(key, records[-self.MAX_FAILURES:],
                           self.progress.timeout)
        finally:
            if locked:  # never another worker's lock
                self.cache.delete(lock)

    def failed_imports(self):
        """This project's recently failed imports (``dict`` records with
        ``id``, ``name``, ``reason``, ``failed_at``...), oldest first;
        their images are usually gone."""
        if not self.project_id:
            return []
        return list(self.cache.get(self.FAILED_PREFIX + self.project_id)
                    or ())

    def failed_import(self, image_id):
        """The :meth:`failed_imports` record of *image_id*, or None."""
        return next((r for r in self.failed_imports()
                     if r.get('id') == image_id), None)

    # -- status and verification --------------------------------------

    def status(self, image_id, image=None):
        """The :class:`ImportStatus` of *image_id* (verifying if due).

        *image*: the image dict when the caller just listed it (saves a
        Glance call).  A marketplace image not yet verified loses to an
        older live image of the same entry (a concurrent import that did
        not share our lock): it is deleted and reported as ``duplicate``.
        """
        return self._status(image_id, image)

    def _status(self, image_id, image, elect=True):
        try:
            image = image if image is not None else self.images.get(image_id)
        except GlanceNotFound:
            record = self.progress.get(image_id) or {}
            if record.get('state') != 'failed':
                duplicate = self._gone(image_id)
                if duplicate is not None:
                    return duplicate
            return ImportStatus(image_id, 'failed', reasons=[
                record.get('reason') or
                'The image no longer exists in Glance.'])
        method = image.get(P + 'import_method')
        # Another project's claim to be verified is checked, not believed.
        result = ImportStatus(image_id, 'queued', method=method, image=image,
                              verified=image.get(P + 'verified') == 'true'
                              and self._manages(image))
        glance_status = image.get('status')
        error = _error(image)
        failed_import = image.get('os_glance_failed_import')
        if error or failed_import or glance_status in (
                'killed', 'deleted', 'pending_delete', 'deactivated'):
            result.state = 'failed'
            result.verified = False
            if error:
                result.reasons.append(error)
            if failed_import:
                result.reasons.append('Glance could not import it into '
                                      'store(s) %s.' % failed_import)
            if not error:  # a recorded error already has the task's
                result.reasons.extend(self._task_errors(image_id))
            if error and glance_status == 'active':
                result.reasons.append(
                    'The image is still active in Glance%s and must not be '
                    'used: ask your cloud administrator to delete it.'
                    % (' (hidden)' if image.get('os_hidden') else ''))
            if not result.reasons:
                result.reasons.append('Glance image status is %s.'
                                      % glance_status)
            return result
        if method == GLANCE_DIRECT and glance_status != 'active':
            record = self.progress.get(image_id)
            if record and record.get('state') == 'failed':
                result.state = 'failed'
                result.progress = record
                result.reasons.append(record.get('reason') or
                                      'The streamed import failed.')
                return result
        if not result.verified and self._manages(image):
            if image.get(P + 'identifier'):
                # It may yet be deleted as a younger duplicate, by anyone.
                self.cache.add(self.SEEN_PREFIX + image_id, _identity(image),
                               self.progress.timeout)
            duplicate = self._reelect(image) if elect else None
            if duplicate:
                return duplicate
        if glance_status == 'active':
            if result.verified:
                result.state = 'active'
                return self._published(result)
            if not image.get(P + 'identifier'):
                result.state = 'active'
                return result
            return self.verify(image)
        if method == WEB_DOWNLOAD and glance_status in (
                'queued', 'importing') and self._manages(image):
            failure = self._web_download_failure(image)
            if failure:
                result.state = 'failed'
                result.reasons.append(failure)
                return result
        record = self.progress.get(image_id) if method == GLANCE_DIRECT \
            else None
        result.progress = record
        if glance_status in ('saving', 'uploading', 'importing'):
            result.state = 'importing'
        if record and record.get('state') in ('transferring', 'verifying',
                                              'importing'):
            result.state = ('verifying' if record['state'] == 'verifying'
                            else 'importing')
        if self._stalled(image):
            result.state = 'failed'
            result.reasons.append(
                'The import stalled (no progress for %d s); delete the '
                'image and import again.' % self.policy.stall_after)
        return result

    def _reelect(self, image):
        """Delete *image* if an older live image holds its entry.

        The :class:`ImportStatus` (``duplicate``) if it lost, else None
        (won, not a marketplace image, or not ours to delete).
        """
        winner = self.older_twin(image)
        if winner is None:
            return None
        try:
            self.images.delete(image['id'])
        except GlanceForbidden:
            return None
        LOG.info('Concurrent import of %s: keeping %s, deleted %s',
                 image.get(P + 'identifier'), winner['id'], image['id'])
        return self._duplicate_status(image['id'], winner['id'], winner)

    def older_twin(self, image):
        """The older live image of the same entry and bytes, if any, in
        the image's own project (never another project's)."""
        identifier = image.get(P + 'identifier')
        key = next(((P + name, image[P + name]) for name in STRENGTH
                    if image.get(P + name)), None)
        if not identifier or key is None or not image.get('owner'):
            return None
        winner = self._winner(identifier, key, owner=image['owner'])
        if winner is None or _age(winner) >= _age(image):
            return None
        return winner

    def _gone(self, image_id, image=None):
        """The ``duplicate`` status of an image that is gone because an
        older live import of the same entry in its project won, else None.

        Worked out from Glance (:meth:`older_twin`), whoever deleted it --
        another dashboard worker, the CLI, the reconciler -- with what was
        last seen of the image: *image*, else the record :meth:`status`
        keeps of images that may yet be deleted as duplicates.
        """
        image = image or self.cache.get(self.SEEN_PREFIX + image_id)
        if not image:
            return None
        try:
            twin = self.older_twin(image)
        except GlanceError as e:
            LOG.info('Cannot look for the twin of %s: %s', image_id, e)
            return None
        return None if twin is None else self._duplicate_status(
            image_id, twin['id'], twin)

    def _duplicate_status(self, image_id, winner_id, winner=None):
        return ImportStatus(
            image_id, 'duplicate', image=winner, duplicate_of=winner_id,
            method=(winner or {}).get(P + 'import_method'), reasons=[
                'Another import of the same entry started first (image '
                '%s); this duplicate was deleted and the import goes on '
                'as that image.' % winner_id])

    def _task_errors(self, image_id):
        return ['Glance import task failed: %s' % t.get('message')
                for t in self.images.tasks(image_id) or ()
                if t.get('status') == 'failure' and t.get('message')]

    def verify(self, image):
        """Compare an active image with its endorsed size and hashes.

        Match: ``marketplace_verified=true`` (+ ``_verified_at``) is
        recorded, then -- by the image's owner only -- the visibility and
        members requested at import time are applied (:meth:`_published`).
        Mismatch: the image is withdrawn (:meth:`_withdraw`) and
        ``marketplace_verification_error`` records why.  Idempotent; safe
        to run from any worker.

        Only the owner trusts the digest its own streamed transfer
        recorded (``marketplace_streamed_<algo>``, see
        :func:`integrity_problems`); anyone else, the reconciler included,
        goes by Glance's facts against the endorsed values, and leaves an
        image only its owner can verify that way as it is (``verifying``).
        An image this importer does not manage (another project's) is
        checked and reported, never written to.
        """
        image_id = image['id']
        method = image.get(P + 'import_method')
        own = self._ours(image)
        problems = integrity_problems(image, trust_streamed=own)
        if problems and not own and not integrity_problems(image):
            return ImportStatus(image_id, 'verifying', method=method,
                                image=image, reasons=[OWNER_ONLY])
        if not self._manages(image):
            if not problems:
                return ImportStatus(image_id, 'active', verified=True,
                                    method=method, image=image)
            return ImportStatus(
                image_id, 'failed', method=method, image=image, reasons=[
                    _clip('Stored data does not match the endorsed '
                          'metadata: ' + '; '.join(problems))
                    + ' (not your image: ask its owner to deactivate it)'])
        if not problems:
            recorded = {P + 'verified': 'true',
                        P + 'verified_at': _iso(_now())}
            try:
                image = self.images.update(image_id, **recorded)
            except GlanceForbidden:
                image = dict(image, **recorded)
            return self._published(ImportStatus(
                image_id, 'active', verified=True, method=method,
                image=image))
        reason = _clip('Stored data does not match the endorsed metadata: '
                       + '; '.join(problems))
        # Unusable first, whatever happens to the record of why.
        LOG.warning('Withdrawing image %s: %s', image_id, reason)
        before = image
        image, note = self._withdraw(image_id)
        if image is not None:
            try:
                image = self.images.update(
                    image_id, **{P + 'verification_error': reason})
            except GlanceError as e:  # the next check finds it again
                LOG.warning('Cannot record why image %s was withdrawn: %s',
                            image_id, e)
        reasons = [reason] + ([note] if note else [])
        if image is None or image.get('status') == 'active':
            # Deleted, or (hidden) still there: remembered for the Imports
            # view whatever Glance lists.
            self.progress.update(image_id, 0, 0, state='failed', force=True,
                                 reason=' '.join(reasons))
            self._remember_failure(before, ' '.join(reasons))
        return ImportStatus(image_id, 'failed', reasons=reasons,
                            method=method, image=image)

    def _published(self, status):
        """*status* of a verified image, once the visibility and members
        requested at import time are applied if that is still due
        (:func:`publish_pending`).

        Only ever under the owner's own token: Glance's policy for the
        owner (e.g. ``publicize_image``) is the one that applies, never
        that of an administrator running the reconciler.  The reconciler
        and other projects only verify; the owner's next status check
        (dashboard, ``import --wait``) publishes.
        """
        image = status.image
        if self._ours(image) and publish_pending(image):
            image, note = self._publish(image)
            status.image = image
            if note:
                status.reasons.append(note)
        elif image.get(P + 'visibility_error'):
            status.reasons.append(image[P + 'visibility_error'])
        return status

    def _publish(self, image):
        """Apply the requested visibility and members to a verified image
        of ours; ``(image, note)``.

        Done: ``marketplace_published_at`` is recorded.  Refused or failed
        by Glance (403 policy, 413 member quota, 5xx...): what Glance did
        not do stays undone (e.g. a shared image without its members) and
        ``marketplace_visibility_error`` says why; it is not tried again
        (change the visibility with Glance's image edit).  When even that
        record fails, the publish stays pending and the next status check
        tries again.
        """
        wanted = image.get(P + 'visibility') or 'private'
        members = unpack_members(image)
        note = None
        if wanted not in VISIBILITIES:
            note = 'Unknown requested visibility %r: the image stays %s.' \
                % (wanted, image.get('visibility'))
        else:
            try:
                if image.get('visibility') != wanted:
                    image = self.images.update(image['id'],
                                               visibility=wanted)
                if wanted == 'shared' and members:
                    self.images.add_members(image['id'], members)
            except GlanceError as e:
                LOG.warning('Verified image %s cannot be made %s: %s',
                            image['id'], wanted, e)
                note = ('The image is verified, but the requested visibility '
                        '"%s" could not be applied: %s' % (wanted, e))
        recorded = {P + 'visibility_error': _clip(note)} if note else \
            {P + 'published_at': _iso(_now())}
        try:
            image = self.images.update(image['id'], **recorded)
        except GlanceError as e:
            LOG.warning('Cannot record the publication of image %s (tried '
                        'again on the next check): %s', image['id'], e)
        return image, note

    def _withdraw(self, image_id):
        """Make a mismatching active image unusable, whatever it takes.

        Deactivated if Glance allows it, else deleted, else hidden
        (``os_hidden``, its ``marketplace_verification_error`` kept); never
        left usable silently.  ``(image or None if deleted, note)``.
        """
        try:
            self.deactivate(image_id)
            return self.images.get(image_id), None
        except (ImportFailed, GlanceError) as e:
            refused = str(e)
        LOG.warning('Deleting image %s instead: %s', image_id, refused)
        try:
            self.images.delete(image_id)
            return None, ('Glance refused to deactivate it, so it was '
                          'deleted (%s)' % refused)
        except GlanceError as e:
            refused = '%s; %s' % (refused, e)
        LOG.error('Image %s does not match its endorsed metadata and can be '
                  'neither deactivated nor deleted: %s', image_id, refused)
        try:
            image = self.images.update(image_id, os_hidden=True)
            return image, ('Glance refused to deactivate and to delete it: '
                           'it was hidden (os_hidden) and must not be used; '
                           'ask your cloud administrator to delete it (%s)'
                           % refused)
        except GlanceError as e:
            refused = '%s; %s' % (refused, e)
        try:
            image = self.images.get(image_id)
        except GlanceError:
            image = None
        return image, ('Glance refused to deactivate, delete and hide it: '
                       'it is still active and must not be used; ask your '
                       'cloud administrator to delete it (%s)' % refused)

    def wait(self, image_id, timeout=3600, interval=2.0):
        """Poll :meth:`status` until the import is done or *timeout*.

        A ``duplicate`` is followed: the status returned is the winner's.
        """
        deadline = self.clock() + timeout
        while True:
            status = self.status(image_id)
            if status.state == 'duplicate' and self.clock() < deadline:
                image_id = status.duplicate_of
                continue
            if status.done:
                return status
            if self.clock() >= deadline:
                status.reasons.append('Still %s after %d s.'
                                      % (status.state, timeout))
                return status
            self.sleep(interval)

    # -- lifecycle ----------------------------------------------------

    def hide(self, image_id):
        """Hide an image from default listings (``os_hidden``)."""
        self.images.update(image_id, os_hidden=True)

    def deactivate(self, image_id):
        """Deactivate an image (running servers keep working)."""
        try:
            self.images.deactivate(image_id)
        except GlanceError as e:
            image = self.images.get(image_id)
            if image.get('status') != 'deactivated':
                raise ImportFailed('Cannot deactivate image %s: %s'
                                   % (image_id, e)) from None


MEMBERS = P + 'members'
OWNER_ONLY = ('Glance computed a hash the entry does not endorse; only the '
              "image's owner can verify it, against the digest its "
              'streamed import recorded (the Imports view, import --wait).')


def publish_pending(image):
    """True when a verified image has yet to get the visibility or members
    requested at import time: neither applied
    (``marketplace_published_at``) nor refused by Glance
    (``marketplace_visibility_error``)."""
    if image.get(P + 'verified') != 'true' or image.get(
            P + 'visibility_error') or image.get(P + 'published_at'):
        return False
    wanted = image.get(P + 'visibility') or 'private'
    if wanted == 'shared' and unpack_members(image):
        return True
    return wanted != 'private' and image.get('visibility') != wanted


def pack_members(members):
    """The ``marketplace_members`` property (comma-separated project IDs)
    recording the members to add once verified."""
    return {MEMBERS: ','.join(members)} if members else {}


def unpack_members(image):
    """The project IDs :func:`pack_members` recorded on *image*."""
    return [m for m in (image.get(MEMBERS) or '').split(',') if m]


def sources(image):
    """``(url, compression)`` a streamed import of *image* tries, in order.

    The first http(s) location, then the others (``source_url_2``…) when
    it cannot be downloaded.  A mirror that answers but serves other bytes
    is a mismatch, not a reason to try the next one.
    """
    found = [(image.get(P + 'source_url'), image.get(P + 'compression'))]
    for number in range(2, MAX_MIRRORS + 2):
        url = image.get(P + 'source_url_%d' % number)
        if url:
            found.append((url, image.get(P + 'compression_%d' % number)))
    return [(url, compression) for url, compression in found if url]


def lifecycle_flags(image, verdict, now=None):
    """``expired``/``deprecated``/``replaced`` flags of an imported image.

    *verdict* is the current verdict of the image's marketplace entry.
    ``replaced``: the entry now carries a newer endorsement than the one
    the image was imported from.
    """
    now = now or _now()
    appliance = verdict.appliance
    flags = []
    level = _level(verdict)
    if level == 'expired' or (appliance.valid and appliance.valid < now):
        flags.append('expired')
    if level == 'deprecated' or appliance.deprecated:
        flags.append('deprecated')
    recorded = image.get(P + 'endorsed_at')
    current = _iso(appliance.endorsement.created)
    if recorded and current and current > recorded:
        flags.append('replaced')
    return flags


def hashing_name(name):
    """``'sha512'`` → ``'SHA-512'`` (the marketplace spelling)."""
    for marketplace, hashlib_name in formats.ALGORITHMS.items():
        if hashlib_name == name:
            return marketplace
    return name.upper()


def _timestamp(text):
    if not text:
        return 0
    try:
        value = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        return 0
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.timestamp()


def entry_problems(image, appliance):
    """:func:`integrity_problems` of *image* against *appliance*'s own
    endorsed size and hashes (not the ``marketplace_*`` claims of the
    image's owner); streamed hashes are not trusted."""
    facts = {k: v for k, v in image.items() if not str(k).startswith(P)}
    facts[P + 'bytes'] = str(appliance.bytes)
    facts.update((P + name, value)
                 for name, value in endorsed_hashes(appliance).items())
    return integrity_problems(facts, trust_streamed=False)


def live_import(image, identifier, key, owner):
    """True when *image* is, as far as it tells, a live import by project
    *owner* of the entry with *identifier* and dedupe *key* (see
    :func:`dedupe_key`): live in Glance, not hidden, made by this engine
    (``marketplace_import_method``), no recorded failure, and -- once
    active -- Glance's facts match its endorsed values.  Another project's
    image never is.  :meth:`Importer.existing` also asks the engine
    whether it stalled or failed meanwhile."""
    prop, value = key
    return (owner is not None and image.get('owner') == owner
            and image.get('status') in LIVE_STATUSES
            and not image.get('os_hidden')
            and image.get(P + 'import_method') in (WEB_DOWNLOAD,
                                                   GLANCE_DIRECT)
            and image.get(P + 'identifier') == identifier
            and image.get(prop) == value
            and not _error(image)
            and not image.get('os_glance_failed_import')
            and not (image.get('status') == 'active'
                     and integrity_problems(image)))


def offerable(image, appliance, project_id):
    """True when *image*, of another project than *project_id*, may be
    offered for launch instead of importing *appliance*: active, not
    hidden, public or shared (then only once this project accepted it:
    :meth:`Importer.existing`), never community (any project can make
    one), and its Glance-computed size and hash are the entry's endorsed
    ones (:func:`entry_problems`), whatever its properties claim."""
    return (image.get('owner') is not None
            and image.get('owner') != project_id
            and image.get('visibility') in ('public', 'shared')
            and image.get('status') == 'active'
            and not image.get('os_hidden')
            and image.get(P + 'identifier') == appliance.identifier
            and not _error(image)
            and not entry_problems(image, appliance))


def launch_ready(image, project_id):
    """True when the image :meth:`Importer.existing` found can be
    launched now: active, and verified when it is *project_id*'s own
    import (another project's image is only found when Glance's facts
    match the entry)."""
    return bool(image) and image.get('status') == 'active' and (
        image.get('owner') != project_id
        or image.get(P + 'verified') == 'true')


def request_unapplied(image, visibility, members=()):
    """True when *visibility* and *members*, asked for by a new import
    that found *image* (the project's existing import of the entry),
    differ from what was asked for it: they are not applied."""
    wanted = image.get(P + 'visibility') or 'private'
    return visibility != wanted or bool(
        set(members or ()) - set(unpack_members(image)))


def _identity(image):
    """What :meth:`Importer.older_twin` needs to know of an image."""
    keep = ('id', 'owner', 'created_at', P + 'identifier') + tuple(
        P + name for name in STRENGTH)
    return {k: image[k] for k in keep if image.get(k)}


def _error(image):
    """The recorded reason an import failed (verification or Glance)."""
    return image.get(P + 'verification_error') or image.get(P + 'import_error')


def _age(image):
    return (image.get('created_at') or '', image['id'])
