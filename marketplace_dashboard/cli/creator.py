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

"""Helpers shared by the creator commands (build, sign, upload, ...).

Error handling (a sentence on stderr, exit status 1, never a traceback),
all-or-nothing file writes, reading documents, and the signing options:
loading a PKCS#12 file or a PEM key + certificate, with the password from
``--password-file``, ``$MARKETPLACE_P12_PASSWORD`` or a terminal prompt —
never from the command line.  Also the options every command that talks to
a marketplace or evaluates trust shares: the endpoint (``--endpoint``, its
TLS CA bundle) and the trust policy (CA files, trusted endorsers, SHA-1).
"""

import argparse
import datetime
import errno
import functools
import getpass
import os
import shutil
import sys
import tempfile

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from marketplace_dashboard.core import (
    binding,
    client,
    model,
    signature,
    trust,
    xmlsafe,
)
from marketplace_dashboard.core.errors import (  # noqa: F401
    CommandError,
    MarketplaceError,
    MarketplaceHTTPError,
    UploadFailed,
)

PASSWORD_ENV = 'MARKETPLACE_P12_PASSWORD'  # noqa: S105 (a variable name)
MAX_KEY_FILE_BYTES = 1024 * 1024


def warn(message):
    print('Warning: %s' % message, file=sys.stderr)


def command(run):
    """Wrap a command: core/command errors become ``Error: ...``, exit 1."""
    @functools.wraps(run)
    def wrapper(args):
        try:
            return run(args)
        except MarketplaceError as exc:
            print('%s%s' % (getattr(exc, 'prefix', 'Error: '), exc),
                  file=sys.stderr)
            return 1
    return wrapper


def non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            'expected a non-negative integer, got %r' % text)
    return value


def read_file(path, what='file', max_bytes=xmlsafe.DEFAULT_MAX_BYTES):
    """Bytes of *path*, or :class:`CommandError` (missing, too large...)."""
    try:
        with open(path, 'rb') as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise CommandError('cannot read %s %s: %s' % (
            what, path, exc.strerror or exc)) from None
    if len(data) > max_bytes:
        raise CommandError('%s %s is too large (more than %d bytes)'
                           % (what, path, max_bytes))
    return data


def _directory(path):
    return os.path.dirname(os.path.abspath(path))


def check_writable(path, overwrite=False):
    """Fail early when *path* cannot be written (exists, bad directory)."""
    if not overwrite and os.path.lexists(path):
        raise CommandError('%s already exists; use --force to overwrite it'
                           % path)
    if os.path.isdir(path):
        raise CommandError('%s is a directory' % path)
    try:
        fd, probe = tempfile.mkstemp(dir=_directory(path), prefix='.probe-')
    except OSError as exc:
        raise CommandError('cannot write %s: %s' % (
            path, exc.strerror or exc)) from None
    os.close(fd)
    os.unlink(probe)


def _cannot_write(path, exc):
    return CommandError('cannot write %s: %s' % (path, exc.strerror or exc))


def _write_temp(path, data, mode=None):
    """A complete, flushed copy of *data* in a temporary file next to
    *path* (same file system, so it can be renamed); returns its name."""
    try:
        fd, tmp = tempfile.mkstemp(
            dir=_directory(path), prefix='.%s.' % os.path.basename(path),
            suffix='.tmp')
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
    except OSError as exc:
        os.unlink(tmp)
        raise _cannot_write(path, exc) from None
    return tmp


def _discard(*paths):
    for path in paths:
        if os.path.lexists(path):
            os.unlink(path)


#: link() errors of file systems without hard links (FAT, some network and
#: FUSE file systems) or where the kernel refuses one (protected_hardlinks).
_NO_HARD_LINKS = frozenset(
    getattr(errno, name) for name in ('EPERM', 'ENOTSUP', 'EOPNOTSUPP',
                                      'EXDEV', 'ENOSYS', 'EMLINK')
    if hasattr(errno, name))


def _place_new(tmp, path):
    """Move the complete file *tmp* to *path*, which must not exist
    (``FileExistsError`` otherwise, *tmp* left in place).

    A hard link fails if *path* exists, atomically.  Without hard links,
    ``O_EXCL`` reserves the name (failing if it exists) and the complete
    file is renamed over that empty placeholder, which is removed again if
    the rename fails; an existing file is never replaced either way.
    """
    try:
        os.link(tmp, path)
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
    else:
        os.unlink(tmp)
        return
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        os.replace(tmp, path)
    except OSError:
        _discard(path)
        raise


def write_atomic(path, data, overwrite=True):
    """Write *data* to *path* completely or not at all.

    The data goes to a temporary file in the same directory, then is
    renamed over *path* (``overwrite``) or put there only if *path* does
    not exist (see :func:`_place_new`: the check and the move are one
    step, so a file that appeared meanwhile is never replaced).
    """
    tmp = _write_temp(path, data)
    try:
        if overwrite:
            os.replace(tmp, path)
        else:
            _place_new(tmp, path)
    except FileExistsError:
        _discard(tmp)
        raise CommandError('%s already exists; use --force to overwrite it'
                           % path) from None
    except OSError as exc:
        _discard(tmp)
        raise _cannot_write(path, exc) from None


