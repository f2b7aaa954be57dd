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

"""Unit tests never read the user's command-line configuration file, and
run in the C locale whatever the developer's (the command-line tool
speaks the process locale: tests that want another set it)."""

import pytest

from marketplace_dashboard.cli import config_file


@pytest.fixture(scope='session')
def _config_home(tmp_path_factory):
    return str(tmp_path_factory.mktemp('config-home'))


@pytest.fixture(autouse=True)
def no_user_config(_config_home, monkeypatch):
    monkeypatch.setenv('XDG_CONFIG_HOME', _config_home)
    monkeypatch.delenv(config_file.ENV, raising=False)


@pytest.fixture(autouse=True)
def c_locale(monkeypatch):
    for name in ('LANGUAGE', 'LC_ALL', 'LC_MESSAGES'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('LANG', 'C.UTF-8')
