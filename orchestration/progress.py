"""Progress of a refresh on the console, and the time each stage took.

Invariant: no step of `iku refresh` is silent. A Dagster logger (`progress_logger`) sees every
step event of the run as it happens and prints one line when a step starts and one when it ends:
what runs, N of M, the elapsed time; a step that runs long gets a `still running` line every
minute (dbt adds its own `N of M START/OK` lines); a step that does several things at once (the
file sources' loads) prints a line as each finishes, from any log record that carries `NOTE`
(`context.log.info(text, extra={NOTE: text})`). The same events give each stage's seconds
(load, dbt build, checks, publish, report, dbt docs), which `iku refresh` prints at the end and
writes, with Data Docs, the total, the run id and the rows loaded, to `$IKU_HOME/last_refresh_timings.json`.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from dagster import AssetChecksDefinition, AssetsDefinition, DagsterEventType, LoggerDefinition

STAGES = ("load", "dbt_build", "checks", "publish", "report", "dbt_docs", "data_docs")
TIMINGS_FILE = "last_refresh_timings.json"
NOTE = "iku_progress_note"  # a log record's attribute (`extra`): a line of progress within a step
HEARTBEAT_SECONDS = 60.0

_ENDS = {
    DagsterEventType.STEP_SUCCESS: "done",
    DagsterEventType.STEP_FAILURE: "FAILED",
    DagsterEventType.STEP_SKIPPED: "skipped",
    DagsterEventType.STEP_UP_FOR_RETRY: "retry",
}


def stage_of(definition: AssetsDefinition | AssetChecksDefinition) -> str:
    """The stage a step belongs to, from what it materializes or checks."""
    if isinstance(definition, AssetChecksDefinition) or not definition.keys:
        return "checks"
    if any(key.path[0] == "publish" for key in definition.keys):
        return "publish"
    if any(key.path[0] == "reports" for key in definition.keys):
        return "report"
    if any(key.path[0] == "docs" for key in definition.keys):
        return "dbt_docs"
    if all(key.path[0] == "raw" for key in definition.keys):
        return "load"
    return "dbt_build"  # the dbt multi-asset: seeds, staging … marts and their tests


def stages_by_step(definitions: Iterable[AssetsDefinition | AssetChecksDefinition]) -> dict[str, str]:
    """Step key -> stage, for every op-backed definition of the code location."""
    return {d.node_def.name: stage_of(d) for d in definitions if d.is_executable and d.node_def}


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


@dataclass
class Progress:
    """Step lines on `out` and seconds per stage, fed by the run's step events."""

    stages: dict[str, str]
    total_steps: int
    out: TextIO = field(default_factory=lambda: sys.stdout)
    started_at: float = field(default_factory=time.monotonic)
    seconds: dict[str, float] = field(default_factory=dict)
    first_step_at: float | None = None  # time.monotonic() of the first step's start
    _running: dict[str, float] = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _say(self, text: str) -> None:
        with self._lock:
            self.out.write(f"[{len(self._seen):>3}/{self.total_steps} {_clock(self.elapsed()):>6}] {text}\n")
            self.out.flush()

    def elapsed(self) -> float:
        return time.monotonic() - self.started_at

    def stage(self, step_key: str) -> str:
        return self.stages.get(step_key.split("[")[0], "other")

    def on_event(self, event_type: DagsterEventType, step_key: str | None) -> None:
        if not step_key:
            return
        now = time.monotonic()
        stage = self.stage(step_key)
        if event_type == DagsterEventType.STEP_START:
            if self.first_step_at is None:
                self.first_step_at = now
            self._seen.add(step_key)
            self._running[step_key] = now
            self._say(f"start  {stage:<9} {step_key}")
        elif event_type in _ENDS:
            self._seen.add(step_key)
            began = self._running.pop(step_key, None)
            took = now - began if began is not None else 0.0
            self.seconds[stage] = self.seconds.get(stage, 0.0) + took
            self._say(f"{_ENDS[event_type]:<6} {stage:<9} {step_key} ({took:.1f} s)")

    def note(self, step_key: str | None, text: str) -> None:
        """A line about part of a running step (one source loaded, say)."""
        if step_key:
            self._say(f"{'':<6} {self.stage(step_key):<9} {step_key}: {text}")

    def heartbeat(self) -> None:
        """Until `stop`: a line for each step that ran a minute (or another minute) unannounced."""
        said: dict[str, float] = {}
        while not self._stop.wait(5.0):
            now = time.monotonic()
            for step_key, began in list(self._running.items()):
                if now - max(began, said.get(step_key, began)) >= HEARTBEAT_SECONDS:
                    said[step_key] = now
                    self._say(f"still running {step_key}, for {_clock(now - began)}")

    def start_heartbeat(self) -> None:
        threading.Thread(target=self.heartbeat, name="iku-progress", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()


class _ProgressHandler(logging.Handler):
    def __init__(self, progress: Progress):
        super().__init__(level=logging.DEBUG)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is not None:
            self.progress.on_event(event.event_type, event.step_key)
        elif getattr(record, NOTE, None):
            self.progress.note(meta.get("step_key"), getattr(record, NOTE))


def progress_logger(progress: Progress) -> LoggerDefinition:
    """A Dagster logger that feeds the run's step events to `progress`."""

    def _make(_init_context) -> logging.Logger:
        log = logging.getLogger(f"iku.progress.{id(progress)}")
        log.setLevel(logging.DEBUG)
        log.propagate = False
        log.handlers = [_ProgressHandler(progress)]
        return log

    return LoggerDefinition(logger_fn=_make, description="step start/end lines with N of M and elapsed time")


def write_timings(home: Path, timings: dict) -> Path:
    """`$IKU_HOME/last_refresh_timings.json`: stage -> seconds, total, run id, rows loaded."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / TIMINGS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(timings, indent=2) + "\n")
    tmp.replace(path)
    return path
