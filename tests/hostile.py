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


"""A hostile corpus of metadata documents, generated on demand.

Each shape fills one document up to a given size (the service and
``verify`` accept 4 MiB) with what an attacker would repeat: distinct
locations, checksums, deeply nested unknown elements, one huge text node,
comments inside values, attributes and namespace declarations on one
element, unknown elements, ports.  Nothing is stored in the tree; the
tests and ``benchmarks/hostile.py`` build what they need.

    data = hostile.document('locations', 4 * 1024 * 1024)
    signed = hostile.signed('locations', size, endorser)
"""

import hashlib

from marketplace_dashboard.core import builder, xmlsafe
from marketplace_dashboard.core.signature import sign_document

__all__ = ['REFUSED', 'SHAPES', 'base', 'document', 'fill', 'signed',
           'typical']

#: levels of unknown elements under the Description, at the limit
_DEPTH = xmlsafe.MAX_DEPTH - 2
_CLOSE = b'</rdf:Description>'
_X = b'xmlns:x="http://example.org/x#"'


def base(seed=0):
    """A small unsigned, well-formed metadata document."""
    digest = hashlib.sha1(b'hostile %d' % seed)  # noqa: S324
    return builder.build_document(
        1024, {'SHA-1': digest.hexdigest()}, os='Debian', os_version='12',
        os_arch='x86_64', title='Hostile %d' % seed, valid_days=365,
        locations=['https://images.example.org/%d.img' % seed])


def _locations(i):
    return b'<slterms:location>http://e.example/%d</slterms:location>\n' % i


def _duplicates(i):
    return b'<slterms:location>https://evil.example.org/%d.img' \
           b'</slterms:location>\n' % (i % 7)


def _checksums(i):
    return (b'<slreq:checksum rdf:parseType="Resource"><slreq:algorithm>'
            b'SHA-%d</slreq:algorithm><slreq:value>%040x</slreq:value>'
            b'</slreq:checksum>\n' % (i, i))


def _nested(i, depth=_DEPTH):
    # text at every level keeps within the element density limit
    return (b'<x:n>%13d' % i) * depth + b'</x:n>' * depth + b'\n'


def _dense(i):
    """Elements of exactly xmlsafe.BYTES_PER_ELEMENT bytes."""
    return b'<x:e>%*d</x:e>' % (xmlsafe.BYTES_PER_ELEMENT - 11, i)


def _attributes(i, count=xmlsafe.MAX_ATTRIBUTES):
    return b'<x:a %s/>\n' % b' '.join(b'x:a%d="%d"' % (n, i)
                                       for n in range(count))


def _namespaces(i, count=xmlsafe.MAX_NAMESPACES - 8):
    return b'<x:ns %s/>\n' % b' '.join(
        b'xmlns:n%d="http://example.org/%d/%d#"' % (n, i, n)
        for n in range(count))


def _comments(i):
    return b'<slterms:location>https://e<!--%d-->vil/<?pi x?>%d' \
           b'</slterms:location>\n' % (i, i)


def _unknown(i):
    return b'<x:extra%d>text %d</x:extra%d>\n' % (i % 50, i, i % 50)


def _ports(i):
    return b'<slterms:inbound-port>%d</slterms:inbound-port>\n' % (i % 65536)


#: shape -> (repeated piece, how it is wrapped: None or (head, tail))
SHAPES = {
    'locations': (_locations, None),
    'duplicate-locations': (_duplicates, None),
    'checksums': (_checksums, None),
    'nested': (_nested, None),
    'comments': (_comments, None),
    'unknown-elements': (_unknown, None),
    'ports': (_ports, None),
    'dense-elements': (_dense, None),
    'huge-text': (lambda i: b'A' * 4096, (b'<dcterms:description>',
                                         b'</dcterms:description>\n')),
    'attributes': (_attributes, None),
    'namespaces': (_namespaces, None),
}
#: shapes past the limits of :func:`xmlsafe.check_shape` (refused cheaply)
REFUSED = {
    'empty-elements': (lambda i: b'<x:e/>', None),
    'too-deep': (lambda i: b'<x:n>' * 250 + b'</x:n>' * 250, None),
    'one-element-many-attributes': (lambda i: b' x:a%d="%d"' % (i, i),
                                    (b'<x:many', b'/>\n')),
    'one-element-many-namespaces': (
        lambda i: b' xmlns:n%d="http://example.org/%d#"' % (i, i),
        (b'<x:many', b'/>\n')),
}


def fill(data, size, piece, wrap=None):
    """*data* with ``piece(0), piece(1)...`` (bytes) inserted before the
    end of its Description, up to about *size* bytes in all."""
    head, tail = wrap or (b'', b'')
    room = size - len(data) - len(head) - len(tail) - len(_X) - 1
    pieces = []
    used = 0
    index = 0
    while True:
        chunk = piece(index)
        if used + len(chunk) > room:
            break
        pieces.append(chunk)
        used += len(chunk)
        index += 1
    cut = data.rindex(_CLOSE)
    filled = data[:cut] + head + b''.join(pieces) + tail + data[cut:]
    return filled.replace(b'<rdf:RDF ', b'<rdf:RDF %s ' % _X, 1)


def document(shape, size, seed=0):
    """An unsigned document of *shape* (a :data:`SHAPES` key), about
    *size* bytes."""
    piece, wrap = SHAPES.get(shape) or REFUSED[shape]
    return fill(base(seed), size, piece, wrap)


def typical(size, seed=0):
    """An ordinary document of about *size* bytes: a long plain-text
    description, one location (what a big honest entry looks like)."""
    return document('huge-text', size, seed)


def signed(shape, size, endorser, seed=0):
    """*shape* signed by *endorser* (a ``tests.pki.Credential``); the
    signature adds about 2.5 KiB, so *size* is kept below the limit."""
    return sign_document(document(shape, size - 4096, seed), endorser.key,
                         endorser.cert)
