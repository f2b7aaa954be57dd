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

"""The HEPiX image list (``hv:imagelist`` JSON) and its images as the
appliance model.

The list names its endorser (``hv:endorser.hv:x509``: ``hv:dn``,
``hv:ca``, ``hv:email``, ``dc:creator``), when it was made and until when
it holds (``dc:date:created``, ``dc:date:expires``) and its images
(``hv:images``, each ``{"hv:image": {...}}``).  Parsing is bounded (size
by the download, nesting by the core's ``load_json``, number of images by
:data:`MAX_IMAGES`) and never trusts a value's type.
"""

import dataclasses
import datetime
import hashlib
import re

from marketplace_dashboard.core import formats, model
from marketplace_dashboard.core.client.responses import load_json
from marketplace_dashboard.core.errors import MetadataError
from marketplace_dashboard.core.i18n import _

__all__ = [
    'IDENTIFIER_RE', 'MAX_IMAGES', 'ImageList', 'appliance_of',
    'image_expiry', 'parse_list', 'parse_time',
]

MAX_IMAGES = 10000
#: what the panel's URLs and the envelope accept as an image identifier
#: (AppDB's are UUIDs)
IDENTIFIER_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}\Z')
_SHA512_RE = re.compile(r'^[0-9a-fA-F]{128}\Z')
_SIZE_RE = re.compile(r'^[0-9]{1,20}\Z')
_ISO_RE = re.compile(
    r'^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.\d{1,9})?'
    r'(Z|[+-]\d\d:?\d\d)?\Z')


@dataclasses.dataclass
class ImageList:
    identifier: str | None = None
    title: str | None = None
    description: str | None = None
    uri: str | None = None
    version: str | None = None
    source: str | None = None
    vo: str | None = None
    created: datetime.datetime | None = None
    created_text: str | None = None
    expires: datetime.datetime | None = None
    endorser_dn: str | None = None
    endorser_ca: str | None = None
    endorser_email: str | None = None
    endorser_name: str | None = None
    images: list = dataclasses.field(default_factory=list)

    def image(self, identifier):
        """The ``hv:image`` dict of *identifier*; MetadataError if the
        list does not hold it exactly once."""
        found = [i for i in self.images if i.get('dc:identifier') ==
                 identifier]
        if not found:
            raise MetadataError(
                _('the image list %(list)s does not hold the image '
                  '%(image)s') % {'list': self.identifier or '',
                                  'image': identifier})
        if len(found) > 1:
            raise MetadataError(
                _('the image list %(list)s holds the image %(image)s '
                  '%(count)s times') % {'list': self.identifier or '',
                                        'image': identifier,
                                        'count': len(found)})
        return found[0]


def _text(data, key):
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        raise MetadataError(_('%(key)s must be a string, not %(type)s')
                            % {'key': key, 'type': type(value).__name__})
    return value.strip()


def parse_time(text):
    """An aware UTC datetime of an ISO 8601 date-time, else None."""
    match = _ISO_RE.match(text or '')
    if match is None:
        return None
    day, clock, zone = match.groups()
    value = formats.parse_date('%sT%sZ' % (day, clock))
    if value is None or zone in (None, 'Z'):
        return value
    sign = 1 if zone[0] == '+' else -1
    hours, minutes = int(zone[1:3]), int(zone[-2:])
    return value - sign * datetime.timedelta(hours=hours, minutes=minutes)


def parse_list(content):
    """The :class:`ImageList` of the JSON *content* (bytes)."""
    try:
        value = load_json(content)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MetadataError(_('the image list is not valid JSON '
                              '(%(error)s)') % {'error': str(exc)[:200]}) \
            from None
    if not isinstance(value, dict) or not isinstance(
            value.get('hv:imagelist'), dict):
        raise MetadataError(_('the document is not a HEPiX image list (no '
                              'hv:imagelist object)'))
    data = value['hv:imagelist']
    result = ImageList(
        identifier=_text(data, 'dc:identifier'),
        title=_text(data, 'dc:title'),
        description=_text(data, 'dc:description'),
        uri=_text(data, 'hv:uri'), version=_text(data, 'hv:version'),
        source=_text(data, 'dc:source'), vo=_text(data, 'ad:vo'))
    result.created_text = _text(data, 'dc:date:created')
    result.created = parse_time(result.created_text)
    if result.created is None:
        raise MetadataError(_('the image list has no valid '
                              'dc:date:created (%(value)s)')
                            % {'value': repr(result.created_text)})
    result.created_text = formats.format_date(result.created)
    expires = _text(data, 'dc:date:expires')
    result.expires = parse_time(expires)
    if result.expires is None:
        raise MetadataError(_('the image list has no valid '
                              'dc:date:expires (%(value)s)')
                            % {'value': repr(expires)})
    endorser = data.get('hv:endorser')
    x509 = endorser.get('hv:x509') if isinstance(endorser, dict) else None
    if not isinstance(x509, dict):
        raise MetadataError(_('the image list names no endorser '
                              '(hv:endorser.hv:x509)'))
    result.endorser_dn = _text(x509, 'hv:dn')
    result.endorser_ca = _text(x509, 'hv:ca')
    result.endorser_email = _text(x509, 'hv:email')
    result.endorser_name = _text(x509, 'dc:creator')
    images = data.get('hv:images')
    if not isinstance(images, list):
        raise MetadataError(_('the image list has no hv:images list'))
    if len(images) > MAX_IMAGES:
        raise MetadataError(_('the image list has %(count)s images, more '
                              'than %(limit)s')
                            % {'count': len(images), 'limit': MAX_IMAGES})
    for item in images:
        image = item.get('hv:image') if isinstance(item, dict) else None
        if not isinstance(image, dict):
            raise MetadataError(_('an entry of hv:images is not an '
                                  'hv:image object'))
        identifier = _text(image, 'dc:identifier')
        if not identifier or not IDENTIFIER_RE.match(identifier):
            raise MetadataError(_('an image of the list has no usable '
                                  'dc:identifier (%(value)s)')
                                % {'value': repr(identifier)})
        result.images.append(image)
    return result


