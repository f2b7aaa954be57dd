/*
 * Copyright 2026 The marketplace-dashboard Authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain
 * a copy of the License at
 *
 *      http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
 * License for the specific language governing permissions and limitations
 * under the License.
 */

(function () {
  'use strict';

  /**
   * Marketplace panel: the launch deep link and the copy button.
   *
   * The deep-link page (project/marketplace/launch/<image-id>/) carries the
   * image ID, already validated as a UUID and checked in Glance by the
   * view, in data-marketplace-launch-image; this run block opens Horizon's
   * launch-instance wizard on it.
   */
  angular
    .module('horizon.dashboard.project.marketplace', [
      'horizon.dashboard.project.workflow.launch-instance'
    ])
    .run(openDeepLink);

  var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  openDeepLink.$inject = [
    '$window',
    '$timeout',
    'horizon.dashboard.project.workflow.launch-instance.modal.service'
  ];

  function openDeepLink($window, $timeout, launchModal) {
    var element = $window.document.querySelector(
      '[data-marketplace-launch-image]');
    var imageId = element && element.getAttribute(
      'data-marketplace-launch-image');
    if (imageId && UUID.test(imageId)) {
      // After the page's own controllers have started.
      $timeout(function () {
        launchModal.open({
          imageId: imageId,
          successUrl: $window.WEBROOT + 'project/instances/',
          dismissUrl: $window.WEBROOT + 'project/marketplace/'
        });
      });
    }

    // "Copy" next to a read-only link (the launch-link modal is loaded
    // with ajax, hence the delegated handler).
    angular.element($window.document).on(
      'click', '[data-marketplace-copy]', function (event) {
        var input = $window.document.querySelector(
          event.currentTarget.getAttribute('data-marketplace-copy'));
        if (!input) { return; }
        input.select();
        if ($window.navigator.clipboard) {
          $window.navigator.clipboard.writeText(input.value);
        } else {
          $window.document.execCommand('copy');
        }
      });
  }
})();
