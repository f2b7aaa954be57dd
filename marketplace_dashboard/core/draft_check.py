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

"""Check an unsigned draft before it is signed (``verify --draft``).

The original validator's structure rules (:mod:`core.structure`), the
StratusLab constraint messages (:mod:`core.constraints`), the elements
old clients need, locations (:func:`core.builder.check_location`) and
expiry; the signature is not checked.
"""

import datetime
import re

from marketplace_dashboard.core import formats, model, structure, xmlsafe
from marketplace_dashboard.core.builder import check_location
from marketplace_dashboard.core.constraints import check_constraints
from marketplace_dashboard.core.errors import MetadataError
from marketplace_dashboard.core.model import q

__all__ = ['check_draft']

#: Elements the original client's parser (ManifestInfo) insists on.
_CLIENT_REQUIRED = (('dcterms', 'type'), ('dcterms', 'valid'),
                    ('dcterms', 'description'), ('dcterms', 'compression'),
                    ('slterms', 'os'), ('slterms', 'os-arch'),
                    ('slterms', 'os-version'), ('slterms', 'version'))
#: the element names whose value a structure message reports
_VALUE_OF_RE = re.compile(r'(?<= )(\S+)(?= value )')


def _unreported(problems, messages):
    """The model *problems* (``'<element> ...'``) whose element's value
    the structure *messages* do not report (one pass over each)."""
    reported = {n for m in messages for n in _VALUE_OF_RE.findall(m)}
    return [p for p in problems if p.split(' ', 1)[0] not in reported]


def check_draft(data, now=None):
    """Structure and constraint checks of an unsigned draft.

    Returns ``(appliance, problems, warnings)``: *problems* make the draft
    unpublishable (the original validator's XML Schema and RDF/XML rules,
    see :mod:`core.structure`, the StratusLab constraint messages verbatim,
    missing required elements, malformed values); *warnings* do not
    (elements old clients need, non-http(s) or no locations, an expiry in
    the past).
    The signature is not checked.  Raises :class:`MetadataError` when
    *data* is not a metadata document at all.
    """
    root = xmlsafe.parse_xml(data)
    appliance = model.appliance_from_root(root, data)
    description = model.description_of(root)
    structural = structure.check_structure(root, draft=True)
    problems = structural + list(check_constraints(root)) + _unreported(
        appliance.problems, structural)
    for prefix, local in (('dcterms', 'identifier'), ('slreq', 'bytes')):
        if description.find(q(prefix, local)) is None:
            problems.append('missing required element %s:%s'
                            % (prefix, local))
    if len(description.findall(q('slreq', 'endorsement'))) != 1:
        problems.append('document must contain exactly 1 slreq:endorsement '
                        'element')
    warnings = []
    missing = ['%s:%s' % name for name in _CLIENT_REQUIRED
               if description.find(q(*name)) is None]
    if missing:
        warnings.append('old StratusLab clients need these elements, even '
                        'empty: %s' % ', '.join(missing))
    for location in appliance.locations:
        try:
            warnings.extend(check_location(location))
        except MetadataError as exc:
            problems.append(str(exc))
    if not appliance.locations:
        warnings.append('no slterms:location: nobody can download the image')
    now = now or datetime.datetime.now(datetime.UTC)
    if appliance.valid is not None and appliance.valid < now:
        warnings.append('dcterms:valid (%s) is in the past: the entry would '
                        'be listed as expired' % formats.format_date(
                            appliance.valid))
    if root.find('.//' + q('ds', 'Signature')) is not None:
        warnings.append('the document is signed; --draft does not check '
                        'the signature')
    return appliance, problems, warnings
