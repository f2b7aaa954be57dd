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

"""Demo data for ``tools/demo``: a demo CA, endorsers, signed entries.

Everything is made here, at start-up, in the stack's state directory: an
RSA demo CA and endorsers (``cryptography``), small real disk images
(``qemu-img``; raw, qcow2 and gzip copies) on the stack's image server, and
metadata entries built and signed with the core
(``core.builder.build_document``, ``core.signature.sign_document``) and
uploaded to the stack's ``marketplace-server`` through its REST API:

========================  ============================================
entry (title)             what the dashboard should show
========================  ============================================
CirrOS demo (qcow2)       verified (demo CA), importable
Debian demo (raw, gzip)   verified, gzip-compressed location
Untrusted demo            untrusted: self-signed endorser, not the CA
Tampered demo             verified metadata, but the image server sends
                          other bytes: the import must fail the checksums
Expired demo              expired (``dcterms:valid`` in the past)
Deprecated demo           deprecated, with a reason
========================  ============================================

The trust policy of the demo Horizon (``horizon_settings``) trusts the demo
CA only.  A second marketplace of another catalogue type, ``appdb-demo``,
is a HEPiX image list signed by the trusted endorser
(:mod:`stack.demo_hepix`): *CirrOS (HEPiX list)* and *Debian (HEPiX list)*,
both verified.
"""

import dataclasses
import datetime
import hashlib
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
import requests

from marketplace_dashboard.core import builder, signature, xmlsafe
from stack import demo_hepix, imageserver

__all__ = ["TRUSTED_EMAIL", "UNTRUSTED_EMAIL", "UTC", "Credential", "DemoPKI",
           "Entry", "horizon_settings", "load", "make_entries", "make_pki",
           "pki_for", "upload"]

UTC = datetime.UTC
TRUSTED_EMAIL = "alice.endorser@demo.example.org"
UNTRUSTED_EMAIL = "mallory@untrusted.example.org"


@dataclasses.dataclass
class Credential:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    def cert_pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _name(cn):
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "EU"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Marketplace Demo"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Demo"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, key, issuer=None, ca=False, email=None, days=365):
    now = datetime.datetime.now(UTC).replace(microsecond=0)
    signer = issuer or Credential(key, None)
    b = (x509.CertificateBuilder()
         .subject_name(subject)
         .issuer_name(issuer.cert.subject if issuer else subject)
         .public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=1))
         .not_valid_after(now + datetime.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None),
                        critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(
             key.public_key()), critical=False)
         .add_extension(x509.KeyUsage(
             digital_signature=not ca, content_commitment=not ca,
             key_encipherment=False, data_encipherment=False,
             key_agreement=False, key_cert_sign=ca, crl_sign=ca,
             encipher_only=False, decipher_only=False), critical=True))
    if email:
        b = b.add_extension(x509.SubjectAlternativeName(
            [x509.RFC822Name(email)]), critical=False)
    if issuer is not None:
        b = b.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer.key.public_key()), critical=False)
    return Credential(key, b.sign(signer.key, hashes.SHA256()))


def _new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclasses.dataclass
class DemoPKI:
    ca: Credential
    trusted: Credential
    untrusted: Credential
    ca_file: str


def make_pki(directory):
    """Demo CA, a CA-issued endorser and a self-signed one; the CA PEM is
    written to ``directory/demo-ca.pem``."""
    os.makedirs(directory, exist_ok=True)
    ca_key = _new_key()
    ca = _cert(_name("Marketplace Demo CA"), ca_key, ca=True, days=3650)
    trusted = _cert(_name("Alice Endorser"), _new_key(), issuer=ca,
                    email=TRUSTED_EMAIL)
    untrusted = _cert(_name("Mallory Self-Signed"), _new_key(),
                      email=UNTRUSTED_EMAIL)
    ca_file = os.path.join(directory, "demo-ca.pem")
    with open(ca_file + ".tmp", "wb") as f:
        f.write(ca.cert_pem())
    os.replace(ca_file + ".tmp", ca_file)
    return DemoPKI(ca, trusted, untrusted, ca_file)


_PKI = {}


def pki_for(st):
    """The stack's demo PKI (made once, under <state>/demo)."""
    if st.base not in _PKI:
        _PKI[st.base] = make_pki(os.path.join(st.base, "demo"))
    return _PKI[st.base]


def horizon_settings(st):
    """MARKETPLACE_DASHBOARD for the demo Horizon: our marketplace, the
    demo CA as the only trust anchor."""
    settings = {"trust": {"ca_files": [pki_for(st).ca_file],
                          "trusted_endorsers": []},
                # Nova's fake driver is no KVM host: imported images must
                # not ask for one, or they can never be scheduled.
                "import": {"set_hypervisor_type": False}}
    if st.marketplace_url:
        settings["marketplaces"] = [{"name": "demo",
                                     "url": st.marketplace_url},
                                    demo_hepix.marketplace(st)]
    return settings


