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


"""The marketplace service: a Werkzeug WSGI application.

``create_app(data_dir, ...)`` gives the WSGI application (for gunicorn:
``gunicorn 'marketplace_dashboard.server.app:create_app("/srv/mp")'``);
``main()`` is the ``marketplace-server`` console script.  The REST API is
the StratusLab one (doc: stratuslab-marketplace.md section 3), served under
``/marketplace``.
"""

import datetime
import logging
import re
import sys
import urllib.parse

from werkzeug import exceptions as wexc
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from marketplace_dashboard.core import trust
from marketplace_dashboard.core.errors import (
    EndorserMismatch,
    EntryConflict,
    ListingError,
    MarketplaceError,
    OlderThanLatest,
    StoreError,
)
from marketplace_dashboard.core.model import parse_appliance
from marketplace_dashboard.server import limits, listing
from marketplace_dashboard.server.documents import (
    encoding_problem,
    rdf_json,
    strip_declaration,
)
from marketplace_dashboard.server.endorsers import (
    DEFAULT_CREATED_SKEW,
    EndorserRules,
)
from marketplace_dashboard.server.options import (
    build_parser,
    public_url_of,
    server_url,
)
from marketplace_dashboard.server.records import COLUMNS
from marketplace_dashboard.server.responses import (
    XML_DECL,
    HTTPError,
    error_response,
    json_response,
    sparql_results,
    wants_json,
)
from marketplace_dashboard.server.search import SEARCH_BUDGET
from marketplace_dashboard.server.store import Store
from marketplace_dashboard.server.upload import (
    DEFAULT_MAX_UPLOAD,
    UploadValidator,
)

__all__ = ['PREFIX', 'MarketplaceApp', 'build_parser', 'create_app', 'main']

LOG = logging.getLogger(__name__)

PREFIX = '/marketplace'
NO_MATCH = 'no metadata matching query found'
DEFAULT_RANGE_DAYS = 30
MAX_RANGE_DAYS = 365000


