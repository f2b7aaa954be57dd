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

"""The loopback OpenStack itself: every service answers and does its job."""

import hashlib
import http.client
import io
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from marketplace_dashboard.core import trust, verdict, xmlsafe
from stack import free_port, imageserver, kill_marked
from stack.neutron import NETWORK


def _wait(check, timeout=120, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("timed out waiting for %s" % what)


def _wait_image(gc, image_id):
    return _wait(lambda: (lambda i: i if i.status in ("active", "killed")
                          else None)(gc.images.get(image_id)),
                 what="image %s" % image_id)


@pytest.fixture(scope="module")
def disk_images(image_server):
    return imageserver.make_disk_images(image_server.path("disks"))


def test_keystone_member_token(stack):
    sess = stack.session(stack.demo)
    access = sess.auth.get_access(sess)
    assert access.project_name == stack.demo.project
    assert "member" in access.role_names
    assert "admin" not in access.role_names
    services = {s["type"] for s in access.service_catalog.catalog}
    assert {"identity", "image", "compute", "placement"} <= services


def test_create_project_user(stack):
    name = "proj-%s" % uuid.uuid4().hex[:8]
    creds = stack.create_project_user(name, "secret-%s" % name)
    sess = stack.session(creds)
    assert sess.auth.get_access(sess).project_name == name


def test_image_server_head_range_and_override(image_server):
    data = bytes(range(256)) * 40
    url = image_server.add_file("range/test.bin", data)
    before = image_server.stats("range/test.bin")

    r = requests.head(url, timeout=10)
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["Content-Length"]) == len(data)
    assert r.headers["Accept-Ranges"] == "bytes"

    r = requests.get(url, headers={"Range": "bytes=10-19"}, timeout=10)
    assert r.status_code == 206 and r.content == data[10:20]
    assert r.headers["Content-Range"] == "bytes 10-19/%d" % len(data)
    r = requests.get(url, headers={"Range": "bytes=-5"}, timeout=10)
    assert r.status_code == 206 and r.content == data[-5:]
    r = requests.get(url, headers={"Range": "bytes=%d-" % len(data)},
                     timeout=10)
    assert r.status_code == 416

    after = image_server.stats("range/test.bin")
    assert after.requests - before.requests == 4
    assert after.bytes_sent - before.bytes_sent == 15

    image_server.override("range/test.bin", b"tampered")
    assert requests.get(url, timeout=10).content == b"tampered"
    image_server.override("range/test.bin", status=503)
    assert requests.get(url, timeout=10).status_code == 503
    image_server.override("range/test.bin")
    assert requests.get(url, timeout=10).content == data

    # raw paths (requests would normalise the dot segments away)
    for bad in ("/../etc/passwd", "/range/../range/test.bin",
                "/range/%2e%2e/range/test.bin", "/range/"):
        conn = http.client.HTTPConnection("127.0.0.1", image_server.port,
                                          timeout=10)
        conn.request("GET", bad)
        assert conn.getresponse().status == 404, bad
        conn.close()
    with pytest.raises(ValueError):
        image_server.add_file("../outside", b"x")


def test_glance_upload_as_member(stack):
    gc = stack.glance(stack.demo)
    data = b"upload-" + uuid.uuid4().bytes * 1000
    img = gc.images.create(name="upload-%s" % uuid.uuid4().hex[:8],
                           disk_format="raw", container_format="bare")
    gc.images.upload(img.id, io.BytesIO(data))
    img = gc.images.get(img.id)
    assert img.status == "active"
    assert img.os_hash_value == hashlib.sha512(data).hexdigest()
    assert img.owner == stack.session(stack.demo).get_project_id()


def test_glance_web_download_from_image_server(stack, image_server,
                                               disk_images):
    gc = stack.glance(stack.demo)
    name = "disks/disk.qcow2"
    with open(disk_images["disk.qcow2"], "rb") as f:
        data = f.read()
    before = image_server.stats(name).bytes_sent
    img = gc.images.create(name="web-%s" % uuid.uuid4().hex[:8],
                           disk_format="qcow2", container_format="bare")
    gc.images.image_import(img.id, method="web-download",
                           uri=image_server.url(name))
    img = _wait_image(gc, img.id)
    assert img.status == "active"
    assert img.size == len(data)
    assert img.os_hash_value == hashlib.sha512(data).hexdigest()
    # Glance itself fetched the whole file from our server
    assert image_server.stats(name).bytes_sent - before == len(data)


def test_glance_web_download_sees_tampered_content(stack, image_server):
    data = uuid.uuid4().bytes * 100
    name = "tamper-%s.img" % uuid.uuid4().hex[:8]
    image_server.add_file(name, data)
    image_server.override(name, b"not the endorsed bytes")
    gc = stack.glance(stack.demo)
    img = gc.images.create(name=name, disk_format="raw",
                           container_format="bare")
    gc.images.image_import(img.id, method="web-download",
                           uri=image_server.url(name))
    img = _wait_image(gc, img.id)
    assert img.os_hash_value == hashlib.sha512(
        b"not the endorsed bytes").hexdigest()


