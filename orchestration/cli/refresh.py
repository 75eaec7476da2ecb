"""`iku refresh`: the nightly refresh now (extract, load, dbt build, checks, publish), one at a
time per warehouse, printing every step, then the checks, the IKU and the time of each stage."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from orchestration import settings
from orchestration.cli.arguments import add_command, attendance_month
from orchestration.cli.environment import start
from orchestration.cli.errors import EXIT_BUSY, EXIT_FAILED, EXIT_OK
from orchestration.cli.output import print_table
from orchestration.cli.show import fetch_iku
from orchestration.warehouse import make_engine
from sources.redact import mask_url, redact

EXAMPLES = """
iku refresh                      # wait up to 600 s for a refresh already running
iku refresh --wait 0             # stop at once (exit 3) when one is running
IKU_SOURCES_DIR=/srv/drop iku refresh --log-level INFO
iku refresh --month 2025-03      # recompute March 2025 only: its attendance files again, the marts
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(subparsers, "refresh", "run the nightly refresh now", EXAMPLES)
    p.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="Dagster's own log lines (every step's start and end print regardless)",
    )
    p.add_argument(
        "--wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help="while another refresh holds the warehouse, wait this long for it, then stop with exit "
        "code 3 (default: $IKU_REFRESH_WAIT, else 600; 0 stops at once)",
    )
    p.add_argument(
        "--month",
        type=attendance_month,
        default=None,
        metavar="YYYY-MM",
        help="recompute one month only (a backfill, job presensi_month_refresh): load that month's "
        "attendance files again and rebuild the marts; other months' rows stay as they are, no other "
        "source is read",
    )
    p.set_defaults(func=cmd_refresh)


def report_unclaimed(folder: Path) -> None:
    from sources.drop_folder import refused_links, unclaimed_files

    unclaimed = unclaimed_files(folder)
    if unclaimed:
        print(f"Files in the drop folder that no source contract claims ({len(unclaimed)}), not loaded:")
        for path in unclaimed:
            print(f"  {path.relative_to(folder)}")
    refused = refused_links(folder)
    if refused:
        print(f"Links in the drop folder that lead out of it or nowhere ({len(refused)}), not read:")
        for path in refused:
            print(f"  {path.relative_to(folder)} -> {path.readlink()}")


def cmd_refresh(args: argparse.Namespace) -> int:
    began = time.monotonic()
    folder, url = start()
    report_unclaimed(folder)
    print(f"Warehouse: {mask_url(url)}")

    from dagster import DagsterInstance
    from dagster._core.utils import make_new_run_id

    from orchestration import recovery
    from orchestration.run_lock import RefreshBusy, RefreshLock

    run_id = make_new_run_id()
    lock = RefreshLock(url, run_id)
    try:
        lock.acquire(args.wait, say=print)
    except RefreshBusy as exc:
        print(f"iku refresh: not started: {exc}", file=sys.stderr)
        return EXIT_BUSY
    outcome = "failed"
    try:
        engine = make_engine(url)
        try:
            with DagsterInstance.get() as instance:
                recovery.recover(engine, instance, run_id, say=print)
                result, progress = _execute(instance, run_id, args.log_level, args.month)
                if not result.success:
                    _alert(engine, instance, result)
        finally:
            engine.dispose()
        code = _report_refresh(url, result, progress, began)
        outcome = "succeeded" if code == EXIT_OK else "failed"
        return code
    finally:
        lock.release(outcome)


def _alert(engine, instance, result) -> None:
    """Tell people the run failed (docs/operations.md), as the failure sensor would; never raises."""
    from dagster import DagsterEventType

    from orchestration.alerts import alert_run_failure, failure_of_run, one_line

    try:
        ended = [e for e in result.all_events if e.event_type == DagsterEventType.RUN_FAILURE]
        failure = failure_of_run(instance, result.dagster_run, ended[0].message if ended else None)
    except Exception as exc:  # the refresh's own report comes first
        print(f"Run alert not sent: {one_line(f'{type(exc).__name__}: {exc}')}")
        return
    alert_run_failure(engine, failure, log=print)


