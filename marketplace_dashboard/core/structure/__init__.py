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

"""Structure checks: the XML Schema and RDF steps of the original validator.

Besides the signature and the constraints, StratusLab's
``stratus-validate-metadata`` validates documents against its XML Schema
(``image-metadata.xsd``, ``slreq.xsd``, ``slterms.xsd`` and the Dublin
Core schemas) and parses them, without their Signature, as RDF/XML (spec
section 2.3, items 2 and 4; the rules marked S in section 2.2).  The
marketplace service runs neither, so entries that break them exist; they
are checked for drafts (``verify --draft``) so that what we publish passes
the original tools.

:func:`check_structure` implements those rules directly (no schema
processor, no RDF parser, no network): messages of the schema rules start
with ``XML schema validation exception:`` and a space as the original's,
those of the RDF/XML rules with ``RDF/XML validation exception:`` and a
space; each ends with the line of the offending element.

Schema rules: ``rdf:RDF`` holds one ``rdf:Description`` and then at most
one xmldsig element, and no other attribute than ``xml:base``; the
Description has ``rdf:about`` = ``#`` + 27 identifier characters and no
other attribute, and starts with (an optional ``rdf:type``)
``dcterms:identifier``, ``slreq:bytes``, one or more ``slreq:checksum``,
``slreq:endorsement``; after that anything goes, but every element the
schemas declare is checked wherever it appears: ``slreq:bytes`` and
``slterms:serial-number`` are non-negative integers, ports 0-65535, ICMP
types 0-255, checksums hold ``slreq:algorithm`` then a hexadecimal
``slreq:value``, the endorsement ``dcterms:created`` then
``slreq:endorser`` (``slreq:email`` matching
``[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+``, ``slreq:subject``, one or more
``slreq:issuer``), Dublin Core terms are text with at most ``xml:lang``,
the StratusLab simple elements text without attributes;
``rdf:parseType`` may only be ``Resource``.

RDF/XML rules: attributes are namespace-qualified; a property element
holds text, or a single node element, or (with
``rdf:parseType="Resource"``) property elements, never text mixed with
elements; with ``rdf:resource``, ``rdf:nodeID`` or property attributes it
is empty; node elements hold property elements only; ``rdf:resource`` and
``rdf:datatype`` are URI references, ``rdf:ID`` and ``rdf:nodeID`` names.
"""

from marketplace_dashboard.core import model, xmlsafe
from marketplace_dashboard.core.structure.names import element_name
from marketplace_dashboard.core.structure.rdf import RdfRules
from marketplace_dashboard.core.structure.schema import SchemaRules

__all__ = ['RDF_ERROR', 'SCHEMA_ERROR', 'check_structure']

SCHEMA_ERROR = 'XML schema validation exception: '
RDF_ERROR = 'RDF/XML validation exception: '


class _Checker(SchemaRules, RdfRules):
    """The failures of one document, as the rules report them."""

    def __init__(self, draft):
        self.draft = draft
        self.errors = []
        # (element, what) the schema rules reported, so that the RDF rules
        # do not report the same text or attribute a second time.
        self.reported = set()

    def schema(self, element, message, what=None):
        self.errors.append('%s%s (line %s)' % (SCHEMA_ERROR, message,
                                               element.sourceline))
        if what is not None:
            self.reported.add((element, what))

    def rdf(self, element, message, what=None):
        if what is not None and (element, what) in self.reported:
            return
        self.errors.append('%s%s (line %s)' % (RDF_ERROR, message,
                                               element.sourceline))


def check_structure(root, draft=False):
    """Schema and RDF/XML failures of a parsed document (list of str).

    *root* is the root element (``rdf:RDF``; anything else gives one
    message).  With *draft*, an empty ``slreq:endorsement`` (the signer
    fills it) is accepted.  Signature elements are not looked into.
    """
    checker = _Checker(draft)
    if root.tag != xmlsafe.RDF_ROOT:
        checker.schema(root, 'the document element must be rdf:RDF, not %s'
                       % element_name(root))
        return checker.errors
    checker.document(root)
    description = root.find(model.q('rdf', 'Description'))
    if description is not None:
        checker.node(description)
    return checker.errors
