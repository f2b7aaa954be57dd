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

import pytest

from stack.forms import form_fields

PAGE = '''<html><body>
<form id="other"><input name="x" value="no"></form>
<form id="f">
  <input type="hidden" name="csrfmiddlewaretoken" value="tok">
  <input name="name" value="CirrOS &amp; co">
  <input name="empty">
  <input type="submit" name="go" value="Import">
  <select name="visibility"><option value="private">P</option>
    <option value="shared" selected>S</option></select>
  <select name="first"><option value="a">A</option><option value="b">B
  </option></select>
  <textarea name="properties">k=v</textarea>
  <textarea name="blank"></textarea>
</form></body></html>'''


def test_what_a_browser_submits():
    assert form_fields(PAGE, 'f') == {
        'csrfmiddlewaretoken': 'tok', 'name': 'CirrOS & co', 'empty': '',
        'visibility': 'shared', 'first': 'a', 'properties': 'k=v',
        'blank': ''}


def test_missing_form():
    with pytest.raises(KeyError):
        form_fields(PAGE, 'nosuch')
