"""Raw assets: one per source contract, each loading its delivered file(s) into schema `raw`.

The file sources are the specs of two multi-assets (one Dagster step each): `raw_files`, and
`raw_presensi` for the attendance sources, partitioned by month (orchestration.partitions). Each
contract keeps its own asset (key `raw/<table>`, group `raw`, kinds, owner, description, metadata), but
their loads overlap inside the in-process run, `LOAD_THREADS` sources at a time, the costliest
first, each on its own connections from the run's shared engine (`warehouse.engine()`, whose
pool holds them all: orchestration.warehouse.make_engine). Loads of different raw tables share
no lock but the one that creates the audit tables, which the step ensures before the threads.

Invariants:
- every selected source that loads is materialized, one MaterializeResult as it finishes, with
  the metadata a per-source asset always had, whatever happens to the other sources;
- a source that fails keeps its previous raw data; once the others have finished, the step fails
  with ONE Failure naming every failed source with its file and cause, so nothing downstream
  (dbt, publish) runs on a partial load;
- a lost or refused warehouse connection retries that source's load alone
  (orchestration.transient.retry_on_transient: its classification, messages and backoff), never
  the sources that loaded; bad data is never retried;
- a run for some months (a backfill of `raw_presensi`) loads the attendance files of those
  months only, again even when unchanged; a run without a partition loads every file, and
  records each delivered month as a materialized partition;
- only the step's own thread talks to Dagster (logs, events): the loading threads hand their
  lines to it through a queue, and it logs each source's outcome as it finishes (a line that
  orchestration.progress also prints on the console).
"""

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import Any, TypeVar

import sqlalchemy as sa
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    AssetsDefinition,
    AssetSpec,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    Output,
    PartitionsDefinition,
    RetryRequested,
    asset,
    multi_asset,
)

from orchestration.partitions import ATTENDANCE_MONTHS, ATTENDANCE_SOURCES, month_of_file
from orchestration.progress import NOTE
from orchestration.resources import SourceDropResource, WarehouseResource
from orchestration.transient import max_retries, retry_on_transient
from sources.contracts import Contract, load_contracts
from sources.drop_folder import files_for, refused_links, unclaimed_files
from sources.load import RAW_SCHEMA, ensure_audit, load_files
from sources.raw_tables import ensure_raw_table
from sources.readers import SourceFileError

T = TypeVar("T")

FILES_STEP = "raw_files"
PRESENSI_STEP = "raw_presensi"
LOAD_THREADS = 3  # sources loading at a time; a per-file source loads 3 files at a time itself
XLSX_COST = 50  # a workbook byte costs about as much as this many delimited bytes (openpyxl)


def _team(name: str) -> str:
    """Dagster owner of a steward unit: "Bidang Mutasi dan Kepangkatan" ->
    team:bidang-mutasi-kepangkatan (the word "dan" dropped, not the letters)."""
    return "team:" + "-".join(word for word in name.lower().split() if word != "dan")


def raw_asset_key(contract: Contract) -> AssetKey:
    return AssetKey([RAW_SCHEMA, contract.raw_table])


def raw_asset_spec(contract: Contract) -> AssetSpec:
    """The asset of one file source, as the Dagster UI shows it."""
    return AssetSpec(
        key=raw_asset_key(contract),
        group_name="raw",
        kinds={"postgres", "python"},
        owners=[_team(contract.steward)],
        description=contract.description,
        metadata={
            "file_pattern": contract.files,
            "mode": contract.mode,
            "steward": contract.steward,
            "penanggung_jawab": contract.penanggung_jawab,
        },
    )


# --------------------------------------------------------------------------- one source, in a thread


@dataclass
class _Lines:
    """The log of one loading thread: its lines wait in `queue` for the step's thread."""

    source: str
    queue: SimpleQueue

    def info(self, message: str) -> None:
        self.queue.put((logging.INFO, f"{self.source}: {message}"))

    def warning(self, message: str) -> None:
        self.queue.put((logging.WARNING, f"{self.source}: {message}"))


@dataclass
class _Attempt:
    """What retry_on_transient reads of a step context, for one source's attempt."""

    retry_number: int
    log: _Lines


