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


"""The rows of the Locations tab: what each location is, and Launch.

Each location is classified (``core.locations``): image data is a
download link, a launch link says which dashboard it belongs to, anything
else is text.  A launch link to *this* dashboard gets a **Launch** button
(the plugin's deep link) when the image it names is launchable here by
the panel's own rule -- the one of its *In Glance* mark and *Launch*
action: the project's verified import of the entry, or a public or
accepted shared image whose Glance-computed size and hash are the
entry's -- or, asked of Glance by its ID, the image the link names is
the project's own, public or accepted shared image holding exactly the
endorsed data (a creator's plain upload, as the seed shows; never
another project's community image).  At most :data:`MAX_LOOKUPS` such
images are asked for per entry; otherwise the row says why there is no
Launch.  The server never fetches a location.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import exceptions

from marketplace_dashboard.api import imports
from marketplace_dashboard.api import marketplace as api
from marketplace_dashboard.core import locations
from marketplace_dashboard.dashboards.project.marketplace import tables

__all__ = [
    'KIND_NAMES', 'MAX_LOOKUPS', 'launch_url', 'launchable_ids',
    'location_rows', 'this_dashboard',
]

#: A location's kind, for people.
KIND_NAMES = {
    locations.DATA: _('Image data'),
    locations.LAUNCH: _('Launch link'),
    locations.OTHER: _('Not a link'),
}

#: Images named by launch links that are asked of Glance per entry.
MAX_LOOKUPS = 4

# Any UUID: only the web root in front of the deep link's path is used.
_ANY_IMAGE = '00000000-0000-0000-0000-000000000000'


def launch_url(image_id):
    """The deep link (a path) that launches *image_id* on this dashboard."""
    return reverse('horizon:project:marketplace:launch',
                   kwargs={'image_id': image_id})


def this_dashboard(request):
    """This dashboard's absolute base URL as the request reached it
    (``scheme://host[:port]/webroot/``), as ``core.locations`` spells a
    launch link's dashboard."""
    return locations.classify(request.build_absolute_uri(
        launch_url(_ANY_IMAGE))).dashboard_url


def launchable_ids(request, entry, image_ids):
    """The IDs among *image_ids* this project can launch *entry* from.

    ``entry.image`` (``views.mark_imported``) is the image the panel
    offers; another ID counts when the import engine's rule, applied to
    that image alone, offers it too.  Glance is asked only then.
    """
    wanted = set(image_ids)
    if not wanted or entry.appliance is None:
        return set()
    found = {tables.entry_image_id(request, entry)} & wanted
    rest = wanted - found
    if not rest:
        return found
    try:
        for image in api.imported_images(request).get(entry.identifier, []):
            if image.get('id') not in rest:
                continue
            offered = imports.existing_image(request, entry.appliance,
                                             [image])
            if offered and imports.launch_image_id(request, offered):
                found.add(offered['id'])
    except Exception:
        exceptions.handle(request, _(
            'Unable to check whether the images of the launch links can '
            'be launched here.'))
    return found


def _row(location, here):
    row = {'text': location.url, 'kind': location.kind,
           'kind_name': KIND_NAMES[location.kind],
           'reason': location.reason, 'link': None, 'dashboard': None,
           'image_id': location.image_id,
           'this_dashboard': False, 'launch_url': None, 'problem': None}
    if location.kind == locations.DATA:
        row['link'] = location.url
    elif location.kind == locations.LAUNCH:
        row['dashboard'] = location.dashboard_url
        row['this_dashboard'] = locations.belongs_to(location, here)
        if not row['this_dashboard']:
            # an external link, followed by the browser only
            row['link'] = location.url
    return row


def location_rows(request, entry):
    """One dict per location of *entry*, in order: ``text``, ``kind``,
    ``kind_name``, ``reason``, ``link`` (an http(s) URL to render as a
    link, else None), ``image_id``, ``dashboard`` and ``this_dashboard``
    (launch links),
    ``launch_url`` (the deep link, when it launches here), else
    ``problem`` (why not, for a launch link to this dashboard)."""
    here = this_dashboard(request)
    rows = [_row(location, here)
            for location in locations.classify_all(entry.locations)]
    local = [row['image_id'] for row in rows
             if row['this_dashboard'] and row['image_id']]
    if not local:
        return rows
    problems = dict.fromkeys(launchable_ids(request, entry, set(local)))
    asked = 0
    for image_id in dict.fromkeys(local):
        if image_id not in problems:
            problems[image_id] = _problem(request, entry, image_id, asked)
            asked += 1
    for row in rows:
        if row['this_dashboard'] and row['image_id']:
            row['problem'] = problems[row['image_id']]
            if row['problem'] is None:
                row['launch_url'] = launch_url(row['image_id'])
    return rows


def _problem(request, entry, image_id, asked):
    """Why *image_id* (named by a launch link of *entry* to this
    dashboard) is not launchable here, or None; *asked*: images of
    the entry Glance was already asked about."""
    if entry.appliance is None:
        return _('The entry cannot be read, so the image cannot be '
                 'checked against it.')
    if asked >= MAX_LOOKUPS:
        return _('Not checked: the entry names more than %d images on '
                 'this dashboard.') % MAX_LOOKUPS
    try:
        return imports.linked_image_problem(request, image_id,
                                            entry.appliance)
    except imports.GlanceError:
        exceptions.handle(request, _(
            'Unable to check whether the images of the launch links can '
            'be launched here.'))
        return _('Glance could not be asked about image %s.') % image_id
