"""The marketplace service over real HTTP on loopback: listings,
entries, endorsers and errors."""

import re

from lxml import etree
import pytest
import requests

from marketplace_dashboard.core.signature import verify_signature
from marketplace_dashboard.core.xmlsafe import split_documents
from tests.unit.server.conftest import ago, make_doc
from tests.unit.server.web import (
    BEE8,
    JANE,
    error_text,
    get,
    keys,
    listing,
    post,
    sample,
)

# -- the real StratusLab samples ------------------------------------------

def test_samples_upload_latest_rule_and_byte_identical_retrieval(live):
    # the samples' certificates have no subjectAltName e-mail
    srv = live(allow_unconfirmed_email=True)
    created = post(srv, sample('06-signed-testca.xml'))
    assert created.status_code == 201, created.text
    assert created.text == 'metadata entry created'
    assert created.headers['Location'] == (
        srv.url + '/metadata/%s/%s/2014-03-08T14:10:40Z' % (BEE8, JANE))
    # 07 is the same (identifier, endorser) but endorsed 23 s earlier
    older = post(srv, sample('07-signed-deprecated.xml'))
    assert older.status_code == 400
    assert error_text(older) == 'invalid metadata: older than latest entry'
    # 08 is Jane's too, signed with another (self-signed) certificate:
    # the pair is bound to 06's
    other = post(srv, sample('08-signed-with-tag-alternative.xml'))
    assert other.status_code == 403
    assert 'bound to the certificate of its first entry' in \
        error_text(other)
    for name in ('04-signed-selfsigned-full.xml',
                 '05-signed-ca-issued-no-san-email.xml'):
        assert post(srv, sample(name)).status_code == 201
    # re-uploading the same entry is idempotent
    assert post(srv, sample('05-signed-ca-issued-no-san-email.xml')) \
        .status_code == 201

    entry = get(srv, '/metadata/%s/%s/2014-03-08T14:10:40Z' % (BEE8, JANE))
    assert entry.status_code == 200
    assert entry.content == sample('06-signed-testca.xml')
    assert entry.headers['Content-Type'] == 'application/rdf+xml'
    assert entry.headers['Content-Disposition'] == \
        'attachment; filename=%s.xml' % BEE8
    assert verify_signature(entry.content).status == 'valid'
    as_json = get(srv, '/metadata/%s/%s/2014-03-08T14:10:40Z' % (BEE8, JANE),
                  media='json')
    assert as_json.headers['Content-Disposition'] == \
        'attachment; filename=%s.json' % BEE8
    graph = as_json.json()
    subject = graph['http://mp.stratuslab.eu/#' + BEE8]
    assert subject['http://purl.org/dc/terms/identifier'] == \
        [{'type': 'literal', 'value': BEE8}]
    endorsement = subject['http://mp.stratuslab.eu/slreq#endorsement'][0]
    assert endorsement['type'] == 'bnode'
    endorser = graph[endorsement['value']][
        'http://mp.stratuslab.eu/slreq#endorser'][0]
    assert graph[endorser['value']]['http://mp.stratuslab.eu/slreq#email'] \
        == [{'type': 'literal', 'value': JANE}]

    # every sample has expired by now; 04 is deprecated
    assert keys(listing(srv)) == []
    expired = listing(srv, status='expired')
    assert sorted(keys(expired)) == [
        (BEE8, JANE, '2014-03-08T14:10:40Z'),
        (BEE8, 'jim.tester@example.org', '2012-02-01T17:02:02Z')]
    deprecated = listing(srv, status='deprecated')
    assert keys(deprecated) == [('MMZu9WvwKIro-rtBQfDk4PsKO7_',
                                 'jane.tester@example.org',
                                 '2011-01-24T09:59:42Z')]
    assert listing(srv, status='all')['iTotalRecords'] == 3
    # a created filter lists that entry
    old = listing(srv, '/metadata/%s/%s' % (BEE8, JANE), status='all',
                  created='2014-03-08T14:10:40Z')
    assert keys(old) == [(BEE8, JANE, '2014-03-08T14:10:40Z')]

    # the XML listing wraps the stored documents; each still verifies
    xml = get(srv, '/metadata/' + BEE8, status='all')
    assert xml.status_code == 200
    assert xml.headers['Content-Type'].startswith('application/xml')
    assert xml.content.startswith(
        b'<?xml version="1.0" encoding="UTF-8" standalone="no"?><metadata>')
    documents = split_documents(xml.content)
    assert len(documents) == 2
    assert all(verify_signature(d).status == 'valid' for d in documents)


