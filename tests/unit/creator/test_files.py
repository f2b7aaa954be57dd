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

"""All-or-nothing writes, also on file systems without hard links."""

import errno
import os

import pytest

from marketplace_dashboard.cli import files
from marketplace_dashboard.core.errors import CommandError

NO_LINKS = [errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.ENOSYS]


@pytest.fixture(params=NO_LINKS, ids=errno.errorcode.get)
def no_hard_links(request, monkeypatch):
    calls = []

    def link(*args, **kwargs):
        calls.append(args)
        raise OSError(request.param, os.strerror(request.param))

    monkeypatch.setattr(os, 'link', link)
    return calls


def test_new_file_without_hard_links(tmp_path, no_hard_links):
    path = tmp_path / 'new.xml'
    files.write_atomic(str(path), b'data', overwrite=False)
    assert no_hard_links, 'os.link was not tried first'
    assert path.read_bytes() == b'data'
    assert os.listdir(tmp_path) == ['new.xml']
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_existing_file_is_never_overwritten_without_hard_links(
        tmp_path, no_hard_links):
    path = tmp_path / 'old.xml'
    path.write_bytes(b'precious')
    with pytest.raises(CommandError, match='already exists; use --force'):
        files.write_atomic(str(path), b'data', overwrite=False)
    assert path.read_bytes() == b'precious'
    assert os.listdir(tmp_path) == ['old.xml']
    files.write_atomic(str(path), b'data', overwrite=True)
    assert path.read_bytes() == b'data'
    assert os.listdir(tmp_path) == ['old.xml']


def test_failed_rename_leaves_nothing_without_hard_links(
        tmp_path, no_hard_links, monkeypatch):
    def replace(*args):
        raise OSError(errno.EIO, 'Input/output error')

    monkeypatch.setattr(os, 'replace', replace)
    path = tmp_path / 'new.xml'
    with pytest.raises(CommandError, match='cannot write .*Input/output'):
        files.write_atomic(str(path), b'data', overwrite=False)
    assert os.listdir(tmp_path) == []


def test_replace_keeping_original_without_hard_links(tmp_path,
                                                     no_hard_links):
    path = tmp_path / 'doc.xml'
    path.write_bytes(b'original')
    path.chmod(0o640)
    files.replace_keeping_original(str(path), b'signed')
    assert no_hard_links, 'os.link was not tried first'
    assert path.read_bytes() == b'signed'
    assert (tmp_path / 'doc.xml.orig').read_bytes() == b'original'
    assert sorted(os.listdir(tmp_path)) == ['doc.xml', 'doc.xml.orig']
    assert path.stat().st_mode & 0o777 == 0o640
    # again: the previous .orig is replaced by the previous content
    files.replace_keeping_original(str(path), b'signed again')
    assert path.read_bytes() == b'signed again'
    assert (tmp_path / 'doc.xml.orig').read_bytes() == b'signed'
    assert sorted(os.listdir(tmp_path)) == ['doc.xml', 'doc.xml.orig']


def test_sign_in_place_without_hard_links(cli, tmp_path, sign_args,
                                          no_hard_links):
    from marketplace_dashboard.core import builder, signature
    path = tmp_path / 'image.xml'
    draft = builder.build_document(
        1, {'SHA-1': 'c319bbd5afc0a22ba3eaed0507c39383ec28eeff'})
    path.write_bytes(draft)
    result = cli('sign', path, *sign_args)
    assert result.status == 0, result
    assert signature.verify_signature(path.read_bytes()).valid
    assert (tmp_path / 'image.xml.orig').read_bytes() == draft
    assert sorted(os.listdir(tmp_path)) == ['creds', 'image.xml',
                                            'image.xml.orig']


def test_other_link_errors_still_fail(tmp_path, monkeypatch):
    def link(*args):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(os, 'link', link)
    path = tmp_path / 'new.xml'
    with pytest.raises(CommandError, match='No space left on device'):
        files.write_atomic(str(path), b'data', overwrite=False)
    assert os.listdir(tmp_path) == []
