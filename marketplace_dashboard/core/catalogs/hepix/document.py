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

"""The document of one image of a HEPiX image list.

A list is signed as a whole, so what an image's trust is decided on is
the signed list exactly as served plus which image of it is meant.  The
entry's document is that: two header lines naming the image and the
list's URL, a blank line, then the S/MIME message byte for byte::

    HEPiX-Image: c0482bc2-bf41-5d49-aaaa-a750174a186b
    HEPiX-Image-List: https://appdb.example/store/vo/x/image.list

    MIME-Version: 1.0
    Content-Type: multipart/signed; ...

Its SHA-256 keys the verdict cache as a StratusLab document's does.
"""

import re

from marketplace_dashboard.core.catalogs.hepix.imagelist import IDENTIFIER_RE
from marketplace_dashboard.core.errors import MetadataError
from marketplace_dashboard.core.i18n import _

__all__ = ['MAGIC', 'entry_document', 'split_entry_document']

MAGIC = b'HEPiX-Image: '
_URL_RE = re.compile(r'^https?://[\x21-\x7e]{1,2000}\Z')
_HEAD_RE = re.compile(rb'\AHEPiX-Image: ([^\r\n]{1,128})\n'
                      rb'HEPiX-Image-List: ([^\r\n]{1,2000})\n\n')


def entry_document(identifier, list_url, signed):
    """The document of image *identifier* of the list at *list_url*
    (*signed*: the list as served, bytes)."""
    if not IDENTIFIER_RE.match(identifier or ''):
        raise MetadataError('invalid image identifier %r' % (identifier,))
    if not _URL_RE.match(list_url or ''):
        raise MetadataError('invalid image list URL %r' % (list_url,))
    return (b'HEPiX-Image: %s\nHEPiX-Image-List: %s\n\n'
            % (identifier.encode('ascii'), list_url.encode('ascii'))
            + bytes(signed))


def split_entry_document(document):
    """``(identifier, list URL, signed list bytes)`` of a document."""
    if not isinstance(document, bytes):
        raise MetadataError('a HEPiX entry document is bytes')
    match = _HEAD_RE.match(document[:2200])
    if match is None:
        raise MetadataError(_('not the document of an image of a HEPiX '
                              'image list'))
    identifier = match.group(1).decode('ascii', 'replace')
    list_url = match.group(2).decode('ascii', 'replace')
    if not IDENTIFIER_RE.match(identifier) or not _URL_RE.match(list_url):
        raise MetadataError(_('the HEPiX entry document names a malformed '
                              'image or list'))
    return identifier, list_url, document[match.end():]
