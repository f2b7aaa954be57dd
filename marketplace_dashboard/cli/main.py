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


"""``marketplace-metadata``: the command-line entry point.

Each command is a module of this package exposing ``register(subparsers)``
(or ``add_parser(subparsers)``) that adds its sub-parser and sets
``func`` (a handler taking the parsed arguments and returning the exit
status).  Adding a command is one line in :data:`COMMANDS`.  Options a
command was not given come from the configuration file (the global
``--config PATH``, see :mod:`~marketplace_dashboard.cli.config_file`).

Only the module of the command being run is imported (its name is the
first argument; the others pull in Glance's and Keystone's clients, which
take longer to import than ``verify`` takes on a file): every module is
imported for ``--help``, no command, or a name that is not a command.
"""

import argparse
import importlib
import json
import sys

from marketplace_dashboard.cli import config_file
from marketplace_dashboard.core.errors import MarketplaceError
from marketplace_dashboard.core.i18n import localized

__all__ = ['COMMANDS', 'build_parser', 'command_name', 'main']

COMMANDS = [
    'verify',
    'build',
    'sign',
    'upload',
    'deprecate',
    'add_location',
    'import_',
    'reconcile',
    'search',
    'show',
]


def command_name(module):
    """The command line's name of the command module *module*."""
    return module.rstrip('_').replace('_', '-')


def _command_of(argv):
    """The command *argv* names (after the global ``--config PATH``), or
    None (no command, ``--help``, another option)."""
    args = iter(argv)
    for arg in args:
        if arg == '--config':
            next(args, None)
        elif not arg.startswith('--config='):
            return None if arg.startswith('-') else arg
    return None


def _wanted(argv):
    """The command modules *argv* needs: the named command's, else all."""
    first = _command_of(argv)
    for module in COMMANDS:
        if first is not None and command_name(module) == first:
            return [module]
    return COMMANDS


def build_parser(argv=None):
    """The parser of every command, or only of the one *argv* runs."""
    parser = argparse.ArgumentParser(
        prog='marketplace-metadata',
        description='Build, sign, verify and publish StratusLab-format '
                    'appliance metadata.')
    parser.add_argument(
        '--config', metavar='PATH',
        help='configuration file (marketplaces, trust and import policy; '
             'default: $%s, else %s)'
             % (config_file.ENV, '$XDG_CONFIG_HOME/marketplace-dashboard/'
                                 'config.yaml'))
    subparsers = parser.add_subparsers(dest='command', metavar='COMMAND')
    subparsers.required = True
    for name in COMMANDS if argv is None else _wanted(argv):
        module = importlib.import_module('marketplace_dashboard.cli.' + name)
        register = getattr(module, 'register', None) or module.add_parser
        register(subparsers)
    return parser


def main(argv=None):
    """Run a command; returns its exit status (2 on usage errors,
    including a bad configuration file)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        if config_file.used_by(args):
            path, required = config_file.find(args.config)
            config_file.apply(args, config_file.load(path, required))
    except MarketplaceError as exc:
        if getattr(args, 'json', False):
            # what --json promises: a JSON object on stdout, even now
            print(json.dumps({'error': str(exc), 'state': 'refused'},
                             indent=2, sort_keys=True))
        print('Error: %s' % localized(exc), file=sys.stderr)
        return 2
    try:
        status = args.func(args)
    except KeyboardInterrupt:
        print('Interrupted.', file=sys.stderr)
        return 130
    return 0 if status is None else status


if __name__ == '__main__':
    sys.exit(main())
