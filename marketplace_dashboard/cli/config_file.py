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

"""The command-line configuration file: marketplaces and trust policy.

The file is chosen by ``--config PATH``, else
``$MARKETPLACE_DASHBOARD_CONFIG``, else
``$XDG_CONFIG_HOME/marketplace-dashboard/config.yaml`` (``~/.config`` when
``XDG_CONFIG_HOME`` is unset).  It holds, in YAML, the same mapping as
the dashboard's ``MARKETPLACE_DASHBOARD`` setting (``marketplaces``,
``trust``, ``import``, ...), validated the same way.  A file named by
``--config`` or the variable must exist; a missing default file means no
configuration.  Relative paths in the file (CA bundles, CRLs, cosign
public keys, a HEPiX list's ``token_file``) are relative to the file's
directory.

:func:`apply` fills in the options a command was not given: the endpoint of
``--marketplace NAME`` or of the first configured marketplace (with its
``ca_file`` and ``timeout``), the trust policy and the import policy.
Options given on the command line always win.
"""

import os

from marketplace_dashboard.core.errors import CommandError, ConfigurationError

__all__ = [
    'ENV', 'MAX_BYTES', 'USED_BY', 'Config', 'apply', 'default_path',
    'find', 'load', 'used_by',
]

ENV = 'MARKETPLACE_DASHBOARD_CONFIG'
MAX_BYTES = 1024 * 1024


class Config:
    """A validated configuration file (*path* None: no file)."""

    def __init__(self, path=None, settings=None):
        self.path = path
        self.marketplaces = tuple(settings.marketplaces) if settings else ()
        self.trust = dict(settings.trust) if settings else {}
        self.import_options = dict(settings.import_options) \
            if settings else {}

    def marketplace(self, name):
        for entry in self.marketplaces:
            if entry['name'] == name:
                return entry
        return None


def default_path(environ=None):
    environ = os.environ if environ is None else environ
    base = environ.get('XDG_CONFIG_HOME') or os.path.join(
        os.path.expanduser('~'), '.config')
    return os.path.join(base, 'marketplace-dashboard', 'config.yaml')


def find(option=None, environ=None):
    """``(path, required)``: the file to read and whether it must exist."""
    environ = os.environ if environ is None else environ
    if option:
        return option, True
    if environ.get(ENV):
        return environ[ENV], True
    return default_path(environ), False


def _read(path, required):
    try:
        with open(path, 'rb') as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        if not required:
            return None
        raise CommandError('configuration file %s does not exist' % path
                           ) from None
    except OSError as exc:
        raise CommandError('cannot read configuration file %s: %s'
                           % (path, exc.strerror or exc)) from None
    if len(data) > MAX_BYTES:
        raise CommandError('configuration file %s is too large (more than '
                           '%d bytes)' % (path, MAX_BYTES))
    return data


def _validate(value):
    """conf.validate, whose messages are lazy Django translations: give
    Django minimal settings when the command line has none."""
    from django.conf import settings
    if not settings.configured:
        settings.configure(USE_I18N=False)
    from marketplace_dashboard import conf
    try:
        validated = conf.validate(value)
    except ConfigurationError as exc:
        # Render the lazy message while settings are known to be usable.
        raise ConfigurationError(str(exc)) from None
    return validated


def _strings(value, key):
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or \
            not all(isinstance(item, str) for item in value):
        raise ConfigurationError('trust[%r] must be a list of strings, not '
                                 '%r' % (key, value))


def _seconds(value):
    if isinstance(value, list) and len(value) == 2:
        return all(_seconds(item) for item in value)
    return not isinstance(value, bool) and isinstance(value, (int, float)) \
        and value > 0


def _check(settings):
    # imported when a file is read: build and sign need no X.509 path
    # validation at start-up
    from marketplace_dashboard.core import trust
    unknown = sorted(set(settings.trust) - set(trust.SETTINGS))
    if unknown:
        raise ConfigurationError(
            'unknown trust setting(s) %s; valid keys are %s'
            % (', '.join(map(repr, unknown)),
               ', '.join(map(repr, trust.SETTINGS))))
    for key in ('ca_files', 'trusted_endorsers', 'crl_files'):
        _strings(settings.trust.get(key) or [], key)
    if settings.trust.get('sha1', 'warn') not in trust.SHA1_POLICIES:
        raise ConfigurationError(
            "trust['sha1'] must be one of %s, not %r"
            % (', '.join(trust.SHA1_POLICIES), settings.trust['sha1']))
    for index, entry in enumerate(settings.marketplaces):
        ca_file = entry.get('ca_file')
        if ca_file is not None and not isinstance(ca_file, str):
            raise ConfigurationError(
                "marketplaces[%d]['ca_file'] must be a path, not %r"
                % (index, ca_file))
        timeout = entry.get('timeout')
        if timeout is not None and not _seconds(timeout):
            raise ConfigurationError(
                "marketplaces[%d]['timeout'] must be a number of seconds "
                "(more than 0) or [connect, read], not %r" % (index, timeout))
    from marketplace_dashboard.core.imports import ImportPolicy
    ImportPolicy.from_dict(settings.import_options)


