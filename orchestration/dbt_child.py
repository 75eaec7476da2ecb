#!/bin/sh
# fmt: off
''''exec "${IKU_PYTHON:-python3}" "$0" "$@" # '''
# fmt: on
# ruff: noqa: E402  (the exec line must come first: sh runs it, Python reads it as a string)
"""dbt as a child that dies with its parent: the executable dagster-dbt runs instead of dbt.

Invariant: the dbt started by a refresh never outlives it. This script (a shell line that execs
Python on itself, so it needs no virtualenv on PATH) asks Linux to send it SIGTERM when its parent
dies (prctl PR_SET_PDEATHSIG), then execs the real dbt in its place: same process, same signal
disposition. A refresh killed with SIGKILL takes its dbt with it instead of leaving an orphan that
overlaps the next run. The real dbt comes from IKU_DBT (set by orchestration.dbt_project).
"""

import ctypes
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main() -> None:
    real = os.environ.get("IKU_DBT") or str(Path(sys.executable).parent / "dbt")
    # an ignored or blocked SIGTERM is inherited across fork and exec (a process that started
    # the refresh may have ignored it): the death signal would then be lost, and dbt live on
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: dbt runs as before
    parent = os.environ.get("IKU_DBT_PARENT")
    if parent and parent.isdigit() and os.getppid() != int(parent) and not _alive(int(parent)):
        sys.exit(143)  # the refresh died before prctl took effect
    os.execv(real, [real, *sys.argv[1:]])


if __name__ == "__main__":
    main()
