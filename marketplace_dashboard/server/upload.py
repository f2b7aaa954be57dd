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

"""Uploads to the service: reading the document of a request within the
size limit, and its full validation (UTF-8, one ``rdf:RDF`` entry, a
valid signature bound to the endorser, the schema constraints, the trust
policy if the service has one, a safe key) before it is stored."""

import datetime

from werkzeug import exceptions as wexc

from marketplace_dashboard.core import trust, xmlsafe
from marketplace_dashboard.core.binding import check_binding
from marketplace_dashboard.core.constraints import check_entry
from marketplace_dashboard.core.errors import (
    DocumentTooLarge,
    MetadataError,
    StoreError,
)
from marketplace_dashboard.core.model import appliance_from_root
from marketplace_dashboard.core.signature import verify_signature
from marketplace_dashboard.server.documents import encoding_problem
from marketplace_dashboard.server.endorsers import EndorserRules
from marketplace_dashboard.server.records import EntryRecord, check_key
from marketplace_dashboard.server.responses import HTTPError

__all__ = ['DEFAULT_MAX_UPLOAD', 'UPLOAD_TYPES', 'UploadValidator']

DEFAULT_MAX_UPLOAD = 4 * 1024 * 1024
UPLOAD_TYPES = ('application/xml', 'application/rdf+xml', 'text/xml')


class UploadValidator:
    """Reads the document of an upload request and validates it in full;
    every refusal is an :class:`HTTPError` (400, 403, 413 or 415)."""

    def __init__(self, max_bytes=DEFAULT_MAX_UPLOAD, policy=None,
                 rules=None):
        self.max_bytes = max_bytes
        self.policy = policy
        self.rules = rules or EndorserRules(has_policy=policy is not None)

    def read(self, request):
        """The uploaded document (bytes, not empty)."""
        if (request.content_length or 0) > self.max_bytes:
            raise HTTPError(413, self.too_large())
        try:
            if request.mimetype == 'multipart/form-data':
                # the body itself is bounded by the application
                request.max_form_memory_size = self.max_bytes
                files = [f for f in request.files.values() if f.filename]
                if not files:
                    raise HTTPError(400, 'no valid file uploaded')
                data = files[0].read(self.max_bytes + 1)
            elif request.mimetype in UPLOAD_TYPES:
                data = self._read_body(request)
            else:
                raise HTTPError(415, 'unsupported content type %r: send the '
                                'metadata as application/xml' %
                                (request.mimetype or '',))
        except wexc.RequestEntityTooLarge:
            raise HTTPError(413, self.too_large()) from None
        if len(data) > self.max_bytes:
            raise HTTPError(413, self.too_large())
        if not data.strip():
            raise HTTPError(400, 'post with null entity')
        return data

    def _read_body(self, request):
        """The raw request body, refused (413) past the upload limit.

        Read by hand because Werkzeug silently truncates a chunked body at
        ``max_content_length`` instead of refusing it.
        """
        stream = request.stream
        chunks = []
        size = 0
        while True:
            chunk = stream.read(64 * 1024)
            if not chunk:
                return b''.join(chunks)
            size += len(chunk)
            if size > self.max_bytes:
                raise HTTPError(413, self.too_large())
            chunks.append(chunk)

    def too_large(self):
        return ('metadata document too large: the limit is %d bytes'
                % self.max_bytes)

    def validate(self, data):
        """Full validation of an upload; returns its index record."""
        problem = encoding_problem(data)
        if problem:
            raise HTTPError(400, 'invalid metadata: documents must be UTF-8 '
                            'encoded (%s)' % problem)
        try:
            root = xmlsafe.parse_xml(data, max_bytes=self.max_bytes)
        except DocumentTooLarge:
            raise HTTPError(413, self.too_large()) from None
        except MetadataError as exc:
            raise HTTPError(400, 'unable to parse metadata: %s'
                            % exc) from None
        if root.tag != xmlsafe.RDF_ROOT:
            raise HTTPError(400, 'invalid metadata: the document root must '
                            'be rdf:RDF (one entry per upload)')
        signature = verify_signature(data)
        if signature.status != 'valid':
            raise HTTPError(400, 'invalid metadata: %s' % (
                signature.reason or 'no signature'))
        try:
            appliance = appliance_from_root(root, data)
        except MetadataError as exc:
            raise HTTPError(400, 'invalid metadata: %s' % exc) from None
        problems = (check_binding(signature.certificate, appliance)
                    + check_entry(root, appliance))
        if problems:
            raise HTTPError(400, 'invalid metadata: %s' % problems[0])
        if self.policy is not None:
            result = trust.evaluate_trust(
                signature.certificate, self.policy,
                appliance.endorsement.created,
                datetime.datetime.now(datetime.UTC))
            if not result.trusted:
                raise HTTPError(403, 'endorser not trusted by this '
                                'marketplace: %s' % '; '.join(
                                    result.reasons or ['not allowed']))
        self.rules.check(signature.certificate, appliance)
        record = EntryRecord.from_appliance(appliance, signature.certificate)
        try:
            check_key(*record.key())
        except StoreError as exc:
            raise HTTPError(400, 'invalid metadata: %s' % exc) from None
        return record
