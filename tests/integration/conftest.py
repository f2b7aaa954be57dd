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

"""Fixtures for tests against the real OpenStack on loopback.

* ``stack`` (session): Keystone, Glance, Placement, Nova (fake driver),
  Horizon with this plugin, memcached, RabbitMQ and, once it imports, the
  ``marketplace-server`` -- started ONCE per test session under pytest's
  tmp dir (``stack.Stack``).  Log in as
  ``stack.demo`` (a project member) unless a test needs ``stack.admin``.
* ``image_server`` (session): the stack's loopback HTTP file server
  (``add_file``, ``url``, ``override``, ``stats``; Glance may web-download
  from it).
* ``horizon_login(creds=None, next_url=...)``: a logged-in
  ``requests.Session`` for Horizon (CSRF handled).
* ``browser``: headless Debian Chromium through Selenium 4;
  ``browser.screenshot(name)`` saves ``$MARKETPLACE_ARTIFACTS/<name>.png``
  (default ``./artifacts``); a failing test leaves ``<test>-failed.png``.
  ``browser.login(creds=None, next_url=...)`` logs in through the form.

Every test in this directory is marked ``integration``; tests that use
``browser`` are also marked ``browser``.  When a test fails, the tail of the
stack's logs is attached to the report.

While the stack runs, SIGTERM (a cancelled or timed-out CI job) is turned
into KeyboardInterrupt, so that pytest tears the session down and the stack
stops instead of outliving the run.
"""

import http.server
import os
import pathlib
import re
import signal
import socket
import tempfile
import threading
import urllib.parse

import pytest
import requests

from stack import Stack, StackError
from stack.horizon import LEGACY_LAUNCH_LINKS

HERE = pathlib.Path(__file__).resolve().parent
ARTIFACTS = pathlib.Path(os.environ.get("MARKETPLACE_ARTIFACTS",
                                        "artifacts")).resolve()
LOGS_ON_FAILURE = ("horizon", "glance-api", "nova-api", "nova-compute",
                   "nova-conductor", "nova-scheduler", "marketplace",
                   "keystone.log")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in pathlib.Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.integration)
            if "browser" in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)  # for the browser fixture
    st = getattr(item, "funcargs", {}).get("stack")
    if rep.failed and isinstance(st, Stack):
        tails = [st.log_tail(name, 1500) for name in LOGS_ON_FAILURE]
        rep.sections.append(("stack logs (tails)",
                             "\n".join(t for t in tails if t)))


IMPORT_TEST_ENDORSER = "dashboard-import@example.org"

# Broken marketplaces for test_failure_journeys.py, listed AFTER "local"
# so that every other test still gets "local" (the search form's default,
# the first name); they only show up in the form's marketplace selector.
UNREACHABLE_MARKETPLACE = "unreachable"
GARBAGE_MARKETPLACE = "garbage"
_BROKEN = {}


class _GarbageHandler(http.server.BaseHTTPRequestHandler):
    """Answers everything with an HTML error page (HTTP 500)."""

    def do_GET(self):
        body = b"<html><body><h1>Internal Server Error</h1></body></html>"
        self.send_response(500)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def broken_marketplace_urls():
    """{name: URL} of the broken marketplaces, made once per session: a
    loopback port bound but never listening (connections are refused and
    no other server can take it) and a server that answers HTML 500."""
    if not _BROKEN:
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))  # no listen(): refused, and reserved
        garbage = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                  _GarbageHandler)
        threading.Thread(target=garbage.serve_forever, daemon=True).start()
        _BROKEN["sockets"] = (closed, garbage)
        _BROKEN[UNREACHABLE_MARKETPLACE] = (
            "http://127.0.0.1:%d/marketplace" % closed.getsockname()[1])
        _BROKEN[GARBAGE_MARKETPLACE] = (
            "http://127.0.0.1:%d/marketplace" % garbage.server_address[1])
    return {name: _BROKEN[name]
            for name in (UNREACHABLE_MARKETPLACE, GARBAGE_MARKETPLACE)}


#: A HEPiX image list (catalogue type ``hepix``) served on loopback, listed
#: after the others; test_hepix_import.py sets what it serves (``body``)
#: before Horizon first reads it.
HEPIX_MARKETPLACE = "hepix"
HEPIX_LIST = {"body": b""}


class _HepixListHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = HEPIX_LIST["body"]
        self.send_response(200)
        self.send_header("Content-Type", "application/pkcs7-mime")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def hepix_list_url():
    """URL of the served HEPiX image list (its server made once)."""
    if "url" not in HEPIX_LIST:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                 _HepixListHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        HEPIX_LIST["server"] = server
        HEPIX_LIST["url"] = ("http://127.0.0.1:%d/store/vo/test/image.list"
                             % server.server_address[1])
    return HEPIX_LIST["url"]


#: An OCI registry (catalogue type ``oci``): Debian's docker-registry on
#: loopback, started with the stack's Horizon settings and stopped with the
#: stack (its marker); test_oci_panel.py pushes into it.
OCI_MARKETPLACE = "egi"
OCI_REGISTRY = {}


def oci_registry(stack):
    """The stack's loopback registry (started once), its port allowed
    for the dashboard's downloads."""
    if OCI_REGISTRY.get("stack") is not stack:
        from stack.registry import Registry
        registry = Registry(os.path.join(stack.base, "registry"),
                            marker=stack.base).start()
        stack.web_download_ports.append(registry.port)
        OCI_REGISTRY.update(stack=stack, registry=registry)
    return OCI_REGISTRY["registry"]


