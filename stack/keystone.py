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

"""Keystone of the loopback stack: setup, the service users and catalog,
the demo project, and keystoneauth sessions for the stack's users."""

import concurrent.futures
import dataclasses
import os

from stack.processes import dedent

__all__ = ["ADMIN", "ADMIN_PASSWORD", "DEMO_PASSWORD", "DEMO_PROJECT",
           "DEMO_USER", "REGION", "SERVICE_PASSWORD", "Credentials",
           "Keystone"]

ADMIN = "admin"
ADMIN_PASSWORD = "admin-pass"  # noqa: S105 - loopback test stack only
SERVICE_PASSWORD = "service-pass"  # noqa: S105 - loopback test stack only
DEMO_PROJECT = "demo"
DEMO_USER = "demo"
DEMO_PASSWORD = "demo-pass"  # noqa: S105 - loopback test stack only
REGION = "RegionOne"


@dataclasses.dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    project: str
    user_domain: str = "Default"
    project_domain: str = "Default"



class Keystone:
    """Keystone's part of :class:`stack.Stack` (mixed into it)."""

    def _authtoken(self, user):
        return dedent(f"""
            [keystone_authtoken]
            www_authenticate_uri = {self.keystone_url[:-3]}
            auth_url = {self.keystone_url[:-3]}
            auth_type = password
            project_domain_name = Default
            user_domain_name = Default
            project_name = service
            username = {user}
            password = {SERVICE_PASSWORD}
            """)

    def _service_auth(self, section, user="nova"):
        return dedent(f"""
            [{section}]
            auth_type = password
            auth_url = {self.keystone_url[:-3]}
            project_domain_name = Default
            user_domain_name = Default
            project_name = service
            username = {user}
            password = {SERVICE_PASSWORD}
            region_name = {REGION}
            """)

    # ---------------------------------------------------------- keystone
    def _keystone_setup(self):
        kdir = self._p("etc", "keystone")
        conf = self._write("etc/keystone/keystone.conf", f"""
            [DEFAULT]
            log_file = {self._p('logs', 'keystone.log')}
            [database]
            connection = sqlite:///{self._p('keystone.db')}?timeout=30
            [token]
            provider = fernet
            [fernet_tokens]
            key_repository = {kdir}/fernet-keys
            [fernet_receipts]
            key_repository = {kdir}/fernet-keys
            [credential]
            key_repository = {kdir}/credential-keys
            [cache]
            enabled = false
            [identity]
            # bcrypt's minimum cost: every login and token of this loopback
            # test stack hashes a password (the default 12 costs ~0.25 s)
            password_hash_rounds = 4
            """)
        km = [self._bin("keystone-manage"), "--config-file", conf]
        user = ["--keystone-user", str(os.getuid()),
                "--keystone-group", str(os.getgid())]
        # the key repositories do not need the database: in parallel
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            self._all(pool, *[
                (self._run, "keystone-manage-%s" % step, *km, step, *args)
                for step, args in (("db_sync", ()), ("fernet_setup", user),
                                   ("credential_setup", user))])
        self._run("keystone-manage", *km, "bootstrap",
                  "--bootstrap-password", ADMIN_PASSWORD,
                  "--bootstrap-username", ADMIN,
                  "--bootstrap-project-name", ADMIN,
                  "--bootstrap-role-name", "admin",
                  "--bootstrap-service-name", "keystone",
                  "--bootstrap-region-id", REGION,
                  "--bootstrap-admin-url", self.keystone_url,
                  "--bootstrap-internal-url", self.keystone_url,
                  "--bootstrap-public-url", self.keystone_url)

    def _keystone_start(self):
        env = self.child_env(OS_KEYSTONE_CONFIG_DIR=self._p("etc",
                                                            "keystone"))
        self._gunicorn("keystone", self._wsgi(
            "from keystone.wsgi.api import application"),
            self.ports["keystone"], env)
        self._wait_http("keystone", self.keystone_url)

    def _identity(self):
        """Service users, catalog, the demo project and member user."""
        sess = self.admin_session()
        K = self.keystone_url

        def get(path, key):
            return sess.get(K + path).json()[key]

        def post(path, key, body):
            return sess.post(K + path, json={key: body}).json()[key]

        roles = {r["name"]: r["id"] for r in get("/roles", "roles")}
        for role in ("member", "reader", "service"):
            if role not in roles:
                roles[role] = post("/roles", "role", {"name": role})["id"]
        service = post("/projects", "project",
                       {"name": "service", "domain_id": "default"})
        users = ["glance"]
        catalog = [("image", "glance", self.glance_url)]
        if self.want_nova:
            users += ["nova", "placement", "neutron"]
            catalog += [("compute", "nova", self.nova_url),
                        ("placement", "placement", self.placement_url),
                        ("network", "neutron", self.neutron_url)]

        def add_user(name):
            uid = post("/users", "user", {
                "name": name, "password": SERVICE_PASSWORD,
                "domain_id": "default",
                "default_project_id": service["id"]})["id"]
            for role in ("admin", "service"):
                sess.put(K + "/projects/%s/users/%s/roles/%s" % (
                    service["id"], uid, roles[role]))

        def add_service(stype, name, url):
            sid = post("/services", "service",
                       {"type": stype, "name": name})["id"]
            for iface in ("public", "internal", "admin"):
                post("/endpoints", "endpoint", {
                    "service_id": sid, "interface": iface, "url": url,
                    "region_id": REGION})

        # independent requests: in parallel (keystone runs 4 threads)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            self._all(pool, *[(add_user, name) for name in users],
                      *[(add_service, *c) for c in catalog],
                      (self.create_project_user, DEMO_PROJECT,
                       DEMO_PASSWORD, ("member",), DEMO_USER))
        self._admin_session = None  # its token's catalog predates ours

    def admin_session(self):
        """A keystoneauth session scoped to the admin project."""
        if self._admin_session is None:
            self._admin_session = self.session(self.admin)
        return self._admin_session

    def session(self, creds=None):
        """A keystoneauth session for ``creds`` (default: the demo user)."""
        from keystoneauth1 import session
        from keystoneauth1.identity import v3
        creds = creds or self.demo
        auth = v3.Password(
            auth_url=self.keystone_url, username=creds.username,
            password=creds.password, project_name=creds.project,
            user_domain_name=creds.user_domain,
            project_domain_name=creds.project_domain)
        # connect_retries: clients poll every ~2 s, gunicorn closes idle
        # keep-alive connections after --keep-alive seconds; a request sent
        # on a connection closed meanwhile is retried, not failed.
        return session.Session(auth=auth, timeout=60, connect_retries=2)

    def create_project_user(self, name, password, roles=("member",),
                            username=None):
        """Create project ``name`` and user ``username`` (default ``name``)
        with ``roles`` on it; returns their Credentials."""
        sess = self.admin_session()
        K = self.keystone_url
        username = username or name
        pid = sess.post(K + "/projects", json={"project": {
            "name": name, "domain_id": "default"}}).json()["project"]["id"]
        uid = sess.post(K + "/users", json={"user": {
            "name": username, "password": password, "domain_id": "default",
            "default_project_id": pid}}).json()["user"]["id"]
        all_roles = {r["name"]: r["id"]
                     for r in sess.get(K + "/roles").json()["roles"]}
        for role in roles:
            sess.put(K + "/projects/%s/users/%s/roles/%s" % (
                pid, uid, all_roles[role]))
        return Credentials(username, password, name)

    def _keystone_phase(self):
        self._timed("keystone_setup", self._keystone_setup)
        self._timed("keystone_start", self._keystone_start)
        self._timed("identity", self._identity)