def test_samples_deprecated_then_newer_in_fresh_store(live):
    srv = live(allow_unconfirmed_email=True)
    assert post(srv, sample('07-signed-deprecated.xml')).status_code == 201
    assert keys(listing(srv, status='deprecated')) == \
        [(BEE8, JANE, '2014-03-08T14:10:17Z')]
    assert post(srv, sample('06-signed-testca.xml')).status_code == 201
    assert keys(listing(srv, status='deprecated')) == []
    assert keys(listing(srv, status='expired')) == \
        [(BEE8, JANE, '2014-03-08T14:10:40Z')]


def test_rdf_json_literals_ignore_comments(live, jane):
    from marketplace_dashboard.core import builder
    from marketplace_dashboard.core.signature import sign_document
    from tests.unit.server.conftest import sha1_of

    srv = live()
    created = ago(seconds=5)
    draft = builder.build_document(
        1024, {'SHA-1': sha1_of(7)}, os='Ubuntu', os_version='22.04',
        os_arch='x86_64', title='My Image', comment='A fine image',
        valid_days=100, now=created)
    assert draft.count(b'>My Image<') == 1
    assert draft.count(b'>A fine image<') == 1
    draft = draft.replace(b'>My Image<',
                          b'>My <!-- a comment -->Image<?pi x?> 1<')
    draft = draft.replace(b'>A fine image<',
                          b'><!-- first -->A fine<!-- --> image<')
    data = sign_document(draft, jane.key, jane.cert, now=created)
    response = post(srv, data)
    assert response.status_code == 201, response.text
    graph = get(srv, response.headers['Location'][len(srv.url):],
                media='json').json()
    (subject,) = [v for k, v in graph.items() if not k.startswith('_:')]
    assert subject['http://purl.org/dc/terms/title'] == \
        [{'type': 'literal', 'value': 'My Image 1'}]
    assert subject['http://purl.org/dc/terms/description'] == \
        [{'type': 'literal', 'value': 'A fine image'}]


def test_json_row_shape_and_slash_escaping(live):
    srv = live()
    assert post(srv, sample('04-signed-selfsigned-full.xml')) \
        .status_code == 201
    response = get(srv, '/metadata', status='all', media='json', sEcho='7')
    assert response.headers['Content-Type'] == 'application/json'
    assert b'http:\\/\\/example.org' in response.content
    doc = response.json()
    assert doc['sEcho'] == 7
    assert doc['rMsg'] == 'no metadata matching query found'
    row = doc['aaData'][0]
    assert len(row) == 11 and all(isinstance(v, str) for v in row)
    assert row[0] == '' and row[7] == 'MMZu9WvwKIro-rtBQfDk4PsKO7_'
    assert row[8] == 'http://example.org/...'


# -- generated, signed documents -------------------------------------------

@pytest.fixture
def populated(live, jane, bob):
    """A marketplace with 36 uploaded documents of known shape."""
    srv = live()
    expected = []
    for i in range(24):
        cred = jane if i % 2 == 0 else bob
        kwargs = {'os': ('Ubuntu', 'CentOS', 'Debian')[i % 3],
                  'os_version': str(10 + i % 4),
                  'os_arch': 'x86_64' if i % 4 else 'i686',
                  'comment': 'image number %d' % i,
                  'locations': (['pdisk:host:8445:uuid-%d' % i] if i % 5 == 0
                                else ['https://example.org/img%d.gz' % i])}
        data = make_doc(cred, i, created=ago(days=1, seconds=i), **kwargs)
        assert post(srv, data).status_code == 201
        expected.append(i)
    for i in range(24, 30):   # expired: endorsed long ago, short validity
        data = make_doc(jane, i, created=ago(days=50, seconds=i),
                        valid_days=10, os='Fedora')
        assert post(srv, data).status_code == 201
    for i in range(30, 33):   # jane deprecates images 0, 1, 2
        data = make_doc(jane, i - 30, deprecated='superseded',
                        created=ago(seconds=i))
        assert post(srv, data).status_code == 201
    for i in range(33, 36):   # second endorsement of images 3..5 by bob
        data = make_doc(bob, i - 30, created=ago(seconds=i), os='Ubuntu')
        assert post(srv, data).status_code == 201
    return srv


JANE_EX = 'jane@example.org'
BOB_EX = 'bob@example.org'


