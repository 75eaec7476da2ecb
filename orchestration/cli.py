"""`iku`: the command line of Gudang IKU.

iku refresh [--wait S]           the nightly refresh (extract, load, dbt build, checks, publish);
                                 one at a time per warehouse (exit 3 when another one holds it)
iku show --year 2025             the published IKU of a year (table, csv or json)
iku demo                         write demo sources (deterministic by seed)
iku warehouse start|stop|url|status   the embedded warehouse (URLs print with the password masked)
iku reader add|remove|list NAME  logins for analysts and BI tools: read marts and reference only
iku ui                           the Dagster UI on this code location
iku env [--with-secrets]         shell exports for running dbt or psql by hand (eval "$(iku env)")
iku dq [list|ack|revoke|history|docs]   quality failures by unit, acknowledgements, Data Docs
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
import traceback
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from orchestration import settings
from orchestration.dagster_storage import write_instance_yaml
from orchestration.warehouse import (
    EMBEDDED_DATABASE,
    WarehouseError,
    dbt_env,
    embedded,
    ensure_warehouse,
    is_external,
    make_engine,
    parse_url,
)
from sources.redact import mask_url, redact

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3


def _prepare_environment() -> None:
    settings.quiet_third_parties()
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    write_instance_yaml(home)


def _ensure_sources() -> Path:
    if settings.sources_dir_configured():
        folder = settings.sources_dir()
        print(f"Sources: {folder} (IKU_SOURCES_DIR)")
        return folder
    from sources.demo import generate

    folder = settings.demo_sources_dir()
    if not folder.exists() or not any(folder.iterdir()):
        summary = generate(folder, scale=float(os.environ.get("IKU_DEMO_SCALE", "1.0")))
        print(
            f"No sources configured (IKU_SOURCES_DIR is unset): generated demo sources in {folder} "
            f"({summary.employees} ASN in {summary.opds} perangkat daerah, as of {summary.as_of})."
        )
    else:
        print(f"No sources configured (IKU_SOURCES_DIR is unset): using demo sources in {folder}.")
    return folder


# --------------------------------------------------------------------------- refresh


def _start() -> tuple[Path, str]:
    """What `refresh` and `ui` need first: Dagster's home, the sources and a running warehouse."""
    _prepare_environment()
    folder = _ensure_sources()
    url = ensure_warehouse()
    os.environ.update(dbt_env(url))
    return folder, url


def _report_unclaimed(folder: Path) -> None:
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
    folder, url = _start()
    _report_unclaimed(folder)
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
                result, progress = _execute(instance, run_id, args.log_level)
        finally:
            engine.dispose()
        code = _report_refresh(url, result, progress, began)
        outcome = "succeeded" if code == EXIT_OK else "failed"
        return code
    finally:
        lock.release(outcome)


