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

"""Signed StratusLab documents for the benchmarks.

Keys and certificates come from ``tests/pki.py`` (generated with
``cryptography``, never stored); documents are built with the core
builder and signed with the core signer (RSA-2048, SHA-256), each one
distinct (its own identifier, title and endorsement time).
"""

import datetime
import hashlib
import os

from marketplace_dashboard.core import builder
from marketplace_dashboard.core.signature import sign_document
from tests import pki

UTC = datetime.UTC
OSES = (('Ubuntu', '24.04'), ('Debian', '12'), ('CentOS', '7'),
        ('Fedora', '40'), ('SL', '6.5'))


def credentials():
    """A CA and one endorser it issued."""
    ca = pki.make_ca('Benchmark CA')
    endorser = pki.make_endorser(ca, 'Bench Endorser',
                                 'bench@example.org', days=3650)
    return ca, endorser


def signed(endorser, seed, now=None):
    """Signed document number *seed* (distinct bytes for every seed)."""
    now = (now or datetime.datetime.now(UTC)).replace(microsecond=0)
    created = now - datetime.timedelta(seconds=seed % 40000)
    os_name, os_version = OSES[seed % len(OSES)]
    digest = hashlib.sha1(b'benchmark image %d' % seed)  # noqa: S324
    data = builder.build_document(
        1024 * 1024 * (1 + seed % 4096), {
            'SHA-1': digest.hexdigest(),
            'SHA-256': hashlib.sha256(b'%d' % seed).hexdigest()},
        os=os_name, os_version=os_version, os_arch='x86_64',
        title='Benchmark image %d' % seed, valid_days=365,
        locations=['https://images.example.org/%d.img' % seed], now=created)
    return sign_document(data, endorser.key, endorser.cert, now=created)


def write_documents(directory, endorser, count):
    """*count* signed documents ``doc-<n>.xml`` in *directory*."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    for seed in range(count):
        path = os.path.join(directory, 'doc-%05d.xml' % seed)
        with open(path, 'wb') as out:
            out.write(signed(endorser, seed))
        paths.append(path)
    return paths
