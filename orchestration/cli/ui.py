"""`iku ui`: the Dagster UI (dagster dev) on this code location."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from orchestration import settings
from orchestration.cli.arguments import add_command
from orchestration.cli.environment import start
from sources.redact import mask_url

EXAMPLES = """
iku ui                 # http://127.0.0.1:3000
iku ui --port 3100
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(subparsers, "ui", "open the Dagster UI", EXAMPLES)
    p.add_argument("--port", type=int, default=3000, help="port on 127.0.0.1")
    p.set_defaults(func=cmd_ui)


def cmd_ui(args: argparse.Namespace) -> int:
    _, url = start()
    print(f"Warehouse: {mask_url(url)}; Dagster UI on http://127.0.0.1:{args.port}")
    dagster = Path(sys.executable).parent / "dagster"
    command = [
        str(dagster) if dagster.exists() else "dagster",
        "dev",
        "-w",
        str(settings.REPO_ROOT / "workspace.yaml"),
        "-h",
        "127.0.0.1",
        "-p",
        str(args.port),
    ]
    return subprocess.call(command, cwd=settings.REPO_ROOT)