def test_nova_server_reaches_active(stack, disk_images):
    gc = stack.glance(stack.demo)
    img = gc.images.create(name="boot-%s" % uuid.uuid4().hex[:8],
                           disk_format="qcow2", container_format="bare")
    with open(disk_images["disk.qcow2"], "rb") as f:
        gc.images.upload(img.id, f)
    nova = stack.nova(stack.demo)
    flavor = nova.flavors.find(name="m1.tiny")
    server = nova.servers.create("vm-%s" % uuid.uuid4().hex[:8], img.id,
                                 flavor, nics=[{"net-id": stack.network_id}])
    try:
        server = _wait(lambda: (lambda s: s if s.status in ("ACTIVE", "ERROR")
                                else None)(nova.servers.get(server.id)),
                       what="server ACTIVE")
        assert server.status == "ACTIVE", getattr(server, "fault", None)
        assert server.image["id"] == img.id
        assert server.flavor["original_name"] == "m1.tiny"
        # a port on the stack's network, bound for the fake driver
        assert list(server.addresses) == [NETWORK], server.addresses
    finally:
        nova.servers.delete(server.id)
    gone = _wait(lambda: server.id not in
                 {s.id for s in nova.servers.list()}, what="server deleted")
    assert gone


def test_horizon_member_login_and_images(stack, horizon_login):
    gc = stack.glance(stack.demo)
    name = "horizon-%s" % uuid.uuid4().hex[:8]
    img = gc.images.create(name=name, disk_format="raw",
                           container_format="bare")
    gc.images.upload(img.id, io.BytesIO(b"\0" * 4096))

    s = horizon_login()
    r = s.get(stack.horizon_url + "/project/images/", timeout=120,
              allow_redirects=False)
    assert r.status_code == 200
    assert "Images - OpenStack Dashboard" in r.text
    # the member user sees the project menu, not the admin dashboard
    assert 'href="/admin/' not in r.text
    # the Angular table is filled from Horizon's REST API
    r = s.get(stack.horizon_url + "/api/glance/images/", timeout=60,
              headers={"X-Requested-With": "XMLHttpRequest"})
    assert r.status_code == 200
    assert name in [i["name"] for i in r.json()["items"]]
    # flavors for the launch wizard come from nova
    r = s.get(stack.horizon_url + "/api/nova/flavors/", timeout=60,
              headers={"X-Requested-With": "XMLHttpRequest"})
    assert {"m1.tiny", "m1.small"} <= {f["name"] for f in r.json()["items"]}


def test_horizon_wrong_password_is_refused(stack, horizon_login):
    with pytest.raises(AssertionError, match="login failed"):
        horizon_login(stack.demo.__class__(stack.demo.username, "wrong",
                                           stack.demo.project))


def test_browser_login_and_images_screenshots(stack, browser):
    # a project of its own: the demo project's images (made by the other
    # tests) fill more than the first page of Horizon's paged Images table
    suffix = uuid.uuid4().hex[:8]
    creds = stack.create_project_user("shots-%s" % suffix, "shots-pass")
    gc = stack.glance(creds)
    name = "shot-%s" % suffix
    img = gc.images.create(name=name, disk_format="raw",
                           container_format="bare")
    gc.images.upload(img.id, io.BytesIO(b"\0" * 4096))

    browser.get(stack.horizon_url + "/auth/login/")
    assert browser.find_element(By.ID, "id_username").is_displayed()
    assert browser.screenshot("stack-login").stat().st_size > 0
    browser.login(creds, next_url="/project/images/")
    WebDriverWait(browser, 120).until(
        lambda d: name in d.find_element(By.TAG_NAME, "body").text)
    assert browser.title.startswith("Images")
    assert browser.screenshot("stack-project-images").stat().st_size > 0


REPO = pathlib.Path(__file__).resolve().parents[2]
MARKER = "MARKETPLACE_STACK"