def load(path, required=True):
    """The :class:`Config` of *path*; ``Config()`` when it is missing and
    not *required*.  :class:`CommandError` for any problem."""
    data = _read(path, required)
    if data is None:
        return Config()
    import yaml
    try:
        value = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None)
        where = ' (line %d)' % (mark.line + 1) if mark else ''
        raise CommandError('configuration file %s is not valid YAML%s: %s'
                           % (path, where, getattr(exc, 'problem', None)
                              or exc)) from None
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise CommandError(
            'configuration file %s must be a mapping (marketplaces, trust, '
            'import, ...), not %s' % (path, type(value).__name__))
    try:
        settings = _validate(value)
        _check(settings)
    except ConfigurationError as exc:
        raise CommandError('configuration file %s: %s' % (path, exc)
                           ) from None
    return Config(path, settings)


def _relative(config, name):
    if not name or os.path.isabs(name):
        return name
    return os.path.join(os.path.dirname(os.path.abspath(config.path)),
                        os.path.expanduser(name))


def _endpoint(args, config):
    if not hasattr(args, 'endpoint'):
        return
    name = getattr(args, 'marketplace', None)
    if name:
        entry = config.marketplace(name)
        if entry is None:
            raise CommandError(
                'no marketplace named %r in %s (configured: %s)'
                % (name, config.path or 'the configuration file',
                   ', '.join(m['name'] for m in config.marketplaces)
                   or 'none'))
    elif args.endpoint is None and config.marketplaces:
        entry = config.marketplaces[0]
    else:
        entry = None
    if entry is None:
        if args.endpoint is None:
            raise CommandError(
                '--endpoint URL or --marketplace NAME is required (no '
                'marketplace is configured in %s)'
                % (config.path or default_path()))
        return
    args.endpoint = entry['url']
    if hasattr(args, 'catalog_type'):
        if args.catalog_type is None:
            args.catalog_type = entry.get('type')
        if args.catalog_type == entry.get('type', 'stratuslab'):
            args.endpoint_settings = settings = dict(entry)
            keys = entry.get('cosign_public_keys')
            if isinstance(keys, (list, tuple)):
                settings['cosign_public_keys'] = [
                    _relative(config, k) if isinstance(k, str) else k
                    for k in keys]
            if isinstance(entry.get('token_file'), str):
                settings['token_file'] = _relative(config,
                                                   entry['token_file'])
    if args.endpoint_ca_file is None:
        args.endpoint_ca_file = _relative(config, entry.get('ca_file'))
    if getattr(args, 'endpoint_timeout', None) is None:
        timeout = entry.get('timeout')
        args.endpoint_timeout = tuple(timeout) \
            if isinstance(timeout, list) else timeout


def _trust(args, config):
    if not hasattr(args, 'trust_ca_files'):
        return
    if not args.trust_ca_files:
        args.trust_ca_files = [_relative(config, f)
                               for f in config.trust.get('ca_files') or []]
    if not args.trusted_endorsers:
        args.trusted_endorsers = list(
            config.trust.get('trusted_endorsers') or [])
    if config.trust.get('sha1') == 'refuse':
        args.refuse_sha1 = True
    if hasattr(args, 'crl_files'):  # verify: revocation and validity
        if not args.crl_files:
            args.crl_files = [_relative(config, f)
                              for f in config.trust.get('crl_files') or []]
        args.allow_stale_crls = args.allow_stale_crls or \
            config.trust.get('allow_stale_crls') is True
        args.valid_at_endorsement = args.valid_at_endorsement or \
            config.trust.get('require_valid_now') is False


def _import(args, config):
    if not hasattr(args, 'allow_untrusted'):
        return
    options = config.import_options
    for key in ('allow_untrusted', 'allow_expired', 'allow_deprecated'):
        setattr(args, key, getattr(args, key) or bool(options.get(key)))
    if options.get('allow_streamed') is False:
        args.no_streamed = True
    if hasattr(args, 'accept_unsigned_registry') and \
            not args.accept_unsigned_registry:
        accepted = options.get('accept_unsigned_registries') or []
        args.accept_unsigned_registry = list(
            accepted if isinstance(accepted, (list, tuple)) else [accepted])
    download = options.get('download_filter') or {}
    if not args.allow_download_host:
        args.allow_download_host = list(download.get('allowed_hosts') or [])
    if not args.allow_download_port:
        args.allow_download_port = list(download.get('allowed_ports') or [])
    site = options.get('glance') or {}
    if args.glance_convert_to is None:
        args.glance_convert_to = site.get('convert_to')
    args.glance_decompresses = args.glance_decompresses or \
        bool(site.get('decompresses'))
    if not args.glance_store:
        args.glance_store = list(site.get('stores') or [])


#: An option (destination) of each kind the file gives defaults for: the
#: endpoint, the trust policy, the import policy.
USED_BY = ('endpoint', 'trust_ca_files', 'allow_untrusted')


def used_by(args):
    """True when the command of *args* takes options the file gives
    (``build``, ``sign``, ``add-location`` and ``reconcile`` do not: a
    broken default file does not stop them; a file named by ``--config``
    is still read)."""
    return getattr(args, 'config', None) is not None or any(
        hasattr(args, name) for name in USED_BY)


def apply(args, config):
    """Fill the options of *args* the command line did not give from
    *config*; :class:`CommandError` when a command needs an endpoint and
    neither the options nor the file give one."""
    _endpoint(args, config)
    _trust(args, config)
    _import(args, config)
    return args