def _execute(instance, run_id: str, log_level: str):
    """Run the nightly job in this process, printing every step as it starts and ends."""
    from dagster._core.execution.api import create_execution_plan
    from dagster._loggers import default_loggers

    from orchestration import progress as progress_mod
    from orchestration.checks.gx_runner import warm_up
    from orchestration.definitions import defs
    from orchestration.recovery import run_tags

    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}, "progress": {"config": {}}}}
    job = defs.resolve_job_def("nightly_refresh")
    steps = len(create_execution_plan(job).step_keys_to_execute)
    stages = progress_mod.stages_by_step([*(defs.assets or []), *(defs.asset_checks or [])])
    progress = progress_mod.Progress(stages=stages, total_steps=steps)
    job = job.with_logger_defs({**default_loggers(), "progress": progress_mod.progress_logger(progress)})
    print(f"Run {run_id}: {steps} steps")
    warm_up()
    progress.start_heartbeat()
    try:
        result = job.execute_in_process(
            instance=instance, run_id=run_id, tags=run_tags(), raise_on_error=False, run_config=run_config
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
    dbt_tests = [e for e in evaluations if e.check_name not in gx_names]
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


def _print_latest(url: str) -> None:
    rows = _fetch_iku(url, year=None, scope="agency")
    if not rows:
        print("No IKU values published yet.")
        return
    print(f"\nIKU, whole agency, {rows[0]['period_year']}:")
    _print_table(
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


# --------------------------------------------------------------------------- show

SHOW_COLUMNS = [
    "indicator_code",
    "indicator_name",
    "period_id",
    "period_type",
    "period_year",
    "reference_date",
    "scope",
    "opd_id",
    "opd_nama",
    "numerator",
    "denominator",
    "value",
    "unit_of_measure",
    "value_kategori",
    "target",
    "capaian",
    "status",
    "null_reason",
    "source_batch_ids",
]


def _fetch_iku(url: str, year: int | None, scope: str, period: str = "year") -> list[dict]:
    import sqlalchemy as sa

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            exists = conn.execute(sa.text("select to_regclass('marts.fct_iku')")).scalar()
            if not exists:
                return []
            if year is None:
                year = conn.execute(sa.text("select max(period_year) from marts.fct_iku")).scalar()
            query = (
                f"select {', '.join(SHOW_COLUMNS)} from marts.fct_iku where period_year = :y"
                + ("" if scope == "all" else " and scope = :scope")
                + ("" if period == "all" else " and period_type = :period")
                + " order by indicator_code, period_start, period_type desc, scope, opd_nama nulls first"
            )
            params = {"y": year, "scope": scope, "period": period}
            rows = conn.execute(sa.text(query), params).mappings().all()
            return [dict(r) for r in rows]
    finally:
        engine.dispose()


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _print_table(rows: list[dict], columns: list[str]) -> None:
    from orchestration.exports import terminal_safe

    text = [[("" if r[c] is None else terminal_safe(str(_plain(r[c])))) for c in columns] for r in rows]
    widths = [max(len(c), *(len(t[i]) for t in text)) for i, c in enumerate(columns)]
    widths = [min(w, 60) for w in widths]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for t in text:
        print("  ".join(v[:w].ljust(w) for v, w in zip(t, widths, strict=True)))


def cmd_show(args: argparse.Namespace) -> int:
    url = ensure_warehouse()
    rows = _fetch_iku(url, args.year, args.scope, args.period)
    if not rows:
        print(f"No published IKU values for {args.year}.", file=sys.stderr)
        return EXIT_FAILED
    if args.format == "json":
        json.dump([{k: _plain(v) for k, v in r.items()} for r in rows], sys.stdout, indent=2)
        print()
    elif args.format == "csv":
        from orchestration.exports import write_csv  # every text cell safe to open (OWASP)

        write_csv(sys.stdout, [{k: _plain(v) for k, v in r.items()} for r in rows], SHOW_COLUMNS)
    else:
        _print_table(
            rows,
            [
                "indicator_code",
                "period_id",
                "scope",
                "opd_nama",
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
    return EXIT_OK


# --------------------------------------------------------------------------- dq


def cmd_dq(args: argparse.Namespace) -> int:
    from orchestration.checks import dq_store

    action = args.dq_action or "list"
    url = ensure_warehouse()
    engine = make_engine(url)
    try:
        if action == "ack":
            try:
                expires = date.fromisoformat(args.expires)
            except ValueError:
                print(f"iku dq ack: --expires must be YYYY-MM-DD, not {args.expires!r}", file=sys.stderr)
                return EXIT_USAGE
            if expires < dq_store.today_wit():
                print("iku dq ack: --expires lies in the past", file=sys.stderr)
                return EXIT_USAGE
            from orchestration.checks.gx_runner import load_suites

            known = {s.name for s in load_suites()} | dq_store.recorded_checks(engine)
            if args.check not in known:
                print(f"iku dq ack: no GX check named {args.check!r}", file=sys.stderr)
                return EXIT_USAGE
            by = args.by or os.environ.get("USER") or "unknown"
            ack_id = dq_store.acknowledge(engine, args.check, args.note, expires, by, args.key or None)
            scope = f"keys {', '.join(args.key)}" if args.key else "the whole check"
            print(
                f"Acknowledged {args.check} ({scope}) as #{ack_id} by {by} until {expires}: its failures "
                "report as acknowledged and do not block publishing until then."
            )
            return EXIT_OK
        if action == "revoke":
            if dq_store.revoke(engine, args.ack_id):
                print(f"Revoked acknowledgement #{args.ack_id}.")
                return EXIT_OK
            print(f"iku dq revoke: no active acknowledgement #{args.ack_id}", file=sys.stderr)
            return EXIT_FAILED
        if action == "history":
            rows = dq_store.history(engine, args.check, args.limit)
            if not rows:
                print("No quality results recorded yet.")
                return EXIT_OK
            for r in rows:
                r["sample_keys"] = ", ".join(r["sample_keys"] or [])
                r["checked_at"] = r["checked_at"].isoformat(timespec="seconds")
            _print_table(rows, list(rows[0]))
            return EXIT_OK
        if action == "docs":
            from orchestration.checks.data_docs import build_data_docs

            print(build_data_docs(engine))
            return EXIT_OK
        return _dq_list(engine, args)
    finally:
        engine.dispose()


def _dq_list(engine, args: argparse.Namespace) -> int:
    from orchestration.checks import dq_store
    from orchestration.exports import terminal_safe

    rows = [
        {k: terminal_safe(v) for k, v in r.items()}
        for r in dq_store.latest_results(engine, open_only=not args.all)
    ]
    if args.unit:
        rows = [r for r in rows if args.unit.lower() in r["steward"].lower()]
    if args.format == "json":
        keep = [
            "steward", "penanggung_jawab", "check_name", "asset_key", "severity", "outcome", "blocking",
            "observed_value", "unexpected_count", "sample_keys", "run_id", "checked_at", "ack_id",
            "ack_note", "acknowledged_by", "ack_expires_on", "description",
        ]  # fmt: skip
        json.dump([{k: _plain(r[k]) for k in keep} for r in rows], sys.stdout, indent=2, default=str)
        print()
        return EXIT_OK
    if not rows:
        print("No open quality failures." if not args.all else "No quality results recorded yet.")
        return EXIT_OK
    units: dict[str, list[dict]] = {}
    for r in rows:
        units.setdefault(r["steward"], []).append(r)
    for unit in sorted(units):
        print(f"\n{unit}")
        for r in units[unit]:
            label = {"failed": "BLOCKING" if r["blocking"] else "FAILED"}.get(
                r["outcome"], r["outcome"].upper()
            )
            print(f"  {label:<13} [{r['severity']}] {r['check_name']}  ({r['asset_key']})")
            print(f"      penanggung jawab: {r['penanggung_jawab']}")
            if r["outcome"] != "passed":
                observed, count = r["observed_value"] or "-", r["unexpected_count"] or "-"
                print(f"      observed: {observed}; unexpected: {count}")
                if r["sample_keys"]:
                    print(f"      sample keys: {', '.join(r['sample_keys'])}")
            if r["ack_id"]:
                print(
                    f"      acknowledged #{r['ack_id']} by {r['acknowledged_by']} until "
                    f"{r['ack_expires_on']}: {r['ack_note']}"
                )
            print(f"      run {r['run_id']} at {r['checked_at']:%Y-%m-%d %H:%M}")
    return EXIT_OK


# --------------------------------------------------------------------------- other commands


def _defect_rates(args: argparse.Namespace) -> dict[str, float] | None:
    from sources.demo.defects import defect_rates

    if not args.defects and not args.defect:
        return None
    overrides = {}
    for item in args.defect:
        kind, _, rate = item.partition("=")
        overrides[kind.strip()] = float(rate) if rate else args.defect_rate
    return defect_rates(args.defect_rate if args.defects else 0.0, **overrides)


def cmd_demo(args: argparse.Namespace) -> int:
    from collections import Counter

    from sources.demo import generate

    out = Path(args.out) if args.out else settings.sources_dir()
    as_of = date.fromisoformat(args.as_of) if args.as_of else None
    try:
        rates = _defect_rates(args)
    except ValueError as exc:
        print(f"iku demo: {exc}", file=sys.stderr)
        return EXIT_USAGE
    summary = generate(
        out, seed=args.seed, scale=args.scale, as_of=as_of, defects=rates, monthly_siasn=args.monthly_siasn
    )
    print(
        f"Demo sources in {summary.out_dir}: {summary.employees} ASN, {summary.opds} perangkat "
        f"daerah, as of {summary.as_of}; {len(summary.files)} file(s)."
    )
    if summary.defects:
        counts = Counter((d.kind, d.outcome) for d in summary.defects)
        print(f"Deliberate defects: {len(summary.defects)}, listed in {out / '.defects.json'}")
        for (kind, outcome), n in sorted(counts.items()):
            print(f"  {kind:<20} {n:>5}  ({outcome})")
    return EXIT_OK


def cmd_warehouse(args: argparse.Namespace) -> int:
    if is_external():
        url = os.environ["IKU_WAREHOUSE_URL"]
        if args.action in {"url", "status", "start"}:
            print(mask_url(url) if args.action == "url" else f"external warehouse: {mask_url(url)}")
            return EXIT_OK
        print(
            "IKU_WAREHOUSE_URL is set: the external warehouse is not managed by iku.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    wh = embedded()
    if args.action == "start":
        print(mask_url(wh.start()))
    elif args.action == "stop":
        print("stopped" if wh.stop() else "not running")
    elif args.action == "url":
        print(mask_url(wh.url()))
    else:
        running = wh.is_running()
        print(f"{'running' if running else 'stopped'}: {mask_url(wh.url())} (data in {wh.pgdata})")
        return EXIT_OK if running else EXIT_FAILED
    return EXIT_OK


def cmd_env(args: argparse.Namespace) -> int:
    """Shell exports, each value quoted for the shell (shlex.quote), so `eval "$(iku env)"` sets
    these variables and does nothing else. The password only with --with-secrets: without it,
    psql and dbt read the embedded warehouse's from PGPASSFILE (a file only its owner reads)."""
    _prepare_environment()
    url = ensure_warehouse()
    p = parse_url(url)
    values = {
        **{k: v for k, v in dbt_env(url).items() if k != "IKU_PG_PASSWORD"},
        "PGHOST": p.host,
        "PGPORT": str(p.port),
        "PGUSER": p.user,
        "PGDATABASE": p.dbname,
        "DAGSTER_HOME": os.environ["DAGSTER_HOME"],
        "DBT_PROFILES_DIR": str(settings.DBT_PROFILES_DIR),
    }
    if not is_external():
        values["PGPASSFILE"] = str(embedded().pgpass())
    if args.with_secrets:
        values |= {"IKU_PG_PASSWORD": p.password, "PGPASSWORD": p.password}
    for key, value in values.items():
        print(f"export {key}={shlex.quote(value)}")
    if not args.with_secrets:
        where = "PGPASSFILE" if not is_external() else "~/.pgpass (or PGPASSFILE)"
        print(f"# no password printed: psql and dbt read it from {where}; iku env --with-secrets adds it")
    print(f"# psql {shlex.quote(mask_url(url))}")
    return EXIT_OK


def _admin_engine():
    """A connection that may create roles: the embedded superuser, or the external URL's role."""
    if is_external():
        return make_engine(os.environ["IKU_WAREHOUSE_URL"])
    wh = embedded()
    wh.start()
    return make_engine(wh.admin_url(EMBEDDED_DATABASE))


def _reader_password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, generated): read from stdin, prompted for, or generated."""
    from getpass import getpass

    from orchestration.passwords import generate

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise ValueError("--password-stdin: stdin holds no password")
        return password, False
    if args.generate or not sys.stdin.isatty():
        return generate(), True
    password = getpass(f"Password for {args.name} (empty: generate one): ")
    if not password:
        return generate(), True
    if getpass("Again: ") != password:
        raise ValueError("the two passwords differ")
    return password, False


def cmd_reader(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from orchestration import access

    engine = _admin_engine()
    try:
        if args.reader_action == "list":
            names = access.readers(engine)
            print("\n".join(names) if names else f"No reader logins (members of {access.READER_ROLE}).")
            return EXIT_OK
        if args.reader_action == "remove":
            access.remove_reader(engine, args.name)
            print(f"Removed reader login {args.name}.")
            return EXIT_OK
        access.check_login_name(args.name)
        password, generated = _reader_password(args)
        warning = access.reader_warning(engine)
        if warning:
            print(f"iku reader add: {warning}", file=sys.stderr)
            return EXIT_FAILED
        access.add_reader(engine, args.name, password)
    except (access.AccessError, ValueError) as exc:
        print(f"iku reader {args.reader_action}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except sa.exc.ProgrammingError as exc:
        if not access.insufficient_privilege(exc):
            raise
        print(
            f"iku reader {args.reader_action}: the warehouse's role may not manage roles here. A DBA runs:\n"
            + (
                f"create role {args.name} login password '...' in role {access.READER_ROLE};"
                if args.reader_action == "add"
                else f"drop role {args.name};"
            ),
            file=sys.stderr,
        )
        return EXIT_FAILED
    finally:
        engine.dispose()
    where = engine.url  # the server and database the login was made on
    print(
        f"Reader login {args.name} added: reads schemas {' and '.join(access.READABLE_SCHEMAS)} of "
        f"database {where.database} on {where.host}:{where.port}, read-only."
    )
    if generated:
        print(f"Password (shown this once, kept nowhere): {password}")
    print(f"Connect: postgresql://{args.name}:***@{where.host}:{where.port}/{where.database}")
    return EXIT_OK


def cmd_ui(args: argparse.Namespace) -> int:
    _, url = _start()
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iku", description="Gudang IKU: the IKU warehouse of BKD dan SDA Halmahera Utara."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("refresh", help="run the nightly refresh now")
    p.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="Dagster's own log lines (default WARNING; every step's start and end print regardless)",
    )
    p.add_argument(
        "--wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help="while another refresh holds the warehouse, wait this long for it, then stop with exit "
        "code 3 (default: $IKU_REFRESH_WAIT, else 600; 0 stops at once)",
    )
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("show", help="print the published IKU of a year")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--scope", choices=["agency", "opd", "all"], default="all")
    p.add_argument("--period", choices=["year", "quarter", "month", "all"], default="year")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("demo", help="write demo sources")
    p.add_argument("--out", help="folder (default: IKU_SOURCES_DIR, else <IKU_HOME>/demo-sources)")
    p.add_argument("--seed", type=int, default=2021)
    p.add_argument("--scale", type=float, default=1.0, help="1.0 is about 5,500 ASN")
    p.add_argument("--as-of", help="SIASN export date, YYYY-MM-DD (default: end of last month)")
    p.add_argument(
        "--monthly-siasn",
        action="store_true",
        help="one SIASN export per month end of the as-of year (entrants, leavers, moves) instead of one",
    )
    p.add_argument("--defects", action="store_true", help="inject every kind of deliberate defect")
    p.add_argument(
        "--defect-rate",
        type=float,
        default=0.005,
        help="share of a file's rows spoiled per defect kind (default 0.005, at least one row)",
    )
    p.add_argument(
        "--defect",
        action="append",
        default=[],
        metavar="KIND[=RATE]",
        help="inject this kind (at RATE); repeatable. Kinds: invalid_nip, nip_birth_mismatch, "
        "duplicate_row, unknown_code, missing_mandatory, future_date, two_opds, latin1_file, "
        "excel_title_row",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("warehouse", help="manage the embedded warehouse")
    p.add_argument("action", choices=["start", "stop", "url", "status"])
    p.set_defaults(func=cmd_warehouse)

    p = sub.add_parser("env", help='print shell exports for dbt and psql: eval "$(iku env)"')
    p.add_argument(
        "--with-secrets",
        action="store_true",
        help="add the password (IKU_PG_PASSWORD, PGPASSWORD); without it psql and dbt read PGPASSFILE",
    )
    p.set_defaults(func=cmd_env)

    p = sub.add_parser("reader", help="logins for analysts and BI tools (read marts and reference only)")
    readers = p.add_subparsers(dest="reader_action", required=True)
    q = readers.add_parser("add", help="a new login; its password is prompted for, read or generated")
    q.add_argument("name", help="the login (lower-case letters, digits, _)")
    how = q.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    how.add_argument("--generate", action="store_true", help="generate one and show it once")
    q = readers.add_parser("remove", help="drop a login made by iku reader add")
    q.add_argument("name")
    readers.add_parser("list", help="the reader logins")
    p.set_defaults(func=cmd_reader)

    p = sub.add_parser("dq", help="quality failures by unit; acknowledge one (iku dq ack)")
    p.add_argument("--unit", help="only this unit (substring of the steward)")
    p.add_argument("--all", action="store_true", help="every check's latest result, passed ones too")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_dq, dq_action=None)
    dq = p.add_subparsers(dest="dq_action")
    q = dq.add_parser("list", help="open failures of the latest evaluation, by unit (the default)")
    q.add_argument("--unit", help="only this unit (substring of the steward)")
    q.add_argument("--all", action="store_true", help="every check's latest result, passed ones too")
    q.add_argument("--format", choices=["text", "json"], default="text")
    q = dq.add_parser("ack", help="acknowledge a failing check: reported, not blocking, until expiry")
    q.add_argument("check", help="the check name (as iku dq lists it)")
    q.add_argument("--note", required=True, help="why, and what is being done about it")
    q.add_argument("--expires", required=True, help="last day it holds, YYYY-MM-DD (WIT)")
    q.add_argument("--by", help="who acknowledges (default: $USER)")
    q.add_argument(
        "--key", action="append", default=[], help="only failures within these sample keys (repeatable)"
    )
    q = dq.add_parser("revoke", help="withdraw an acknowledgement")
    q.add_argument("ack_id", type=int)
    q = dq.add_parser("history", help="recent results, newest first")
    q.add_argument("--check")
    q.add_argument("--limit", type=int, default=50)
    q = dq.add_parser("docs", help="rebuild the Data Docs and print the index path")

    p = sub.add_parser("ui", help="open the Dagster UI")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=cmd_ui)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except WarehouseError as exc:
        print(f"iku: warehouse: {redact(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    except Exception:  # the traceback, with every URL's password and every known secret masked
        print(redact(traceback.format_exc(), _known_secrets()), file=sys.stderr)
        return EXIT_FAILED


def _known_secrets() -> list[str]:
    from orchestration.passwords import kept_passwords

    return kept_passwords(settings.iku_home())


if __name__ == "__main__":
    sys.exit(main())
