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

"""Sphinx configuration of the marketplace-dashboard documentation."""

import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, '_ext'))
sys.path.insert(0, REPO)

# The Horizon layer (marketplace_dashboard.api) needs Django settings to be
# imported: the unit tests' settings are enough for autodoc.
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tests.settings')
import django  # noqa: E402

# Horizon's dependencies import eventlet, which warns on import
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

django.setup()

extensions = [
    'sphinx.ext.autodoc',
    'reno.sphinxext',
    'argparse_commands',
    'package_modules',
]
source_suffix = {'.rst': 'restructuredtext'}
master_doc = 'index'
project = 'marketplace-dashboard'
copyright = '2026, The marketplace-dashboard Authors'
version = ''
release = ''
exclude_patterns = ['_build']
pygments_style = 'sphinx'
html_theme = 'alabaster'
autodoc_default_options = {'members': True}
autodoc_member_order = 'bysource'