def _extra(image, keys):
    found = []
    for key in keys:
        try:
            value = _text(image, key)
        except MetadataError:
            continue
        if value:
            found.append((key, value))
    return found


_EXTRA = ('ad:mpuri', 'sl:os', 'hv:ram_minimum', 'ad:ram_recommended',
          'hv:core_minimum', 'ad:core_recommended', 'ad:user:fullname',
          'ad:group', 'sl:comments')


def appliance_of(image_list, identifier, document=b'', list_url=None,
                 image=None):
    """The :class:`~marketplace_dashboard.core.model.Appliance` of the
    image *identifier* of *image_list*; *document* is the entry's document
    (:mod:`marketplace_dashboard.core.catalogs.hepix` envelope), *image*
    its ``hv:image`` when the caller has it already (else it is looked up
    and must be in the list once)."""
    if image is None:
        image = image_list.image(identifier)
    app = model.Appliance(
        identifier=identifier, document=bytes(document),
        document_sha256=hashlib.sha256(document).hexdigest())
    text = {key: _text(image, key) for key in (
        'dc:title', 'dc:description', 'hv:uri', 'hv:format', 'hv:size',
        'sl:checksum:sha512', 'sl:os', 'sl:osname', 'sl:osversion',
        'sl:arch', 'ad:mpuri', 'hv:version', 'hv:hypervisor',
        'dc:date:expires', 'ad:user:fullname')}
    app.about = text['ad:mpuri'] or text['hv:uri']
    app.title = text['dc:title']
    app.description = text['dc:description']
    app.kind = 'machine'
    app.os = text['sl:osname'] or text['sl:os']
    app.os_version = text['sl:osversion']
    app.os_arch = text['sl:arch']
    app.version = text['hv:version']
    app.hypervisor = text['hv:hypervisor']
    app.format = (text['hv:format'] or '').lower() or None
    app.creator = text['ad:user:fullname'] or image_list.endorser_name
    app.publisher = image_list.endorser_name
    app.created = image_list.created
    if text['hv:uri']:
        app.locations = [text['hv:uri']]
    size = text['hv:size'] or ''
    if _SIZE_RE.match(size):
        app.bytes = int(size)
    else:
        app.problems.append(_('hv:size (%(value)s) is not a non-negative '
                              'integer') % {'value': size})
    sha512 = text['sl:checksum:sha512'] or ''
    if _SHA512_RE.match(sha512):
        app.checksums['SHA-512'] = sha512.lower()
    else:
        app.problems.append(_('sl:checksum:sha512 is missing or not 128 '
                              'hex digits'))
    app.valid = image_list.expires
    image_expires = parse_time(text['dc:date:expires'])
    if image_expires is not None and image_expires < app.valid:
        app.valid = image_expires
    app.endorsement = model.Endorsement(
        email=image_list.endorser_email, subject=image_list.endorser_dn,
        issuers=[image_list.endorser_ca] if image_list.endorser_ca else [],
        created=image_list.created, created_text=image_list.created_text)
    app.extra = _extra(image, _EXTRA) + [
        ('hv:imagelist', image_list.identifier or ''),
        ('hv:imagelist hv:uri', image_list.uri or '')]
    app.catalog_properties = {
        # what EGI's own tools (atrope, cloudkeeper) record
        'appdb_id': identifier,
        'vmcatcher_event_ad_mpuri': text['ad:mpuri'],
        'hepix_image_list': list_url,
        'hepix_image_list_identifier': image_list.identifier,
    }
    return app


def image_expiry(image):
    """The image's own ``dc:date:expires`` (None when it has none)."""
    try:
        return parse_time(_text(image, 'dc:date:expires'))
    except MetadataError:
        return None
