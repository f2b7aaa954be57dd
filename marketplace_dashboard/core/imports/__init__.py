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

Django-free engine shared by the CLI and the dashboard, one stage per
module in the order an import runs: :mod:`.policy`, :mod:`.mapping`,
:mod:`.plan`, :mod:`.election`, :mod:`.transfer` (with :mod:`.stream`,
:mod:`.readahead` and :mod:`.progress`), :mod:`.status`, :mod:`.verify`,
:mod:`.publish`, :mod:`.withdraw`.  :class:`Importer` (:mod:`.importer`)
composes them; :mod:`.writer` applies (or records) what they decide;
:mod:`.record` spells the ``marketplace_*`` properties all the state of
an import lives in, on the Glance image itself, so that any worker can
advance it or read its status.

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

from marketplace_dashboard.core.imports.importer import Importer
from marketplace_dashboard.core.imports.plan import (
    GLANCE_DIRECT,
    WEB_DOWNLOAD,
    Plan,
)
from marketplace_dashboard.core.imports.policy import (
    ImportPolicy,
    check_policy,
)
from marketplace_dashboard.core.imports.record import TAG, ImageRecord
from marketplace_dashboard.core.imports.status import ImportStatus

__all__ = ['GLANCE_DIRECT', 'TAG', 'WEB_DOWNLOAD', 'ImageRecord',
           'ImportPolicy', 'ImportStatus', 'Importer', 'Plan',
           'check_policy']