def _execute(instance, run_id: str, log_level: str, month: str | None = None):
    """Run the nightly job (or, for a `month`, the job that recomputes that month) in this
    process, printing every step as it starts and ends."""
    from dagster._core.execution.api import create_execution_plan
    from dagster._loggers import default_loggers

    from orchestration import progress as progress_mod
    from orchestration.checks.gx_runner import warm_up
    from orchestration.definitions import defs
    from orchestration.partitions import MONTHLY_JOB
    from orchestration.recovery import run_tags

    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}, "progress": {"config": {}}}}
    job = defs.resolve_job_def(MONTHLY_JOB if month else "nightly_refresh")
    steps = len(create_execution_plan(job).step_keys_to_execute)
    stages = progress_mod.stages_by_step([*(defs.assets or []), *(defs.asset_checks or [])])
    progress = progress_mod.Progress(stages=stages, total_steps=steps)
    job = job.with_logger_defs({**default_loggers(), "progress": progress_mod.progress_logger(progress)})
    print(f"Run {run_id}: {steps} steps" + (f", month {month} only" if month else ""))
    warm_up()
    progress.start_heartbeat()
    try:
        result = job.execute_in_process(
            instance=instance,
            run_id=run_id,
            tags=run_tags(),
            raise_on_error=False,
            run_config=run_config,
            partition_key=month,
        )
    finally:
        progress.stop()
    return result, progress


def _rows_loaded(result) -> int:
    total = 0
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key.path[0] == "raw":
            value = materialization.metadata.get("rows_loaded")
            total += int(getattr(value, "value", value) or 0)
    return total


