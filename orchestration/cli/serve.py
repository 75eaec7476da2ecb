"""`iku serve`: the deployment that runs by itself (docs/deploy.md).

Two child processes on the instance in $IKU_HOME/dagster, with the environment `iku ui`
prepares (orchestration.cli.environment.start): `dagster-webserver` (the UI, on 127.0.0.1 by
default) and `dagster-daemon run` (the 02:00 schedule, the run queue, the sensors).

Invariant: `iku serve` lives exactly as long as both children. Ctrl-C or SIGTERM stops both
(SIGTERM, then SIGKILL after `STOP_SECONDS`) and exits 0; a child that dies by itself stops the
other and `iku serve` exits 1, so that systemd (Restart=on-failure) starts the pair again. Each
child runs in a process group of its own (a terminal's Ctrl-C reaches only `iku serve`, which
stops them in order), and whatever a child left in its group (a code server) is ended with it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from orchestration import settings
from orchestration.cli.arguments import add_command
from orchestration.cli.environment import start
from orchestration.cli.errors import EXIT_FAILED, EXIT_OK
from sources.redact import mask_url

STOP_SECONDS = 20.0  # a child's time to stop after SIGTERM before SIGKILL
POLL_SECONDS = 0.5

EXAMPLES = """
iku serve                          # UI on http://127.0.0.1:3000, the 02:00 WIT schedule on
iku serve --port 3100
iku serve --host 0.0.0.0           # reachable from the network: put a reverse proxy with a login in front
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(
        subparsers, "serve", "run the Dagster UI and daemon (the nightly schedule) until stopped", EXAMPLES
    )
    p.add_argument("--host", default="127.0.0.1", help="address the UI listens on")
    p.add_argument("--port", type=int, default=3000, help="port of the UI")
    p.set_defaults(func=cmd_serve)


def _tool(name: str) -> str:
    """A console script of this virtualenv (the one `iku` runs from), else from PATH."""
    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else name


def commands(host: str, port: int) -> dict[str, list[str]]:
    workspace = str(settings.REPO_ROOT / "workspace.yaml")
    return {
        "dagster-webserver": [_tool("dagster-webserver"), "-w", workspace, "-h", host, "-p", str(port)],
        "dagster-daemon": [_tool("dagster-daemon"), "run", "-w", workspace],
    }


class _Stop(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    raise _Stop(signum)


def cmd_serve(args: argparse.Namespace) -> int:
    _, url = start()
    print(f"Warehouse: {mask_url(url)}; Dagster home: {os.environ['DAGSTER_HOME']}")
    print(f"Dagster UI on http://{args.host}:{args.port}; the daemon runs the schedule (02:00 WIT)")
    children: dict[str, subprocess.Popen] = {}
    previous = {s: signal.signal(s, _raise_stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        for name, command in commands(args.host, args.port).items():
            children[name] = subprocess.Popen(command, cwd=settings.REPO_ROOT, start_new_session=True)
            print(f"{name}: started (pid {children[name].pid})", flush=True)
        return _watch(children)
    except _Stop as stop:
        print(f"iku serve: {stop}: stopping {', '.join(children) or 'nothing'}", flush=True)
        return EXIT_OK
    finally:
        for s in (signal.SIGTERM, signal.SIGINT):  # a second signal must not interrupt the stopping
            signal.signal(s, signal.SIG_IGN)
        _stop_all(children)
        for s, handler in previous.items():
            signal.signal(s, handler)


def _watch(children: dict[str, subprocess.Popen]) -> int:
    """Until a child exits (a signal raises `_Stop` meanwhile): say which, return EXIT_FAILED."""
    while True:
        for name, child in children.items():
            code = child.poll()
            if code is not None:
                others = ", ".join(n for n in children if n != name)
                print(f"iku serve: {name} exited with code {code}; stopping {others}", file=sys.stderr)
                return EXIT_FAILED
        time.sleep(POLL_SECONDS)


def _stop_all(children: dict[str, subprocess.Popen]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for name, child in children.items():
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            print(f"iku serve: {name} did not stop within {STOP_SECONDS:g} s: killed", file=sys.stderr)
            child.kill()
            child.wait()
        _end_group(child.pid)
        print(f"{name}: stopped (exit code {child.returncode})", flush=True)


def _end_group(pgid: int) -> None:
    """What the child left running in its process group (a code server), ended too."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
