"""Quality results in the warehouse (schema `dq`), routed to stewards, and their acknowledgements.

Tables (created on first use, see docs/quality.md):

- `dq.check_results`: one row per evaluation of a GX check (and per routed unit when a failure
  concerns indicators of several units): run, check, asset, severity, outcome
  (`passed` / `failed` / `acknowledged`), observed value, unexpected count and percent, sample
  keys (NIPs, record ids or indicator codes: never names, NIK, birth dates or addresses),
  steward (the unit) and penanggung jawab, and the sanitized GX result for Data Docs.
- `dq.acknowledgements`: a steward's acknowledgement of a failing check (the whole check, or
  only some keys), with a note and an expiry date. While it holds, a failure of that check is
  recorded as `acknowledged` and does not block publishing.

Nothing here reads a personal column: sample keys come from the suite's own `sample_keys`
query and are filtered by `clean_keys`.
"""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from orchestration.catalog import read_catalog
from orchestration.checks.gx_runner import CheckOutcome, CheckSpec
from sources.clock import today

TIMEZONE = ZoneInfo("Asia/Jayapura")  # WIT: the agency's day decides when an acknowledgement expires
MAX_SAMPLE_KEYS = 20
MARTS_STEWARD, MARTS_PENANGGUNG_JAWAB = "Bidang INKA", "Kabid INKA"
DBT_SUITE = "dbt"  # dq.check_results.suite of a dbt data test's result (orchestration.checks.dbt_tests)

DQ_DDL = """
create schema if not exists dq;
create table if not exists dq.acknowledgements (
    ack_id           bigserial primary key,
    check_name       text not null,
    keys             text[],             -- null: the whole check; else only failures within these keys
    note             text not null,
    acknowledged_by  text not null,
    acknowledged_at  timestamptz not null default now(),
    expires_on       date not null,      -- holds through this day (WIT)
    revoked_at       timestamptz
);
create table if not exists dq.check_results (
    result_id           bigserial primary key,
    run_id              text not null,
    checked_at          timestamptz not null default now(),
    check_name          text not null,
    suite               text,
    asset_key           text not null,
    severity            text not null check (severity in ('ERROR', 'WARN')),
    outcome             text not null check (outcome in ('passed', 'failed', 'acknowledged')),
    blocking            boolean not null,  -- this evaluation blocked publishing
    observed_value      text,
    unexpected_count    bigint,
    unexpected_percent  numeric,
    sample_keys         text[] not null default '{}',
    steward             text not null,     -- the unit the failure is routed to
    penanggung_jawab    text not null,
    description         text,
    ack_id              bigint references dq.acknowledgements (ack_id),
    expectations        jsonb not null default '[]',  -- per expectation: type, column, success, counts
    gx_result           jsonb                         -- sanitized GX validation result (Data Docs)
);
create index if not exists check_results_check_idx on dq.check_results (check_name, checked_at desc);
create index if not exists check_results_run_idx on dq.check_results (run_id);
"""


def ensure_dq_schema(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        _ensure_dq(conn)


def _ensure_dq(conn: sa.Connection) -> None:
    """Create schema dq in this transaction unless its tables exist (one catalog lookup; the
    DDL, under a lock, only the first time)."""
    tables = ("dq.check_results", "dq.acknowledgements")
    ready = " and ".join(f"to_regclass('{t}') is not null" for t in tables)
    if conn.execute(sa.text(f"select {ready}")).scalar():
        return
    conn.execute(sa.text("select pg_advisory_xact_lock(hashtext('gudang_iku_dq_ddl'))"))
    conn.exec_driver_sql(DQ_DDL)


# --------------------------------------------------------------------------- sample keys

# A key is one token: a NIP, a record id, an indicator code. No spaces (names), and never 16
# digits (the length of a NIK).
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,63}$")
_NIK = re.compile(r"^[0-9]{16}$")


def clean_keys(values: list[Any]) -> list[str]:
    keys = []
    for value in values:
        text = str(value).strip() if value is not None else ""
        if _KEY.match(text) and not _NIK.match(text) and text not in keys:
            keys.append(text)
    return keys[:MAX_SAMPLE_KEYS]


