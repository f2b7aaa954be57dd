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

"""The demo's HEPiX image list: a second catalogue type in the panel.

A ``hv:imagelist`` in the AppDB format, endorsed and S/MIME-signed by the
demo's trusted endorser (its DN and CA in the list, as vmcatcher and
atrope check them), served by the image server at :data:`LIST_PATH` and
configured as the marketplace :data:`NAME` (type ``hepix``).  Its images
are the demo's CirrOS and Debian disks, endorsed by their SHA-512.
"""

import datetime
import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

__all__ = ["LIST_PATH", "NAME", "marketplace", "publish", "slash_dn"]

NAME = "appdb-demo"
LIST_PATH = "demo/hepix/image.list"
LIST_ID = "5a9e8c1d-0b7f-5d33-9c6e-2f41d8a0b7c3"
_SHORT = {NameOID.COUNTRY_NAME: "C", NameOID.ORGANIZATION_NAME: "O",
          NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
          NameOID.COMMON_NAME: "CN", NameOID.EMAIL_ADDRESS: "emailAddress"}


def slash_dn(name):
    """*name* (an x509.Name) as the lists write DNs: ``/O=../CN=..``."""
    return "/" + "/".join("%s=%s" % (_SHORT.get(a.oid, a.oid.dotted_string),
                                     a.value)
                          for rdn in name.rdns for a in rdn)


def marketplace(st):
    """The ``marketplaces`` setting of the demo list."""
    return {"name": NAME, "type": "hepix",
            "url": st.image_server.url(LIST_PATH)}


def _stamp(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _image(identifier, title, path, url, fmt, os_name):
    with open(path, "rb") as f:
        data = f.read()
    return {"hv:image": {
        "dc:identifier": identifier, "dc:title": title,
        "dc:description": "Demo appliance of the HEPiX image list.",
        "hv:uri": url, "hv:format": fmt, "hv:size": len(data),
        "sl:checksum:sha512": hashlib.sha512(data).hexdigest(),
        "sl:os": "Linux", "sl:osname": os_name, "sl:osversion": "1.0",
        "sl:arch": "x86_64", "hv:version": "1.0",
        "ad:mpuri": "https://appdb.example/store/vm/image/%s" % identifier,
    }}


def publish(st, endorser, email, disks):
    """Write the signed list for the image server; *disks*: the demo's
    ``{name: path}`` of :func:`stack.imageserver.make_disk_images`."""
    srv = st.image_server
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    images = [
        _image("7c1f0e52-4a0b-5e9d-8f3a-6b2d1c9e0a41", "CirrOS (HEPiX list)",
               disks["disk.qcow2"], srv.url("demo/disks/disk.qcow2"),
               "QCOW2", "CirrOS"),
        _image("2d8b6a40-93e1-5f7c-a1d4-0e5c7b3f9a62", "Debian (HEPiX list)",
               disks["disk.img"], srv.url("demo/disks/disk.img"), "RAW",
               "Debian"),
    ]
    content = json.dumps({"hv:imagelist": {
        "dc:identifier": LIST_ID, "dc:title": "Demo VO image list",
        "dc:description": "Images of the demo VO, in the AppDB format",
        "dc:source": "https://appdb.example/",
        "dc:date:created": _stamp(now - datetime.timedelta(minutes=5)),
        "dc:date:expires": _stamp(now + datetime.timedelta(days=30)),
        "hv:uri": srv.url(LIST_PATH), "hv:version": now.strftime("%Y%m%d"),
        "hv:endorser": {"hv:x509": {
            "dc:creator": "Demo Applications Database",
            "hv:dn": slash_dn(endorser.cert.subject),
            "hv:ca": slash_dn(endorser.cert.issuer),
            "hv:email": email}},
        "hv:images": images,
    }}, indent=2).encode()
    signed = (pkcs7.PKCS7SignatureBuilder().set_data(content)
              .add_signer(endorser.cert, endorser.key, hashes.SHA256())
              .sign(serialization.Encoding.SMIME,
                    [pkcs7.PKCS7Options.DetachedSignature]))
    path = srv.path(LIST_PATH)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(signed)
    return [image["hv:image"]["dc:identifier"] for image in images]
