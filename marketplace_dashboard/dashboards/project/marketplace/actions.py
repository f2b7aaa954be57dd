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


"""The row actions on an image both tables offer: launch it, copy its link.

A subclass says which image a row stands for (:meth:`ImageAction.image_id`,
None when there is none to launch); the action is offered for that image
only.  :class:`PolicyOncePerTable` makes a row action ask the policy once
per table instead of once per row.
"""

from django import urls
from django.utils.translation import gettext_lazy as _
from horizon import tables
from horizon.utils import settings as horizon_settings

__all__ = ['CopyLinkAction', 'ImageAction', 'LaunchAction',
           'PolicyOncePerTable', 'copy_link_url']


class PolicyOncePerTable:
    """A row action whose policy answer is asked once per table.

    Horizon asks ``POLICY_CHECK_FUNCTION`` for every row of every action
    (``BaseAction._allowed``), and each answer runs oslo.policy's enforcer
    (which inspects every rule's signature): for 20 rows and three
    actions with rules, a fifth of the panel page's time.  The rules of
    these actions name no row (``get_policy_target`` is Horizon's ``{}``),
    so the answer is the same for every row of the table: it is asked
    once, kept on the table (one request), and ``allowed()`` still judges
    each row.  Put it before Horizon's ``LinkAction`` in the bases.
    """

    def _allowed(self, request, datum=None):
        check = horizon_settings.import_setting('POLICY_CHECK_FUNCTION')
        if not (check and self.policy_rules):
            return self.allowed(request, datum)
        target = self.get_policy_target(request, datum)
        if self.table is None:  # an action on its own: nothing to share
            return bool(check(self.policy_rules, request, target)) and \
                self.allowed(request, datum)
        key = (check, tuple(tuple(rule) for rule in self.policy_rules),
               tuple(sorted((k, repr(v)) for k, v in target.items())))
        answers = self.table.__dict__.setdefault(
            '_marketplace_policy_answers', {})
        if key not in answers:
            answers[key] = bool(check(self.policy_rules, request, target))
        return answers[key] and self.allowed(request, datum)


def copy_link_url(image_id):
    """URL of the modal with the deep link of *image_id*."""
    return urls.reverse('horizon:project:marketplace:launch_link',
                        kwargs={'image_id': image_id})


class ImageAction(PolicyOncePerTable, tables.LinkAction):
    """A link action on the launchable image of a row."""

    def image_id(self, datum):
        raise NotImplementedError

    def allowed(self, request, datum=None):
        return datum is not None and self.image_id(datum) is not None


class LaunchAction(ImageAction):
    """Opens Horizon's Angular launch-instance wizard, like LaunchImageNG.

    The image ID goes into a JavaScript expression: it is only rendered
    when it is a canonical UUID.
    """

    name = 'launch'
    verbose_name = _('Launch')
    classes = ('btn-launch',)
    icon = 'cloud-upload'
    ajax = False
    policy_rules = (('compute', 'os_compute_api:servers:create'),)

    def __init__(self, attrs=None, **kwargs):
        kwargs['preempt'] = True
        super().__init__(attrs, **kwargs)

    def get_link_url(self, datum=None):
        image_id = self.image_id(datum)
        if image_id is None:
            return '#'
        self.attrs.update({
            'ng-controller': 'LaunchInstanceModalController as modal',
            'ng-click': "modal.openLaunchInstanceWizard({successUrl: '%s', "
                        "imageId: '%s'})"
                        % (urls.reverse('horizon:project:instances:index'),
                           image_id)})
        return 'javascript:void(0);'


class CopyLinkAction(ImageAction):
    """Opens the modal with the image's deep link, to copy."""

    name = 'copy_link'
    verbose_name = _('Copy Launch Link')
    classes = ('ajax-modal',)
    icon = 'link'

    def get_link_url(self, datum=None):
        image_id = self.image_id(datum)
        return copy_link_url(image_id) if image_id else '#'