class MarketplaceApp:
    """WSGI application of the marketplace service."""

    def __init__(self, data_dir, read_only=False, policy=None,
                 max_upload_bytes=DEFAULT_MAX_UPLOAD, public_url=None,
                 rules=None, max_form_bytes=limits.DEFAULT_MAX_FORM,
                 search_budget=SEARCH_BUDGET):
        self.store = Store(data_dir, parse=parse_appliance)
        self.read_only = read_only
        self.policy = policy
        self.max_upload_bytes = max_upload_bytes
        self.max_form_bytes = max_form_bytes
        self.search_budget = search_budget
        #: Base of the ``Location`` of an upload (``None``: the address
        #: the WSGI server listens on).
        self.public_url = public_url
        # a renewed certificate (same subject and issuer, another key) is
        # only recognised when the CA chain is checked
        self.allow_renewal = bool(policy is not None
                                  and policy.require_trusted_ca)
        self.uploads = UploadValidator(
            max_upload_bytes, policy,
            rules or EndorserRules(has_policy=policy is not None))
        read = ['GET', 'HEAD']
        listing_methods = ['GET', 'HEAD', 'POST']
        self.url_map = Map([
            Rule(PREFIX + '/metadata', endpoint='metadata',
                 methods=listing_methods),
            Rule(PREFIX + '/metadata/<first_filter>', endpoint='metadata',
                 methods=read),
            Rule(PREFIX + '/metadata/<first_filter>/<second_filter>',
                 endpoint='metadata', methods=read),
            Rule(PREFIX + '/metadata/<identifier>/<email>/<created>',
                 endpoint='entry', methods=read),
            Rule(PREFIX + '/endorsers', endpoint='endorsers', methods=read),
            Rule(PREFIX + '/endorsers/<email>', endpoint='endorser',
                 methods=read),
            Rule(PREFIX + '/endorsers/<email>/tags', endpoint='tags',
                 methods=read),
            Rule(PREFIX + '/tag/<email>/<tag>', endpoint='tag',
                 methods=read),
        ], strict_slashes=False, merge_slashes=True)

    # -- WSGI --------------------------------------------------------------

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '')
        environ['PATH_INFO'] = re.sub('/{2,}', '/', path)
        request = Request(environ)
        try:
            limits.bound_body(request, self.max_form_bytes,
                              self.max_upload_bytes, self.uploads.too_large())
            response = self.dispatch(request)
        except HTTPError as exc:
            response = error_response(request, exc.code, exc.message)
        except wexc.HTTPException as exc:
            response = error_response(request, exc.code,
                                      exc.description or exc.name)
            # e.g. the Allow header of a 405
            for name, value in exc.get_headers(request.environ):
                if name.lower() != 'content-type':
                    response.headers[name] = value
        except Exception:
            LOG.exception('internal error serving %s', request.path)
            response = error_response(request, 500, 'internal server error')
        return response(environ, start_response)

    def dispatch(self, request):
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except wexc.NotFound:
            raise HTTPError(404, 'resource not found: %s'
                            % request.path) from None
        handler = getattr(self, 'on_' + endpoint)
        return handler(request, **values)

    # -- listing -----------------------------------------------------------

    def on_metadata(self, request, first_filter=None, second_filter=None):
        """The listing, filtered by up to two path segments (each an
        identifier, an endorser e-mail or a date, see
        :func:`listing.classify`); an upload when POSTed."""
        if request.method == 'POST':
            if request.mimetype == 'application/x-www-form-urlencoded':
                return self._listing(request, request.form, (), force='json')
            return self.upload(request)
        tag = request.args.get('tag')
        if tag is not None and first_filter is not None and \
                second_filter is None:
            return self._tagged(request, first_filter, tag)
        segments = tuple(s for s in (first_filter, second_filter) if s)
        return self._listing(request, request.args, segments)

    def _listing(self, request, args, segments, force=None):
        as_json = force == 'json' or wants_json(request)
        try:
            query = listing.ListingQuery.from_args(args, segments)
            result = listing.run_query(
                self.store.db, query, budget=self.search_budget,
                columns=COLUMNS if as_json else ('path',))
        except ListingError as exc:
            raise HTTPError(400, str(exc)) from None
        if as_json:
            return json_response({
                'sEcho': query.echo, 'iTotalRecords': result.total,
                'iTotalDisplayRecords': result.total_filtered,
                'rMsg': NO_MATCH,
                'aaData': [listing.json_row(r) for r in result.rows]})
        if not result.rows and query.has_filter:
            raise HTTPError(404, NO_MATCH)
        # streamed: the unpaged listing holds every stored document
        return Response(self._xml_listing([r['path'] for r in result.rows]),
                        mimetype='application/xml')

    def _xml_listing(self, paths):
        """The documents at *paths* in one ``<metadata>`` element, read
        and sent one at a time."""
        yield XML_DECL + b'<metadata>'
        for path in paths:
            try:
                document = self.store.read_path(path)
            except FileNotFoundError:
                LOG.warning('indexed entry %s is missing on disk', path)
                continue
            problem = encoding_problem(document)
            if problem:
                # Stored before uploads had to be UTF-8: splicing it in
                # would make the whole listing malformed.
                LOG.warning('entry %s left out of the XML listing: not '
                            'UTF-8 (%s)', path, problem)
                continue
            yield strip_declaration(document)
        yield b'</metadata>'

    # -- single entry and tags ---------------------------------------------

    def on_entry(self, request, identifier, email, created):
        row = self.store.get(identifier, email, created)
        document = (self.store.read(identifier, email, created)
                    if row is not None else None)
        if document is None:
            raise HTTPError(404, 'metadata entry not found.\n')
        return self._entry_response(request, row, document)

    def _entry_response(self, request, row, document):
        if wants_json(request):
            response = json_response(rdf_json(document))
            filename = '%s.json' % row['identifier']
        else:
            response = Response(document, content_type='application/rdf+xml')
            filename = '%s.xml' % row['identifier']
        response.headers['Content-Disposition'] = (
            'attachment; filename=%s' % filename)
        return response

    def _tagged(self, request, email, tag):
        tag = urllib.parse.unquote(tag).strip()
        if len(tag) >= 2 and tag[0] == tag[-1] == '"':
            tag = tag[1:-1]
        row = self.store.db.execute(
            'SELECT * FROM entries WHERE email = ? AND alternative = ? AND '
            'deprecated = 0 AND identifier NOT IN (SELECT identifier FROM '
            'entries WHERE email = ? AND deprecated = 1) '
            'ORDER BY created DESC, identifier LIMIT 1',
            (email, tag, email)).fetchone()
        document = self.store.read_path(row['path']) if row else None
        if document is None:
            raise HTTPError(404, 'metadata entry not found.\n')
        return self._entry_response(request, row, document)

    def on_tag(self, request, email, tag):
        return self._tagged(request, email, tag)

    # -- endorsers ---------------------------------------------------------

    def on_endorsers(self, request):
        rows = self.store.db.execute(
            'SELECT DISTINCT email, subject, issuer FROM entries '
            'ORDER BY email, subject, issuer').fetchall()
        return sparql_results(('email', 'subject', 'issuer'), rows,
                              wants_json(request))

    def on_endorser(self, request, email):
        # as the original: anything but a number of days gives 30; larger
        # numbers than MAX_RANGE_DAYS (about 1000 years) are clamped
        raw = request.args.get('range', '')
        days = DEFAULT_RANGE_DAYS
        if raw.isascii() and raw.isdigit():
            digits = raw.lstrip('0') or '0'
            days = (MAX_RANGE_DAYS if len(digits) > 6
                    else min(int(digits), MAX_RANGE_DAYS))
        since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(
            days=days)
        rows = self.store.db.execute(
            'SELECT identifier, created, description, location, '
            'deprecated_reason AS deprecated, email FROM entries '
            'WHERE email = ? AND created > ? ORDER BY created DESC, '
            'identifier', (email, listing.now_string(since))).fetchall()
        return sparql_results(('identifier', 'created', 'description',
                               'location', 'deprecated', 'email'), rows,
                              wants_json(request))

    def on_tags(self, request, email):
        rows = self.store.db.execute(
            'SELECT DISTINCT alternative AS tag FROM entries WHERE email = ? '
            "AND alternative IS NOT NULL AND alternative != '' ORDER BY tag",
            (email,)).fetchall()
        return sparql_results(('tag',), rows, wants_json(request))

    # -- upload ------------------------------------------------------------

    def upload(self, request):
        if self.read_only:
            raise HTTPError(403, 'read-only repository')
        data = self.uploads.read(request)
        record = self.uploads.validate(data)
        try:
            self.store.add(record, data, allow_renewal=self.allow_renewal)
        except EndorserMismatch as exc:
            raise HTTPError(403, 'endorser not allowed: %s' % exc) from None
        except EntryConflict as exc:
            raise HTTPError(409, 'conflict: %s' % exc) from None
        except OlderThanLatest as exc:
            raise HTTPError(400, 'invalid metadata: %s' % exc) from None
        except StoreError as exc:
            raise HTTPError(400, 'invalid metadata: %s' % exc) from None
        # from the configuration, never from the request's Host
        base = self.public_url or server_url(request.environ)
        location = '%s/%s/metadata/%s' % (
            base.rstrip('/'), PREFIX.strip('/'),
            '/'.join(urllib.parse.quote(part, safe='@:')
                     for part in record.key()))
        response = Response('metadata entry created', status=201,
                            mimetype='text/plain')
        response.headers['Location'] = location
        return response



