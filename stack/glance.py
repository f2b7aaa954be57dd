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
and ``glance-direct`` from loopback.

The stack's own Glance is plain (no import plugins, one file store)
unless ``Stack(glance_options=...)`` says otherwise.
:meth:`Glance.start_glance` starts another Glance API configured as a
test needs (:class:`GlanceOptions`: import plugins, conversion format,
a second file store, the web-download filter), sharing the stack's
Keystone and stopped with the stack; it is not in the catalog: clients
pass its URL as the endpoint.
"""

import dataclasses
import os
import shutil
import sysconfig

from stack.processes import dedent, free_port

__all__ = ["Glance", "GlanceOptions"]


@dataclasses.dataclass(frozen=True)
class GlanceOptions:
    """How a Glance of the stack is configured.

    ``import_plugins``: ``[image_import_opts] image_import_plugins`` (e.g.
    ``("image_decompression", "image_conversion")``); ``convert_to``:
    ``[image_conversion] output_format``; ``second_store``: the id of a
    second file store (``enabled_backends``; the first is ``fs``, the
    default); ``allowed_ports``: web-download's allowed ports (None: 80,
    443 and the stack's image server, marketplace and
    ``web_download_ports``); ``allowed_hosts``: its allowed hosts;
    ``hashing_algorithm``: ``[DEFAULT] hashing_algorithm`` (None: Glance's
    default, sha512).
    """

    import_plugins: tuple = ()
    convert_to: str | None = None
    second_store: str | None = None
    allowed_ports: tuple | None = None
    allowed_hosts: tuple = ("127.0.0.1",)
    hashing_algorithm: str | None = None

    def config(self, state):
        """The options' part of ``glance-api.conf``; *state*(name) is the
        path of a state directory."""
        parts = []
        if self.hashing_algorithm:
            parts.append("[DEFAULT]\nhashing_algorithm = %s"
                         % self.hashing_algorithm)
        if self.import_plugins:
            parts.append("[image_import_opts]\nimage_import_plugins = [%s]"
                         % ",".join("'%s'" % p for p in self.import_plugins))
        if self.convert_to:
            parts.append("[image_conversion]\noutput_format = %s"
                         % self.convert_to)
        if self.second_store:
            parts.append("[%s]\nfilesystem_store_datadir = %s/"
                         % (self.second_store, state(self.second_store)))
        return "\n".join(parts) + "\n"

    def backends(self):
        return "fs:file" + (",%s:file" % self.second_store
                            if self.second_store else "")


class Glance:
    """Glance's part of :class:`stack.Stack` (mixed into it)."""

    def glance(self, creds=None):
        """A python-glanceclient v2 client (admin unless ``creds``)."""
        from glanceclient import Client
        return Client("2", session=self.session(creds) if creds
                      else self.admin_session())

    def start_glance(self, name, options):
        """Start another Glance API *name* configured by *options*
        (:class:`GlanceOptions`) on a free port, sharing the stack's
        Keystone; its URL.  It stops with the stack."""
        port = free_port()
        self._timed(name + "_setup", self._glance_setup, name, options,
                    port)
        self._timed(name + "_start", self._glance_start, name, port)
        return "http://127.0.0.1:%d" % port

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

    def glance_installed_etc(self, *parts):
        """A path under the ``etc/glance`` Glance installs in its prefix
        (its paste pipeline, its metadata definitions)."""
        data = sysconfig.get_paths(
            vars={"base": os.path.dirname(self.bindir)})["data"]
        return os.path.join(data, "etc", "glance", *parts)

    def _glance_setup(self, name="glance", options=None, port=None):
        options = options or getattr(self, "glance_options", None) or \
            GlanceOptions()
        gdir = self._p("etc", name)
        url = ("http://127.0.0.1:%d" % port) if port else self.glance_url
        state = lambda *parts: self._p(name, *parts)  # noqa: E731
        for d in ("images", "staging", "tasks", "locks",
                  options.second_store):
            if d:
                os.makedirs(state(d), exist_ok=True)
        os.makedirs(gdir, exist_ok=True)
        shutil.copy(self.glance_installed_etc("glance-api-paste.ini"), gdir)
        ports = options.allowed_ports
        if ports is None:
            ports = self.download_ports()
        log = "glance-api" if name == "glance" else name + "-api"
        conf = self._write("etc/%s/glance-api.conf" % name, dedent(f"""
            [DEFAULT]
            log_file = {self._p('logs', log + '.log')}
            enabled_backends = {options.backends()}
            enabled_import_methods = [glance-direct,web-download,copy-image]
            worker_self_reference_url = {url}
            [glance_store]
            default_backend = fs
            [fs]
            filesystem_store_datadir = {state('images')}/
            [os_glance_staging_store]
            filesystem_store_datadir = {state('staging')}/
            [os_glance_tasks_store]
            filesystem_store_datadir = {state('tasks')}/
            [database]
            connection = sqlite:///{self._p(name + '.db')}?timeout=30
            [paste_deploy]
            flavor = keystone
            config_file = {gdir}/glance-api-paste.ini
            [oslo_concurrency]
            lock_path = {state('locks')}
            [import_filtering_opts]
            # loopback is refused unless allowed, and only 80/443 by default
            allowed_hosts = [{",".join(options.allowed_hosts)}]
            allowed_ports = [{",".join(map(str, ports))}]
            """) + options.config(state) + self._authtoken("glance"))
        self._run(name + "-manage", self._bin("glance-manage"),
                  "--config-file", conf, "db_sync")
        # Glance's metadata definitions, as deployments load them: the
        # launch wizard's Metadata step and its image rows use them (with
        # none, Horizon's namespaces call fails: "max_workers must be
        # greater than zero").
        self._run(name + "-metadefs", self._bin("glance-manage"),
                  "--config-file", conf, "db_load_metadefs",
                  self.glance_installed_etc("metadefs"))
        # Glance's import tasks write from worker threads while the API
        # reads: without WAL they hit "database is locked".
        self._wal(name + ".db")

    def _glance_start(self, name="glance", port=None):
        env = self.child_env(OS_GLANCE_CONFIG_DIR=self._p("etc", name))
        url = ("http://127.0.0.1:%d" % port) if port else self.glance_url
        self._gunicorn(name, self._wsgi(
            "from glance.wsgi.api import application"),
            port or self.ports["glance"], env)
        self._wait_http(name, url + "/", ok=(300,))

    def _wal(self, *names):
        """WAL journals: readers never block the (single) writer."""
        import sqlite3
        for name in names:
            with sqlite3.connect(self._p(name), timeout=30) as c:
                c.execute("PRAGMA journal_mode=WAL")
