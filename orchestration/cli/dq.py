"""`iku dq`: failed refreshes, the open quality failures by unit, acknowledgements, history and
Data Docs."""

from __future__ import annotations

import argparse
import os
import sys

from orchestration.cli.arguments import add_command, iso_date
from orchestration.cli.environment import warehouse_url
from orchestration.cli.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from orchestration.cli.output import print_json, print_table
from orchestration.warehouse import make_engine

EXAMPLES = """
iku dq                                 # open failures of the latest evaluation, by unit
iku dq --unit INKA --format json
iku dq ack raw_siasn_pns_nip_valid --note "SIASN correction requested" --expires 2026-02-28
iku dq history --check raw_siasn_pns_nip_valid
iku dq alerts --limit 20               # failed refreshes and whom they were sent to
iku dq docs                            # rebuild the Data Docs now
"""


def _list_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--unit", help="only this unit (substring of the steward)")
    p.add_argument("--all", action="store_true", help="every check's latest result, passed ones too")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(
        subparsers,
        "dq",
        "quality failures (GX checks, dbt tests) and quarantined rows by unit; acknowledge one",
        EXAMPLES,
    )
    _list_options(p)
    p.set_defaults(func=cmd_dq, dq_action=None)
    dq = p.add_subparsers(dest="dq_action")
    q = add_command(
        dq, "list", "open failures of the latest evaluation, by unit (the default)", "iku dq list --all"
    )
    _list_options(q)
    q = add_command(
        dq,
        "ack",
        "acknowledge a failing check: reported, not blocking, until expiry",
        'iku dq ack CHECK --note "correction requested" --expires 2026-02-28 --key 198001012005011001',
    )
    q.add_argument("check", help="the check name (as iku dq lists it)")
    q.add_argument("--note", required=True, help="why, and what is being done about it")
    q.add_argument(
        "--expires",
        required=True,
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="last day it holds, YYYY-MM-DD (WIT)",
    )
    q.add_argument("--by", help="who acknowledges (default: $USER)")
    q.add_argument(
        "--key", action="append", default=[], help="only failures within these sample keys (repeatable)"
    )
    q = add_command(dq, "revoke", "withdraw an acknowledgement", "iku dq revoke 12")
    q.add_argument("ack_id", type=int, help="the acknowledgement's number (iku dq lists it)")
    q = add_command(dq, "history", "recent results, newest first", "iku dq history --check CHECK --limit 20")
    q.add_argument("--check", help="only this check")
    q.add_argument("--limit", type=int, default=50, help="at most this many results")
    q = add_command(
        dq,
        "alerts",
        "failed refreshes, newest first: when, failed steps, reason, e-mail and webhook outcome",
        "iku dq alerts --limit 20 --format json",
    )
    q.add_argument("--limit", type=int, default=20, help="at most this many alerts")
    q.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    add_command(dq, "docs", "rebuild the Data Docs and print the index path", "iku dq docs")
    q = add_command(
        dq,
        "quarantine",
        "rows of the current loads the loader quarantined: file, line, field, reason (never the value)",
        "iku dq quarantine --unit INKA\niku dq quarantine --format json --limit 1000",
    )
    q.add_argument("--unit", help="only this unit (substring of the steward)")
    q.add_argument("--limit", type=int, default=1000, help="at most this many rows per source")
    q.add_argument("--format", choices=["text", "json"], default="text", help="output format")


def cmd_dq(args: argparse.Namespace) -> int:
    from orchestration.checks import dq_store

    action = args.dq_action or "list"
    url = warehouse_url()
    engine = make_engine(url)
    try:
        if action == "ack":
            expires = args.expires
            if expires < dq_store.today_wit():
                print("iku dq ack: --expires lies in the past", file=sys.stderr)
                return EXIT_USAGE
            from orchestration.checks.gx_runner import load_suites

            known = {s.name for s in load_suites()} | dq_store.recorded_checks(engine)
            if args.check not in known:
                print(
                    f"iku dq ack: no GX check named {args.check!r} (dbt tests cannot be acknowledged)",
                    file=sys.stderr,
                )
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
            print_table(rows, list(rows[0]))
            return EXIT_OK
        if action == "docs":
            from orchestration.checks.data_docs import build_data_docs

            print(build_data_docs(engine))
            return EXIT_OK
        if action == "quarantine":
            return _dq_quarantine(engine, args)
        if action == "alerts":
            return _dq_alerts(engine, args)
        return _dq_list(engine, args)
    finally:
        engine.dispose()


