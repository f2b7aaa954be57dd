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

"""The core's English messages in the language of the request.

Verdict reasons, import states and errors are made by the Django-free
core in English, and stored so (cached verdicts, Glance properties,
progress records shared by every worker and user): they are translated
here, when shown, into the language Django activated for the request
(:func:`marketplace_dashboard.core.i18n.translate`).
"""

from django.utils import translation

from marketplace_dashboard.core import i18n

__all__ = ['text', 'texts']


def _languages():
    language = translation.get_language()
    return [language] if language else []


def text(value):
    """*value* (a core message, or an exception carrying one) in the
    request's language; anything else as it is."""
    if isinstance(value, BaseException):
        value = str(value)
    return i18n.translate(value, _languages())


def texts(values):
    """:func:`text` of each of *values*, as a list."""
    return i18n.translate_all(values, _languages())
