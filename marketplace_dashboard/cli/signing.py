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

"""The signing options of the creator commands and the signer they name.

A PKCS#12 file or a PEM key + certificate, with the password from
``--password-file``, ``$MARKETPLACE_P12_PASSWORD`` or a terminal prompt —
never from the command line.
"""

import datetime
import getpass
import os
import sys

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from marketplace_dashboard.cli.creator import read_file, warn
from marketplace_dashboard.core import binding, formats, signature
from marketplace_dashboard.core.errors import CommandError

__all__ = [
    'MAX_KEY_FILE_BYTES', 'PASSWORD_ENV', 'add_signing_arguments',
    'load_signer', 'sign', 'signing_requested', 'signing_warnings',
]

PASSWORD_ENV = 'MARKETPLACE_P12_PASSWORD'  # noqa: S105 (a variable name)
MAX_KEY_FILE_BYTES = 1024 * 1024


def add_signing_arguments(parser, required=True, email_required=False,
                          email_help=None):
    """``--p12 FILE | --key PEM --cert PEM``, ``--password-file``,
    ``--email``, ``--digest``."""
    group = parser.add_argument_group(
        'signing options' + ('' if required else ' (to re-sign directly)'),
        'the password of an encrypted PKCS#12 file or PEM key is read from '
        '--password-file, else from $%s, else asked on the terminal'
        % PASSWORD_ENV)
    group.add_argument('--p12', metavar='FILE',
                       help='PKCS#12 file with the private key and the '
                            'certificate')
    group.add_argument('--key', metavar='PEM', help='PEM private key file')
    group.add_argument('--cert', metavar='PEM',
                       help='PEM certificate file of that key')
    group.add_argument('--password-file', metavar='FILE',
                       help='file whose first line is the password')
    group.add_argument('--email', required=email_required,
                       help=email_help or 'endorser e-mail, used when the '
                       'certificate has no subjectAltName e-mail')
    group.add_argument('--digest', choices=('sha256', 'sha1'),
                       default='sha256',
                       help='signature digest (default sha256; sha1 only for '
                            'old verifiers)')


def signing_requested(args):
    return bool(args.p12 or args.key or args.cert)


def _explicit_password(args):
    if args.password_file:
        data = read_file(args.password_file, 'password file',
                         max_bytes=64 * 1024)
        return data.split(b'\n', 1)[0].rstrip(b'\r')
    env = os.environ.get(PASSWORD_ENV)
    if env is not None:
        return env.encode('utf-8')
    return None


class _Locked(Exception):
    """The key file is encrypted and did not open with this password
    (or without one)."""


class _NotThisFormat(Exception):
    """The file is not of the expected kind at all."""


def _looks_like_pkcs12(data):
    """Whether *data* starts as a PKCS#12 PFX: ``SEQUENCE { INTEGER 3``
    (DER, or BER with an indefinite length)."""
    if len(data) < 5 or data[0] != 0x30:
        return False
    offset = 2
    if data[1] & 0x80:
        count = data[1] & 0x7f
        if count > 4:
            return False
        length = int.from_bytes(data[2:2 + count], 'big')
        offset += count
        if count and offset + length > len(data):
            return False
    elif 2 + data[1] > len(data):
        return False
    return data[offset:offset + 3] == b'\x02\x01\x03'


def _load_protected(open_key, path, what, args):
    """``open_key(password)`` with the right password, or a
    :class:`CommandError` saying what is wrong.

    *open_key* raises :class:`_Locked` when the file does not open with
    that password (``None``: without one) and :class:`_NotThisFormat`
    when it is not a file of its kind.  An explicit password
    (``--password-file``, the environment) is tried first, then no
    password, since the variable may be set for another, protected file;
    without an explicit password, no password, then a prompt on a
    terminal.
    """
    password = _explicit_password(args)
    if password is not None:
        try:
            return open_key(password)
        except _Locked:
            pass
        try:
            return open_key(None)
        except _Locked:
            raise CommandError('cannot open %s %s: wrong password'
                               % (what, path)) from None
    try:
        return open_key(None)
    except _Locked:
        pass
    if not sys.stdin.isatty():
        raise CommandError(
            '%s %s is password-protected: give the password with '
            '--password-file FILE or the %s environment variable'
            % (what, path, PASSWORD_ENV))
    password = getpass.getpass('Password for %s: ' % path).encode()
    try:
        return open_key(password)
    except _Locked:
        raise CommandError('cannot open %s %s: wrong password'
                           % (what, path)) from None


