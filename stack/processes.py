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

"""Processes of the loopback stack: spawning, the marker, waiting.

Every process the stack starts gets ``MARKETPLACE_STACK=<state dir>`` in
its environment (``SPT_NOENV=1`` keeps setproctitle, which gunicorn and
the Nova services use to rename themselves, from overwriting it in
``/proc/<pid>/environ``), so that the helpers that leave their process
group -- RabbitMQ's ``inet_gethost``, ``erl_child_setup`` and disk
monitor run in sessions of their own -- are found and stopped too
(:func:`marked_processes`).

The SQLite ``BEGIN IMMEDIATE`` hook (``sqlite_immediate.py``) is copied
into the state directory (``lib/``) and the generated launchers put that
directory on ``sys.path``: the services need neither this folder nor the
project on their path to find it.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import textwrap
import threading
import time
import urllib.error
import urllib.request

__all__ = ["MARKER", "SQLITE_HOOK", "Processes", "StackError", "dedent",
           "free_port", "free_ports", "kill_marked", "marked_processes"]

#: environment variable set to the state directory in every process the
#: stack starts (see the module docstring)
MARKER = "MARKETPLACE_STACK"

#: the SQLite hook the launchers install (copied into the state directory)
SQLITE_HOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "sqlite_immediate.py")


class StackError(RuntimeError):
    """A component did not start; the message carries its log tail."""


def free_port():
    return free_ports(1)[0]


def free_ports(count):
    """``count`` distinct free loopback ports.

    All sockets stay bound until every port is chosen, so the kernel cannot
    hand the same port out twice within one call.
    """
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            sockets.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def dedent(text):
    """*text* without its common indentation and leading blank lines (the
    configuration files and launchers the stack writes)."""
    return textwrap.dedent(text).lstrip()


def marked_processes(base_dir):
    """Pids of the live processes whose environment has
    ``MARKETPLACE_STACK=<base_dir>`` (read from ``/proc/<pid>/environ``;
    never this process or its ancestors)."""
    needle = ("%s=%s" % (MARKER, os.path.abspath(base_dir))).encode()
    spared = {os.getpid(), os.getppid()}
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in spared:
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as f:
                environ = f.read().split(b"\0")
        except OSError:  # gone, or not ours to read
            continue
        if needle in environ:
            found.append(int(entry))
    return sorted(found)


def kill_marked(base_dir, timeout=5):
    """SIGTERM every process :func:`marked_processes` finds, SIGKILL those
    still there after *timeout* seconds; returns the pids found."""
    found = marked_processes(base_dir)
    left = found
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in left:
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + timeout
        while True:
            left = sorted(set(left) & set(marked_processes(base_dir)))
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if not left:
            break
    return found


class Processes:
    """The state directory and the processes of a :class:`stack.Stack`
    (mixed into it; ``base``, ``bindir``, ``procs``, ``timings`` and the
    locks are set by its ``__init__``)."""

    def _p(self, *parts):
        return os.path.join(self.base, *parts)

    def _write(self, rel, text):
        path = self._p(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".tmp", "w") as f:
            f.write(dedent(text))
        os.replace(path + ".tmp", path)
        return path

    def _bin(self, name):
        return os.path.join(self.bindir, name)

    def child_env(self, **extra):
        """The environment of a process the stack starts: ours, with a
        ``HOME`` and ``XDG_*`` directories in the state directory (Nova's
        client cache, stevedore's entry-point cache, Chromium's profile and
        dconf files stay there), the stack's marker and ``SPT_NOENV``
        (see the module docstring), then *extra*."""
        home = self._p("home")
        dirs = {"HOME": home,
                "XDG_CONFIG_HOME": os.path.join(home, ".config"),
                "XDG_CACHE_HOME": os.path.join(home, ".cache"),
                "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
                "XDG_STATE_HOME": os.path.join(home, ".local", "state"),
                "XDG_RUNTIME_DIR": os.path.join(home, "run")}
        for path in dirs.values():
            os.makedirs(path, mode=0o700, exist_ok=True)
        env = dict(os.environ, **dirs)
        env.update({MARKER: self.base, "SPT_NOENV": "1"})
        env.update(extra)
        return env

    def log_tail(self, name, nbytes=4000):
        """The end of a component's log files (for failure messages)."""
        out = []
        for path in sorted(glob.glob(self._p("logs", name + "*"))):
            if not os.path.isfile(path):
                continue
            with open(path, errors="replace") as f:
                f.seek(max(os.path.getsize(path) - nbytes, 0))
                out.append("==> %s <==\n%s" % (path, f.read()))
        return "\n".join(out)

    def _timed(self, key, func, *args):
        t = time.monotonic()
        try:
            return func(*args)
        finally:
            self.timings[key] = round(time.monotonic() - t, 2)

    def _popen(self, name, cmd, env=None, cwd=None, register=False,
               **kwargs):
        """Start *cmd* with the stack's environment, its output appended to
        ``logs/<name>.out``; refused once stop() has begun.  *register*:
        record it in ``procs`` (under the same lock as the refusal, so that
        stop() sees every process it has to stop)."""
        env = dict(env or self.child_env(), **{MARKER: self.base})
        with open(self._p("logs", name + ".out"), "a") as log, \
                self._spawn_lock:
            if self._stopping.is_set():
                raise StackError("the stack is stopping: %s not started"
                                 % name)
            p = subprocess.Popen(  # noqa: S603 - argv built here, no shell
                cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, **kwargs)
            if register:
                self.procs[name] = p
            return p

    def _run(self, name, *cmd, env=None):
        """Run a setup command (fixed argv, never a shell)."""
        p = self._popen(name, cmd, env=env)
        try:
            returncode = p.wait(300)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise StackError("%s did not finish in 300 s:\n%s" % (
                " ".join(cmd), self.log_tail(name))) from None
        if returncode:
            raise StackError("%s failed (exit %d):\n%s" % (
                " ".join(cmd), returncode, self.log_tail(name)))

    def _spawn(self, name, cmd, env=None, cwd=None):
        # own session = own process group: stop() signals exactly it
        self._popen(name, cmd, env=env, cwd=cwd, register=True,
                    start_new_session=True)

    def _check_alive(self, name):
        p = self.procs.get(name)
        if p is not None and p.poll() is not None:
            raise StackError("%s exited with status %s:\n%s" % (
                name, p.returncode, self.log_tail(name)))

    def _wait(self, name, probe, what, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._stopping.is_set():
                raise StackError("the stack is stopping: stopped waiting "
                                 "for %s" % name)
            self._check_alive(name)
            try:
                if probe():
                    return
            except Exception:  # noqa: S110 - not ready yet, retry
                pass
            time.sleep(0.25)
        raise StackError("%s: %s not ready after %ds:\n%s" % (
            name, what, timeout, self.log_tail(name)))

    def _wait_http(self, name, url, ok=(200, 300), timeout=120):
        def probe():
            try:
                with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310
                    return r.status in ok
            except urllib.error.HTTPError as e:
                return e.code in ok
        self._wait(name, probe, "GET " + url, timeout)

    def _wait_port(self, name, port, timeout=60):
        def probe():
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return True
        self._wait(name, probe, "port %d" % port, timeout)

    def _gunicorn(self, name, wsgi_source, port, env, workers=1,
                  timeout=300):
        # oslo.config parses sys.argv inside the apps: hide gunicorn's argv
        self._write("wsgi/%s_app.py" % name, dedent(wsgi_source))
        self._spawn(name, [
            self._bin("gunicorn"), "--chdir", self._p("wsgi"),
            "--bind", "127.0.0.1:%d" % port, "--workers", str(workers),
            "--threads", "4", "--worker-class", "gthread",
            "--keep-alive", "30",
            # one line per request, with its time: what a browser test
            # that timed out was waiting for is in the service's log
            "--access-logfile", "-", "--access-logformat",
            '%(t)s "%(r)s" %(s)s %(b)s %(M)sms',
            "--timeout", str(timeout), "--graceful-timeout", "5",
            "--no-control-socket", "%s_app:application" % name], env=env)

    def sqlite_hook(self):
        """The lines a launcher starts with to make its SQLite transactions
        ``BEGIN IMMEDIATE`` (see ``sqlite_immediate.py``): the hook is
        copied into ``lib/`` of the state directory, which the lines put
        first on ``sys.path``."""
        lib = self._p("lib")
        os.makedirs(lib, exist_ok=True)
        target = os.path.join(lib, "sqlite_immediate.py")
        # start-up threads may copy it at the same time: each its own
        # temporary file, the same content
        tmp = "%s.%d.tmp" % (target, threading.get_ident())
        shutil.copyfile(SQLITE_HOOK, tmp)
        os.replace(tmp, target)
        return ("import sys\nsys.path.insert(0, %r)\n" % lib +
                "import sqlite_immediate  # noqa: E402\n"
                "sqlite_immediate.install()\n")

    def _wsgi(self, import_line, prog=None):
        argv = "[%r]" % prog if prog else "sys.argv[:1]"
        return (self.sqlite_hook() + "sys.argv = %s\n" % argv +
                import_line + "  # noqa: E402,F401\n")

    @staticmethod
    def _all(pool, *calls):
        futures = [pool.submit(*c) for c in calls]
        errors = [f.exception() for f in futures]
        for e in errors:
            if e is not None:
                raise e

    @staticmethod
    def _stop_group(procs, timeout):
        for _name, p in procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout
        for _name, p in procs:
            try:
                p.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                pass
        for _name, p in procs:
            # also children that outlived their group leader
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