def image(seed):
    """The identifier of the image *seed* of make_doc."""
    from marketplace_dashboard.core.identifier import identifier_from_sha1
    from tests.unit.server.conftest import sha1_of
    return identifier_from_sha1(sha1_of(seed))


def endorsements(doc):
    """(identifier, e-mail) of every row of a JSON listing."""
    return sorted((r[7], r[4]) for r in doc['aaData'])


def test_status_filters(populated):
    # Latest entry of each (image, endorser) of the populated fixture:
    # images 0-23 endorsed by jane (even) or bob (odd); jane's newer
    # deprecating entries for 0, 1, 2 (image 1 keeps bob's valid one);
    # bob's newer entries for 3, 4, 5 (replacing his own 3 and 5, next to
    # jane's 4); images 24-29 jane's, expired.
    want_valid = sorted(
        [(image(i), JANE_EX if i % 2 == 0 else BOB_EX)
         for i in range(3, 24)]
        + [(image(1), BOB_EX), (image(4), BOB_EX)])
    want_deprecated = sorted((image(i), JANE_EX) for i in range(3))
    want_expired = sorted((image(i), JANE_EX) for i in range(24, 30))
    assert len(want_valid) == 23
    valid = listing(populated)
    assert endorsements(valid) == want_valid
    assert valid['iTotalRecords'] == valid['iTotalDisplayRecords'] == 23
    expired = listing(populated, status='expired')
    assert endorsements(expired) == want_expired
    assert expired['iTotalRecords'] == expired['iTotalDisplayRecords'] == 6
    deprecated = listing(populated, status='deprecated')
    assert endorsements(deprecated) == want_deprecated
    assert deprecated['iTotalRecords'] == 3
    assert {r[1] for r in deprecated['aaData']} == {'Ubuntu'}
    everything = listing(populated, status='all')
    assert everything['iTotalRecords'] == 23 + 6 + 3
    assert endorsements(everything) == sorted(
        want_valid + want_deprecated + want_expired)
    # anything else than valid, expired or deprecated means all
    assert endorsements(listing(populated, status='bogus')) == \
        endorsements(everything)
    # bob's newer endorsement of image 3 replaced his older one
    (row,) = [r for r in valid['aaData'] if r[7] == image(3)]
    assert 'image number' not in row[9]     # the newer one has no comment


def test_filters(populated):
    every = listing(populated)['aaData']
    assert len(every) == 23

    def rows(**params):
        path = params.pop('path', '/metadata')
        return sorted(keys(listing(populated, path, **params)))

    def expected(test):
        return sorted((r[7], r[4], r[6]) for r in every if test(r))

    bob_rows = rows(path='/metadata/bob@example.org')
    assert bob_rows == expected(lambda r: r[4] == BOB_EX)
    assert len(bob_rows) == 13   # odd images and bob's image 4
    assert rows(email=BOB_EX) == bob_rows
    # as the original service, a value is classified by its shape
    assert rows(identifier=BOB_EX) == bob_rows
    by_path = rows(path='/metadata/%s' % image(4))
    assert by_path == expected(lambda r: r[7] == image(4))
    assert [k[1] for k in by_path] == [BOB_EX, JANE_EX]
    assert rows(identifier=image(4)) == by_path
    both = expected(lambda r: r[7] == image(4) and r[4] == BOB_EX)
    assert len(both) == 1
    assert rows(path='/metadata/%s/bob@example.org' % image(4)) == both
    assert rows(identifier=image(4), email=BOB_EX) == both
    assert rows(path='/metadata/%s' % image(4), email=BOB_EX) == both
    # per-column searches: os, os-version, arch, e-mail, kind
    centos = rows(sSearch_1='^centos$')
    assert centos and centos == expected(lambda r: r[1] == 'CentOS')
    version = rows(sSearch_2='^12$')
    assert version and version == expected(lambda r: r[2] == '12')
    substring = rows(sSearch_2='2')   # 12 and bob's 22.04
    assert substring == expected(lambda r: '2' in r[2])
    assert {r[2] for r in every if '2' in r[2]} == {'12', '22.04'}
    i686 = rows(sSearch_3='i686')
    assert i686 and i686 == expected(lambda r: r[3] == 'i686')
    assert rows(sSearch_4='^BOB@') == bob_rows
    assert rows(sSearch_4='example') == expected(lambda r: True)
    assert rows(sSearch_5='^machine$') == expected(lambda r: True)
    assert rows(sSearch_5='disk') == []
    combined = rows(sSearch_1='ubuntu', sSearch_4='jane')
    assert combined and combined == expected(
        lambda r: r[1] == 'Ubuntu' and r[4] == JANE_EX)
    # global search: every term must match some column
    hits = listing(populated, sSearch='debian NUMBER')['aaData']
    assert hits and all(r[1] == 'Debian' for r in hits)
    assert listing(populated, sSearch='debian nosuchword')['aaData'] == []
    pdisk = listing(populated, location='pdisk')['aaData']
    assert pdisk and all(r[8].startswith('pdisk:') for r in pdisk)
    web = listing(populated, location='web')['aaData']
    assert web and not any(r[8].startswith('pdisk:') for r in web)
    assert len(pdisk) + len(web) == len(listing(populated)['aaData'])