def _load_p12(args):
    data = read_file(args.p12, 'PKCS#12 file', MAX_KEY_FILE_BYTES)

    def open_key(password):
        if not _looks_like_pkcs12(data):
            raise _NotThisFormat()
        try:
            return pkcs12.load_key_and_certificates(data, password)
        except ValueError:
            # Wrong or missing password, or a damaged file: OpenSSL cannot
            # tell them apart once the MAC does not match.
            raise _Locked() from None

    try:
        key, cert, _chain = _load_protected(open_key, args.p12,
                                            'PKCS#12 file', args)
    except _NotThisFormat:
        raise CommandError(
            '%s is not a PKCS#12 file (--p12 expects a .p12/.pfx keystore '
            'holding the private key and its certificate)'
            % args.p12) from None
    if key is None:
        raise CommandError('PKCS#12 file %s contains no private key'
                           % args.p12)
    if cert is None:
        raise CommandError('PKCS#12 file %s contains no certificate'
                           % args.p12)
    return key, cert


def _load_pem(args):
    key_data = read_file(args.key, 'key file', MAX_KEY_FILE_BYTES)
    cert_data = read_file(args.cert, 'certificate file', MAX_KEY_FILE_BYTES)
    try:
        cert = x509.load_pem_x509_certificate(cert_data)
    except ValueError:
        raise CommandError('certificate file %s does not contain a PEM '
                           'certificate' % args.cert) from None

    def open_key(password):
        try:
            return serialization.load_pem_private_key(key_data, password)
        except TypeError:
            # encrypted and no password, or a password for a plain key
            raise _Locked() from None
        except ValueError:
            if password is None:
                raise _NotThisFormat() from None
            raise _Locked() from None  # wrong password, or not a key
        except UnsupportedAlgorithm as exc:
            raise CommandError('key file %s uses an unsupported algorithm: '
                               '%s' % (args.key, exc)) from None

    try:
        key = _load_protected(open_key, args.key, 'PEM private key', args)
    except _NotThisFormat:
        raise CommandError(
            '%s is not a PEM key: the key file does not contain a PEM '
            'private key ("-----BEGIN ... PRIVATE KEY-----")'
            % args.key) from None
    return key, cert


def load_signer(args):
    """``(private_key, certificate)`` from the signing options."""
    if args.p12 and (args.key or args.cert):
        raise CommandError('give either --p12 or --key and --cert, not both')
    if args.p12:
        key, cert = _load_p12(args)
    elif args.key and args.cert:
        key, cert = _load_pem(args)
    elif args.key or args.cert:
        raise CommandError('--key and --cert must be given together')
    else:
        raise CommandError('no signing key: give --p12 FILE, or --key PEM '
                           'and --cert PEM')
    return key, cert


def signing_warnings(cert, email=None, now=None):
    """What is worth telling before signing with *cert* (list of str): a
    certificate outside its validity period, an ``--email`` the
    certificate's own e-mail overrides."""
    now = now or datetime.datetime.now(datetime.UTC)
    subject = binding.java_dn(cert.subject)
    warnings = []
    if now < cert.not_valid_before_utc:
        warnings.append(
            'the certificate %s is not valid before %s: the signature will '
            'verify, but verifiers that check certificates will not trust '
            'this endorsement' % (subject, formats.format_date(
                cert.not_valid_before_utc)))
    elif now > cert.not_valid_after_utc:
        warnings.append(
            'the certificate %s expired on %s: the signature will verify, '
            'but verifiers that check certificates will not trust this '
            'endorsement; renew the certificate'
            % (subject, formats.format_date(cert.not_valid_after_utc)))
    cert_email = binding.certificate_email(cert)
    if email and cert_email and email != cert_email:
        warnings.append(
            '--email %s is ignored: the certificate carries the e-mail %s, '
            'which is the endorser e-mail of the signed document'
            % (email, cert_email))
    return warnings


def sign(data, args, signer=None):
    """Signed bytes of *data* with the signing options of *args*.

    The core checks that the key matches the certificate.
    """
    key, cert = signer or load_signer(args)
    for warning in signing_warnings(cert, args.email):
        warn(warning)
    if args.digest == 'sha1':
        warn('signing with RSA-SHA1 for old verifiers; SHA-1 is weak and '
             'modern verifiers warn about or refuse it')
    return signature.sign_document(data, key, cert, email=args.email,
                                   digest=args.digest)
