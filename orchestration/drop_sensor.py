"""The drop-folder sensor `refresh_on_delivery`: a newly delivered source file starts the refresh
of what it affects, once.

Every tick (IKU_DROP_SENSOR_SECONDS, default 60) it lists the files a source contract claims
(`sources.drop_folder.files_for` over every contract) and compares them with its cursor, a JSON
object {relative name: [size, mtime_ns, sha256]}:

- a file's sha256 is computed only when its size or mtime differ from the cursor's (files can be
  large); a file whose checksum is the cursor's (touched, copied again) starts nothing;
- a file counts only once it has settled: its mtime is at least IKU_DROP_SETTLE_SECONDS (default
  30) old, so a file still being copied starts nothing; it is looked at again on the next tick;
- a new or changed attendance file (ATTENDANCE_SOURCES) starts the monthly job for its month;
  any other file starts ONE run of the nightly job, which loads everything (`route`);
- every run request has a run_key made of its files and their checksums: the daemon never starts
  two runs for the same (file, sha256), whatever the cursor says;
- the first tick (no cursor) only records the baseline: the files already there were loaded, or
  will be, by the nightly schedule; nothing starts;
- a file that disappears is dropped from the cursor and starts nothing (the warehouse keeps what
  it loaded; a later delivery under that name is new again);
- a drop folder that is missing or unreadable skips the tick naming the folder, cursor unchanged.

The demo SIMPEG database (simpeg.sqlite) does not count: it stands for a live database that the
nightly refresh extracts every night (IKU_SIMPEG_URL in a deployment), not a delivery.

Tags on each run: `iku/trigger=drop_folder` and `iku/delivered` (the triggering file names; never
their content). Dagster adds `dagster/sensor_name=refresh_on_delivery`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from pathlib import Path

from dagster import (
    DefaultSensorStatus,
    JobDefinition,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from orchestration.partitions import ATTENDANCE_MONTHS, ATTENDANCE_SOURCES, month_of_file
from orchestration.resources import SourceDropResource
from orchestration.settings import drop_sensor_on, drop_sensor_seconds, drop_settle_seconds
from sources.drop_folder import folder_problem
from sources.load import sha256_of

SENSOR_NAME = "refresh_on_delivery"
TRIGGER_TAG, TRIGGER = "iku/trigger", "drop_folder"
FILES_TAG = "iku/delivered"
MAX_TAG_NAMES = 20  # the tag names this many files, then "(+N more)"


@dataclass(frozen=True)
class Seen:
    """What the cursor remembers of a file."""

    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True)
class Delivered:
    """A new or changed file: its name relative to the drop folder, its source and checksum."""

    name: str
    source: str
    sha256: str


@dataclass(frozen=True)
class Refresh:
    """One run to request: the job, its partition (a month) if any, the files that caused it."""

    job_name: str
    partition_key: str | None
    files: tuple[Delivered, ...]

    def run_key(self) -> str:
        """The same files with the same checksums give the same key: the daemon starts it once."""
        digest = hashlib.sha256()
        for f in sorted(self.files, key=lambda f: f.name):
            digest.update(f"{f.name}\0{f.sha256}\n".encode())
        return f"{self.job_name}:{self.partition_key or 'all'}:{digest.hexdigest()[:32]}"

    def tags(self) -> dict[str, str]:
        names = sorted(f.name for f in self.files)
        shown = ",".join(names[:MAX_TAG_NAMES])
        if len(names) > MAX_TAG_NAMES:
            shown += f" (+{len(names) - MAX_TAG_NAMES} more)"
        return {TRIGGER_TAG: TRIGGER, FILES_TAG: shown}


def route(
    delivered: list[Delivered], nightly_job: str, monthly_job: str | None, months: Container[str]
) -> list[Refresh]:
    """The runs new or changed files call for.

    Any file that is not an attendance file (or an attendance file without a known month, or no
    monthly job): ONE nightly run, which loads everything. Else one monthly run per month."""
    if not delivered:
        return []
    by_month: dict[str, list[Delivered]] = {}
    for f in delivered:
        month = month_of_file(f.name) if f.source in ATTENDANCE_SOURCES else None
        if monthly_job is None or month is None or month not in months:
            return [Refresh(nightly_job, None, tuple(sorted(delivered, key=lambda f: f.name)))]
        by_month.setdefault(month, []).append(f)
    return [
        Refresh(monthly_job, month, tuple(sorted(files, key=lambda f: f.name)))
        for month, files in sorted(by_month.items())
    ]


# --------------------------------------------------------------------------- the folder


def claimed_files(folder: Path) -> dict[str, str]:
    """{relative name: source} of every file a source contract claims in the folder."""
    from sources.contracts import load_contracts
    from sources.drop_folder import files_for

    claimed: dict[str, str] = {}
    for name, contract in sorted(load_contracts().items()):
        for path in files_for(contract, folder):
            claimed.setdefault(path.relative_to(folder).as_posix(), name)
    return claimed


@dataclass(frozen=True)
class Scan:
    """One look at the folder: the new cursor, the files delivered since the old one, and the
    files not settled yet (looked at again next tick)."""

    cursor: dict[str, Seen]
    delivered: list[Delivered]
    unsettled: list[str]
    hashed: int  # how many files were read to compute a checksum


def scan(
    folder: Path,
    previous: Mapping[str, Seen],
    settle_seconds: float,
    now: float,
    claimed: Callable[[Path], dict[str, str]] = claimed_files,
) -> Scan:
    """Compare the claimed files with `previous` (see the module's invariants)."""
    cursor: dict[str, Seen] = {}
    delivered: list[Delivered] = []
    unsettled: list[str] = []
    hashed = 0
    for name, source in sorted(claimed(folder).items()):
        before = previous.get(name)
        try:
            stat = (folder / name).stat()
            if now - stat.st_mtime < settle_seconds:
                unsettled.append(name)
                if before is not None:
                    cursor[name] = before
                continue
            if before is not None and (before.size, before.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
                cursor[name] = before
                continue
            sha = sha256_of(folder / name)
            hashed += 1
        except OSError:  # gone or unreadable between the listing and now: next tick decides
            if before is not None:
                cursor[name] = before
            continue
        cursor[name] = Seen(stat.st_size, stat.st_mtime_ns, sha)
        if before is None or before.sha256 != sha:
            delivered.append(Delivered(name, source, sha))
    return Scan(cursor, delivered, unsettled, hashed)


def dump_cursor(cursor: Mapping[str, Seen]) -> str:
    return json.dumps({n: [s.size, s.mtime_ns, s.sha256] for n, s in sorted(cursor.items())})


def load_cursor(text: str | None) -> dict[str, Seen] | None:
    """The cursor's files; None when there is none (or it cannot be read: a new baseline)."""
    if not text:
        return None
    try:
        return {str(n): Seen(int(v[0]), int(v[1]), str(v[2])) for n, v in json.loads(text).items()}
    except (ValueError, TypeError, AttributeError, IndexError, KeyError):
        return None


# --------------------------------------------------------------------------- the sensor


Job = JobDefinition | UnresolvedAssetJobDefinition


def build_drop_folder_sensor(nightly_job: Job, monthly_job: Job | None = None) -> SensorDefinition:
    """The sensor `refresh_on_delivery` for these jobs (as given to Definitions); without a
    monthly job every delivery starts the nightly job."""
    jobs = [nightly_job] if monthly_job is None else [nightly_job, monthly_job]
    monthly_name = monthly_job.name if monthly_job is not None else None

    @sensor(
        name=SENSOR_NAME,
        jobs=jobs,
        minimum_interval_seconds=drop_sensor_seconds(),
        default_status=DefaultSensorStatus.RUNNING if drop_sensor_on() else DefaultSensorStatus.STOPPED,
        description="Refresh what a newly delivered file affects, once per file and checksum: an attendance "
        "file its month, any other file the whole night (docs/operations.md). Off: IKU_DROP_SENSOR=off.",
    )
    def refresh_on_delivery(context: SensorEvaluationContext, source_drop: SourceDropResource):
        folder = source_drop.folder()
        problem = folder_problem(folder)
        if problem is not None:
            return SkipReason(f"the drop folder {folder} (IKU_SOURCES_DIR) {problem}: nothing looked at")
        previous = load_cursor(context.cursor)
        now = time.time()
        result = scan(folder, previous or {}, drop_settle_seconds(), now)
        waiting = f"; {len(result.unsettled)} file(s) still being delivered" if result.unsettled else ""
        cursor = dump_cursor(result.cursor)
        if previous is None:
            return SensorResult(
                skip_reason=f"first look at {folder}: {len(result.cursor)} file(s) recorded as the baseline, "
                f"nothing started (the nightly schedule loads them){waiting}",
                cursor=cursor,
            )
        months = set(ATTENDANCE_MONTHS.get_partition_keys()) if monthly_name else set()
        refreshes = route(result.delivered, nightly_job.name, monthly_name, months)
        if not refreshes:
            return SensorResult(skip_reason=f"no new or changed file in {folder}{waiting}", cursor=cursor)
        for r in refreshes:
            context.log.info(
                f"{r.job_name}{f' [{r.partition_key}]' if r.partition_key else ''}: "
                f"{', '.join(f.name for f in r.files)}"
            )
        requests = [
            RunRequest(run_key=r.run_key(), job_name=r.job_name, partition_key=r.partition_key, tags=r.tags())
            for r in refreshes
        ]
        return SensorResult(run_requests=requests, cursor=cursor)

    return refresh_on_delivery