@dataclass
class _Outcome:
    contract: Contract
    seconds: float
    metadata: dict[str, Any] = field(default_factory=dict)
    error: Exception | None = None


def _with_retries(log: _Lines, what: str, load: Callable[[], T]) -> T:
    """`load()`; after a lost connection, again after retry_on_transient's backoff, up to its
    max_retries() (IKU_RETRIES); the last attempt's error, transient or not, propagates."""
    for attempt in range(max_retries()):
        try:
            with retry_on_transient(_Attempt(attempt, log), what):
                return load()
        except RetryRequested as retry:
            time.sleep(retry.seconds_to_wait or 0)
    return load()


def _load_contract(
    engine: sa.Engine,
    contract: Contract,
    files: list[Path],
    run_id: str,
    log: _Lines,
    months: list[str] | None = None,
) -> dict[str, Any]:
    """Load one contract's delivered files (of a run for `months`: again even when unchanged);
    the metadata of its materialization."""
    ensure_raw_table(engine, contract)
    if not files:
        of = f" of {', '.join(months)}" if months else ""
        log.warning(f"no file{of} matching {contract.files} in the drop folder; previous raw data kept")
        return {"outcome": "no file delivered; previous data kept", "files": ""}
    if contract.mode == "snapshot":
        if len(files) > 1:
            log.info(f"{len(files) - 1} older file(s) superseded by {files[-1].name}")
        files = files[-1:]
    # a per-file source's files load side by side; indexes and statistics once after
    results = load_files(engine, contract, files, run_id=run_id, force=months is not None)
    for result in results:
        if result.outcome == "held":  # the steward is told by the check <suite>_delivery_held
            log.warning(result.message or f"{result.file_name}: held")
            continue
        log.info(
            f"{result.file_name}: {result.outcome}; read {result.rows_read}, "
            f"loaded {result.rows_loaded}, quarantined {result.rows_quarantined}"
            + (f"; {'; '.join(result.notes)}" if result.notes else "")
        )
    return {
        "files": ", ".join(r.file_name for r in results),
        "outcome": ", ".join(sorted({r.outcome for r in results})),
        "batch_ids": ", ".join(str(r.batch_id) for r in results if r.batch_id) or "-",
        "rows_read": MetadataValue.int(sum(r.rows_read for r in results)),
        "rows_loaded": MetadataValue.int(sum(r.rows_loaded for r in results)),
        "rows_quarantined": MetadataValue.int(sum(r.rows_quarantined for r in results)),
        "notes": "; ".join(n for r in results for n in r.notes) or "-",
    }


def _load_source(
    engine: sa.Engine,
    contract: Contract,
    files: list[Path],
    run_id: str,
    log: _Lines,
    months: list[str] | None,
) -> _Outcome:
    """One source, start to end, in a loading thread: never raises, its error is the outcome."""
    began = time.monotonic()
    try:
        metadata = _with_retries(
            log, f"load {contract.name}", lambda: _load_contract(engine, contract, files, run_id, log, months)
        )
    except Exception as exc:
        return _Outcome(contract, time.monotonic() - began, error=exc)
    return _Outcome(contract, time.monotonic() - began, metadata=metadata)


# --------------------------------------------------------------------------- the step


def _cost(contract: Contract, files: list[Path]) -> int:
    """What loading `files` roughly costs, to start the longest loads first."""
    if contract.mode == "snapshot":
        files = files[-1:]
    return sum(p.stat().st_size * (XLSX_COST if p.suffix.lower() == ".xlsx" else 1) for p in files)


def _summary(outcome: _Outcome) -> str:
    """One line for the console: `<source>: <outcome>, <n> file(s), <rows> rows loaded`."""
    name, m = outcome.contract.name, outcome.metadata
    if outcome.error is not None:
        return f"{name}: FAILED, {_cause(outcome.error)}"
    if not m.get("files"):
        return f"{name}: {m['outcome']}"
    count = len(m["files"].split(", "))
    return f"{name}: {m['outcome']}, {count} file(s), {m['rows_loaded'].value:,} rows loaded"


def _cause(error: Exception) -> str:
    """`file: cause` for a file that cannot be loaded, else the error's first line."""
    if isinstance(error, SourceFileError):
        return str(error)
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"


