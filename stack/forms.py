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
"""What a browser would submit from a Horizon form (tests, benchmarks)."""

from lxml import html

__all__ = ["form_fields"]


def form_fields(page, form_id):
    """The fields of form *form_id* in the HTML text *page*, with their
    initial values: inputs (not submit buttons), the selected (else the
    first) option of each select, and textareas.  ``KeyError`` when the
    page has no such form."""
    form = html.fromstring(page).get_element_by_id(form_id)
    fields = {i.get('name'): i.get('value', '')
              for i in form.xpath('.//input[@name]')
              if i.get('type') != 'submit'}
    for select in form.xpath('.//select[@name]'):
        chosen = select.xpath('.//option[@selected]') or \
            select.xpath('.//option')
        fields[select.get('name')] = chosen[0].get('value')
    for area in form.xpath('.//textarea[@name]'):
        fields[area.get('name')] = area.text or ''
    return fields
