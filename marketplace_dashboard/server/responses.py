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

"""The service's answers: ``<error>`` XML or ``{"code": "message"}`` JSON
errors, JSON as the original service writes it, and SPARQL-results-like
tables, in XML or JSON as the request asks."""

import json
import re

from lxml import etree
from werkzeug.wrappers import Response

__all__ = [
    'XML_DECL', 'HTTPError', 'dumps', 'error_response', 'json_response',
    'sparql_results', 'wants_json', 'xml_text',
]

XML_DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
_NOT_XML_CHAR_RE = re.compile(
    '[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')
_SPARQL_NS = 'http://www.w3.org/2005/sparql-results#'


class HTTPError(Exception):
    """An error answered as ``<error>`` XML or ``{"code": "msg"}`` JSON."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def dumps(value):
    """JSON as the original service writes it (``/`` escaped as ``\\/``)."""
    return json.dumps(value, ensure_ascii=False).replace('/', '\\/')


def wants_json(request):
    media = (request.args.get('media') or '').lower()
    if media:
        return media == 'json'
    accept = request.headers.get('Accept', '')
    first = accept.split(',')[0].split(';')[0].strip().lower()
    return first in ('application/json', 'application/sparql-results+json')


def xml_text(text):
    """*text* with the characters XML 1.0 cannot carry replaced by U+FFFD
    (error messages may quote a request path with control characters)."""
    return _NOT_XML_CHAR_RE.sub('\ufffd', text)


def error_response(request, code, message):
    message = xml_text(message)
    if wants_json(request):
        return Response(dumps({str(code): message}), status=code,
                        mimetype='application/json')
    root = etree.Element('error')
    root.text = message
    body = XML_DECL + etree.tostring(root, encoding='UTF-8')
    return Response(body, status=code, mimetype='application/xml')


def json_response(value, status=200):
    return Response(dumps(value), status=status, mimetype='application/json')


def sparql_results(variables, rows, as_json):
    """A SPARQL-results-like representation (XML or JSON)."""
    if as_json:
        bindings = [{v: {'type': 'literal', 'value': row[v]}
                     for v in variables if row[v] is not None}
                    for row in rows]
        return json_response({'head': {'vars': list(variables)},
                              'results': {'bindings': bindings}})
    root = etree.Element('{%s}sparql' % _SPARQL_NS, nsmap={None: _SPARQL_NS})
    head = etree.SubElement(root, '{%s}head' % _SPARQL_NS)
    for name in variables:
        etree.SubElement(head, '{%s}variable' % _SPARQL_NS, name=name)
    results = etree.SubElement(root, '{%s}results' % _SPARQL_NS)
    for row in rows:
        result = etree.SubElement(results, '{%s}result' % _SPARQL_NS)
        for name in variables:
            if row[name] is None:
                continue
            binding = etree.SubElement(result, '{%s}binding' % _SPARQL_NS,
                                       name=name)
            literal = etree.SubElement(binding, '{%s}literal' % _SPARQL_NS)
            literal.text = str(row[name])
    body = etree.tostring(root, xml_declaration=True, encoding='UTF-8')
    return Response(body, mimetype='application/sparql-results+xml')
