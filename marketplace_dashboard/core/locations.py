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

"""What a ``slterms:location`` is: image data, a launch link, or other.

Creators list both where the image can be downloaded and, once they have
put it into a cloud, a link that launches it on that cloud's dashboard.
Only image data may ever be handed to Glance or downloaded; a launch link
is shown as one (with the dashboard it belongs to); anything else is text.

A launch link is a Horizon launch URL under any web root:

- the plugin's deep link ``<WEBROOT>project/marketplace/launch/<uuid>/``;
- the seed-era form ``<WEBROOT>project/instances/launch?source_id=<uuid>
  &source_type=image_id`` (Horizon removed that page in 2021; the
  dashboard's opt-in middleware turns it into the deep link).

The import planner's probe adds one rule of its own: a location that
answers with an HTML page (:func:`is_html_content_type`) is a launch link
(or a login page), never image data.  No module here touches the network.
"""

import dataclasses
import re
import urllib.parse
import uuid

from marketplace_dashboard.core.errors import MetadataError

__all__ = [
    'DATA', 'DEEP', 'HTML_CONTENT_TYPES', 'KINDS', 'LAUNCH',
    'LEGACY', 'LEGACY_SOURCE_TYPES', 'LINK_SCHEMES', 'OTHER', 'Location',
    'LaunchTarget', 'belongs_to', 'classify', 'classify_all',
    'dashboard_base', 'deep_link', 'image_locations', 'is_html_content_type',
    'is_uuid', 'launch_target',
]

#: Kinds of location.
DATA = 'data'
LAUNCH = 'launch'
OTHER = 'other'
KINDS = (DATA, LAUNCH, OTHER)

#: Forms of launch link.
DEEP = 'deep'
LEGACY = 'legacy'

#: The only schemes a location may be fetched or linked with.
LINK_SCHEMES = ('http', 'https')
#: ``source_type`` values of the seed-era link naming a Glance image.
LEGACY_SOURCE_TYPES = ('image_id', 'instance_snapshot_id')
#: Media types of an HTML page (a dashboard, a login form), not image data.
HTML_CONTENT_TYPES = ('text/html', 'application/xhtml+xml')

DEEP_PATH = 'project/marketplace/launch/'
_DEEP_RE = re.compile(r'\A(?P<root>/(?:.*/)?)project/marketplace/launch/'
                      r'(?P<id>[^/]*)/?\Z', re.S)
_LEGACY_RE = re.compile(r'\A(?P<root>/(?:.*/)?)project/instances/launch/?\Z',
                        re.S)
_DEFAULT_PORTS = {'http': 80, 'https': 443}


def is_uuid(value):
    """True for a canonical (hyphenated, any case) UUID string."""
    if not isinstance(value, str):
        return False
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _unsafe_characters(text):
    return any(c.isspace() or ord(c) < 32 or 0x7f <= ord(c) < 0xa0
               for c in text)


@dataclasses.dataclass(frozen=True)
class Location:
    """One classified location.

    *kind* is :data:`DATA`, :data:`LAUNCH` or :data:`OTHER`; *url* the
    location as written.  For a launch link, *image_id* is the image it
    names (lower case) and *dashboard_url* the base URL of the dashboard
    it belongs to (``scheme://host[:port]/webroot/``), *form*
    :data:`DEEP` or :data:`LEGACY`.  *reason* says, for people, why a
    location is not image data.
    """

    kind: str
    url: object
    image_id: str | None = None
    dashboard_url: str | None = None
    reason: str = ''
    form: str | None = None

    @property
    def is_data(self):
        return self.kind == DATA

    @property
    def is_launch(self):
        return self.kind == LAUNCH


@dataclasses.dataclass(frozen=True)
class LaunchTarget:
    """What a Horizon launch path names: its *form*, the *webroot* in
    front of it, and the *image_id* (None when the path names no valid
    image; *reason* then says why)."""

    form: str
    webroot: str
    image_id: str | None
    reason: str = ''


def _legacy_image_id(query):
    try:
        params = urllib.parse.parse_qs(query or '', keep_blank_values=True,
                                       strict_parsing=False,
                                       max_num_fields=20)
    except ValueError:
        return None, 'its query string cannot be read'
    types = params.get('source_type', [])
    ids = params.get('source_id', [])
    if len(types) != 1 or types[0] not in LEGACY_SOURCE_TYPES:
        return None, 'it names no image (source_type is not image_id)'
    if len(ids) != 1 or not is_uuid(ids[0]):
        return None, 'its source_id is not a valid image ID'
    return ids[0].lower(), ''


