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

"""All-or-nothing file writes of the creator commands.

A file a command writes is complete or absent: the data goes to a
temporary file in the same directory, flushed and synced, then takes the
target's name in one step.  ``write_atomic`` with ``overwrite=False`` never
replaces a file that appeared meanwhile; ``replace_keeping_original`` keeps
the previous content as ``<file>.orig``.  Every failure is a
:class:`~marketplace_dashboard.core.errors.CommandError`.
"""

import errno
import os
import shutil
import tempfile

from marketplace_dashboard.core.errors import CommandError

__all__ = ['check_writable', 'replace_keeping_original', 'write_atomic']


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