def _drain(context: AssetExecutionContext, lines: SimpleQueue) -> None:
    while True:
        try:
            level, message = lines.get_nowait()
        except Empty:
            return
        context.log.log(level, message)


def _load_concurrently(
    context: AssetExecutionContext,
    engine: sa.Engine,
    plan: list[tuple[Contract, list[Path]]],
    months: list[str] | None,
) -> Iterator[_Outcome]:
    """Each source's outcome as it finishes (the costliest sources start first); its lines and
    a progress line are logged before it is yielded."""
    plan = sorted(plan, key=lambda cf: -_cost(*cf))
    lines: SimpleQueue = SimpleQueue()
    pool = ThreadPoolExecutor(max_workers=LOAD_THREADS, thread_name_prefix="iku-load")
    try:
        pending: set[Future[_Outcome]] = {
            pool.submit(_load_source, engine, c, files, context.run_id, _Lines(c.name, lines), months)
            for c, files in plan
        }
        finished = 0
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            _drain(context, lines)
            for future in done:
                outcome = future.result()
                finished += 1
                note = f"{_summary(outcome)} ({outcome.seconds:.1f} s; {finished} of {len(plan)} sources)"
                level = logging.ERROR if outcome.error is not None else logging.INFO
                context.log.log(level, note, extra={NOTE: note})
                yield outcome
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _drain(context, lines)


def _failure(failed: list[_Outcome], total: int) -> Failure:
    names = [o.contract.name for o in failed]
    metadata: dict[str, Any] = {"failed_sources": ", ".join(names)}
    for o in failed:
        path = getattr(o.error, "path", None)
        metadata[f"{o.contract.name}.file"] = path.name if isinstance(path, Path) else "-"
        metadata[f"{o.contract.name}.cause"] = getattr(o.error, "cause", None) or _cause(o.error)
    return Failure(
        description=f"{len(failed)} of {total} file source(s) failed, previous raw data kept "
        "(the other sources loaded): " + "; ".join(f"{o.contract.name}: {_cause(o.error)}" for o in failed),
        metadata=metadata,
    )


def _run_months(context: AssetExecutionContext) -> list[str] | None:
    """The months a partitioned run is for; None for a run of every delivered month."""
    if context.has_partition_key_range or context.has_partition_key:
        return list(context.partition_keys)
    return None


def _plan(
    context: AssetExecutionContext, folder: Path, contracts: list[Contract], months: list[str] | None
) -> list[tuple[Contract, list[Path]]]:
    """Each contract's files to load: all of them, or those of the run's months. A run for
    months of which no file was delivered fails, naming the months and the file patterns."""
    plan = [(c, files_for(c, folder)) for c in contracts]
    if months is None:
        return plan
    plan = [(c, [p for p in files if month_of_file(p) in months]) for c, files in plan]
    if not any(files for _, files in plan):
        patterns = ", ".join(c.files for c in contracts)
        raise Failure(
            description=f"no attendance file of {', '.join(months)} in the drop folder {folder} "
            f"({patterns}, the month in the name): nothing to recompute; the raw data is unchanged"
        )
    for month in months:
        if not any(month_of_file(p) == month for _, files in plan for p in files):
            context.log.warning(f"no attendance file of {month} in the drop folder: that month is kept")
    return plan


def _delivered_months(contract: Contract, files: list[Path]) -> Iterator[AssetMaterialization]:
    """A run of every month records each month of the contract's files as a materialized
    partition, so the UI shows which months the warehouse holds."""
    known = set(ATTENDANCE_MONTHS.get_partition_keys())
    by_month: dict[str, list[str]] = {}
    for path in files:
        month = month_of_file(path)
        if month in known:
            by_month.setdefault(month, []).append(path.name)
    for month, names in sorted(by_month.items()):
        yield AssetMaterialization(
            asset_key=raw_asset_key(contract), partition=month, metadata={"files": ", ".join(names)}
        )