def _checksums(path):
    sums = {a: hashlib.new(a.replace("-", "").lower())
            for a in ("MD5", "SHA-1", "SHA-256", "SHA-512")}
    size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            size += len(chunk)
            for h in sums.values():
                h.update(chunk)
    return size, {a: h.hexdigest() for a, h in sums.items()}


def _raw_image(path, mib=2):
    """A raw disk image with distinct content (random first 64 KiB)."""
    with open(path + ".tmp", "wb") as f:
        f.write(os.urandom(64 * 1024))
        f.truncate(mib * 1024 * 1024)
    os.replace(path + ".tmp", path)
    return path


@dataclasses.dataclass
class Entry:
    title: str
    expected: str
    identifier: str
    location: str
    document: bytes


def _entry(st, signer, title, image, location, expected, image_format,
           compression="", os_name="CirrOS", valid_days=365, now=None,
           deprecated=None):
    size, sums = _checksums(image)
    doc = builder.build_document(
        size, sums, os=os_name, os_version="1.0", os_arch="x86_64",
        image_version="1.0", image_format=image_format,
        locations=[location], compression=compression, title=title,
        comment="Demo appliance: %s." % expected, author="Demo Team",
        valid_days=valid_days, now=now)
    if deprecated:
        doc = builder.serialize(builder.mark_deprecated(
            xmlsafe.parse_xml(doc), deprecated))
    signed = signature.sign_document(doc, signer.key, signer.cert)
    ident = xmlsafe.parse_xml(signed).findtext(
        ".//{http://purl.org/dc/terms/}identifier")
    return Entry(title, expected, ident, location, signed)


def make_entries(st):
    pki = pki_for(st)
    srv = st.image_server
    disks = imageserver.make_disk_images(srv.path("demo/disks"))
    rel = {name: "demo/disks/" + name for name in disks}
    entries = [
        _entry(st, pki.trusted, "CirrOS demo (qcow2)", disks["disk.qcow2"],
               srv.url(rel["disk.qcow2"]), "verified", "qcow2"),
        _entry(st, pki.trusted, "Debian demo (raw, gzip)", disks["disk.img"],
               srv.url(rel["disk.img.gz"]), "verified", "raw",
               compression="gz", os_name="Debian"),
    ]
    extra = {}
    for name in ("untrusted", "tampered", "expired", "deprecated"):
        extra[name] = _raw_image(srv.path("demo/%s.img" % name))
    entries.append(_entry(
        st, pki.untrusted, "Untrusted demo", extra["untrusted"],
        srv.url("demo/untrusted.img"), "untrusted", "raw"))
    entries.append(_entry(
        st, pki.trusted, "Tampered demo", extra["tampered"],
        srv.url("demo/tampered.img"), "tampered", "raw"))
    # the server now sends other bytes than the endorsed ones
    srv.override("demo/tampered.img", os.urandom(2 * 1024 * 1024))
    entries.append(_entry(
        st, pki.trusted, "Expired demo", extra["expired"],
        srv.url("demo/expired.img"), "expired", "raw", valid_days=1,
        now=datetime.datetime.now(UTC) - datetime.timedelta(days=30)))
    entries.append(_entry(
        st, pki.trusted, "Deprecated demo", extra["deprecated"],
        srv.url("demo/deprecated.img"), "deprecated", "raw",
        deprecated="Superseded by CirrOS demo (qcow2)."))
    return entries


def upload(st, entries):
    for e in entries:
        r = requests.post(st.marketplace_url + "/metadata", data=e.document,
                          headers={"Content-Type": "application/xml"},
                          timeout=30)
        if r.status_code != 201:
            raise RuntimeError("the marketplace refused the demo entry %r: "
                               "HTTP %d %s" % (e.title, r.status_code,
                                               r.text[:300]))


def load(st):
    """Create and upload the demo entries; extra ready-file values."""
    if not st.marketplace_url:
        return {}
    entries = make_entries(st)
    upload(st, entries)
    disks = {name: st.image_server.path("demo/disks/" + name)
             for name in ("disk.qcow2", "disk.img")}
    listed = demo_hepix.publish(st, pki_for(st).trusted, TRUSTED_EMAIL,
                                disks)
    return {"DEMO_CA_FILE": pki_for(st).ca_file,
            "DEMO_HEPIX_LIST": st.image_server.url(demo_hepix.LIST_PATH),
            "DEMO_HEPIX_IMAGES": ",".join(listed),
            "DEMO_ENTRIES": ",".join("%s:%s" % (e.identifier, e.expected)
                                     for e in entries)}
