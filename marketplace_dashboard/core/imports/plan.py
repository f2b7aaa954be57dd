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

"""Stage 3 of an import: how the data gets into Glance, and from where.

:func:`choose_method` picks Glance's ``web-download`` (Glance fetches and
hashes the data itself) when the hash Glance computes is endorsed, Glance
will store the bytes the entry endorses (it does not convert them:
:mod:`.site`) and a location is plain (or gzip, when Glance decompresses),
else the streamed path (``glance-direct``: downloaded, decompressed and
verified here, before Glance converts anything).  :func:`reachable`
probes the locations of a web-download so that Glance gets one that
answers.  Only image data (http(s) locations) is ever given to Glance.
"""

import dataclasses
import logging

from marketplace_dashboard.core import compression
from marketplace_dashboard.core.errors import ImportRefused
from marketplace_dashboard.core.imports import mapping, record, site, stream

__all__ = ['GLANCE_DIRECT', 'METHODS', 'PROBE_BUDGET', 'Plan', 'WEB_DOWNLOAD',
           'choose_method', 'location_compression', 'reachable']

LOG = logging.getLogger(__name__)

WEB_DOWNLOAD = 'web-download'
GLANCE_DIRECT = 'glance-direct'
#: The import methods of this engine (``marketplace_import_method``).
METHODS = (WEB_DOWNLOAD, GLANCE_DIRECT)
#: seconds the web-download location probe may take in all
PROBE_BUDGET = 10.0


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
    #: web-download: the other ``(url, compression)`` Glance may be
    #: offered when it refuses *url* (its URL filtering); not recorded
    alternates: tuple = ()

    def properties(self):
        """The record of this plan: method and sources."""
        props = {record.IMPORT_METHOD: self.method}
        props.update(record.pack_sources(
            ((self.url, self.compression),) + tuple(self.mirrors)))
        return props


def location_compression(appliance, url):
    declared = (appliance.compression or '').strip().lower() or None
    if declared in ('gzip',):
        declared = 'gz'
    if declared and declared not in compression.COMPRESSIONS:
        raise ImportRefused('Unsupported compression %r (supported: %s).'
                            % (declared, ', '.join(compression.COMPRESSIONS)))
    return declared or compression.guess_compression(
        url.split('?', 1)[0].split('#', 1)[0])


def choose_method(appliance, import_methods, policy):
    """The :class:`Plan` for *appliance* given Glance's import methods."""
    urls = stream.usable_locations(appliance.locations)
    if not urls:
        raise ImportRefused('The entry has no http:// or https:// location '
                            'to import from (other schemes are never '
                            'used).')
    hashes = mapping.endorsed_hashes(appliance)
    why = None
    converts = site.conversion(policy.glance,
                               mapping.disk_format(appliance.format))
    if getattr(appliance, 'download_auth', False):
        why = ('the image needs the credentials of its catalogue (a '
               "registry's token), which Glance's web-download cannot send")
    elif converts:
        why = ('Glance converts %s images to %s, so the endorsed bytes are '
               'checked here before it does' % (
                   mapping.disk_format(appliance.format), converts))
    elif not policy.allow_web_download:
        why = 'web-download disabled by the import policy'
    elif WEB_DOWNLOAD not in import_methods:
        why = 'Glance does not offer web-download'
    elif policy.glance_hash_algo not in hashes:
        why = ('the endorsed checksums do not include %s, the algorithm '
               'Glance computes (MD5 alone is not a sufficient match)'
               % policy.glance_hash_algo)
    else:
        # Glance's image_decompression undoes gzip (and zip, lha) before
        # it stores and hashes: those bytes are what the entry endorses.
        served = (None, 'gz') if policy.glance.decompresses else (None,)
        plain = [(url, location_compression(appliance, url)) for url in urls]
        plain = [(url, c) for url, c in plain if c in served]
        if plain:
            return Plan(WEB_DOWNLOAD, plain[0][0], plain[0][1],
                        'Glance downloads the image itself%s' % (
                            ' and decompresses it' if plain[0][1] else ''),
                        tuple(plain[1:])[:record.MAX_MIRRORS])
        why = 'every location is compressed%s' % (
            '' if policy.glance.decompresses else
            ' (set glance.decompresses when Glance runs image_decompression)')
    if not policy.allow_streamed:
        raise ImportRefused('Cannot import this entry: %s, and the streamed '
                            'import is disabled by the import policy.'
                            % why)
    if GLANCE_DIRECT not in import_methods:
        raise ImportRefused('Cannot import this entry: %s, and Glance does '
                            'not offer glance-direct either.' % why)
    mirrors = tuple((url, location_compression(appliance, url))
                    for url in urls[1:])[:record.MAX_MIRRORS]
    url = urls[0]
    return Plan(GLANCE_DIRECT, url, location_compression(appliance, url),
                'streamed and verified here: %s' % why, mirrors)


def reachable(plan, policy, session=None, clock=None):
    """*plan* for the first of its locations a ``HEAD`` finds up.

    Glance's web-download takes a single URL; when the entry has
    several plain locations, a down mirror is skipped here rather than
    failing the import in Glance.  If none answers, the first is kept
    and Glance reports the error; so it is when probing has taken
    :data:`PROBE_BUDGET` seconds (the import form waits for this).
    The result has no mirrors left; its ``alternates`` are the other
    locations, offered to Glance if it refuses the one chosen.
    """
    sources = ((plan.url, plan.compression),) + tuple(plan.mirrors)
    urls = [url for url, _ in sources]

    def chosen(url):
        return dataclasses.replace(
            plan, url=url, compression=dict(sources)[url], mirrors=(),
            alternates=tuple(s for s in sources if s[0] != url))

    if len(urls) == 1 or not policy.probe_locations:
        return chosen(plan.url)
    deadline = clock() + PROBE_BUDGET
    for url in urls:
        if clock() >= deadline:
            LOG.info('Probing locations took too long; using %s', plan.url)
            break
        problem = stream.probe(url, session=session,
                               verify=policy.verify_tls,
                               rules=policy.download_filter)
        if problem is None:
            return chosen(url)
        LOG.info('Skipping location: %s', problem)
    return chosen(plan.url)
