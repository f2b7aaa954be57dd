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


"""Helpers shared by the core tests: the shared StratusLab samples."""

from tests import SAMPLES

SIGNED = ['04-signed-selfsigned-full.xml',
          '05-signed-ca-issued-no-san-email.xml',
          '06-signed-testca.xml',
          '07-signed-deprecated.xml',
          '08-signed-with-tag-alternative.xml']
UNSIGNED = ['01-unsigned-minimal.xml', '02-unsigned-full.xml',
            '03-unsigned-build-metadata-style.xml']


def sample(name):
    return (SAMPLES / name).read_bytes()


def metadata_list(*documents, wrapper_ns=''):
    """A ``<metadata>`` list response holding *documents*."""
    body = b''.join(doc.split(b'?>', 1)[1] if doc.startswith(b'<?xml')
                    else doc for doc in documents)
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<metadata%s>'
            % wrapper_ns.encode() + body + b'</metadata>')
