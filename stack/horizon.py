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

"""Horizon of the loopback stack, with this plugin's ``enabled`` files
from the state directory, and the memcached its workers share."""

import glob
import importlib.util
import os
import shutil
import sysconfig

from stack.processes import StackError, dedent, free_ports

__all__ = ["LEGACY_LAUNCH_LINKS", "Horizon"]

# the plugin's opt-in redirect of seed-era launch links
# (doc/source/install/index.rst)
LEGACY_LAUNCH_LINKS = ("marketplace_dashboard.middleware."
                       "LegacyLaunchLinkMiddleware")


class Horizon:
    """Horizon's and memcached's part of :class:`stack.Stack` (mixed into
    it)."""

    def _memcached_start(self):
        exe = shutil.which("memcached")
        if exe is None:
            raise StackError("memcached not found: install the Debian "
                             "package memcached (tools/bootstrap does).")
        cmd = [exe, "-l", "127.0.0.1", "-p", str(self.ports["memcached"]),
               "-U", "0", "-m", "128"]
        if os.geteuid() == 0:
            cmd += ["-u", "root"]
        self._spawn("memcached", cmd)
        self._wait_port("memcached", self.ports["memcached"])

    # ----------------------------------------------------------- horizon
    @staticmethod
    def enabled_source_dir():
        """This plugin's ``enabled`` directory: the checkout's, beside the
        package imported (editable install or ``PYTHONPATH``), else the
        one an installed wheel put in ``share/marketplace-dashboard``."""
        import marketplace_dashboard
        checkout = os.path.join(os.path.dirname(os.path.dirname(
            os.path.abspath(marketplace_dashboard.__file__))), "enabled")
        if os.path.isdir(checkout):
            return checkout
        return os.path.join(sysconfig.get_paths()["data"], "share",
                            "marketplace-dashboard", "enabled")

    def install_enabled_files(self):
        """Copy ``enabled/_*.py`` into ``<state>/horizon/enabled`` (the
        documented install procedure, with the state directory standing
        for Horizon's ``local/enabled``: the generated local_settings.py
        puts it first in ``openstack_dashboard.local.enabled.__path__``);
        returns the directory.  Copies of ours that earlier versions of
        the stack left in the installed Horizon are removed."""
        target = self._p("horizon", "enabled")
        os.makedirs(target, exist_ok=True)
        src = self.enabled_source_dir()
        for path in sorted(glob.glob(os.path.join(src, "_*.py"))):
            shutil.copyfile(path, os.path.join(target,
                                               os.path.basename(path)))
        self.remove_installed_enabled_files()
        return target

    @staticmethod
    def remove_installed_enabled_files(installed=None):
        """Remove the files of this plugin from the installed Horizon's
        ``local/enabled`` (or *installed*), copied there by earlier versions
        of the stack; returns their paths."""
        if installed is None:
            spec = importlib.util.find_spec("openstack_dashboard")
            installed = os.path.join(os.path.dirname(spec.origin), "local",
                                     "enabled")
        removed = []
        for path in glob.glob(os.path.join(installed, "_*.py")):
            with open(path, errors="replace") as f:
                if "marketplace_dashboard" not in f.read():
                    continue
            try:
                os.unlink(path)
            except FileNotFoundError:  # removed meanwhile
                continue
            removed.append(path)
        return removed

    def _horizon_settings(self):
        hdir = self._p("horizon")
        enabled = self.install_enabled_files()
        plugin = self.marketplace_settings
        if callable(plugin):  # may use our URLs, known only now
            plugin = plugin(self)
        plugin = dict(plugin)  # the loopback image server is allowed
        plugin["import"] = {"download_filter": self.download_filter(),
                            **plugin.get("import", {})}
        launch = {
            "config_drive": False, "create_volume": False,
            "hide_create_volume": True, "disable_image": False,
            "disable_instance_snapshot": False, "disable_volume": True,
            "disable_volume_snapshot": True, "enable_scheduler_hints": True,
            "enable_metadata": True, "enable_net_ports": True,
            "default_availability_zone": "Any"}
        # openstack_dashboard/settings.py does
        # "from local.local_settings import *"; PYTHONPATH puts this
        # directory before the package's own, so this file wins.
        self._write("horizon/local/__init__.py", "")
        self._write("horizon/local/local_settings.py", dedent(f"""
            # Generated by stack.horizon
            # This plugin's enabled files, from the state directory: Horizon's
            # settings.py imports this file before update_dashboards() reads
            # openstack_dashboard.local.enabled, whose __path__ now starts
            # with our directory (nothing is written into the installed
            # Horizon).
            from openstack_dashboard.local import enabled as _local_enabled
            _local_enabled.__path__.insert(0, {enabled!r})
            DEBUG = False
            SECRET_KEY = {os.urandom(24).hex()!r}
            ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
            OPENSTACK_HOST = "127.0.0.1"
            OPENSTACK_KEYSTONE_URL = {self.keystone_url!r}
            OPENSTACK_KEYSTONE_DEFAULT_DOMAIN = "Default"
            OPENSTACK_KEYSTONE_DEFAULT_ROLE = "member"
            OPENSTACK_ENDPOINT_TYPE = "publicURL"
            # memcached: sessions, compressor and the plugin's shared state
            # are seen by every worker (LocMem would be per process and
            # culls the session at 300 entries).
            # use_pooling: a bare pymemcache client is not thread-safe
            # (MemcacheUnknownError: b'STORED' under concurrent requests in
            # Horizon's gthread workers).
            # django-compressor keeps ONE cache object for the whole process
            # (compressor.cache.cache), shared by every thread, and Django
            # closes it when the thread that made it finishes a request:
            # closing a pooled client drops every connection of the pool,
            # also those other threads are reading from (AttributeError:
            # 'NoneType' object has no attribute 'recv', an error page).
            # Compressor gets a cache of its own, per process.
            # MAX_ENTRIES: LocMem keeps 300 entries by default and then
            # culls a third of them; with COMPRESS_OFFLINE off the
            # compressor keeps entries for file mtimes and hashes, compiled
            # SCSS and compressed blocks, more than 300 in Horizon, so
            # Horizon's SCSS was recompiled on many requests (a panel page took
            # 2.01 s instead of 0.245 s, the Images page 1.90 s instead of
            # 0.108 s).  10,000 entries hold all of them.
            CACHES = {{"default": {{
                "BACKEND":
                    "django.core.cache.backends.memcached.PyMemcacheCache",
                "LOCATION": {self.memcached_location!r},
                "OPTIONS": {{"use_pooling": True}},
                "TIMEOUT": 3600}},
                "compressor": {{
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "OPTIONS": {{"MAX_ENTRIES": 10000}}}}}}
            COMPRESS_CACHE_BACKEND = "compressor"
            SESSION_ENGINE = "django.contrib.sessions.backends.cache"
            COMPRESS_OFFLINE = False
            STATIC_ROOT = {hdir + '/static'!r}
            MEDIA_ROOT = {hdir + '/media'!r}
            TIME_ZONE = "UTC"
            LAUNCH_INSTANCE_DEFAULTS = {launch!r}
            # Neutron has ML2 only: no router, no floating IPs
            OPENSTACK_NEUTRON_NETWORK = {{"enable_router": False,
                                         "enable_quotas": True,
                                         "enable_ipv6": False,
                                         "enable_fip_topology_check": False}}
            """) + self._horizon_middleware() + dedent(f"""
            MARKETPLACE_DASHBOARD = {dict(plugin)!r}
            LOGGING = {{"version": 1, "disable_existing_loggers": False,
                       "handlers": {{"console": {{
                           "class": "logging.StreamHandler"}}}},
                       "root": {{"handlers": ["console"],
                                "level": "WARNING"}},
                       "loggers": {{"marketplace_dashboard": {{
                           "handlers": ["console"], "level": "INFO",
                           "propagate": False}}}}}}
            """))
        return hdir

    def _horizon_middleware(self):
        """Horizon's MIDDLEWARE plus ``self.horizon_middleware``, in
        local_settings.py.  Horizon defines its list before importing this
        file, which does not see its globals: the list is read from the
        settings module being executed (already in ``sys.modules``)."""
        if not self.horizon_middleware:
            return ""
        return dedent(f"""
            import sys as _sys
            MIDDLEWARE = (
                *_sys.modules["openstack_dashboard.settings"].MIDDLEWARE,
                *{tuple(self.horizon_middleware)!r})
            """)

    def _horizon_spawn(self):
        self._horizon_gunicorn("horizon", self._horizon_settings(),
                               self.ports["horizon"], self.horizon_workers)

    def add_horizon(self, name, workers):
        """Another Horizon on the running stack's settings (the same
        Keystone, memcached and plugin settings) with *workers* gunicorn
        workers, on a port of its own; waits for it and returns its URL.
        Stopped with the stack (e.g. the load benchmark's four workers
        beside the one worker the import benchmarks measure)."""
        port = free_ports(1)[0]
        self._horizon_gunicorn(name, self._p("horizon"), port, workers)
        url = "http://127.0.0.1:%d" % port
        self._wait_http(name, url + "/auth/login/", ok=(200,), timeout=300)
        return url

    def _horizon_gunicorn(self, name, hdir, port, workers):
        env = self.child_env(
            PYTHONPATH=os.pathsep.join(
                [hdir] + [p for p in os.environ.get("PYTHONPATH", "").split(
                    os.pathsep) if p]),
            PYTHONWARNINGS="ignore",
            DJANGO_SETTINGS_MODULE="openstack_dashboard.settings")
        # gunicorn + Django's static files handler (what runserver
        # --insecure does) serves /static/ without collectstatic; SCSS is
        # compiled on the first page view and shared through memcached.
        self._gunicorn(name, """
            from django.contrib.staticfiles.handlers import StaticFilesHandler
            from django.core.wsgi import get_wsgi_application
            application = StaticFilesHandler(get_wsgi_application())
            """, port, env, workers=workers, timeout=600)

    def _horizon_wait(self):
        self._wait_http("horizon", self.horizon_url + "/auth/login/",
                        ok=(200,), timeout=300)
