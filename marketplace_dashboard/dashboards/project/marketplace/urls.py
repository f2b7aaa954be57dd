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


from django.urls import re_path

from marketplace_dashboard.dashboards.project.marketplace import (
    detail_views,
    import_views,
    launch_views,
    views,
)

__all__ = ['ENTRY', 'urlpatterns']

# Marketplace names and endorsement dates have fixed shapes (conf.NAME_RE,
# spec section 2.2); identifiers are those of a StratusLab entry (27
# characters, spec section 1) or of another catalogue type (a HEPiX
# image's UUID...): the view checks them against the marketplace's type,
# and the e-mail.
ENTRY = (r'^(?P<marketplace>[A-Za-z0-9][A-Za-z0-9_.-]{0,63})/'
         r'(?P<identifier>[A-Za-z0-9_.:-]{1,128})/'
         r'(?P<email>[^/]{3,254})/'
         r'(?P<created>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)/')

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(ENTRY + r'$', detail_views.DetailView.as_view(), name='detail'),
    re_path(ENTRY + r'download/$', detail_views.DownloadView.as_view(),
            name='download'),
    re_path(ENTRY + r'import/$', import_views.ImportView.as_view(),
            name='import'),
    re_path(r'^imports/$', import_views.ImportsView.as_view(),
            name='imports'),
    # Any short segment: the views validate the UUID and say what is wrong.
    re_path(r'^launch/(?P<image_id>[^/]{1,64})/$',
            launch_views.LaunchView.as_view(), name='launch'),
    re_path(r'^imports/(?P<image_id>[^/]{1,64})/link/$',
            launch_views.LaunchLinkView.as_view(), name='launch_link'),
]
