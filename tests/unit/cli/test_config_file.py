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

"""The command-line configuration file (``--config``, env, XDG)."""

import json
import os

import pytest
import yaml

from marketplace_dashboard.cli import config_file, main
from marketplace_dashboard.core.errors import CommandError
from marketplace_dashboard.core.model import parse_appliance
from marketplace_dashboard.server.app import create_app
from marketplace_dashboard.server.records import EntryRecord
from tests import pki
from tests.unit.server.conftest import LiveServer, ago, make_doc


def write(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value if isinstance(value, str)
                    else yaml.safe_dump(value))
    return path


def parse(config, *argv):
    args = main.build_parser().parse_args(list(argv))
    return config_file.apply(args, config)


def run(capsys, *argv):
    status = main.main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


CONFIG = {
    'marketplaces': [
        {'name': 'first', 'url': 'https://one.example.org/mp',
         'ca_file': 'one-ca.pem', 'timeout': 7},
        {'name': 'second', 'url': 'https://two.example.org/mp',
         'timeout': [3, 20]},
    ],
    'trust': {'ca_files': ['trust.pem', '/etc/abs.pem'],
              'trusted_endorsers': ['jane@example.org'], 'sha1': 'refuse'},
    'import': {'allow_untrusted': True, 'allow_streamed': False,
               'download_filter': {'allowed_hosts': ['mirror.lan'],
                                   'allowed_ports': [8080]},
               'glance': {'convert_to': 'raw', 'decompresses': True,
                          'stores': ['ceph']}},
}


@pytest.fixture
def config(tmp_path):
    path = write(tmp_path / 'etc' / 'config.yaml', CONFIG)
    return config_file.load(str(path))


# -- which file ------------------------------------------------------------

def test_option_beats_env_beats_xdg(tmp_path):
    environ = {config_file.ENV: '/env/config.yaml',
               'XDG_CONFIG_HOME': '/xdg'}
    assert config_file.find('/opt/c.yaml', environ) == ('/opt/c.yaml', True)
    assert config_file.find(None, environ) == ('/env/config.yaml', True)
    del environ[config_file.ENV]
    assert config_file.find(None, environ) == (
        '/xdg/marketplace-dashboard/config.yaml', False)


def test_default_is_under_home_config(monkeypatch, tmp_path):
    monkeypatch.delenv('XDG_CONFIG_HOME')
    monkeypatch.setenv('HOME', str(tmp_path))
    assert config_file.find() == (str(
        tmp_path / '.config' / 'marketplace-dashboard' / 'config.yaml'),
        False)


def test_main_reads_config_then_env_then_xdg(tmp_path, monkeypatch, capsys):
    def file(where, name):
        return str(write(tmp_path / where / 'config.yaml', {
            'marketplaces': [{'name': name, 'url': 'http://127.0.0.1:9/x'}]
        }))

    xdg = tmp_path / 'xdg-home'
    file('xdg-home/marketplace-dashboard', 'from-xdg')
    env = file('env', 'from-env')
    opt = file('opt', 'from-option')
    monkeypatch.setenv('XDG_CONFIG_HOME', str(xdg))

    def chosen(*argv):
        status, _, err = run(capsys, *argv, 'search', '--marketplace',
                             'from-xdg')
        return status, err

    # The XDG file has from-xdg: the name is found, the connection fails.
    assert 'cannot connect' in chosen()[1]
    monkeypatch.setenv(config_file.ENV, env)
    status, err = chosen()
    assert status == 2 and "no marketplace named 'from-xdg'" in err
    assert 'from-env' in err
    status, err = chosen('--config', opt)
    assert status == 2 and 'configured: from-option' in err


def test_missing_default_file_is_no_configuration(tmp_path, capsys):
    assert config_file.load(str(tmp_path / 'none.yaml'),
                            required=False).marketplaces == ()
    status, out, err = run(capsys, 'search')
    assert status == 2 and out == ''
    assert err.startswith('Error: --endpoint URL or --marketplace NAME is '
                          'required (no marketplace is configured in ')