def sample_keys(engine: sa.Engine, spec: CheckSpec) -> list[str]:
    """The suite's `sample_keys` query (at most 20 keys), run only for a failing check; none
    when that query cannot run (the table is missing: the check's own message says so)."""
    if not spec.sample_keys:
        return []
    try:
        with engine.connect() as conn:
            # newlines: a suite's query may end in a -- comment
            query = f"select key from (\n{spec.sample_keys}\n) as s limit {MAX_SAMPLE_KEYS}"
            result = conn.execute(sa.text(query))
            return clean_keys(list(result.scalars()))
    except sa.exc.DBAPIError:
        return []


# --------------------------------------------------------------------------- routing


@dataclass(frozen=True)
class Route:
    steward: str
    penanggung_jawab: str
    keys: tuple[str, ...]


@cache
def _source_routes() -> dict[str, tuple[str, str]]:
    """raw table -> (steward, penanggung jawab) of its source contract or SIMPEG table."""
    from sources.contracts import load_contracts
    from sources.simpeg import load_simpeg_config

    routes = {t.raw_table: (t.steward, t.penanggung_jawab) for t in load_simpeg_config().values()}
    routes.update({c.raw_table: (c.steward, c.penanggung_jawab) for c in load_contracts().values()})
    return routes


@cache
def _catalog_routes() -> dict[str, tuple[str, str]]:
    """indicator code -> (unit_kerja, penanggung_jawab) of the IKU catalog."""
    return {r["indicator_code"]: (r["unit_kerja"], r["penanggung_jawab"]) for r in read_catalog()}


def source_route(raw_table: str) -> tuple[str, str]:
    """(steward, penanggung jawab) of the source contract (or SIMPEG table) of a raw table;
    Bidang INKA / Kabid INKA for a table no contract names."""
    return _source_routes().get(raw_table, (MARTS_STEWARD, MARTS_PENANGGUNG_JAWAB))


def default_route(spec: CheckSpec) -> tuple[str, str]:
    """The suite's steward / penanggung_jawab; else the source contract of a raw asset; else
    (marts and anything else) Bidang INKA / Kabid INKA."""
    fallback = (MARTS_STEWARD, MARTS_PENANGGUNG_JAWAB)
    if spec.asset[0] == "raw":
        fallback = _source_routes().get(spec.asset[-1], fallback)
    if spec.steward:
        return spec.steward, spec.penanggung_jawab or spec.steward
    return fallback[0], spec.penanggung_jawab or fallback[1]


def route(spec: CheckSpec, keys: list[str]) -> list[Route]:
    """Who a result goes to. A failure of a marts check whose sample keys are indicator codes
    (and whose suite names no steward) goes to each indicator's unit and penanggung jawab of
    the catalog, one route per unit; everything else to `default_route`."""
    steward, pj = default_route(spec)
    catalog = _catalog_routes()
    if spec.asset[0] == "marts" and not spec.steward and keys and all(k in catalog for k in keys):
        groups: dict[tuple[str, str], list[str]] = {}
        for key in keys:
            groups.setdefault(catalog[key], []).append(key)
        return [Route(s, p, tuple(ks)) for (s, p), ks in groups.items()]
    return [Route(steward, pj, tuple(keys))]


# --------------------------------------------------------------------------- acknowledgements


@dataclass(frozen=True)
class Acknowledgement:
    ack_id: int
    check_name: str
    keys: tuple[str, ...] | None
    note: str
    acknowledged_by: str
    acknowledged_at: datetime
    expires_on: date


def today_wit() -> date:
    """Today in WIT, or IKU_TODAY (sources.clock)."""
    return today()


def acknowledge(
    engine: sa.Engine,
    check_name: str,
    note: str,
    expires_on: date,
    by: str,
    keys: list[str] | None = None,
) -> int:
    """Record an acknowledgement; returns its id."""
    if not note.strip():
        raise ValueError("an acknowledgement needs a note")
    ensure_dq_schema(engine)
    with engine.begin() as conn:
        return conn.execute(
            sa.text(
                "insert into dq.acknowledgements (check_name, keys, note, acknowledged_by, expires_on) "
                "values (:c, :k, :n, :b, :e) returning ack_id"
            ),
            {
                "c": check_name,
                "k": clean_keys(keys) if keys else None,
                "n": note.strip(),
                "b": by,
                "e": expires_on,
            },
        ).scalar_one()


