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

"""Glance of the loopback stack: sqlite, the file store, ``web-download``
and ``glance-direct`` from loopback."""

import os
import shutil
import sysconfig

from stack.processes import dedent

__all__ = ["Glance"]


class Glance:
    """Glance's part of :class:`stack.Stack` (mixed into it)."""

    def glance(self, creds=None):
        """A python-glanceclient v2 client (admin unless ``creds``)."""
        from glanceclient import Client
        return Client("2", session=self.session(creds) if creds
                      else self.admin_session())

    # ------------------------------------------------------------ glance
    def download_ports(self):
        """The ports Glance's web-download and the dashboard's own
        downloads may use: 80, 443 and the stack's loopback servers."""
        # the image server's, once it is started
        served = self._extra_ports.get("image_server")
        return sorted({80, 443, self.ports["marketplace"],
                       *self.web_download_ports} | ({served} if served
                                                     else set()))

    def download_filter(self):
        """The import setting ``download_filter`` of the stack's Horizon:
        the loopback image server is a private mirror."""
        return {"allowed_hosts": ["127.0.0.1"],
                "allowed_ports": self.download_ports()}

    def _glance_setup(self):
        gdir = self._p("etc", "glance")
        for d in ("images", "staging", "tasks", "locks"):
            os.makedirs(self._p("glance", d), exist_ok=True)
        data = sysconfig.get_paths(
            vars={"base": os.path.dirname(self.bindir)})["data"]
        os.makedirs(gdir, exist_ok=True)
        shutil.copy(os.path.join(data, "etc", "glance",
                                 "glance-api-paste.ini"), gdir)
        ports = self.download_ports()
        conf = self._write("etc/glance/glance-api.conf", dedent(f"""
            [DEFAULT]
            log_file = {self._p('logs', 'glance-api.log')}
            enabled_backends = fs:file
            enabled_import_methods = [glance-direct,web-download,copy-image]
            worker_self_reference_url = {self.glance_url}
            [glance_store]
            default_backend = fs
            [fs]
            filesystem_store_datadir = {self._p('glance', 'images')}/
            [os_glance_staging_store]
            filesystem_store_datadir = {self._p('glance', 'staging')}/
            [os_glance_tasks_store]
            filesystem_store_datadir = {self._p('glance', 'tasks')}/
            [database]
            connection = sqlite:///{self._p('glance.db')}?timeout=30
            [paste_deploy]
            flavor = keystone
            config_file = {gdir}/glance-api-paste.ini
            [oslo_concurrency]
            lock_path = {self._p('glance', 'locks')}
            [import_filtering_opts]
            # loopback is refused unless allowed, and only 80/443 by default
            allowed_hosts = [127.0.0.1]
            allowed_ports = [{",".join(map(str, ports))}]
            """) + self._authtoken("glance"))
        self._run("glance-manage", self._bin("glance-manage"),
                  "--config-file", conf, "db_sync")
        # Glance's import tasks write from worker threads while the API
        # reads: without WAL they hit "database is locked".
        self._wal("glance.db")

    def _glance_start(self):
        env = self.child_env(OS_GLANCE_CONFIG_DIR=self._p("etc", "glance"))
        self._gunicorn("glance", self._wsgi(
            "from glance.wsgi.api import application"),
            self.ports["glance"], env)
        self._wait_http("glance", self.glance_url + "/", ok=(300,))

    def _wal(self, *names):
        """WAL journals: readers never block the (single) writer."""
        import sqlite3
        for name in names:
            with sqlite3.connect(self._p(name), timeout=30) as c:
                c.execute("PRAGMA journal_mode=WAL")