# -- precedence ------------------------------------------------------------

def test_first_marketplace_is_the_default(config, tmp_path):
    args = parse(config, 'search')
    assert args.endpoint == 'https://one.example.org/mp'
    assert args.endpoint_ca_file == str(tmp_path / 'etc' / 'one-ca.pem')
    assert args.endpoint_timeout == 7


def test_marketplace_by_name(config):
    args = parse(config, 'upload', 'f.xml', '--marketplace', 'second')
    assert args.endpoint == 'https://two.example.org/mp'
    assert args.endpoint_ca_file is None
    assert args.endpoint_timeout == (3, 20)
    with pytest.raises(CommandError, match="no marketplace named 'third'"):
        parse(config, 'search', '--marketplace', 'third')


def test_options_beat_the_file(config):
    args = parse(config, 'show', '--endpoint', 'https://own.example.org/',
                 'ID', '--trust-ca-file', 'mine.pem',
                 '--trusted-endorser', 'bob@example.org', '--timeout', '2')
    assert args.endpoint == 'https://own.example.org/'
    # An explicit endpoint is another server: no CA bundle of the file's.
    assert args.endpoint_ca_file is None
    assert args.endpoint_timeout == 2.0
    assert args.trust_ca_files == ['mine.pem']
    assert args.trusted_endorsers == ['bob@example.org']
    args = parse(config, 'search', '--marketplace', 'first',
                 '--ca-file', 'other.pem', '--timeout', '1')
    assert args.endpoint_ca_file == 'other.pem'
    assert args.endpoint_timeout == 1.0


def test_endpoint_and_marketplace_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as exit_:
        main.build_parser().parse_args(['search', '--endpoint', 'http://x/',
                                        '--marketplace', 'first'])
    assert exit_.value.code == 2
    assert 'not allowed with argument' in capsys.readouterr().err


def test_trust_from_the_file(config, tmp_path):
    args = parse(config, 'verify', 'doc.xml')
    assert args.trust_ca_files == [str(tmp_path / 'etc' / 'trust.pem'),
                                   '/etc/abs.pem']
    assert args.trusted_endorsers == ['jane@example.org']
    assert args.refuse_sha1 is True
    assert args.crl_files == [] and not args.allow_stale_crls
    assert not args.valid_at_endorsement
    assert parse(config_file.Config(), 'verify', 'doc.xml'
                 ).refuse_sha1 is False


def test_verify_revocation_settings_from_the_file(tmp_path):
    path = write(tmp_path / 'c.yaml', {'trust': {
        'crl_files': ['ca.crl'], 'allow_stale_crls': True,
        'require_valid_now': False}})
    config = config_file.load(str(path))
    args = parse(config, 'verify', 'doc.xml')
    assert args.crl_files == [str(tmp_path / 'ca.crl')]
    assert args.allow_stale_crls and args.valid_at_endorsement
    args = parse(config, 'verify', 'doc.xml', '--crl-file', 'mine.crl')
    assert args.crl_files == ['mine.crl']


def test_import_options_from_the_file(config):
    args = parse(config, 'import', 'A' * 27)
    assert args.allow_untrusted and not args.allow_expired
    assert args.no_streamed
    assert args.allow_download_host == ['mirror.lan']
    assert args.allow_download_port == [8080]
    assert args.glance_convert_to == 'raw' and args.glance_decompresses
    assert args.glance_store == ['ceph']
    args = parse(config, 'import', 'A' * 27, '--allow-download-host',
                 'other.lan', '--glance-store', 'file',
                 '--glance-convert-to', 'qcow2')
    assert args.allow_download_host == ['other.lan']
    assert args.glance_store == ['file']
    assert args.glance_convert_to == 'qcow2'