def _copy(path, copy):
    """A complete copy of *path* (content, mode, times) as the new file
    *copy*."""
    with open(path, 'rb') as source, open(copy, 'xb') as target:
        shutil.copyfileobj(source, target)
        target.flush()
        os.fsync(target.fileno())
    shutil.copystat(path, copy)


def replace_keeping_original(path, data):
    """Write *data* over *path*, keeping the previous content as
    ``path.orig`` — created only once the new content is safely on disk,
    and *path* never missing in between.  The original is hard-linked to
    ``path.orig``, or copied on file systems without hard links."""
    try:
        mode = os.stat(path).st_mode & 0o777
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    tmp = _write_temp(path, data, mode)
    link = tmp + '.orig'
    try:
        try:
            os.link(path, link)
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            _copy(path, link)
        os.replace(link, path + '.orig')
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp, link)
        raise _cannot_write(path, exc) from None


# -- signing options -------------------------------------------------------

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
            'this endorsement' % (subject, model.format_date(
                cert.not_valid_before_utc)))
    elif now > cert.not_valid_after_utc:
        warnings.append(
            'the certificate %s expired on %s: the signature will verify, '
            'but verifiers that check certificates will not trust this '
            'endorsement; renew the certificate' % (subject, model.format_date(
                cert.not_valid_after_utc)))
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


# -- endpoint options ------------------------------------------------------

def add_endpoint_arguments(parser, ca_option='--ca-file',
                           timeout_option=None):
    """``--endpoint URL``, *ca_option* (the marketplace's TLS CA bundle,
    stored as ``endpoint_ca_file``) and *timeout_option* (stored as
    ``endpoint_timeout``) for :func:`make_client`.

    *timeout_option* defaults to ``--timeout``, or ``--endpoint-timeout``
    when *ca_option* is ``--endpoint-...`` (``import``, whose own
    ``--timeout`` is for ``--wait``).
    """
    def seconds(text):
        try:
            value = float(text)
        except ValueError:
            value = 0
        if not 0 < value <= client.MAX_SECONDS:
            raise argparse.ArgumentTypeError(
                'expected a number of seconds (more than 0, at most %d), '
                'got %r' % (client.MAX_SECONDS, text))
        return value

    if timeout_option is None:
        timeout_option = ('--endpoint-timeout'
                          if ca_option.startswith('--endpoint-')
                          else '--timeout')
    parser.add_argument('--endpoint', required=True, metavar='URL',
                        help='marketplace service root, e.g. '
                             'https://marketplace.example.org/marketplace')
    parser.add_argument(ca_option, dest='endpoint_ca_file', metavar='PEM',
                        help='CA bundle to verify the marketplace\'s TLS '
                             'certificate (default: system CAs)')
    parser.add_argument(
        timeout_option, dest='endpoint_timeout', metavar='SECONDS',
        type=seconds,
        help='how long to wait for the marketplace to accept the '
             'connection and for each part of its answer (default: %g and '
             '%g); a request may take at most the larger of %g s and twice '
             'this in all' % (client.DEFAULT_TIMEOUT + (
                 client.DEFAULT_DEADLINE,)))


def make_client(args):
    """Marketplace client of the endpoint options (TLS verification on,
    with the given CA bundle or the system CAs; the given timeout)."""
    config = client.MarketplaceConfig(
        name=args.endpoint, url=args.endpoint,
        verify=args.endpoint_ca_file or True,
        timeout=getattr(args, 'endpoint_timeout', None))
    return client.MarketplaceClient(config)


# -- trust options ---------------------------------------------------------

def add_trust_arguments(
        parser, ca_option='--ca-file',
        ca_help='trusted CA certificates (PEM bundle; repeatable)',
        endorser_help='trusted endorser e-mail or subject DN (repeatable)',
        refuse_sha1=False):
    """*ca_option* and ``--trusted-endorser`` (both repeatable), and with
    *refuse_sha1* ``--refuse-sha1``, for :func:`trust_policy`."""
    parser.add_argument(ca_option, dest='trust_ca_files', action='append',
                        default=[], metavar='PEM', help=ca_help)
    parser.add_argument('--trusted-endorser', dest='trusted_endorsers',
                        action='append', default=[], metavar='EMAIL_OR_DN',
                        help=endorser_help)
    if refuse_sha1:
        parser.add_argument('--refuse-sha1', action='store_true',
                            help='treat SHA-1 signatures as invalid')
    else:
        parser.set_defaults(refuse_sha1=False)


def trust_policy(args):
    """Core :class:`~marketplace_dashboard.core.trust.TrustPolicy` of the
    trust options; ``ConfigurationError`` (a ``MarketplaceError``) when a
    CA file is unusable."""
    return trust.TrustPolicy(
        ca_files=args.trust_ca_files, trusted_endorsers=args.trusted_endorsers,
        sha1='refuse' if args.refuse_sha1 else 'warn')


def upload(marketplace, data):
    """POST *data*; the new entry's URL.  HTTP errors are shown as the
    original client did: ``Failed to upload: <status>: <message>``."""
    try:
        return marketplace.upload(data)
    except MarketplaceHTTPError as exc:
        raise UploadFailed('Failed to upload: %s: %s' % (
            exc.status, exc.server_message or exc)) from None