def test_xml_and_json_listing_same_rows_same_order(populated):
    for sort in range(1, 11):
        for direction in ('asc', 'desc'):
            params = {'iDisplayStart': '3', 'iDisplayLength': '7',
                      'iSortCol_0': str(sort), 'sSortDir_0': direction}
            rows = keys(listing(populated, **params))
            xml = get(populated, '/metadata', media='xml', **params)
            docs = split_documents(xml.content)
            got = []
            for doc in docs:
                root = etree.fromstring(doc)
                ident = root.findtext('.//{*}identifier')
                email = root.findtext('.//{*}email')
                created = root.findtext('.//{*}endorsement/{*}created')
                got.append((ident, email, created))
            assert got == rows


def test_post_form_listing_is_json(populated):
    response = requests.post(
        populated.url + '/metadata', timeout=30,
        data={'sSearch': 'centos', 'iDisplayStart': '0',
              'iDisplayLength': '2', 'sEcho': '3'})
    assert response.status_code == 200
    doc = response.json()
    assert doc['sEcho'] == 3 and len(doc['aaData']) == 2
    assert doc['iTotalDisplayRecords'] > 2


def test_endorsers_and_tags(live, jane, bob):
    srv = live()
    post(srv, make_doc(jane, 1, created=ago(seconds=30), tag='stable'))
    post(srv, make_doc(jane, 2, created=ago(seconds=20), tag='stable'))
    post(srv, make_doc(jane, 3, created=ago(seconds=10), tag='edge'))
    post(srv, make_doc(bob, 4, tag='stable'))
    xml = get(srv, '/endorsers')
    root = etree.fromstring(xml.content)
    emails = [e.text for e in root.iter(
        '{http://www.w3.org/2005/sparql-results#}literal')
        if '@' in (e.text or '')]
    assert emails == ['bob@example.org', 'jane@example.org']
    as_json = get(srv, '/endorsers', media='json').json()
    assert [b['email']['value'] for b in as_json['results']['bindings']] \
        == ['bob@example.org', 'jane@example.org']
    tags = get(srv, '/endorsers/jane@example.org/tags', media='json').json()
    assert [b['tag']['value'] for b in tags['results']['bindings']] == \
        ['edge', 'stable']
    recent = get(srv, '/endorsers/jane@example.org', range='1',
                 media='json').json()
    assert len(recent['results']['bindings']) == 3
    # newest non-deprecated entry of the endorser with that tag
    tagged = get(srv, '/tag/jane@example.org/stable')
    assert tagged.status_code == 200
    assert b'image 2' in tagged.content
    assert get(srv, '/metadata/jane@example.org',
               tag='"stable"').content == tagged.content
    post(srv, make_doc(jane, 2, deprecated='old', tag='stable'))
    assert b'image 1' in get(srv, '/tag/jane@example.org/stable').content
    missing = get(srv, '/tag/jane@example.org/none')
    assert missing.status_code == 404


# -- errors and hostile input -----------------------------------------------

def test_empty_marketplace_and_not_found(live):
    srv = live()
    xml = get(srv, '/metadata')
    assert xml.status_code == 200
    assert split_documents(xml.content) == []
    assert listing(srv)['aaData'] == []
    nomatch = get(srv, '/metadata/' + BEE8)
    assert nomatch.status_code == 404
    assert error_text(nomatch) == 'no metadata matching query found'
    entry = get(srv, '/metadata/%s/%s/2014-03-08T14:10:40Z' % (BEE8, JANE))
    assert entry.status_code == 404
    assert error_text(entry) == 'metadata entry not found.\n'
    as_json = get(srv, '/metadata/%s/%s/2014-03-08T14:10:40Z' % (BEE8, JANE),
                  headers={'Accept': 'application/json'})
    assert as_json.status_code == 404
    assert as_json.json() == {'404': 'metadata entry not found.\n'}
    # double slashes are tolerated
    assert get(srv, '//metadata').status_code == 200