def launch_target(path, query=''):
    """The :class:`LaunchTarget` of a URL path (and query string), or
    None when it is not a Horizon launch path.  *path* may be
    percent-encoded; it is matched as Django would route it."""
    if not isinstance(path, str):
        return None
    path = urllib.parse.unquote(path)
    match = _DEEP_RE.match(path)
    if match:
        image_id = match.group('id')
        if is_uuid(image_id):
            return LaunchTarget(DEEP, match.group('root'), image_id.lower())
        return LaunchTarget(DEEP, match.group('root'), None,
                            'its image ID is not a valid UUID')
    match = _LEGACY_RE.match(path)
    if match:
        image_id, reason = _legacy_image_id(query)
        return LaunchTarget(LEGACY, match.group('root'), image_id, reason)
    return None


def _split(url):
    """``(parts, reason)``: the parts of an absolute http(s) URL with a
    host, no user information and a valid port; else ``(None, why)``."""
    if not isinstance(url, str) or not url:
        return None, 'not a URI'
    if _unsafe_characters(url):
        return None, 'it contains whitespace or control characters'
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError when malformed
    except ValueError:
        return None, 'it is not a well-formed URL'
    if parts.scheme.lower() not in LINK_SCHEMES:
        return None, 'it is not an http(s) URL'
    if not parts.hostname:
        return None, 'it names no host'
    if '@' in parts.netloc:
        return None, ('it carries user information (user@host), which '
                      'hides the host it really goes to')
    return parts, ''


def _origin(parts):
    scheme = parts.scheme.lower()
    host = parts.hostname
    if ':' in host:
        host = '[%s]' % host
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = '%s:%d' % (host, port)
    return '%s://%s' % (scheme, host)


def _quote_root(root):
    return urllib.parse.quote(root, safe="/:@!$&'()*+,;=-._~")


def classify(location):
    """The :class:`Location` of one ``slterms:location`` value."""
    parts, reason = _split(location)
    if parts is None:
        return Location(OTHER, location, reason=reason)
    target = launch_target(parts.path, parts.query)
    if target is None:
        return Location(DATA, location)
    if target.image_id is None:
        return Location(OTHER, location, form=target.form, reason=(
            'a launch link, but %s' % target.reason))
    return Location(LAUNCH, location, image_id=target.image_id,
                    dashboard_url=_origin(parts) + _quote_root(target.webroot),
                    form=target.form,
                    reason='a dashboard launch link, not image data')


def classify_all(locations):
    """:func:`classify` of each of *locations*, in order."""
    return [classify(location) for location in locations or ()]


def image_locations(appliance):
    """The image-data locations of *appliance* (its ``locations``), in
    order: the only URLs an import may give Glance or download."""
    return [location.url
            for location in classify_all(getattr(appliance, 'locations', ()))
            if location.kind == DATA]


def dashboard_base(url):
    """*url*, the absolute http(s) base URL of a dashboard, normalised as
    :attr:`Location.dashboard_url` is (lower-case scheme and host, no
    default port, the web root ending in ``/``); None if it is not one
    (user information, a query or a fragment included)."""
    parts, _reason = _split(url)
    if parts is None or parts.query or parts.fragment:
        return None
    root = urllib.parse.unquote(parts.path or '/')
    if not root.endswith('/'):
        root += '/'
    return _origin(parts) + _quote_root(root)


def belongs_to(location, dashboard_url):
    """True when *location* (a :class:`Location` or a string) is a launch
    link of the dashboard whose base URL is *dashboard_url*: same scheme,
    host, port and web root."""
    if not isinstance(location, Location):
        location = classify(location)
    base = dashboard_base(dashboard_url)
    return (location.kind == LAUNCH and base is not None
            and location.dashboard_url == base)


def deep_link(dashboard_url, image_id):
    """The plugin's deep link for *image_id* on the dashboard at
    *dashboard_url* (its web root kept); :class:`MetadataError` when the
    image ID is not a UUID or the URL is not an http(s) dashboard URL."""
    if not is_uuid(image_id):
        raise MetadataError('%r is not an image ID (a UUID such as '
                            '5c4f2a2e-8f0e-4b4a-9d8e-0d8b3c6f1a11)'
                            % (image_id,))
    base = dashboard_base(dashboard_url)
    if base is None:
        _parts, reason = _split(dashboard_url)
        raise MetadataError(
            '%r is not a dashboard URL (expected for example '
            'https://cloud.example.org/dashboard/): %s' % (
                dashboard_url, reason or 'it has a query or a fragment'))
    return '%s%s%s/' % (base, DEEP_PATH, image_id.lower())


def is_html_content_type(value):
    """True when a ``Content-Type`` header value is an HTML page (a
    dashboard or a login form answering where image data was expected)."""
    if not isinstance(value, str):
        return False
    media = value.split(';', 1)[0].strip().lower()
    return media in HTML_CONTENT_TYPES
