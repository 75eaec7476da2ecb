"""A crash leaves nothing behind: what a run cleans up when it starts, holding the refresh lock.

Invariant: called only by the holder of the refresh lock (orchestration.run_lock), so no other
refresh of this warehouse is alive: a load batch still `running` belongs to a dead process
(the loader's own per-batch lock says so too), and a Dagster run of this instance that is still
STARTED/STARTING is stale when the process recorded in its tags (`iku/host`, `iku/pid`) is gone.
Old dbt target folders (one per dagster-dbt invocation) are pruned to the newest few.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

HOST_TAG, PID_TAG = "iku/host", "iku/pid"
KEEP_DBT_TARGETS = 3
DBT_TARGET_MIN_AGE_SECONDS = 1800  # a younger folder may belong to a dbt still running elsewhere
_UNIQUE_TARGET = re.compile(r"^.+-[0-9a-f]{7}-[0-9a-f]{7}$")  # dagster-dbt: <op>-<run7>-<uuid7>


def run_tags() -> dict[str, str]:
    """Tags that let a later run tell whether this run's process is alive."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}


def close_stale_batches(engine: sa.Engine) -> int | None:
    """Close the load batches a dead process left `running`; None when the loader predates it."""
    try:
        from sources.batch import close_stale_batches as close
    except ImportError:
        return None
    return close(engine)


def _process_started_at(pid: int) -> float | None:
    """The epoch a live process started, from /proc; None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        lines = Path("/proc/stat").read_text().splitlines()
        boot = next(float(line.split()[1]) for line in lines if line.startswith("btime"))
    except (OSError, StopIteration, ValueError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return 0.0
        return 0.0
    ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, after the command name
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def process_alive(pid: int, run_started: float | None) -> bool:
    """True when `pid` is alive and is the process that started the run (not a reused pid)."""
    started = _process_started_at(pid)
    if started is None:
        return False
    return run_started is None or started <= run_started + 5


def fail_stale_runs(instance, own_run_id: str | None) -> list[str]:
    """Mark STARTED/STARTING runs of this instance whose process died as failed; their ids."""
    from dagster import DagsterRunStatus, RunsFilter

    failed = []
    host = socket.gethostname()
    records = instance.get_run_records(
        filters=RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING])
    )
    for record in records:
        run = record.dagster_run
        if run.run_id == own_run_id or run.tags.get(HOST_TAG) != host or PID_TAG not in run.tags:
            continue
        if process_alive(int(run.tags[PID_TAG]), record.start_time or record.create_timestamp.timestamp()):
            continue
        instance.report_run_failed(
            run,
            message=f"process {run.tags[PID_TAG]} on {host} ended without finishing this run; "
            f"marked failed by run {own_run_id}",
        )
        failed.append(run.run_id)
    return failed


def dbt_target_root() -> Path:
    from orchestration.settings import DBT_PROJECT_DIR

    path = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    return path if path.is_absolute() else DBT_PROJECT_DIR / path


def _newest_mtime(folder: Path) -> float:
    times = [folder.stat().st_mtime]
    times += [p.stat().st_mtime for p in folder.iterdir()]
    return max(times)


def prune_dbt_targets(
    root: Path | None = None, keep: int = KEEP_DBT_TARGETS, min_age: float = DBT_TARGET_MIN_AGE_SECONDS
) -> list[Path]:
    """Remove dagster-dbt's per-invocation target folders but the newest `keep` (and any younger
    than `min_age` seconds); returns the removed folders."""
    root = root or dbt_target_root()
    if not root.is_dir():
        return []
    folders = []
    for path in root.iterdir():
        if path.is_dir() and not path.is_symlink() and _UNIQUE_TARGET.match(path.name):
            try:
                folders.append((_newest_mtime(path), path))
            except OSError:
                continue
    folders.sort(reverse=True)
    now = time.time()
    removed = []
    for mtime, path in folders[keep:]:
        if now - mtime < min_age:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def recover(engine: sa.Engine, instance, run_id: str | None, say: Callable[[str], None] = print) -> None:
    """Everything a run cleans up at its start (the caller holds the refresh lock)."""
    closed = close_stale_batches(engine)
    if closed is None:
        say("Stale load batches: not checked (sources.batch.close_stale_batches is not available)")
    elif closed:
        say(f"Closed {closed} load batch(es) left running by a process that died (now failed)")
    if instance is not None:
        stale = fail_stale_runs(instance, run_id)
        if stale:
            say(f"Marked {len(stale)} Dagster run(s) whose process died as failed: {', '.join(stale)}")
    pruned = prune_dbt_targets()
    if pruned:
        say(f"Pruned {len(pruned)} old dbt target folder(s) under {dbt_target_root()}")