def test_accept_unsigned_registries_from_the_file(tmp_path):
    from marketplace_dashboard.cli import import_
    path = write(tmp_path / 'c.yaml', {
        'marketplaces': [{'name': 'egi', 'type': 'oci',
                          'url': 'https://registry.egi.eu/egi_vm_images'}],
        'import': {'accept_unsigned_registries': ['https://registry.egi.eu']}})
    config = config_file.load(str(path))
    args = parse(config, 'import', 'A' * 27)
    assert args.accept_unsigned_registry == ['https://registry.egi.eu']
    _, policy = import_._policies(args)
    assert policy.accept_unsigned_registries == ('https://registry.egi.eu',)
    args = parse(config, 'import', 'A' * 27, '--accept-unsigned-registry',
                 'https://mine.example:5000')
    _, policy = import_._policies(args)
    assert policy.accept_unsigned_registries == (
        'https://mine.example:5000',)
    args = parse(config_file.Config(), 'import', 'A' * 27, '--endpoint',
                 'https://mp.example.org')
    assert import_._policies(args)[1].accept_unsigned_registries == ()


# -- errors ----------------------------------------------------------------

def test_named_file_must_exist(tmp_path, monkeypatch, capsys):
    missing = str(tmp_path / 'missing.yaml')
    status, _, err = run(capsys, '--config', missing, 'search')
    assert status == 2
    assert err == 'Error: configuration file %s does not exist\n' % missing
    monkeypatch.setenv(config_file.ENV, missing)
    status, _, err = run(capsys, 'search', '--endpoint', 'http://x/')
    assert status == 2 and 'does not exist' in err