def build_raw_files_asset(
    contracts: list[Contract], name: str = FILES_STEP, partitions_def: PartitionsDefinition | None = None
) -> AssetsDefinition:
    """The multi-asset of some file sources: one spec per contract, loaded concurrently. With
    `partitions_def` (monthly), a partitioned run loads the files of its months only, again."""
    by_key = {raw_asset_key(c): c for c in contracts}

    @multi_asset(
        name=name,
        specs=[raw_asset_spec(c) for c in contracts],
        can_subset=True,
        partitions_def=partitions_def,
        backfill_policy=BackfillPolicy.single_run() if partitions_def else None,
        description="Load the delivered files of every selected source contract, several at a time"
        + ("; a run for some months loads the files of those months only." if partitions_def else "."),
    )
    def _raw_files(
        context: AssetExecutionContext,
        warehouse: WarehouseResource,
        source_drop: SourceDropResource,
    ) -> Iterator[MaterializeResult]:
        folder = source_drop.readable_folder()  # a folder that is not there fails the run, named
        engine = warehouse.engine()
        with retry_on_transient(context, "load: the audit tables"):
            ensure_audit(engine)  # before the threads, which would queue on its lock
        chosen = [c for key, c in by_key.items() if key in context.selected_asset_keys]
        months = _run_months(context) if partitions_def else None
        plan = _plan(context, folder, chosen, months)
        files_of = {c.name: files for c, files in plan}
        failed = []
        for outcome in _load_concurrently(context, engine, plan, months):
            if outcome.error is not None:
                failed.append(outcome)
                continue
            if partitions_def and months is None:
                for event in _delivered_months(outcome.contract, files_of[outcome.contract.name]):
                    context.log_event(event)
            yield MaterializeResult(asset_key=raw_asset_key(outcome.contract), metadata=outcome.metadata)
        if failed:
            raise _failure(failed, len(chosen)) from failed[0].error

    return _raw_files


DROP_FOLDER_KEY = AssetKey(["raw", "drop_folder"])


@asset(
    key=DROP_FOLDER_KEY,
    group_name="raw",
    kinds={"python"},
    owners=["team:bidang-inka"],
    description="What the stewards delivered: the files each contract claims, and any file no "
    "contract claims and any link leading out of the folder (reported, never ignored, never read).",
    check_specs=[
        AssetCheckSpec(
            "no_unclaimed_files",
            asset=DROP_FOLDER_KEY,
            description="Every file in the drop folder belongs to a source contract, and no "
            "link in it leads out of it.",
        )
    ],
)
def drop_folder(context: AssetExecutionContext, source_drop: SourceDropResource) -> Iterator:
    folder = source_drop.readable_folder()
    claimed = {c.name: [p.name for p in files_for(c, folder)] for c in load_contracts().values()}
    unclaimed = [str(p.relative_to(folder)) for p in unclaimed_files(folder)]
    for name in unclaimed:
        context.log.warning(f"{name}: not in any source contract, not loaded (see docs/sources.md)")
    refused = [str(p.relative_to(folder)) for p in refused_links(folder)]
    for name in refused:
        context.log.warning(f"{name}: a link leading out of the drop folder or nowhere, not read")
    missing = sorted(name for name, files in claimed.items() if not files)
    if missing:
        context.log.info(f"no delivery for: {', '.join(missing)}")
    yield Output(
        None,
        metadata={
            "folder": str(folder),
            "files_claimed": MetadataValue.int(sum(len(f) for f in claimed.values())),
            "unclaimed_files": ", ".join(unclaimed) or "-",
            "refused_links": ", ".join(refused) or "-",
            "sources_without_delivery": ", ".join(missing) or "-",
        },
    )
    yield AssetCheckResult(
        check_name="no_unclaimed_files",
        passed=not unclaimed and not refused,
        severity=AssetCheckSeverity.WARN,
        description=(
            f"{len(unclaimed)} file(s) not in any contract, {len(refused)} link(s) refused"
            if unclaimed or refused
            else "all files claimed"
        ),
        metadata={"unclaimed_files": ", ".join(unclaimed) or "-", "refused_links": ", ".join(refused) or "-"},
    )


raw_files = build_raw_files_asset([c for c in load_contracts().values() if c.name not in ATTENDANCE_SOURCES])
raw_presensi = build_raw_files_asset(
    [load_contracts()[name] for name in ATTENDANCE_SOURCES], PRESENSI_STEP, ATTENDANCE_MONTHS
)
raw_file_assets = [raw_files, raw_presensi]  # one asset per source contract
raw_assets = [*raw_file_assets, drop_folder]
