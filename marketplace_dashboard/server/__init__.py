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

"""A StratusLab-compatible marketplace service (``marketplace-server``).

``store`` keeps the signed documents on disk with a SQLite index (the
keys, paths and index records in ``records``), ``listing`` turns
listing/search parameters into index queries (with ``search``, the guard
on their search expressions and the linear-time literal match),
``upload`` reads and validates an uploaded document, ``endorsers`` what
protects an endorser beyond a valid signature (the certificate a pair is
bound to, unconfirmed e-mails, future dates), ``limits`` the bounds of a
request (body size, client timeout), ``documents`` the stored documents
as served (UTF-8 check, RDF/JSON), ``responses`` the service's answers
and errors, ``options`` the command line, and ``app`` is the Werkzeug
WSGI application and its console script.
"""
