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

"""A real OCI distribution registry on loopback for the tests.

Debian's ``docker-registry`` (the CNCF distribution registry, installed by
``tools/bootstrap``) serving plain HTTP on ``127.0.0.1:<free port>`` with
filesystem storage in its state directory; every process it runs carries
the stack's marker (``MARKETPLACE_STACK=<marker dir>``), so
:func:`stack.processes.kill_marked` finds it if its owner dies.
Appliances are pushed with ``oras`` (PyPI) as EGI does:

    with Registry(tmpdir) as reg:
        pushed = reg.push_appliance("cirros", "0.6-20260101-0123abcd",
                                    "disk.qcow2", egi_annotations(...))
        reg.blob_path(pushed.layer_digest)   # the stored bytes (tamper)
"""

import dataclasses
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

from stack.processes import MARKER, StackError, dedent, free_port

__all__ = ["QEMU_DISK", "Pushed", "Registry", "egi_annotations"]

#: the media type EGI pushes qcow2 layers with
QEMU_DISK = "application/x-qemu-disk"


@dataclasses.dataclass(frozen=True)
class Pushed:
    """What :meth:`Registry.push_appliance` pushed."""

    repository: str
    tag: str
    layer_digest: str
    layer_size: int
    manifest_digest: str


def egi_annotations(os_distro="ubuntu", os_version="22.04",
                    architecture="x86_64", description="", source="",
                    revision="", tag="", os_type="linux",
                    admin_user="ubuntu", disk_format="qcow2",
                    container_format="bare"):
    """The manifest annotations of an EGI appliance (what the EGI
    Artefact Registry's images carry)."""
    return {
        "org.openstack.glance.os_distro": os_distro,
        "org.openstack.glance.os_version": os_version,
        "org.openstack.glance.os_type": os_type,
        "org.openstack.glance.os_admin_user": admin_user,
        "org.openstack.glance.architecture": architecture,
        "org.openstack.glance.disk_format": disk_format,
        "org.openstack.glance.container_format": container_format,
        "eu.egi.cloud.tag": tag,
        "eu.egi.cloud.description": description,
        "org.opencontainers.image.source": source,
        "org.opencontainers.image.revision": revision,
    }