def revoke(engine: sa.Engine, ack_id: int) -> bool:
    ensure_dq_schema(engine)
    with engine.begin() as conn:
        done = conn.execute(
            sa.text(
                "update dq.acknowledgements set revoked_at = now() where ack_id = :i and revoked_at is null"
            ),
            {"i": ack_id},
        )
        return done.rowcount > 0


def active_acknowledgement(
    conn: sa.Connection, check_name: str, keys: list[str], today: date | None = None
) -> Acknowledgement | None:
    """The newest unexpired, unrevoked acknowledgement that covers this failure: one of the
    whole check, or one whose keys include every sample key of the failure."""
    rows = conn.execute(
        sa.text(
            "select ack_id, check_name, keys, note, acknowledged_by, acknowledged_at, expires_on "
            "from dq.acknowledgements where check_name = :c and revoked_at is null and expires_on >= :d "
            "order by acknowledged_at desc, ack_id desc"
        ),
        {"c": check_name, "d": today or today_wit()},
    ).all()
    for r in rows:
        if r.keys is None or (keys and set(keys) <= set(r.keys)):
            return Acknowledgement(
                r.ack_id,
                r.check_name,
                tuple(r.keys) if r.keys is not None else None,
                r.note,
                r.acknowledged_by,
                r.acknowledged_at,
                r.expires_on,
            )
    return None


# --------------------------------------------------------------------------- recording


@dataclass(frozen=True)
class Evaluation:
    """What one check concluded, after sample keys, routing and acknowledgements."""

    spec: CheckSpec
    outcome: str  # passed / failed / acknowledged
    blocking: bool
    sample_keys: tuple[str, ...]
    routes: tuple[Route, ...]
    acknowledgement: Acknowledgement | None
    observed_value: str | None
    unexpected_count: int | None


def evaluate(
    engine: sa.Engine, spec: CheckSpec, outcome: CheckOutcome, run_id: str, today: date | None = None
) -> Evaluation:
    """`evaluate_suite` of one check."""
    return evaluate_suite(engine, [(spec, outcome)], run_id, today)[0]


INSERT_RESULT = sa.text(
    "insert into dq.check_results (run_id, check_name, suite, asset_key, severity, outcome, "
    "blocking, observed_value, unexpected_count, unexpected_percent, sample_keys, steward, "
    "penanggung_jawab, description, ack_id, expectations, gx_result) values (:run, :check, "
    ":suite, :asset, :severity, :outcome, :blocking, :observed, :count, :percent, :keys, "
    ":steward, :pj, :description, :ack, cast(:expectations as jsonb), cast(:gx as jsonb))"
)


def evaluate_suite(
    engine: sa.Engine,
    checks: Sequence[tuple[CheckSpec, CheckOutcome]],
    run_id: str,
    today: date | None = None,
) -> list[Evaluation]:
    """For each check: sample keys and routing of a failure, the acknowledgement that may cover
    it, and one dq.check_results row per route; a suite's rows in one transaction (schema dq
    created in it the first time). Sample keys run only for failures whose query ran."""
    keys = {
        spec.name: [] if outcome.success or outcome.error else sample_keys(engine, spec)
        for spec, outcome in checks
    }
    evaluations, rows = [], []
    with engine.begin() as conn:
        _ensure_dq(conn)
        for spec, outcome in checks:
            found = keys[spec.name]
            ack = None if outcome.success else active_acknowledgement(conn, spec.name, found, today)
            status = "passed" if outcome.success else ("acknowledged" if ack else "failed")
            blocking = status == "failed" and spec.severity == "ERROR"
            routes = route(spec, found)
            rows += [_result_row(spec, outcome, run_id, status, blocking, r, ack) for r in routes]
            evaluations.append(
                Evaluation(
                    spec,
                    status,
                    blocking,
                    tuple(found),
                    tuple(routes),
                    ack,
                    outcome.observed_summary,
                    outcome.unexpected_count,
                )
            )
        if rows:
            conn.execute(INSERT_RESULT, rows)
    return evaluations