def _dq_list(engine, args: argparse.Namespace) -> int:
    from orchestration.checks import dq_store
    from orchestration.checks.dq_store import DBT_SUITE
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
        print_json(rows, keep)
        return EXIT_OK
    _print_alerts(_alerts(engine))
    quarantine = _quarantine(engine, args.unit)
    if not rows and not quarantine:
        print("No open quality failures." if not args.all else "No quality results recorded yet.")
        return EXIT_OK
    units: dict[str, list[dict]] = {}
    for r in rows:
        units.setdefault(r["steward"], []).append(r)
    held: dict[str, list[dict]] = {}
    for q in quarantine:
        held.setdefault(q["steward"], []).append(q)
    for unit in sorted(units.keys() | held.keys()):
        print(f"\n{unit}")
        for r in units.get(unit, []):
            label = {"failed": "BLOCKING" if r["blocking"] else "FAILED"}.get(
                r["outcome"], r["outcome"].upper()
            )
            kind = ", dbt test" if r["suite"] == DBT_SUITE else ""
            print(f"  {label:<13} [{r['severity']}] {r['check_name']}  ({r['asset_key']}{kind})")
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
        if unit in held:
            _print_quarantine(held[unit])
    return EXIT_OK


def _alerts(engine, limit: int | None = None) -> list[dict]:
    """The newest failed-refresh alerts (dq.run_alerts), terminal-safe."""
    from orchestration.alerts import RECENT, recent_alerts
    from orchestration.exports import terminal_safe

    return [{k: terminal_safe(v) for k, v in r.items()} for r in recent_alerts(engine, limit or RECENT)]


def _print_alerts(rows: list[dict]) -> None:
    from orchestration.alerts import TIMEZONE

    if not rows:
        return
    print("Failed refreshes (newest first; all: iku dq alerts)")
    for r in rows:
        steps = ", ".join(r["failed_steps"] or []) or "-"
        when = r["failed_at"].astimezone(TIMEZONE)
        print(f"  RUN FAILED    {when:%Y-%m-%d %H:%M} WIT  {r['job_name']} run {r['run_id']}")
        print(f"      failed steps: {steps}")
        print(f"      reason: {r['message']}")
        channels = [
            f"{name} {r[name]}" + (f" ({r[f'{name}_detail']})" if r[f"{name}_detail"] else "")
            for name in ("email", "webhook")
        ]
        print(f"      alert: {'; '.join(channels)}")
    print()


def _dq_alerts(engine, args: argparse.Namespace) -> int:
    rows = _alerts(engine, args.limit)
    if args.format == "json":
        print_json(rows)
        return EXIT_OK
    if not rows:
        print("No failed refresh recorded.")
        return EXIT_OK
    _print_alerts(rows)
    return EXIT_OK


def _quarantine(engine, unit: str | None, per_source: int | None = None) -> list[dict]:
    """The current loads' quarantined rows (file, line, field, reason; never the value),
    terminal-safe, of one unit or all."""
    from orchestration.checks.quarantine import PER_SOURCE, quarantined_rows
    from orchestration.exports import terminal_safe

    rows = [
        {k: terminal_safe(v) for k, v in r.items()}
        for r in quarantined_rows(engine, per_source or PER_SOURCE)
    ]
    return [r for r in rows if not unit or unit.lower() in r["steward"].lower()]


def _print_quarantine(rows: list[dict]) -> None:
    by_source: dict[str, list[dict]] = {}
    for q in rows:
        by_source.setdefault(q["source"], []).append(q)
    for source, items in by_source.items():
        total = items[0]["rows_in_source"]
        more = f", the first {len(items)} here (all: iku dq quarantine)" if total > len(items) else ""
        print(f"  QUARANTINED   {source}: {total} row(s) of the current load not loaded{more}")
        print(f"      penanggung jawab: {items[0]['penanggung_jawab']}")
        for q in items:
            print(f"      {q['file_name']} line {q['line_number']}, {q['field']}: {q['reason']}")


def _dq_quarantine(engine, args: argparse.Namespace) -> int:
    rows = _quarantine(engine, args.unit, args.limit)
    if args.format == "json":
        print_json(rows)
        return EXIT_OK
    if not rows:
        print("No quarantined rows in the current loads.")
        return EXIT_OK
    print_table(rows, ["steward", "source", "file_name", "line_number", "field", "reason"])
    return EXIT_OK