def test_methods_not_allowed(live):
    srv = live()
    for method, path, allowed in (
            ('POST', '/endorsers', 'GET, HEAD'),
            ('PUT', '/metadata', 'GET, HEAD, POST'),
            ('DELETE', '/metadata/%s' % BEE8, 'GET, HEAD'),
            ('POST', '/metadata/%s' % BEE8, 'GET, HEAD'),
            ('PATCH', '/metadata/%s/%s/2014-03-08T14:10:40Z' % (BEE8, JANE),
             'GET, HEAD')):
        response = requests.request(method, srv.url + path, timeout=30)
        assert response.status_code == 405, (method, path)
        assert error_text(response).startswith('The method is not allowed')
        assert sorted(response.headers['Allow'].split(', ')) == \
            allowed.split(', '), (method, path)
        as_json = requests.request(method, srv.url + path, timeout=30,
                                   headers={'Accept': 'application/json'})
        assert sorted(as_json.headers['Allow'].split(', ')) == \
            allowed.split(', ')
        assert as_json.headers['Content-Type'] == 'application/json'


def test_error_text_is_escaped(live):
    srv = live()
    response = get(srv, '/no<such>&path')
    assert response.status_code == 404
    assert '<such>&path' in error_text(response)


@pytest.mark.parametrize('pattern', [
    '(', '[a-', '(a+)+$', 'x' * 201,
    # catastrophic backtracking beyond (x+)+
    '(.|.)*!', r'(\w|\w)*!', '(.*a){12}!', '(?:x+x+)+y', '.*.*.*!',
    '(a|a)(a|a)(a|a)(a|a)(a|a)!', 'a{0,100}a{0,100}!', 'x{1000}',
    r'(a)\1', '(?=a)a', '(ab){5}'])
def test_bad_search_expression(live, pattern):
    srv = live()
    response = get(srv, '/metadata', sSearch=pattern)
    assert response.status_code == 400
    assert error_text(response).startswith('invalid search expression')
    response = get(srv, '/metadata', sSearch_2=pattern, media='json')
    assert response.status_code == 400
    assert list(response.json()) == ['400']


def test_safe_search_expressions_still_work(populated):
    def oses(**params):
        return sorted({r[1] for r in listing(populated, **params)['aaData']})

    assert oses(sSearch='debian') == ['Debian']
    # the client's re.escape output is matched literally
    assert oses(sSearch_2='1.') == ['CentOS', 'Debian', 'Ubuntu']
    assert oses(sSearch_2=re.escape('1.')) == []
    assert oses(sSearch=' '.join(re.escape(w) for w in ('Debian', 'x86_64')),
                sSearch_2=re.escape('11')) == ['Debian']
    assert oses(sSearch_1='^(centos|debian)$') == ['CentOS', 'Debian']
    assert oses(sSearch_1='^c.*s$') == ['CentOS']
    assert oses(sSearch_1='^ub[a-z]+') == ['Ubuntu']
    assert oses(sSearch_1='deb(ian)?', sSearch_3=r'^x86_\d{2}$') == \
        ['Debian']
    numbers = listing(populated, sSearch=r'number\s+1\d$',
                      iDisplayLength='50')['aaData']
    assert sorted(r[9] for r in numbers) == \
        ['image number %d' % i for i in range(10, 20)]


@pytest.mark.parametrize('params, message', [
    ({'iDisplayStart': 'x'}, "invalid iDisplayStart: 'x' is not an integer"),
    ({'iSortCol_0': '11'}, 'invalid iSortCol_0: must be 1 to 10'),
    ({'sSortDir_0': 'up'}, "invalid sSortDir_0: use 'asc' or 'desc'"),
    # no overflow in SQLite (was HTTP 500), no Unicode digits
    ({'iDisplayStart': '99999999999999999999'},
     'invalid iDisplayStart: must be at most 2147483647'),
    ({'iDisplayLength': '99999999999999999999'},
     'invalid iDisplayLength: must be at most 2147483647'),
    ({'iDisplayStart': '9' * 5000},
     'invalid iDisplayStart: must be at most 2147483647'),
    ({'iDisplayStart': '2147483648'},
     'invalid iDisplayStart: must be at most 2147483647'),
    ({'iDisplayLength': '-2'}, 'invalid iDisplayLength: must be at least -1'),
    ({'iDisplayStart': '\u00b2'},
     "invalid iDisplayStart: '\u00b2' is not an integer"),
    ({'iSortCol_0': '\u0663'},
     "invalid iSortCol_0: '\u0663' is not an integer"),
    ({'iDisplayLength': ' 5'}, "invalid iDisplayLength: ' 5' is not an "
                               "integer"),
])
def test_bad_paging(live, params, message):
    srv = live()
    response = get(srv, '/metadata', **params)
    assert response.status_code == 400
    assert error_text(response) == message
    response = get(srv, '/metadata', media='json', **params)
    assert response.status_code == 400
    assert response.json() == {'400': message}