def _result_row(
    spec: CheckSpec,
    outcome: CheckOutcome,
    run_id: str,
    status: str,
    blocking: bool,
    r: Route,
    ack: Acknowledgement | None,
) -> dict[str, Any]:
    percents = [e.unexpected_percent for e in outcome.failed if e.unexpected_percent is not None]
    expectations = [
        {
            "expectation": e.type,
            "column": e.kwargs.get("column"),
            "success": e.success,
            "observed": None if e.observed is None else str(e.observed)[:500],
            "unexpected_count": e.unexpected_count,
            "unexpected_percent": e.unexpected_percent,
        }
        for e in outcome.expectations
    ]
    return {
        "run": run_id,
        "check": spec.name,
        "suite": spec.suite,
        "asset": "/".join(spec.asset),
        "severity": spec.severity,
        "outcome": status,
        "blocking": blocking,
        "observed": outcome.observed_summary,
        "count": outcome.unexpected_count,
        "percent": max(percents) if percents else None,
        "keys": list(r.keys),
        "steward": r.steward,
        "pj": r.penanggung_jawab,
        "description": spec.description,
        "ack": ack.ack_id if ack else None,
        "expectations": json.dumps(expectations, default=str),
        "gx": json.dumps(outcome.gx_result, default=str) if outcome.gx_result else None,
    }


# --------------------------------------------------------------------------- reading (CLI, Data Docs)

LATEST_SQL = """
select r.*, a.note as ack_note, a.acknowledged_by, a.expires_on as ack_expires_on
from dq.check_results r
left join dq.acknowledgements a using (ack_id)
where r.run_id = (
    select run_id from dq.check_results r2 where r2.check_name = r.check_name
    order by checked_at desc, result_id desc limit 1
)
"""


def has_dq(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(sa.text("select to_regclass('dq.check_results')")).scalar())


def latest_results(engine: sa.Engine, open_only: bool = False) -> list[dict[str, Any]]:
    """The latest evaluation of every check (one row per route); `open_only`: failed or
    acknowledged ones, which is what a steward still has to look at."""
    if not has_dq(engine):
        return []
    sql = LATEST_SQL + (" and r.outcome <> 'passed'" if open_only else "")
    sql += " order by r.steward, r.severity, r.check_name, r.result_id"
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(sql)).mappings()]


def recorded_checks(engine: sa.Engine) -> set[str]:
    if not has_dq(engine):
        return set()
    with engine.connect() as conn:
        # dbt tests are recorded for stewards to see, but dbt decides whether they block
        query = f"select distinct check_name from dq.check_results where suite is distinct from '{DBT_SUITE}'"
        return set(conn.execute(sa.text(query)).scalars())


def history(engine: sa.Engine, check_name: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    if not has_dq(engine):
        return []
    sql = (
        "select run_id, checked_at, check_name, severity, outcome, blocking, unexpected_count, "
        "sample_keys, steward, penanggung_jawab, ack_id from dq.check_results "
        + ("where check_name = :c " if check_name else "")
        + "order by checked_at desc, result_id desc limit :n"
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(sql), {"c": check_name, "n": limit}).mappings()]


def acknowledgements(engine: sa.Engine, include_inactive: bool = False) -> list[dict[str, Any]]:
    if not has_dq(engine):
        return []
    sql = "select * from dq.acknowledgements"
    if not include_inactive:
        sql += " where revoked_at is null and expires_on >= :d"
    sql += " order by check_name, acknowledged_at desc"
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(sql), {"d": today_wit()}).mappings()]


def run_results(engine: sa.Engine, run_id: str) -> list[dict[str, Any]]:
    if not has_dq(engine):
        return []
    with engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                sa.text("select * from dq.check_results where run_id = :r order by check_name, result_id"),
                {"r": run_id},
            ).mappings()
        ]
