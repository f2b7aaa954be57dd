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

"""``marketplace-metadata build``."""

import bz2
import gzip
import hashlib
import lzma
import os

import pytest

from marketplace_dashboard.core import identifier, model, xmlsafe
from marketplace_dashboard.core.constraints import check_constraints

IMAGE = os.urandom(70_000) * 20 + b'tail'
OS_ARGS = ['--os', 'SL', '--os-version', '6.6', '--os-arch', 'x86_64',
           '--image-version', '1.0']
DEFAULT_NAME = 'SL-6.6-x86_64-base-1.0.xml'


def expected_checksums(data):
    return {
        'MD5': hashlib.md5(data, usedforsecurity=False).hexdigest(),
        'SHA-1': hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        'SHA-256': hashlib.sha256(data).hexdigest(),
        'SHA-512': hashlib.sha512(data).hexdigest(),
    }


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'image.img').write_bytes(IMAGE)
    return tmp_path


def test_build_plain_image(cli, workdir):
    result = cli('build', 'image.img', *OS_ARGS,
                 '--location', 'https://example.org/image.img',
                 '--title', 'Scientific Linux', '--author', 'Jane')
    assert result.status == 0, result
    document = (workdir / DEFAULT_NAME).read_bytes()
    app = model.parse_appliance(document)
    sums = expected_checksums(IMAGE)
    assert app.bytes == len(IMAGE)
    assert app.checksums == sums
    assert app.identifier == identifier.identifier_from_sha1(sums['SHA-1'])
    assert app.identifier in result.out and DEFAULT_NAME in result.out
    assert app.compression == '' and app.title == 'Scientific Linux'
    assert check_constraints(xmlsafe.parse_xml(document)) == []
    # Not a terminal: no progress bar, and no warning with a location.
    assert result.err == ''


COMPRESSORS = {
    'gz': gzip.compress,
    'bz2': bz2.compress,
    'xz': lzma.compress,
    'multi.gz': lambda d: gzip.compress(d[:1000]) + gzip.compress(d[1000:]),
}


@pytest.mark.parametrize('suffix', sorted(COMPRESSORS))
def test_compressed_image_gives_plain_checksums(cli, workdir, suffix):
    name = 'image.img.' + suffix
    (workdir / name).write_bytes(COMPRESSORS[suffix](IMAGE))
    result = cli('build', name, *OS_ARGS, '-o', 'out.xml',
                 '--location', 'https://example.org/' + name)
    assert result.status == 0, result
    app = model.parse_appliance((workdir / 'out.xml').read_bytes())
    assert app.checksums == expected_checksums(IMAGE)
    assert app.bytes == len(IMAGE)
    assert app.compression == suffix.split('.')[-1]


def test_explicit_compression_overrides_extension(cli, workdir):
    (workdir / 'image.raw').write_bytes(lzma.compress(IMAGE))
    result = cli('build', 'image.raw', '--compression', 'xz', '-o', 'o.xml')
    assert result.status == 0, result
    app = model.parse_appliance((workdir / 'o.xml').read_bytes())
    assert app.checksums['SHA-1'] == expected_checksums(IMAGE)['SHA-1']


def test_options_and_warnings(cli, workdir):
    result = cli('build', 'image.img', '-o', 'o.xml', '--type', 'grid',
                 '--kind', 'disk', '--format', 'qcow2', '--hypervisor', 'xen',
                 '--disks-bus', 'virtio', '--tag', 'latest', '--comment',
                 'A test image', '--valid-days', '2',
                 '--location', 'pdisk:host:8445:uuid',
                 '--location', 'https://example.org/i.img')
    assert result.status == 0, result
    app = model.parse_appliance((workdir / 'o.xml').read_bytes())
    assert (app.type, app.kind, app.format, app.hypervisor, app.disks_bus,
            app.alternative, app.description) == (
        'grid', 'disk', 'qcow2', 'xen', 'virtio', 'latest', 'A test image')
    assert app.locations == ['pdisk:host:8445:uuid',
                             'https://example.org/i.img']
    assert (app.valid - app.created).days == 2
    assert 'only http(s) locations can be imported' in result.err


def test_missing_location_warns(cli, workdir):
    result = cli('build', 'image.img', *OS_ARGS)
    assert result.status == 0
    assert "Image physical location (URL) was not provided" in result.err


def test_existing_output_is_kept_unless_forced(cli, workdir):
    (workdir / DEFAULT_NAME).write_bytes(b'precious')
    result = cli('build', 'image.img', *OS_ARGS)
    assert result.status == 1
    assert 'already exists' in result.err and '--force' in result.err
    assert 'Traceback' not in result.err
    assert (workdir / DEFAULT_NAME).read_bytes() == b'precious'
    result = cli('build', 'image.img', *OS_ARGS, '--force')
    assert result.status == 0, result
    assert model.parse_appliance((workdir / DEFAULT_NAME).read_bytes())


def test_unreadable_image(cli, workdir):
    result = cli('build', 'missing.img', '-o', 'o.xml')
    assert result.status == 1
    assert 'cannot read image missing.img' in result.err
    assert not (workdir / 'o.xml').exists()


def test_corrupt_compressed_image(cli, workdir):
    (workdir / 'bad.img.gz').write_bytes(gzip.compress(IMAGE)[:5000])
    result = cli('build', 'bad.img.gz', '-o', 'o.xml')
    assert result.status == 1
    assert 'truncated' in result.err
    assert not (workdir / 'o.xml').exists()


@pytest.mark.parametrize('output', ['missing-dir/o.xml', 'image.img/o.xml'])
def test_unwritable_output_directory(cli, workdir, output):
    result = cli('build', 'image.img', '-o', output)
    assert result.status == 1
    assert 'cannot write %s' % output in result.err
    assert sorted(os.listdir(workdir)) == ['image.img']


@pytest.mark.parametrize('location', ['https://h/a b.img', 'no-scheme.img',
                                      'https://h/\x01'])
def test_bad_location_is_refused(cli, workdir, location):
    result = cli('build', 'image.img', '-o', 'o.xml', '--location', location)
    assert result.status == 1
    assert 'Error:' in result.err
    assert not (workdir / 'o.xml').exists()


def test_path_in_default_name_is_refused(cli, workdir):
    result = cli('build', 'image.img', '--os', '../../etc')
    assert result.status == 1
    assert 'choose the output file with -o' in result.err


def test_default_name_without_options(cli, workdir):
    result = cli('build', 'image.img')
    assert result.status == 0, result
    assert result.out.endswith('written to: base.xml\n')
    assert (workdir / 'base.xml').exists()
    assert not [p for p in os.listdir(workdir) if p.startswith('-')]
    result = cli('build', 'image.img', '--os=-rf')
    assert result.status == 1
    assert "would start with '-'" in result.err


def test_negative_validity_is_a_usage_error(cli, workdir):
    result = cli('build', 'image.img', '--valid-days', '-3')
    assert result.status == 2
    assert 'non-negative' in result.err


class FakeTerminal:
    def __init__(self):
        self.text = ''

    def isatty(self):
        return True

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_progress_bar_only_on_a_terminal(cli, workdir, monkeypatch):
    from marketplace_dashboard.cli import build

    monkeypatch.setattr(build, 'PROGRESS_MIN_BYTES', 1)
    terminal = FakeTerminal()
    monkeypatch.setattr('sys.stderr', terminal)
    result = cli('build', 'image.img', '-o', 'o.xml',
                 '--location', 'https://h/i.img')
    assert result.status == 0
    assert terminal.text.endswith('100%  1/1 MiB\n')
    assert terminal.text.startswith('\r[')