def _report_refresh(url: str, result, progress, began: float) -> int:
    """The end-of-run report: checks, publish, the IKU, Data Docs, the time of each stage."""
    from dagster import AssetKey

    from orchestration.checks.deliveries import checked_sources
    from orchestration.checks.freshness import check_name
    from orchestration.checks.gx_runner import load_suites
    from orchestration.progress import STAGES, write_timings

    evaluations = result.get_asset_check_evaluations()
    blocking_failed = [e for e in evaluations if not e.passed and e.severity.value == "ERROR"]
    step_failures = [
        (ev.step_key, ev.event_specific_data.error.message.strip().splitlines()[0])
        for ev in result.all_events
        if ev.is_step_failure and ev.event_specific_data and ev.event_specific_data.error
    ]
    published = any(
        m.asset_key == AssetKey(["publish", "marts"])
        for m in result.get_asset_materialization_events()
        for m in [m.event_specific_data.materialization]
    )

    gx_names = {spec.name for spec in load_suites()}
    fresh_names = {check_name(s) for s in checked_sources()}  # raw_<table>_fresh: not dbt tests
    dbt_tests = [e for e in evaluations if e.check_name not in gx_names | fresh_names]
    print(
        f"\nQuality checks: {len(evaluations)} evaluated, "
        f"{sum(not e.passed for e in evaluations)} failed "
        f"(dbt tests: {len(dbt_tests) - sum(not e.passed for e in dbt_tests)} of {len(dbt_tests)} passed)"
    )
    for ev in sorted(evaluations, key=lambda e: (e.asset_key.to_user_string(), e.check_name)):
        if ev.check_name in gx_names or not ev.passed:
            status = "PASS" if ev.passed else f"FAIL ({ev.severity.value})"
            print(f"  {status:<14} {ev.asset_key.to_user_string()} :: {ev.check_name}")
    for step, message in step_failures:
        print(f"  STEP FAILED    {step}: {redact(message)}")

    dq_rows = _report_dq(url, result.run_id)
    if published:
        print("\nPublished: schema marts now holds this run's IKU values.")
    else:
        print("\nNOT published: schema marts keeps the last good IKU values.")
        if blocking_failed:
            print("Blocked by failed ERROR checks:")
            routes = {r["check_name"]: r for r in dq_rows}
            for ev in sorted(blocking_failed, key=lambda e: e.check_name):
                r = routes.get(ev.check_name)
                who = f" -> {r['steward']} ({r['penanggung_jawab']})" if r else ""
                print(f"  {ev.asset_key.to_user_string()} :: {ev.check_name}{who}")
    _print_latest(url)
    docs_began = time.monotonic()
    _report_data_docs(url)
    _report_outputs()

    seconds = {stage: round(progress.seconds.get(stage, 0.0), 2) for stage in STAGES}
    seconds["data_docs"] = round(time.monotonic() - docs_began, 2)
    total = round(time.monotonic() - began, 2)
    startup = round((progress.first_step_at or began) - began, 2)  # imports, warehouse, lock, recovery
    timings = {
        **seconds,
        "startup": startup,
        "other": round(max(total - startup - sum(seconds.values()), 0.0), 2),
        "total": total,
        "run_id": result.run_id,
        "rows_loaded": _rows_loaded(result),
        "published": published,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path = write_timings(settings.iku_home(), timings)
    print("\nTime by stage: " + ", ".join(f"{stage} {seconds[stage]:.1f} s" for stage in STAGES))
    print(f"  startup {startup:.1f} s, total {total:.1f} s, {timings['rows_loaded']} rows loaded ({path})")

    if blocking_failed or step_failures or not result.success:
        print(f"\nRefresh failed (run {result.run_id}).", file=sys.stderr)
        return EXIT_FAILED
    print(f"\nRefresh succeeded (run {result.run_id}).")
    return EXIT_OK


def _report_dq(url: str, run_id: str) -> list[dict]:
    """This run's GX results from schema dq: acknowledged failures and where failures go."""
    from orchestration.checks.dq_store import run_results

    engine = make_engine(url)
    try:
        rows = run_results(engine, run_id)
    finally:
        engine.dispose()
    acknowledged = [r for r in rows if r["outcome"] == "acknowledged"]
    failed = [r for r in rows if r["outcome"] == "failed"]
    if acknowledged:
        print("Acknowledged failures (reported, not blocking):")
        for r in acknowledged:
            print(f"  {r['severity']:<6} {r['check_name']} -> {r['steward']} (ack #{r['ack_id']})")
    if failed:
        units = sorted({r["steward"] for r in failed})
        print(f"Failures routed to: {', '.join(units)} (details: iku dq)")
    return rows


def _report_data_docs(url: str) -> None:
    from orchestration.checks.data_docs import build_data_docs

    engine = make_engine(url)
    try:
        index = build_data_docs(engine)
    except Exception as exc:  # the refresh itself is done: say so, do not fail it
        print(f"\nData Docs: not built ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})")
        return
    finally:
        engine.dispose()
    print(f"\nData Docs: {index} (open failures by unit: {index.parent / 'stewards.html'})")


def _report_outputs() -> None:
    """Where the leadership's report and the dbt docs are (rewritten only by a run that published)."""
    from orchestration.dbt_docs import docs_dir
    from orchestration.report import reports_dir

    reports = sorted(reports_dir().glob("laporan-iku-*.html")) if reports_dir().is_dir() else []
    if reports:
        print(f"IKU report: {reports[-1]} (also .xlsx; other years and PDF: iku report)")
    if (docs_dir() / "index.html").is_file():
        print(f"dbt docs: {docs_dir() / 'static_index.html'} (served by iku docs)")


def _print_latest(url: str) -> None:
    rows = fetch_iku(url, year=None, scope="agency")
    if not rows:
        print("No IKU values published yet.")
        return
    print(f"\nIKU, whole agency, {rows[0]['period_year']}:")
    print_table(
        rows,
        [
            "indicator_code",
            "indicator_name",
            "numerator",
            "denominator",
            "value",
            "unit_of_measure",
            "target",
            "capaian",
            "status",
            "null_reason",
        ],
    )
