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

"""Stage 2 of an import: the appliance as Glance properties.

The metadata's free-form values (``slterms:os``, ``slterms:os-arch``,
``dcterms:format``...) become the values Glance and Nova understand
(libosinfo-style ``os_distro``, Glance ``architecture`` and disk formats),
and the entry's provenance and endorsed values become the record
(:mod:`.record`) the later stages read.  Other catalogues map onto the
same :class:`~marketplace_dashboard.core.model.Appliance` and share this.
"""

import datetime
import math
import re

from marketplace_dashboard.core import formats
from marketplace_dashboard.core.errors import ImportRefused
from marketplace_dashboard.core.imports import record

__all__ = [
    'ARCHITECTURES', 'DISK_BUSES', 'DISK_FORMATS', 'DISTROS',
    'GLANCE_CORE_ATTRIBUTES', 'PROPERTY_MAX', 'RESERVED_PREFIXES',
    'STRENGTH', 'check_properties', 'clip', 'dedupe_key', 'disk_format',
    'endorsed_hashes', 'image_name', 'image_properties', 'iso',
    'min_disk_gib', 'normalise_arch', 'normalise_distro', 'utc_now',
]

#: Hash algorithms by decreasing strength (Glance/hashlib names).
STRENGTH = ('sha512', 'sha384', 'sha256', 'sha1', 'md5')
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
#: Longest image name Glance takes, and the bound this engine puts on the
#: descriptive values and reasons it records (Glance 33 limits property
#: names to 255 characters, not their values: URLs and member lists are
#: recorded whole).
PROPERTY_MAX = 255


def utc_now():
    """The current time, timezone-aware UTC."""
    return datetime.datetime.now(datetime.UTC)


def iso(value):
    """*value* (a datetime) as the record writes times, or None."""
    return value.strftime(formats.DATE_FORMAT) if value else None


def clip(text):
    """*text* bounded to :data:`PROPERTY_MAX` characters."""
    text = str(text)
    return text if len(text) <= PROPERTY_MAX else \
        text[:PROPERTY_MAX - 1] + '…'


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
        name = formats.hashlib_name(algorithm)
        if name in STRENGTH and value and re.fullmatch(r'[0-9a-fA-F]+',
                                                       value):
            result[name] = value.lower()
    return result


def dedupe_key(hashes):
    """(property, value) of the strongest endorsed hash."""
    for name in STRENGTH:
        if name in hashes:
            return record.hash_property(name), hashes[name]
    raise ImportRefused('The entry endorses no usable checksum.')


def image_name(appliance):
    """Default image name: the title, else os + version (+ arch)."""
    if appliance.title:
        return clip(appliance.title.strip())
    parts = [appliance.os, appliance.os_version, appliance.os_arch]
    name = ' '.join(p.strip() for p in parts if p and p.strip())
    return clip(name or appliance.identifier)


def image_properties(appliance, level, marketplace_url=None,
                     hypervisor_type=True):
    """Glance properties (strings) describing *appliance* and provenance
    (with the catalogue type's own, ``Appliance.catalog_properties``).

    ``hypervisor_type=False`` leaves Glance's ``hypervisor_type`` unset
    (see :class:`~.policy.ImportPolicy` ``set_hypervisor_type``).
    """
    endorsement = appliance.endorsement
    props = {
        'os_distro': normalise_distro(appliance.os),
        'os_version': appliance.os_version,
        'architecture': normalise_arch(appliance.os_arch),
        'hypervisor_type': ((appliance.hypervisor or '').strip().lower()
                            if hypervisor_type else None),
        record.URL: marketplace_url,
        record.IDENTIFIER: appliance.identifier,
        record.ENDORSER: endorsement.email,
        record.ENDORSED_AT: iso(endorsement.created),
        record.VALID_UNTIL: iso(appliance.valid),
        record.VERDICT: level,
        record.BYTES: str(appliance.bytes),
        record.SOURCE_FORMAT: disk_format(appliance.format),
    }
    bus = (appliance.disks_bus or '').strip().lower()
    if bus in DISK_BUSES:
        props['hw_disk_bus'] = bus
    for name, value in endorsed_hashes(appliance).items():
        props[record.hash_property(name)] = value
    for name, value in (appliance.catalog_properties or {}).items():
        # the catalogue's own provenance, never in place of ours
        if _PROPERTY_KEY.match(str(name)) and props.get(name) is None \
                and str(name).lower() not in GLANCE_CORE_ATTRIBUTES:
            props[name] = value
    return {k: clip(v) for k, v in props.items() if v}


#: Glance's own image attributes: never settable as extra properties.
GLANCE_CORE_ATTRIBUTES = frozenset({
    'id', 'name', 'status', 'visibility', 'protected', 'checksum', 'owner',
    'size', 'virtual_size', 'min_ram', 'min_disk', 'disk_format',
    'container_format', 'created_at', 'updated_at', 'tags', 'self', 'file',
    'schema', 'locations', 'direct_url', 'stores', 'member', 'members',
    'deleted', 'deleted_at', 'is_public', 'location', 'kernel_id',
    'ramdisk_id'})
RESERVED_PREFIXES = ('os_', record.PREFIX)
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
        if len(value) > PROPERTY_MAX or any(ord(c) < 32 for c in value):
            raise ImportRefused('Property %r: the value must be one line '
                                'of at most %d characters.'
                                % (key, PROPERTY_MAX))
        clean[key] = value
    return clean
