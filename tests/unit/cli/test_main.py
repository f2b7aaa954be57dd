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

"""The entry point imports only the command it runs."""

import subprocess
import sys

import pytest

from marketplace_dashboard.cli import main

PROBE = '''
import sys
from marketplace_dashboard.cli import main
parser = main.build_parser(sys.argv[1:])
heavy = sorted(m for m in ('requests', 'glanceclient', 'keystoneauth1',
                          'cryptography.x509.verification')
               if m in sys.modules)
commands = sorted(parser._subparsers._group_actions[0].choices)
print(' '.join(heavy) + '|' + ' '.join(commands))
'''


def probe(*argv):
    out = subprocess.run([sys.executable, '-c', PROBE, *argv], check=True,
                         capture_output=True, text=True).stdout.strip()
    heavy, commands = out.split('|')
    return heavy.split(), commands.split()


def test_verify_imports_no_cloud_or_http_client():
    heavy, commands = probe('verify', 'file.xml')
    assert heavy == ['cryptography.x509.verification']  # the chain check
    assert commands == ['verify']


def test_build_imports_neither_clients_nor_path_validation():
    heavy, commands = probe('build', 'image.img')
    assert heavy == []
    assert commands == ['build']


@pytest.mark.parametrize('argv', [(), ('--help',), ('nosuch',), ('-h',)])
def test_help_and_unknown_commands_see_every_command(argv):
    _heavy, commands = probe(*argv)
    assert sorted(commands) == sorted(main.command_name(m)
                                      for m in main.COMMANDS)


def test_command_names():
    assert main.command_name('import_') == 'import'
    assert main.command_name('add_location') == 'add-location'


def test_a_usage_error_names_the_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main.main(['verify'])
    assert exc.value.code == 2
    assert 'marketplace-metadata verify' in capsys.readouterr().err


@pytest.mark.parametrize('argv', [('--config', 'c.yaml', 'verify', 'f'),
                                  ('--config=c.yaml', 'verify', 'f')])
def test_the_command_is_found_after_the_config_option(argv):
    _heavy, commands = probe(*argv)
    assert commands == ['verify']
