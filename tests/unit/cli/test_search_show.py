"""``marketplace-metadata search`` and ``show`` against a live service."""

import json
import time

import pytest

from marketplace_dashboard.cli import main
from marketplace_dashboard.core.model import parse_appliance
from marketplace_dashboard.core.signature import verify_signature
from marketplace_dashboard.server.app import create_app
from tests import pki
from tests.unit.server.conftest import LiveServer, ago, make_doc


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('cli')
    since = pki.days_ago(30)
    ca = pki.make_ca('CLI Test CA', not_before=since)
    jane = pki.make_endorser(ca, 'Jane Tester', 'jane@example.org',
                             not_before=since)
    bob = pki.make_endorser(ca, 'Bob Tester', 'bob@example.org',
                            not_before=since)
    app = create_app(str(tmp / 'data'))
    docs = []
    for i in range(6):
        data = make_doc(jane, i, created=ago(days=1, seconds=i),
                        os='Debian' if i < 2 else 'Ubuntu',
                        title='Image number %d' % i)
        app.store.add(_record(data), data)
        docs.append(data)
    shared = make_doc(bob, 3, created=ago(seconds=5), os='Ubuntu')
    app.store.add(_record(shared), shared)
    deprecated = make_doc(jane, 5, deprecated='replaced')
    app.store.add(_record(deprecated), deprecated)
    srv = LiveServer(app)
    yield {'url': srv.url, 'docs': docs, 'shared': shared, 'ca': ca,
           'tmp': tmp, 'deprecated': deprecated}
    srv.stop()


def _record(data):
    from marketplace_dashboard.server.records import EntryRecord
    return EntryRecord.from_appliance(parse_appliance(data))


def run(capsys, *argv):
    status = main.main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_search_table(world, capsys):
    status, out, err = run(capsys, 'search', '--endpoint', world['url'],
                           '--os', 'debian')
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ['IDENTIFIER', 'ENDORSER', 'CREATED', 'OS',
                                'VERSION', 'ARCH', 'TITLE']
    assert len(lines) == 4
    assert all('Debian' in line for line in lines[1:3])
    assert lines[-1] == 'entries 1-2 of 2 matching (6 with status valid)'


def test_search_json_paging_and_status(world, capsys):
    status, out, _ = run(capsys, 'search', '--endpoint', world['url'],
                         '--json', '--start', '1', '--limit', '2',
                         '--sort', 'title', '--order', 'asc')
    doc = json.loads(out)
    assert status == 0
    assert doc['total'] == 6 and doc['total_filtered'] == 6
    assert [r['title'] for r in doc['rows']] == ['Image number 1',
                                                 'Image number 2']
    _, out, _ = run(capsys, 'search', '--endpoint', world['url'], '--json',
                    '--status', 'deprecated')
    rows = json.loads(out)['rows']
    assert [(r['email'], r['title']) for r in rows] == \
        [('jane@example.org', 'image 5')]
    _, out, _ = run(capsys, 'search', '--endpoint', world['url'],
                    '--text', 'no-such-thing')
    assert out.startswith('no entries match')


def test_search_errors_are_one_line(world, capsys):
    status, out, err = run(capsys, 'search', '--endpoint',
                           'http://127.0.0.1:9/marketplace')
    assert status == 1 and out == ''
    assert err.startswith('Error: cannot connect to marketplace')
    assert len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as exit_:
        main.main(['search', '--endpoint', world['url'], '--limit', '0'])
    assert exit_.value.code == 2


@pytest.fixture(scope='module')
def faulty_server():
    from tests.unit.client import faulty

    srv = faulty.FaultyServer()
    yield srv
    srv.stop()


@pytest.mark.parametrize('mode, message', [
    ('deepjson', 'sent an invalid JSON listing (brackets unbalanced or '
                 'nested more than 32 levels deep)'),
    ('errraw', 'answered HTTP 400: unable to parse metadata: bad <tag> & '
               'stuff'),
])
def test_search_hostile_answers_are_one_line(faulty_server, capsys, mode,
                                              message):
    status, out, err = run(capsys, 'search', '--endpoint',
                           faulty_server.url(mode))
    assert status == 1 and out == ''
    assert err.startswith('Error: ') and message in err
    assert len(err.strip().splitlines()) == 1