class Registry:
    """``docker-registry serve`` on loopback, state under *state_dir*.

    *marker*: the directory put in ``MARKETPLACE_STACK`` (default: the
    state directory; give a stack's ``base`` to have its ``stop()`` find
    the registry too).  *token*: a started
    :class:`~stack.registry_token.TokenService` whose tokens the registry
    then requires (``auth: token``); two registries on one state directory
    share its storage (push anonymously, then serve with tokens).
    """

    def __init__(self, state_dir, marker=None, binary=None, token=None):
        self.state_dir = os.path.abspath(state_dir)
        self.marker = os.path.abspath(marker or state_dir)
        self.binary = binary or shutil.which("docker-registry") or \
            "/usr/bin/docker-registry"
        self.storage = os.path.join(self.state_dir, "storage")
        self.log_file = os.path.join(self.state_dir, "logs", "registry.out")
        self.port = None
        self.proc = None
        self.token = token

    # ------------------------------------------------------------ lifecycle
    def start(self, timeout=60):
        if not os.path.exists(self.binary):
            raise StackError("docker-registry not found: install the Debian "
                             "package docker-registry (tools/bootstrap "
                             "does)")
        os.makedirs(self.storage, exist_ok=True)
        os.makedirs(os.path.dirname(self.log_file), exist_ok=True)
        self.port = free_port()
        config = os.path.join(self.state_dir, "config.yml")
        with open(config, "w") as f:
            f.write(dedent(f"""
                version: 0.1
                log:
                  level: info
                  accesslog:
                    disabled: false
                storage:
                  filesystem:
                    rootdirectory: {self.storage}
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:{self.port}
                  headers:
                    X-Content-Type-Options: [nosniff]
                """))
            if self.token is not None:
                bundle = os.path.join(self.state_dir, "token-signer.pem")
                with open(bundle, "wb") as pem:
                    pem.write(self.token.cert_pem())
                f.write(dedent(f"""
                    auth:
                      token:
                        realm: {self.token.realm}
                        service: {self.token.service}
                        issuer: {self.token.issuer}
                        rootcertbundle: {bundle}
                    """))
        env = dict(os.environ, **{MARKER: self.marker, "HOME":
                                  self.state_dir})
        with open(self.log_file, "a") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed argv
                [self.binary, "serve", config], env=env, stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise StackError("docker-registry exited with status %s:\n%s"
                                 % (self.proc.returncode, self.log_tail()))
            try:
                with urllib.request.urlopen(  # noqa: S310 - loopback URL
                        self.base_url + "/v2/", timeout=2) as r:
                    if r.status == 200:
                        return self
            except urllib.error.HTTPError as e:
                if e.code == 401 and self.token is not None:
                    return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise StackError("docker-registry not ready after %ds:\n%s"
                         % (timeout, self.log_tail()))

    def stop(self, timeout=10):
        p, self.proc = self.proc, None
        if p is None or p.poll() is not None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                return
            try:
                p.wait(timeout)
                return
            except subprocess.TimeoutExpired:
                continue

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def log_tail(self, nbytes=4000):
        try:
            with open(self.log_file, errors="replace") as f:
                f.seek(max(os.path.getsize(self.log_file) - nbytes, 0))
                return f.read()
        except OSError:
            return ""

    # ------------------------------------------------------------ addresses
    @property
    def host(self):
        return "127.0.0.1:%d" % self.port

    @property
    def base_url(self):
        return "http://%s" % self.host

    def blob_url(self, repository, digest):
        return "%s/v2/%s/blobs/%s" % (self.base_url, repository, digest)

    def blob_path(self, digest):
        """The file the registry stores a blob's bytes in."""
        algorithm, _, hexdigest = digest.partition(":")
        return os.path.join(self.storage, "docker", "registry", "v2",
                            "blobs", algorithm, hexdigest[:2], hexdigest,
                            "data")

    # --------------------------------------------------------------- content
    def push_blob(self, repository, data):
        """Upload *data* as a blob of *repository* (the distribution API's
        monolithic upload); its digest."""
        import hashlib

        import requests

        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        started = requests.post(
            "%s/v2/%s/blobs/uploads/" % (self.base_url, repository),
            timeout=10)
        started.raise_for_status()
        location = started.headers["Location"]
        if location.startswith("/"):
            location = self.base_url + location
        done = requests.put(location, params={"digest": digest}, data=data,
                            headers={"Content-Type":
                                     "application/octet-stream"},
                            timeout=10)
        done.raise_for_status()
        return digest

    def put_manifest(self, repository, reference, body,
                     media_type="application/vnd.oci.image.manifest.v1+json"):
        """PUT the manifest *body* (bytes) at *reference* (a tag)."""
        import requests

        response = requests.put(
            "%s/v2/%s/manifests/%s" % (self.base_url, repository, reference),
            data=body, headers={"Content-Type": media_type}, timeout=10)
        response.raise_for_status()
        return response.headers.get("Docker-Content-Digest")

    def push_appliance(self, name, tag, path, annotations,
                       prefix="egi_vm_images"):
        """Push the image file *path* as ``<file>:application/x-qemu-disk``
        into ``<prefix>/<name>:<tag>`` with the manifest *annotations*
        (``oras``, as EGI's pipeline does)."""
        import oras.client

        repository = "%s/%s" % (prefix, name) if prefix else name
        client = oras.client.OrasClient(hostname=self.host, insecure=True)
        client.push(target="%s/%s:%s" % (self.host, repository, tag),
                    files=["%s:%s" % (path, QEMU_DISK)],
                    manifest_annotations=dict(annotations),
                    disable_path_validation=True, quiet=True)
        manifest = client.get_manifest("%s/%s:%s" % (self.host, repository,
                                                     tag))
        layer = manifest["layers"][0]
        request = urllib.request.Request(  # noqa: S310 - loopback URL
            "%s/v2/%s/manifests/%s" % (self.base_url, repository, tag),
            method="HEAD", headers={
                "Accept": manifest.get("mediaType") or
                "application/vnd.oci.image.manifest.v1+json"})
        with urllib.request.urlopen(request, timeout=10) as r:  # noqa: S310
            manifest_digest = r.headers["Docker-Content-Digest"]
        return Pushed(repository, tag, layer["digest"], int(layer["size"]),
                      manifest_digest)