@pytest.mark.parametrize('text, message', [
    ('marketplaces: [\n', 'is not valid YAML (line 2)'),
    ('- a\n- b\n', 'must be a mapping (marketplaces, trust, import, ...), '
                   'not list'),
    ('just text', 'must be a mapping'),
    ('!!python/object:os.system {}', 'is not valid YAML'),
    ('endpoints: []', "has unknown keys 'endpoints'"),
    ('page_size: many', "['page_size'] must be an integer"),
    ('marketplaces: [{name: "a b", url: "http://x/"}]',
     "['name'] must be 1-64 letters"),
    ('marketplaces: [{name: a}]', "['url'] must be the http(s) URL"),
    ('marketplaces: [{name: a, url: "http://x/", timeout: soon}]',
     "marketplaces[0]['timeout'] must be a number of seconds"),
    ('marketplaces: [{name: a, url: "http://x/", ca_file: 3}]',
     "marketplaces[0]['ca_file'] must be a path"),
    ('trust: [a]', "['trust'] must be a dict, not list"),
    ('trust: {ca_file: a.pem}', "unknown trust setting(s) 'ca_file'"),
    ('trust: {ca_files: a.pem}', "trust['ca_files'] must be a list of "
                                 "strings"),
    ('trust: {sha1: accept}', "trust['sha1'] must be one of warn, refuse"),
    ('import: {allow_untrusted: maybe}', 'allow_untrusted'),
    ('import: {allow_everything: true}',
     'Unknown import setting(s): allow_everything'),
])
def test_bad_files(tmp_path, capsys, text, message):
    path = write(tmp_path / 'bad.yaml', text)
    status, out, err = run(capsys, '--config', str(path), 'search',
                           '--endpoint', 'http://127.0.0.1:9/')
    assert status == 2 and out == ''
    assert err.startswith('Error: configuration file %s' % path)
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_size_bound(tmp_path):
    path = tmp_path / 'big.yaml'
    comment = '#' * 99 + '\n'
    path.write_text(comment * (config_file.MAX_BYTES // 100))
    assert os.path.getsize(path) <= config_file.MAX_BYTES
    assert config_file.load(str(path)).marketplaces == ()
    with open(path, 'a') as handle:
        handle.write(comment)
    with pytest.raises(CommandError, match='is too large \\(more than '
                                           '1048576 bytes\\)'):
        config_file.load(str(path))


def test_empty_file_is_an_empty_configuration(tmp_path):
    path = write(tmp_path / 'empty.yaml', '')
    config = config_file.load(str(path))
    assert config.path == str(path) and config.marketplaces == ()


# -- end to end ------------------------------------------------------------

@pytest.fixture(scope='module')
def marketplace(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('cliconf')
    ca = pki.make_ca('Config Test CA', not_before=pki.days_ago(30))
    jane = pki.make_endorser(ca, 'Jane Tester', 'jane@example.org',
                             not_before=pki.days_ago(30))
    app = create_app(str(tmp / 'data'))
    data = make_doc(jane, 1, created=ago(days=1), os='Debian',
                    title='Configured image')
    app.store.add(EntryRecord.from_appliance(parse_appliance(data)), data)
    srv = LiveServer(app)
    yield {'url': srv.url, 'ca': ca, 'doc': data, 'tmp': tmp}
    srv.stop()


def test_commands_with_only_the_config_file(marketplace, tmp_path,
                                            monkeypatch, capsys):
    monkeypatch.setenv('XDG_CONFIG_HOME', str(tmp_path / 'xdg'))
    home = tmp_path / 'xdg' / 'marketplace-dashboard'
    write(home / 'config.yaml', {
        'marketplaces': [{'name': 'local', 'url': marketplace['url']}],
        'trust': {'ca_files': ['endorsers-ca.pem']},
    })
    marketplace['ca'].write_pem(home / 'endorsers-ca.pem')
    identifier = parse_appliance(marketplace['doc']).identifier
    status, out, err = run(capsys, 'show', identifier)
    assert status == 0, err
    assert out.splitlines()[0] == 'Verdict: verified', out
    assert 'Title: Configured image' in out.splitlines()
    status, out, err = run(capsys, 'search', '--os', 'debian')
    assert status == 0, err
    assert identifier in out and 'Configured image' in out
    # With a file without the trust policy the same entry is untrusted.
    bare = write(tmp_path / 'bare.yaml', {
        'marketplaces': [{'name': 'local', 'url': marketplace['url']}]})
    status, out, err = run(capsys, '--config', str(bare), 'show',
                           identifier)
    assert status == 0, err
    assert out.splitlines()[0] == 'Verdict: untrusted', out


def test_a_broken_default_file_stops_only_the_commands_that_use_it(
        tmp_path, monkeypatch, capsys):
    monkeypatch.setenv('XDG_CONFIG_HOME', str(tmp_path / 'xdg'))
    write(tmp_path / 'xdg' / 'marketplace-dashboard' / 'config.yaml',
          'marketplaces: [unclosed\n')
    image = tmp_path / 'image.img'
    image.write_bytes(b'\0' * 4096)
    out = tmp_path / 'image.xml'
    status, _out, err = run(capsys, 'build', str(image), '-o', str(out),
                            '--location', 'https://example.org/image.img')
    assert status == 0, err
    assert b'<slreq:bytes>4096</slreq:bytes>' in out.read_bytes()
    status, _out, err = run(capsys, 'verify', str(out))
    assert status == 2
    assert 'configuration file' in err and 'config.yaml' in err
    # named on the command line, it is read whatever the command
    status, _out, err = run(capsys, '--config', str(
        tmp_path / 'xdg' / 'marketplace-dashboard' / 'config.yaml'),
        'build', str(image), '-o', str(out), '--force',
        '--location', 'https://example.org/image.img')
    assert status == 2 and 'configuration file' in err


def test_which_commands_use_the_file():
    subs = main.build_parser()._subparsers._group_actions[0].choices
    uses = {name for name, sub in subs.items()
            if {a.dest for a in sub._actions} & set(config_file.USED_BY)}
    assert uses == {'verify', 'upload', 'deprecate', 'import', 'search',
                    'show'}


@pytest.mark.parametrize('command', [
    ['search', '--endpoint', 'http://127.0.0.1:9/'],
    ['import', 'some-identifier', '--endpoint', 'http://127.0.0.1:9/'],
])
def test_a_broken_file_is_reported_as_json_with_json(tmp_path, capsys,
                                                     command):
    path = write(tmp_path / 'bad.yaml', 'trust: [a]')
    status, out, err = run(capsys, '--config', str(path), *command, '--json')
    assert status == 2
    assert json.loads(out) == {
        'error': err[len('Error: '):].strip(), 'state': 'refused'}
    assert "['trust'] must be a dict" in json.loads(out)['error']