def marketplace_settings(stack):
    """The MARKETPLACE_DASHBOARD setting of the test Horizon.

    A callable so that it can use the stack's URLs (the marketplace
    service, the image server) which are only known once ports are picked.
    """
    settings = {}
    if stack.marketplace_url:
        settings["marketplaces"] = [{
            "name": "local", "url": stack.marketplace_url}] + [
            {"name": name, "url": url}
            for name, url in broken_marketplace_urls().items()] + [
            {"name": HEPIX_MARKETPLACE, "type": "hepix",
             "url": hepix_list_url()}]
        registry = oci_registry(stack)
        settings["marketplaces"].append({
            "name": OCI_MARKETPLACE, "type": "oci",
            "url": registry.base_url + "/egi_vm_images"})
        # its artifacts are unsigned: this site accepts its own registry
        settings["import"] = {
            "accept_unsigned_registries": [registry.base_url]}
    # test_dashboard_import.py / test_launch_browser.py sign their entries
    # as this endorser; Horizon trusts it by e-mail (allow-list, no CA).
    settings["trust"] = {"trusted_endorsers": [IMPORT_TEST_ENDORSER]}
    return settings


def _sigterm_to_interrupt(signum, frame):
    # pytest has no SIGTERM handler: without this the process dies at once
    # and the stack's services outlive it.  KeyboardInterrupt makes pytest
    # end the session and run the teardown, which stops the stack.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once is enough
    raise KeyboardInterrupt("SIGTERM")


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    st = Stack(str(tmp_path_factory.mktemp("stack")),
               marketplace_settings=marketplace_settings,
               horizon_middleware=(LEGACY_LAUNCH_LINKS,))
    previous = signal.signal(signal.SIGTERM, _sigterm_to_interrupt)
    try:
        try:
            st.start()  # stops what it started if interrupted
        except StackError as e:
            pytest.fail("the OpenStack stack did not start: %s" % e,
                        pytrace=False)
        print("\nstack up: %s" % st.timings)
        yield st
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            strays = st.stop()
            if strays:
                print("\nstack: stopped stray processes %s" % strays)
        finally:
            signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def image_server(stack):
    return stack.image_server


def _form_fields(page):
    from lxml import html
    forms = html.fromstring(page).xpath(
        "//form[.//input[@name='csrfmiddlewaretoken']]")
    assert forms, "no login form with a CSRF token"
    return {i.get("name"): i.get("value", "")
            for i in forms[0].xpath(".//input[@name]")}


@pytest.fixture
def horizon_login(stack):
    """Returns ``login(creds=None, next_url='/project/images/')``: a
    requests.Session logged in to Horizon (default: the demo member)."""

    def login(creds=None, next_url="/project/images/"):
        creds = creds or stack.demo
        s = requests.Session()
        url = "%s/auth/login/?next=%s" % (
            stack.horizon_url, urllib.parse.quote(next_url))
        r = s.get(url, timeout=120)
        r.raise_for_status()
        data = _form_fields(r.text)
        data.update(username=creds.username, password=creds.password)
        if "domain" in data:
            data["domain"] = creds.user_domain
        r = s.post(url, data=data, allow_redirects=False, timeout=120,
                   headers={"Referer": url})
        assert r.status_code == 302, "login failed: %s" % r.status_code
        assert r.headers["Location"] == next_url, r.headers["Location"]
        s.headers["X-CSRFToken"] = s.cookies.get("csrftoken", "")
        s.headers["Referer"] = stack.horizon_url + next_url
        return s

    return login


def _safe_name(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


@pytest.fixture
def browser(stack, request):
    """Headless Debian Chromium (Selenium 4) with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    profile = tempfile.mkdtemp(prefix="chromium-", dir=stack.base)
    for arg in ("--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,900",
                "--user-data-dir=" + profile):
        opts.add_argument(arg)
    # the Debian driver: Selenium Manager never downloads anything.  Its
    # environment (and Chromium's) is the stack's: HOME and XDG_* in the
    # state directory (no ~/.config/chromium, ~/.cache/dconf), and the
    # marker with which Stack.stop() finds leftovers.
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver",
                                           env=stack.child_env()),
                           options=opts)
    drv.set_page_load_timeout(120)

    def screenshot(name):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / (_safe_name(name) + ".png")
        assert drv.save_screenshot(str(path)), "screenshot failed"
        return path

    def login(creds=None, next_url="/project/images/"):
        creds = creds or stack.demo
        drv.get("%s/auth/login/?next=%s" % (
            stack.horizon_url, urllib.parse.quote(next_url)))
        drv.find_element(By.ID, "id_username").send_keys(creds.username)
        drv.find_element(By.ID, "id_password").send_keys(creds.password)
        drv.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        # Horizon may drop the trailing slash of ?next= after the redirect
        WebDriverWait(drv, 120).until(lambda d: "/auth/login" not in (
            d.current_url) and next_url.rstrip("/") in d.current_url)
        # the URL changes when the next page starts to load: wait for the
        # page itself, so that no element of it is found half-replaced
        WebDriverWait(drv, 120).until(lambda d: d.execute_script(
            "return document.readyState === 'complete';"))

    drv.screenshot = screenshot
    drv.login = login
    drv.stack = stack
    try:
        yield drv
    finally:
        rep = getattr(request.node, "rep_call", None)
        try:
            if rep is None or rep.failed:
                screenshot(request.node.name + "-failed")
        except Exception as e:  # noqa: BLE001 - best effort on teardown
            print("no failure screenshot: %s" % e)
        drv.quit()