def test_timeout_option(faulty_server, capsys):
    started = time.monotonic()
    status, out, err = run(capsys, 'search', '--endpoint',
                           faulty_server.url('slow'), '--timeout', '0.5')
    assert time.monotonic() - started < 2.5   # the server answers after 3 s
    assert status == 1 and out == ''
    assert err.startswith('Error: marketplace %s did not answer within 0.5 '
                          'seconds' % faulty_server.url('slow'))
    assert '(CLI: --timeout, or --endpoint-timeout for import)' in err
    status, _, err = run(capsys, 'search', '--endpoint',
                         faulty_server.url('slow'), '--timeout', '10')
    assert status == 0, err
    for bad in ('0', '-1', 'soon', 'nan', '1e9'):
        with pytest.raises(SystemExit) as exit_:
            main.main(['search', '--endpoint', faulty_server.url('ok'),
                       '--timeout', bad])
        assert exit_.value.code == 2
        assert 'expected a number of seconds' in capsys.readouterr().err


def test_import_has_endpoint_timeout_next_to_its_wait_timeout():
    args = main.build_parser().parse_args([
        'import', 'A' * 27, '--endpoint', 'https://mp.example.org/mp',
        '--endpoint-timeout', '7', '--timeout', '60'])
    assert args.endpoint_timeout == 7.0 and args.timeout == 60


def test_show_xml_of_a_marketplace_answering_garbage(faulty_server,
                                                     capsysbinary):
    status = main.main(['show', '--endpoint', faulty_server.url('html'),
                        'LHfKVPoHcv4oMirHU0KuOQc-TvI', 'a@example.org',
                        '2016-05-17T06:39:18Z', '--xml'])
    captured = capsysbinary.readouterr()
    assert status == 1 and captured.out == b''
    assert b'sent something that is not a metadata document' in \
        captured.err
    assert len(captured.err.strip().splitlines()) == 1


def test_show_exact_entry_xml_is_byte_identical(world, capsysbinary):
    key = parse_appliance(world['docs'][0]).key
    status = main.main(['show', '--endpoint', world['url'], *key, '--xml'])
    out = capsysbinary.readouterr().out
    assert status == 0
    assert out == world['docs'][0]
    assert verify_signature(out).status == 'valid'


def test_show_readable_with_verdict(world, capsys):
    key = parse_appliance(world['docs'][1]).key
    ca_file = world['ca'].write_pem(world['tmp'] / 'ca.pem')
    status, out, err = run(capsys, 'show', '--endpoint', world['url'],
                           key[0], key[1], '--trust-ca-file', str(ca_file))
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == 'Verdict: verified', out
    assert 'Identifier: %s' % key[0] in lines
    assert 'Endorser: jane@example.org' in lines
    assert 'Os: Debian' in lines
    assert 'Title: Image number 1' in lines
    assert any(line.startswith('Checksum SHA-1: ') for line in lines)
    _, out, _ = run(capsys, 'show', '--endpoint', world['url'], *key)
    assert out.splitlines()[0] == 'Verdict: untrusted'


def test_show_identifier_with_two_endorsers(world, capsys):
    ident = parse_appliance(world['shared']).identifier
    status, out, _ = run(capsys, 'show', '--endpoint', world['url'], ident)
    assert status == 0
    assert out.count('Verdict: ') == 2
    assert 'Endorser: bob@example.org' in out
    status, _, err = run(capsys, 'show', '--endpoint', world['url'], ident,
                         '--xml')
    assert status == 1
    assert '2 endorsers endorse' in err and 'give EMAIL' in err


def test_show_latest_of_endorser_is_the_deprecated_one(world, capsys):
    app = parse_appliance(world['deprecated'])
    status, out, _ = run(capsys, 'show', '--endpoint', world['url'],
                         app.identifier, app.endorsement.email)
    assert status == 0
    assert out.splitlines()[0] == 'Verdict: deprecated'
    assert 'Deprecated reason: replaced' in out


@pytest.mark.parametrize('args, message', [
    (['AAAA'], 'invalid identifier'),
    (['A' * 27], 'no entry for'),
    (['A' * 27, 'a@example.org', 'yesterday'], 'invalid endorsement date'),
    (['A' * 27, 'a@example.org', '2020-01-01T00:00:00Z'],
     'metadata entry not found'),
])
def test_show_errors(world, capsys, args, message):
    status, out, err = run(capsys, 'show', '--endpoint', world['url'], *args)
    assert status == 1 and out == ''
    assert message in err
    assert len(err.strip().splitlines()) == 1