def create_app(data_dir, read_only=False, trusted_endorsers=(),
               ca_files=(), max_upload_bytes=DEFAULT_MAX_UPLOAD,
               public_url=None, allow_unconfirmed_email=False,
               created_skew=DEFAULT_CREATED_SKEW,
               max_form_bytes=limits.DEFAULT_MAX_FORM,
               search_budget=SEARCH_BUDGET):
    """WSGI application serving the marketplace stored in *data_dir*.

    *public_url* (e.g. ``https://mp.example.org/``) is the base of the
    ``Location`` of an upload; without it, the address the WSGI server
    listens on (never the request's ``Host``).
    """
    policy = None
    if trusted_endorsers or ca_files:
        policy = trust.TrustPolicy.from_dict({
            'ca_files': list(ca_files),
            'trusted_endorsers': list(trusted_endorsers),
            'require_trusted_ca': bool(ca_files)})
    rules = EndorserRules(has_policy=policy is not None,
                          allow_unconfirmed_email=allow_unconfirmed_email,
                          created_skew=created_skew)
    return MarketplaceApp(data_dir, read_only=read_only, policy=policy,
                          max_upload_bytes=max_upload_bytes,
                          public_url=public_url, rules=rules,
                          max_form_bytes=max_form_bytes,
                          search_budget=search_budget)


def main(argv=None):
    from werkzeug.serving import run_simple

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format='%(asctime)s %(levelname)s %(message)s')
    try:
        if args.rebuild_index:
            count = Store(args.data_dir, parse=parse_appliance,
                          rebuild_missing=False).rebuild_index()
            print('index rebuilt: %d entries' % count)
            return 0
        app = create_app(args.data_dir, read_only=args.read_only,
                         trusted_endorsers=args.trusted_endorser,
                         ca_files=args.ca_file,
                         max_upload_bytes=args.max_upload_bytes,
                         public_url=public_url_of(args),
                         allow_unconfirmed_email=args.allow_unconfirmed_email,
                         created_skew=args.created_skew,
                         max_form_bytes=args.max_form_bytes,
                         search_budget=args.search_budget)
    except (MarketplaceError, OSError) as exc:
        print('marketplace-server: %s' % exc, file=sys.stderr)
        return 1
    run_simple(args.host, args.port, app, threaded=True,
               request_handler=limits.request_handler(args.client_timeout))
    return 0


if __name__ == '__main__':
    sys.exit(main())

