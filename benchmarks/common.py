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

"""Shared helpers of the benchmark suite: timing, subprocesses, results.

Nothing here is collected by pytest (no ``test_*`` names); the suite is run
by hand with ``benchmarks/run`` (see :mod:`benchmarks`).
"""

import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
MIB = 1024 * 1024
GIB = 1024 * MIB


def tool(name):
    """Path of a console script installed next to this interpreter."""
    path = os.path.join(BIN, name)
    if not os.path.exists(path):
        raise SystemExit('%s is not installed in %s (pip install -e the '
                         'project)' % (name, BIN))
    return path


OPS = {'<': lambda a, b: a < b, '<=': lambda a, b: a <= b,
       '>=': lambda a, b: a >= b, '>': lambda a, b: a > b}


@dataclasses.dataclass
class Result:
    """One target: ``measured`` (a ratio or a figure in ``unit``) is
    compared with the number ``target`` by ``op`` (``<``, ``<=``, ``>=``,
    ``>``); ``goal`` is the goal as the issue words it, when a plain
    "op target unit" would not say it; ``raw`` keeps the figures it was
    computed from."""

    name: str
    description: str
    measured: float | None
    target: float
    op: str = '<='
    unit: str = 'x'
    raw: dict = dataclasses.field(default_factory=dict)
    note: str = ''
    goal: str = ''
    #: a figure that locates a bound, not a target of the issue: printed
    #: and written, never judged (``met`` is None, never "MISSED")
    reference: bool = False

    def __post_init__(self):
        if self.op not in OPS:
            raise ValueError('unknown op %r' % self.op)

    @property
    def met(self):
        if self.reference:
            return None
        if self.measured is None:
            return False
        return OPS[self.op](self.measured, self.target)

    @property
    def goal_text(self):
        if self.reference:
            return self.goal or '(reference)'
        return self.goal or '%s %s' % (self.op, _figure(self.target,
                                                        self.unit))

    def to_dict(self):
        return {'name': self.name, 'description': self.description,
                'measured': self.measured, 'unit': self.unit.strip(),
                'op': self.op, 'target': self.target,
                'goal': self.goal_text, 'met': self.met, 'raw': self.raw,
                'note': self.note, 'reference': self.reference}


def run(cmd, *, timeout=3600, stdout=subprocess.DEVNULL, env=None,
        check=True, stdin=None):
    """Run *cmd* (an argument list, never a shell string built from input)
    and return its wall time in seconds."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE,
                          timeout=timeout, env=env, stdin=stdin,
                          check=False)
    elapsed = time.perf_counter() - start
    if check and proc.returncode != 0:
        raise RuntimeError('%s failed (exit %d): %s' % (
            ' '.join(map(str, cmd[:3])), proc.returncode,
            proc.stderr.decode(errors='replace')[-2000:]))
    return elapsed


def compare(repeat, contenders):
    """Time each of ``{name: func}`` *repeat* times, interleaved (a, b, a,
    b, ...) so that a change of machine load hits every contender alike;
    returns ``{name: {'median', 'min', 'samples'}}`` in seconds."""
    samples = {name: [] for name in contenders}
    for _ in range(repeat):
        for name, func in contenders.items():
            samples[name].append(func())
    return {name: {'median': statistics.median(values), 'min': min(values),
                   'samples': values}
            for name, values in samples.items()}


def paired_ratio(numerators, denominators):
    """Median of the ratios of runs made in the same round (``a[i] /
    b[i]``): interleaved runs share the machine's load of that moment, so
    this cancels drifting load better than a ratio of medians."""
    return statistics.median(a / b for a, b in zip(numerators, denominators,
                                                   strict=True))


def loadavg():
    """The 1-minute load average (other work on this machine skews every
    figure; the suite reports it)."""
    try:
        with open('/proc/loadavg') as f:
            return float(f.read().split()[0])
    except OSError:
        return None


def make_file(path, size, block=16 * MIB):
    """*size* bytes of incompressible data (one random block repeated),
    written to a temp file and renamed."""
    if os.path.exists(path) and os.path.getsize(path) == size:
        return path
    data = os.urandom(min(block, size))
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix='.part')
    try:
        with os.fdopen(fd, 'wb') as out:
            left = size
            while left:
                chunk = data[:left]
                out.write(chunk)
                left -= len(chunk)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path


def warm_page_cache(path):
    """Read *path* once so that every contender reads it from RAM."""
    with open(path, 'rb', buffering=0) as f:
        buf = bytearray(8 * MIB)
        while f.readinto(buf):
            pass


class RssSampler:
    """Peak RSS of a process: its ``VmHWM`` (kernel-kept high-water mark),
    sampled until it exits, plus the RSS at the first sample."""

    def __init__(self, pid, interval=0.05):
        self.pid = pid
        self.interval = interval
        self.first_kib = None
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _read(self):
        try:
            with open('/proc/%d/status' % self.pid) as f:
                fields = dict(line.split(':', 1) for line in f)
        except (OSError, ValueError):
            return None
        return {k: int(v.split()[0]) for k, v in fields.items()
                if k in ('VmHWM', 'VmRSS')}

    def _loop(self):
        while not self._stop.is_set():
            values = self._read()
            if values:
                if self.first_kib is None:
                    self.first_kib = values.get('VmRSS', 0)
                self.peak_kib = max(self.peak_kib, values.get('VmHWM', 0))
            time.sleep(self.interval)

    def stop(self):
        self._stop.set()
        self._thread.join()


def machine():
    """What the figures depend on."""
    info = {'cpus': os.cpu_count(), 'python': sys.version.split()[0]}
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    info['cpu'] = line.split(':', 1)[1].strip()
                    break
        with open('/proc/meminfo') as f:
            info['mem_gib'] = round(int(f.readline().split()[1]) / 2**20, 1)
    except OSError:
        pass
    return info


def _figure(value, unit):
    if unit == ' B':
        return f'{int(value):,} B'
    return '%.3g%s' % (value, unit)


def print_table(results, stream=sys.stdout):
    rows = [('target', 'measured', 'goal', 'met')]
    for r in results:
        measured = '-' if r.measured is None else _figure(r.measured, r.unit)
        rows.append((r.name, measured, r.goal_text,
                     '--' if r.reference else 'yes' if r.met else 'NO'))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for n, row in enumerate(rows):
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=True)]
        stream.write('  '.join(cells).rstrip() + '\n')
        if n == 0:
            stream.write('  '.join('-' * w for w in widths) + '\n')
    for r in results:
        if r.met is False or r.note:
            stream.write('\n%s%s: %s\n' % (
                'MISSED ' if r.met is False else '', r.name,
                r.note or r.description))


def write_results(path, results, meta):
    data = {'meta': meta, 'targets': [r.to_dict() for r in results]}
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix='.part')
    with os.fdopen(fd, 'w') as out:
        json.dump(data, out, indent=2)
        out.write('\n')
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