def _open_ports(ports):
    """The ``{name: port}`` entries on which 127.0.0.1 still accepts."""
    out = {}
    for name, port in ports.items():
        with socket.socket() as s:
            s.settimeout(2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                out[name] = port
    return out


def _marked(state):
    """Pids whose /proc/<pid>/environ carries the stack's marker for
    *state*, with their command lines (setproctitle-renamed gunicorn and
    Nova workers, epmd, memcached, RabbitMQ helpers in their own sessions:
    none of them need mention the state directory on its command line)."""
    needle = ("%s=%s" % (MARKER, state)).encode()
    found = {}
    for environ in pathlib.Path("/proc").glob("[0-9]*/environ"):
        try:
            if needle in environ.read_bytes().split(b"\0"):
                found[environ.parent.name] = (
                    environ.parent / "cmdline").read_bytes().replace(
                        b"\0", b" ").decode(errors="replace")
        except OSError:
            pass
    return found


def _environ(pid):
    try:
        raw = pathlib.Path("/proc/%s/environ" % pid).read_bytes()
    except OSError:
        return {}
    return dict(item.decode(errors="replace").split("=", 1)
                for item in raw.split(b"\0") if b"=" in item)


def _processes_mentioning(text):
    found = []
    for cmdline in pathlib.Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text.encode() in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            pass
    return found


def _demo_command(tmp_path, *args):
    """``tools/demo`` itself, with VENV set to this interpreter's virtualenv
    so that its bootstrap only checks the stamp."""
    venv = pathlib.Path(sys.prefix)
    if not (venv / ".marketplace-dashboard-stamp").exists():
        pytest.skip("not run from a tools/bootstrap virtualenv (%s): "
                    "tools/demo would install into it" % venv)
    env = dict(os.environ, VENV=str(venv))
    log = open(tmp_path / "demo.out", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(REPO / "tools" / "demo"), *args], env=env, stdout=log,
        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
    log.close()
    return proc


def _stop_demo(proc, state, timeout=120):
    """SIGTERM the demo and wait for it; if it hangs, kill its group and
    everything carrying its marker.  Returns (exit status or None if it had
    to be killed, seconds it took)."""
    began = time.monotonic()
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
        return proc.returncode, time.monotonic() - began
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(30)
        return None, time.monotonic() - began
    finally:
        kill_marked(state)  # whatever happened, leave nothing behind


def _text(path):
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


def _output(tmp_path):
    return (tmp_path / "demo.out").read_text(errors="replace")[-6000:]


def test_demo_ready_file_and_clean_stop(tmp_path):
    """tools/demo: stale ready file removed, ready file, data, clean stop."""
    state, ready = tmp_path / "demo-state", tmp_path / "ready.env"
    ready.write_text("STALE=1\n")  # left by an earlier run
    port = free_port()
    proc = _demo_command(tmp_path, "--state-dir", str(state),
                         "--ready-file", str(ready), "--port", str(port))
    values = {}
    status = elapsed = None
    try:
        # the stale file goes at once: a waiting script never mistakes it
        # for this demo being ready
        _wait(lambda: "STALE" not in _text(ready), timeout=60,
              what="the stale ready file to be removed")
        assert "DASHBOARD_URL" not in _text(ready), "ready too early?"
        _wait(lambda: ready.exists() or proc.poll() is not None,
              timeout=600, what="the demo's ready file")
        assert proc.poll() is None, _output(tmp_path)
        values = dict(line.split("=", 1)
                      for line in ready.read_text().splitlines())
        assert values["DASHBOARD_URL"] == "http://127.0.0.1:%d/" % port
        assert (values["USERNAME"], values["PROJECT"]) == ("demo", "demo")
        assert values["PROCESS_MARKER"] == "%s=%s" % (MARKER, state)
        ports = {name: int(p) for name, p in (
            item.split(":") for item in values["PORTS"].split(","))}
        assert ports["horizon"] == port
        assert {"keystone", "glance", "nova", "placement", "rabbit", "epmd",
                "memcached", "marketplace", "image_server",
                "neutron"} <= set(ports)
        assert values["NEUTRON_URL"] == "http://127.0.0.1:%d" % (
            ports["neutron"])
        assert values["NETWORK_ID"]
        # while it runs, the marker finds its processes, including those
        # that renamed themselves or run in sessions of their own
        marked = _marked(str(state))
        running = " ".join(marked.values())
        for name in ("gunicorn", "epmd", "memcached", "beam", "nova-compute",
                     "marketplace-server"):
            assert name in running, (name, running)
        # nothing of the stack is written into the installed Horizon
        import openstack_dashboard
        installed = pathlib.Path(openstack_dashboard.__file__).parent
        assert not [p for p in (installed / "local" / "enabled").glob("_*.py")
                    if "marketplace_dashboard" in p.read_text()]
        assert (state / "horizon" / "enabled" /
                "_1920_project_marketplace_panel.py").exists()
        # every process has its HOME (caches, Erlang cookie...) in the
        # state directory, not in ~
        homes = {pid: _environ(pid).get("HOME", "") for pid in marked}
        assert all(h.startswith(str(state) + "/") for h in homes.values()), \
            homes

        # the demo user is a project member and can log in to Horizon
        s = requests.Session()
        login = values["DASHBOARD_URL"] + "auth/login/?next=/project/images/"
        page = s.get(login, timeout=120)
        from lxml import html
        form = html.fromstring(page.text).xpath(
            "//form[.//input[@name='csrfmiddlewaretoken']]")[0]
        data = {i.get("name"): i.get("value", "")
                for i in form.xpath(".//input[@name]")}
        data.update(username=values["USERNAME"], password=values["PASSWORD"])
        r = s.post(login, data=data, headers={"Referer": login},
                   allow_redirects=False, timeout=120)
        assert r.status_code == 302 and r.headers["Location"] == \
            "/project/images/"

        # every demo entry has the verdict it was made for, through the
        # marketplace's REST API and the demo's trust policy
        policy = trust.TrustPolicy.from_dict(
            {"ca_files": [values["DEMO_CA_FILE"]]})
        expected = dict(e.split(":") for e in
                        values["DEMO_ENTRIES"].split(","))
        assert sorted(expected.values()) == sorted([
            "verified", "verified", "untrusted", "tampered", "expired",
            "deprecated"])
        for ident, label in expected.items():
            body = requests.get("%s/metadata/%s" % (
                values["MARKETPLACE_URL"], ident), params={"status": "all"},
                timeout=30).content
            result = verdict.evaluate(xmlsafe.split_documents(body)[0],
                                      policy)
            want = "verified" if label == "tampered" else label
            assert result.level.value == want, (label, result.reasons)
            if label == "verified":
                # the dashboard shows the chain to the demo CA
                app = result.appliance
                page = s.get("%sproject/marketplace/demo/%s/%s/%s/" % (
                    values["DASHBOARD_URL"], ident, app.endorsement.email,
                    app.endorsement.created_text), timeout=120)
                assert page.status_code == 200
                path = html.fromstring(page.text).xpath(
                    "//ol[@class='marketplace-trust-path']/li")
                assert [li.text_content().rsplit(" (", 1)[1]
                        for li in path] == ["endorser)", "trusted CA)"]
                assert path[0].text_content().startswith(
                    result.certificate["subject"])
            if label == "tampered":  # valid metadata, other image bytes
                app = result.appliance
                served = requests.get(app.locations[0], timeout=30).content
                assert hashlib.sha1(served).hexdigest() != \
                    app.checksums["SHA-1"]  # noqa: S324 - the format's

        # the HEPiX image list, a second catalogue type: both its images
        # verified by the demo's trust policy, and listed so in the panel
        from marketplace_dashboard.core import catalogs
        hepix = catalogs.for_config({"name": "appdb-demo", "type": "hepix",
                                     "url": values["DEMO_HEPIX_LIST"]})
        listed = values["DEMO_HEPIX_IMAGES"].split(",")
        assert len(listed) == 2
        for ident in listed:
            entry = hepix.entries(ident)[0]
            judged = hepix.evaluate(entry, policy)
            assert judged.level.value == "verified", judged.reasons
        page = s.get(values["DASHBOARD_URL"] + "project/marketplace/",
                     params={"marketplace": "appdb-demo"}, timeout=120)
        assert page.status_code == 200
        assert "CirrOS (HEPiX list)" in page.text
        assert "Debian (HEPiX list)" in page.text
        assert page.text.count('data-level="verified"') >= 2
        assert 'data-level="invalid"' not in page.text
    finally:
        status, elapsed = _stop_demo(proc, str(state))
    assert status == 0, "the demo did not stop on SIGTERM within 120 s " \
        "(killed):\n" + _output(tmp_path)
    assert not ready.exists()
    assert _marked(str(state)) == {}
    assert _processes_mentioning(str(state)) == []
    assert _open_ports(ports) == {}, "still listening after %.0f s" % elapsed


def test_demo_stops_promptly_during_start_up(tmp_path):
    """SIGTERM in the middle of the start-up stops everything at once,
    without waiting for the current start-up phase to end."""
    state = tmp_path / "demo-state"
    proc = _demo_command(tmp_path, "--state-dir", str(state),
                         "--port", str(free_port()), "--no-data")
    try:
        # the second start-up phase: Keystone, RabbitMQ and memcached are
        # up, Nova's services are starting (this phase waits up to minutes
        # for the compute node), Horizon is not ready yet
        _wait(lambda: proc.poll() is not None or any(
              "nova-conductor" in cmd for cmd in _marked(str(state)).values()),
              timeout=300, what="the demo's Nova services")
        assert proc.poll() is None, _output(tmp_path)
        assert not (state / "stack.json").exists(), "already up: too late"
    finally:
        status, elapsed = _stop_demo(proc, str(state))
    assert status == 0, _output(tmp_path)
    # the stop itself: SIGTERM, up to 10 s per wave of process groups
    # (services, RabbitMQ + memcached, epmd), then the marker sweep
    assert elapsed < 45, "took %.0f s to stop:\n%s" % (
        elapsed, _output(tmp_path))
    assert _marked(str(state)) == {}
    assert "Stopping" in _output(tmp_path)
