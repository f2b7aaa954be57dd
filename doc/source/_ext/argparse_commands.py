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

"""Sphinx directive documenting a command line from its argparse parser.

::

    .. argparse-commands:: marketplace_dashboard.cli.main:build_parser

imports the module, calls the parser builder and renders, for a parser
with sub-commands, one section per sub-command (its description, usage
and options, in the order ``COMMANDS`` registers them); for a parser
without, its own usage and options.  The page is generated from the same
definitions the program parses its arguments with, so it cannot drift
from them.
"""

import argparse
import importlib

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_id

__all__ = ['ArgparseCommands', 'setup']

#: wide enough that argparse does not wrap usage lines arbitrarily
WIDTH = 78


def _load(spec):
    module_name, _, attr = spec.partition(':')
    module = importlib.import_module(module_name)
    return getattr(module, attr or 'build_parser')()


def _formatter(parser):
    return argparse.HelpFormatter(parser.prog, width=WIDTH)


def _usage(parser):
    formatter = _formatter(parser)
    formatter.add_usage(parser.usage, parser._actions,
                        parser._mutually_exclusive_groups, prefix='')
    return formatter.format_help().strip()


def _invocation(parser, action):
    formatter = _formatter(parser)
    return formatter._format_action_invocation(action)


def _help(parser, action):
    if not action.help or action.help == argparse.SUPPRESS:
        return ''
    return _formatter(parser)._expand_help(action)


def _subparsers(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


class ArgparseCommands(SphinxDirective):
    """``.. argparse-commands:: module:builder``"""

    required_arguments = 1
    has_content = False
    option_spec = {'commands': directives.unchanged}

    def run(self):
        parser = _load(self.arguments[0])
        sub = _subparsers(parser)
        if sub is None:
            return self._body(parser)
        wanted = self.options.get('commands')
        wanted = wanted.split() if wanted else None
        helps = {a.dest: a.help for a in sub._choices_actions}
        sections = []
        for name, subparser in sub.choices.items():
            if wanted is not None and name not in wanted:
                continue
            section = nodes.section(
                ids=[make_id(self.env, self.state.document, 'command',
                             name)],
                names=[nodes.fully_normalize_name(
                    '%s %s' % (parser.prog, name))])
            section += nodes.title('', '', nodes.literal(
                text='%s %s' % (parser.prog, name)))
            section += self._body(subparser, helps.get(name))
            sections.append(section)
        return sections

    def _body(self, parser, summary=None):
        body = []
        text = parser.description or summary
        if text:
            # descriptions are docstring paragraphs: reStructuredText
            holder = nodes.container()
            self.state.nested_parse(StringList(text.splitlines()),
                                    self.content_offset, holder)
            body.extend(holder.children)
        usage = _usage(parser)
        body.append(nodes.literal_block(usage, usage))
        items = nodes.definition_list()
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if action.help == argparse.SUPPRESS:
                continue
            term = nodes.term()
            term += nodes.literal(text=_invocation(parser, action))
            definition = nodes.definition()
            definition += nodes.paragraph(text=_help(parser, action))
            items += nodes.definition_list_item('', term, definition)
        if len(items):
            body.append(items)
        if parser.epilog:
            body.append(nodes.paragraph(text=parser.epilog))
        return body


def setup(app):
    app.add_directive('argparse-commands', ArgparseCommands)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
