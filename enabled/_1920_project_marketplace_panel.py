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


# Project -> Compute -> Marketplace.  Copy this file into
# openstack_dashboard/local/enabled/ (see README.rst).

from marketplace_dashboard.core import errors as _errors
from marketplace_dashboard.core import glance as _glance

PANEL = 'marketplace'
PANEL_DASHBOARD = 'project'
PANEL_GROUP = 'compute'
ADD_PANEL = ('marketplace_dashboard.dashboards.project.marketplace.panel.'
             'Marketplace')
ADD_INSTALLED_APPS = ['marketplace_dashboard']
# The launch deep link (opens Horizon's launch-instance wizard) and the
# copy button: marketplace_dashboard/static/**/*.js, loaded on every page.
ADD_ANGULAR_MODULES = ['horizon.dashboard.project.marketplace']
AUTO_DISCOVER_STATIC_FILES = True
# A marketplace that is down or answers garbage, or Glance refusing or
# failing an import step, is a recoverable error: Horizon shows the message
# and the page carries on.
ADD_EXCEPTIONS = {
    'recoverable': (_errors.MarketplaceClientError, _glance.GlanceError,
                    _errors.ImportFailed, _errors.ImportRefused),
}
