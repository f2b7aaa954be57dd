"""Four-digit years in the index and in every comparison (issue 14,
finding 6): an entry valid until 0999-12-31T23:59:59Z has expired."""

import sqlite3

from marketplace_dashboard.core import builder
from marketplace_dashboard.core.model import parse_appliance
from marketplace_dashboard.core.signature import sign_document
from marketplace_dashboard.server import listing
from marketplace_dashboard.server.store import Store
from tests.unit.server.conftest import sha1_of
from tests.unit.server.web import keys, post
from tests.unit.server.web import listing as get_listing

ANCIENT = '0999-12-31T23:59:59Z'
# the index as the version before schema 2 wrote it
_OLD_SCHEMA = """
CREATE TABLE entries (
    identifier TEXT NOT NULL, email TEXT NOT NULL, created TEXT NOT NULL,
    os TEXT, os_version TEXT, os_arch TEXT, kind TEXT, location TEXT,
    description TEXT, title TEXT, alternative TEXT, valid TEXT,
    deprecated INTEGER NOT NULL DEFAULT 0, deprecated_reason TEXT,
    subject TEXT, issuer TEXT,
    has_pdisk INTEGER NOT NULL DEFAULT 0, has_web INTEGER NOT NULL DEFAULT 1,
    path TEXT NOT NULL, sha256 TEXT, latest INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (identifier, email, created));
"""


def ancient_doc(cred):
    """A signed document whose ``dcterms:valid`` is in the year 999."""
    draft = builder.build_document(1024, {'SHA-1': sha1_of('old')},
                                   valid_days=1)
    appliance = parse_appliance(draft)
    valid = appliance.valid.strftime('%Y-%m-%dT%H:%M:%SZ')
    draft = draft.replace(valid.encode(), ANCIENT.encode())
    return sign_document(draft, cred.key, cred.cert)


def statuses(db):
    return {status: [row['valid'] for row in listing.run_query(
        db, listing.ListingQuery.from_args({'status': status})).rows]
        for status in ('valid', 'expired')}


def test_upload_valid_in_year_999_is_expired(live, jane):
    srv = live()
    data = ancient_doc(jane)
    assert parse_appliance(data).valid.year == 999
    assert post(srv, data).status_code == 201
    assert keys(get_listing(srv)) == []
    assert keys(get_listing(srv, status='expired')) == \
        [parse_appliance(data).key]
    assert statuses(srv.app.store.db) == {'valid': [],
                                          'expired': [ANCIENT]}


def test_index_of_an_earlier_version_rebuilt_with_padded_years(tmp_path,
                                                               jane):
    data = ancient_doc(jane)
    appliance = parse_appliance(data)
    identifier, email, created = appliance.key
    rel = 'metadata/%s/%s/%s.xml' % (identifier, email, created)
    (tmp_path / rel).parent.mkdir(parents=True)
    (tmp_path / rel).write_bytes(data)
    conn = sqlite3.connect(tmp_path / 'index.sqlite3')
    conn.executescript(_OLD_SCHEMA)
    conn.execute(
        'INSERT INTO entries (identifier, email, created, valid, path, '
        'latest) VALUES (?, ?, ?, ?, ?, 1)',
        (identifier, email, created, '999-12-31T23:59:59Z', rel))
    conn.commit()
    conn.close()
    store = Store(tmp_path, parse=parse_appliance)
    assert statuses(store.db) == {'valid': [], 'expired': [ANCIENT]}
    # and the rebuilt index knows the certificate the pair is bound to
    assert store.db.execute('SELECT key_sha256 FROM entries').fetchone()[0]
