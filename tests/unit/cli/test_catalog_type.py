"""``--catalog-type`` of ``search``, ``show`` and ``import``: the endpoint
is read through the catalogue type's client (``core.catalogs``)."""

import pytest

from marketplace_dashboard.cli import main
from marketplace_dashboard.core import catalogs, client, model, verdict


class FakeClient:
    def __init__(self, settings):
        self.settings = settings
        self.closed = False

    def search(self, query):
        return client.SearchPage(rows=[client.ListingRow(
            identifier='fake-id', email='e@example.org',
            created='2026-01-01T00:00:00Z', os='EGI', os_version='9',
            os_arch='x86_64', kind='machine', location=None,
            description=None, title='From the fake type')],
            total=1, total_filtered=1, start=query.start,
            length=query.length)

    def entries(self, identifier, email=None, status='all'):
        return [identifier.encode()]

    def verified_entry(self, identifier, email, created, policy, now=None):
        document = identifier.encode()
        return document, FAKE.evaluate(document, policy)

    def close(self):
        self.closed = True


class FakeOci(catalogs.CatalogType):
    name = 'oci'
    made = []

    def make_client(self, settings, cache=None):
        made = FakeClient(settings)
        self.made.append(made)
        return made

    def parse(self, document):
        return model.Appliance(identifier=document.decode(),
                               endorsement=model.Endorsement(
                                   email='e@example.org',
                                   created_text='2026-01-01T00:00:00Z'))

    def evaluate(self, document, policy, now=None):
        result = verdict.failure('unsigned: fake type')
        result.appliance = self.parse(document)
        return result

    def is_identifier(self, value):
        return True


FAKE = FakeOci()


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setattr(catalogs, '_registered',
                        dict(catalogs._registered, oci=FAKE))
    FAKE.made.clear()
    monkeypatch.setenv('XDG_CONFIG_HOME', '/nonexistent')
    return FAKE


def run(capsys, *argv):
    status = main.main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_search_through_another_type(fake, capsys):
    status, out, err = run(capsys, 'search', '--catalog-type', 'oci',
                           '--endpoint', 'https://registry.example/egi',
                           '--timeout', '7')
    assert status == 0, err
    assert 'fake-id' in out and 'From the fake type' in out
    made = fake.made[0]
    assert made.settings['url'] == 'https://registry.example/egi'
    assert made.settings['type'] == 'oci'
    assert made.settings['verify'] is True
    assert made.settings['timeout'] == 7
    assert made.closed


def test_show_through_another_type(fake, capsys):
    status, out, err = run(capsys, 'show', '--catalog-type', 'oci',
                           '--endpoint', 'https://registry.example/egi',
                           'fake-id')
    assert status == 0, err
    assert 'Verdict: invalid' in out
    assert 'unsigned: fake type' in out
    assert 'Identifier: fake-id' in out


def search_with_config(capsys, tmp_path, setting):
    """``search --marketplace egi`` with a configuration file whose OCI
    marketplace ``egi`` has the YAML line *setting*."""
    path = tmp_path / 'config.yaml'
    path.write_text('marketplaces:\n'
                    '  - name: egi\n'
                    '    url: https://registry.example/egi\n'
                    '    type: oci\n'
                    '    %s\n' % setting)
    status, _, err = run(capsys, '--config', str(path), 'search',
                         '--marketplace', 'egi')
    assert status == 0, err
    return path


@pytest.mark.parametrize('token_file, expected', [
    ('/etc/token', '/etc/token'),  # absolute: tmp_path / it is itself
    ('secrets/egi.token', 'secrets/egi.token'),  # relative to the file
])
def test_the_configured_type_and_settings_apply(fake, capsys, tmp_path,
                                                token_file, expected):
    search_with_config(capsys, tmp_path, 'token_file: %s' % token_file)
    assert fake.made[0].settings['token_file'] == str(tmp_path / expected)


def test_cosign_keys_of_the_file_and_the_command_line(fake, capsys,
                                                      tmp_path):
    path = search_with_config(capsys, tmp_path,
                              'cosign_public_keys: [keys/egi.pub, /etc/a.pub]')
    # relative to the file
    assert fake.made[0].settings['cosign_public_keys'] == [
        str(tmp_path / 'keys' / 'egi.pub'), '/etc/a.pub']
    for command in (['search'], ['show', 'fake-id'],
                    ['import', 'fake-id']):
        status, _, err = run(capsys, '--config', str(path), command[0],
                             '--marketplace', 'egi', '--cosign-key',
                             'one.pub', '--cosign-key', 'two.pub',
                             *command[1:])
        assert fake.made[-1].settings['cosign_public_keys'] == [
            'one.pub', 'two.pub'], (command, err)


def test_unknown_types_are_refused(capsys):
    with pytest.raises(SystemExit):
        main.main(['search', '--catalog-type', 'docker', '--endpoint',
                   'https://x.example/'])
    assert "invalid choice: 'docker'" in capsys.readouterr().err


@pytest.mark.parametrize('command', ['search', 'show', 'import'])
def test_help_names_the_types(command, capsys):
    with pytest.raises(SystemExit):
        main.main([command, '--help'])
    out = capsys.readouterr().out
    assert '--catalog-type {stratuslab,oci,hepix}' in out
