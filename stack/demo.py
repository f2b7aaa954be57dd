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

"""``tools/demo``: the whole stack with this plugin, until interrupted.

Starts Keystone, Glance, Placement, Nova (fake driver), Horizon with the
Marketplace panel, memcached, RabbitMQ, the image server and
``marketplace-server`` on 127.0.0.1 (``stack.Stack``), loads the demo data
when ``demo_data`` is available, prints the dashboard URL and the demo
credentials, and with ``--ready-file`` writes them as ``KEY=value`` lines
once everything is ready (a ready file left by an earlier run is removed
first, so that its presence always means *this* demo is ready).  Ctrl-C or
SIGTERM stop everything at once, also in the middle of the start-up.
"""

import argparse
import os
import signal
import socket
import sys
import tempfile
import time

import stack as stack_mod
from stack.horizon import LEGACY_LAUNCH_LINKS

__all__ = ["DEFAULT_PORT", "DEFAULT_STATE_PARENT", "build_parser", "main",
           "ready_lines"]

DEFAULT_STATE_PARENT = "/tmp/marketplace-demo"  # noqa: S108 - documented
DEFAULT_PORT = 8000


def _port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def build_parser():
    parser = argparse.ArgumentParser(
        prog="tools/demo", description="Run the marketplace-dashboard demo "
        "(Keystone, Glance, Nova, Horizon + marketplace) on 127.0.0.1 "
        "until interrupted.")
    parser.add_argument("--state-dir", help="directory for all state "
                        "(default: a new directory under %s)"
                        % DEFAULT_STATE_PARENT)
    parser.add_argument("--port", type=int, help="Horizon port (default "
                        "%d if free, otherwise any free port)"
                        % DEFAULT_PORT)
    parser.add_argument("--ready-file", help="write KEY=value lines here "
                        "once everything is ready (removed on exit)")
    parser.add_argument("--no-data", action="store_true",
                        help="do not load the demo marketplace data")
    return parser


def ready_lines(st, extra=None):
    values = {
        "DASHBOARD_URL": st.horizon_url + "/",
        "USERNAME": st.demo.username, "PASSWORD": st.demo.password,
        "PROJECT": st.demo.project, "USER_DOMAIN": st.demo.user_domain,
        "ADMIN_USERNAME": st.admin.username,
        "ADMIN_PASSWORD": st.admin.password,
        "KEYSTONE_URL": st.keystone_url, "GLANCE_URL": st.glance_url,
        "NOVA_URL": st.nova_url or "",
        # Neutron's URL and the shared network servers are launched on
        "NEUTRON_URL": st.neutron_url or "",
        "NETWORK_ID": st.network_id or "",
        "MARKETPLACE_URL": st.marketplace_url or "",
        "IMAGE_SERVER_URL": st.image_server.base_url,
        "STATE_DIR": st.base, "LOG_DIR": os.path.join(st.base, "logs"),
        # every loopback port of the demo, and the environment entry that
        # every process it started carries (both gone once it stopped)
        "PORTS": ",".join("%s:%d" % kv
                          for kv in sorted(st.all_ports().items())),
        "PROCESS_MARKER": "%s=%s" % (stack_mod.MARKER, st.base),
    }
    values.update(extra or {})
    return "".join("%s=%s\n" % kv for kv in values.items())


def _write_atomic(path, text):
    path = os.path.abspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".ready-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _load_data():
    try:
        from stack import demo_data
    except ImportError:
        return None
    return demo_data


class _Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise _Stop()


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.ready_file:
        # a stale file would tell a waiting script that we are ready
        try:
            os.unlink(args.ready_file)
        except FileNotFoundError:
            pass
        except OSError as e:
            print("tools/demo: cannot remove the old --ready-file %s: %s"
                  % (args.ready_file, e), file=sys.stderr)
            return 2
    if args.port is not None and not 0 < args.port < 65536:
        print("tools/demo: --port must be between 1 and 65535",
              file=sys.stderr)
        return 2
    port = args.port
    if port is None:
        port = DEFAULT_PORT if _port_free(DEFAULT_PORT) else None
    elif not _port_free(port):
        print("tools/demo: port %d on 127.0.0.1 is in use; choose another "
              "with --port" % port, file=sys.stderr)
        return 2
    if args.state_dir:
        state = os.path.abspath(args.state_dir)
        if os.path.exists(state) and os.listdir(state):
            print("tools/demo: --state-dir %s is not empty; give a new or "
                  "empty directory" % state, file=sys.stderr)
            return 2
    else:
        os.makedirs(DEFAULT_STATE_PARENT, exist_ok=True)
        state = tempfile.mkdtemp(prefix="run-", dir=DEFAULT_STATE_PARENT)
    demo_data = None if args.no_data else _load_data()

    settings = (demo_data.horizon_settings if demo_data is not None
                else _plain_settings)
    # the demo redirects the seed-era launch links to the wizard
    st = stack_mod.Stack(state, horizon_port=port, marketplace=None,
                         marketplace_settings=settings,
                         horizon_middleware=(LEGACY_LAUNCH_LINKS,))
    t = time.monotonic()
    extra = {}
    # from here on SIGTERM (and SIGHUP) raise _Stop in the main thread,
    # also while Stack.start() waits for its start-up threads: it stops
    # what it started without waiting for them
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGHUP, _raise_stop)
    try:
        print("Starting the demo in %s (logs in %s/logs) ..." % (
            state, state), flush=True)
        try:
            st.start()
            if demo_data is not None:
                extra = demo_data.load(st) or {}
        except stack_mod.StackError as e:
            print("tools/demo: the stack did not start: %s" % e,
                  file=sys.stderr)
            return 1
        print(ready_lines(st, extra), end="")
        print("\nReady in %.0f s.  Dashboard: %s/  user %s / password %s "
              "(project %s).  Ctrl-C stops everything." % (
                  time.monotonic() - t, st.horizon_url, st.demo.username,
                  st.demo.password, st.demo.project), flush=True)
        if args.ready_file:
            _write_atomic(args.ready_file, ready_lines(st, extra))
        while True:
            signal.pause()
    except (KeyboardInterrupt, _Stop):
        print("\nStopping ...", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if args.ready_file and os.path.exists(args.ready_file):
            os.unlink(args.ready_file)
        st.stop()


def _plain_settings(st):
    """MARKETPLACE_DASHBOARD without demo data: just our marketplace."""
    if not st.marketplace_url:
        return {}
    return {"marketplaces": [{"name": "demo", "url": st.marketplace_url}]}


if __name__ == "__main__":
    sys.exit(main())