def test_paging_limits_and_echo(live, jane):
    srv = live()
    for i in range(3):
        assert post(srv, make_doc(jane, i)).status_code == 201
    page = listing(srv, iDisplayStart='2147483647', iDisplayLength='1')
    assert page['aaData'] == [] and page['iTotalDisplayRecords'] == 3
    page = listing(srv, iDisplayStart='1', iDisplayLength='2147483647')
    assert len(page['aaData']) == 2
    assert len(listing(srv, iDisplayLength='-1')['aaData']) == 3
    # sEcho is echoed when it is a plain integer, else 0 (as before)
    for echo, echoed in (('5', 5), ('2147483647', 2147483647), ('\u00b2', 0),
                         ('99999999999999999999', 0), ('9' * 5000, 0),
                         ('-3', 0), ('x', 0)):
        assert listing(srv, sEcho=echo)['sEcho'] == echoed, echo
    form = requests.post(srv.url + '/metadata', timeout=30,
                         data={'sEcho': '\u00b2', 'iDisplayLength': '1'})
    assert form.status_code == 200 and form.json()['sEcho'] == 0
    form = requests.post(srv.url + '/metadata', timeout=30,
                         data={'iDisplayStart': '99999999999999999999'})
    assert form.status_code == 400


def test_endorser_range_values(live, jane):
    srv = live()
    assert post(srv, make_doc(jane, 1, created=ago(days=40))).status_code \
        == 201
    assert post(srv, make_doc(jane, 2, created=ago(days=3))).status_code \
        == 201

    def recent(value):
        response = get(srv, '/endorsers/jane@example.org', range=value,
                       media='json')
        assert response.status_code == 200, (value, response.text)
        return len(response.json()['results']['bindings'])

    # not a number of days: the default 30 (as the original service)
    for value in ('', 'x', '\u00b2', '\u0663', '-5', '1.5', ' 5'):
        assert recent(value) == 1, value
    assert recent('1') == 0 and recent('5') == 1 and recent('50') == 2
    # larger than 1000 years: clamped
    for value in ('99999999999999999999', '9' * 5000, '365001'):
        assert recent(value) == 2, value


def test_control_characters_in_paths(live):
    srv = live()
    for path in ('/no%00such', '/no%01such', '/tag/%00/%1f',
                 '/metadata/%00/%01/%02'):
        response = get(srv, path)
        assert response.status_code == 404, path
        assert 'such' in error_text(response) or 'not found' in \
            error_text(response)
        as_json = get(srv, path, media='json')
        assert as_json.status_code == 404
        assert list(as_json.json()) == ['404']


def test_the_xml_listing_is_streamed_one_document_at_a_time(tmp_path, jane):
    from werkzeug.test import Client

    from marketplace_dashboard.server.app import create_app
    from marketplace_dashboard.server.documents import strip_declaration

    app = create_app(str(tmp_path / 'data'))
    client = Client(app)
    docs = [make_doc(jane, seed) for seed in range(5)]
    for doc in docs:
        assert client.post('/marketplace/metadata', data=doc,
                           content_type='application/rdf+xml'
                           ).status_code == 201
    response = client.get('/marketplace/metadata', buffered=False)
    assert response.status_code == 200
    # no body built in memory: no Content-Length, one part per document
    assert 'Content-Length' not in response.headers
    parts = list(response.response)
    assert len(parts) == len(docs) + 2
    assert parts[0].endswith(b'<metadata>') and parts[-1] == b'</metadata>'
    body = b''.join(parts)
    assert len(split_documents(body)) == len(docs)
    # each stored document as it was uploaded, without its declaration
    assert all(strip_declaration(d) in body for d in docs)
    # a page is streamed the same way
    page = client.get('/marketplace/metadata?iDisplayLength=2',
                      buffered=False)
    assert len(list(page.response)) == 4
