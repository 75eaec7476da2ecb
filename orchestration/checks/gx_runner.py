"""Great Expectations (GX Core 1.x) run against warehouse tables, for Dagster asset checks.

`dagster-ge` does not support GX 1.x, so suites are read here and validated with GX on the
warehouse's PostgreSQL. A suite is one table's checks: the standard raw checks generated from
the source contracts (orchestration.checks.standard) and the custom checks of its YAML file
(suites/*.yml, written for stewards; docs/quality.md).

Suite YAML keys: top level `asset`, `query`, `checks`, optionally `standard` (the few facts the
contracts do not hold: date rules, membership in SIASN; see standard.py),
`steward` and `penanggung_jawab` (who a failure is routed to); per check `name`, `severity`,
`description`, `query`, `expectations`, optionally `fetch` (the query's result is small: fetch
it once and validate it in memory), `sample_keys` (a SQL query returning a column `key`: NIPs,
record ids or indicator codes, run only when the check fails) and its own `steward` /
`penanggung_jawab`.

Invariants:
- one GX context per process, one GX data source and one SQLAlchemy engine per warehouse URL
  (disposed at exit), and one GX validation per distinct query of a suite: the checks of a
  suite that read the same query are validated as one batch (`run_suite`);
- a query that cannot run (a table dbt did not build, a missing column) fails every check reading
  it at once with PostgreSQL's first line (`CheckOutcome.error`), without asking GX; a data error
  is named by its class only, since its message quotes the value;
- what GX returns is sanitized before it is kept anywhere (`sanitize_result`): only counts,
  percentages and observed values survive; lists of unexpected values are dropped unless the
  checked column is a NIP, and observed values of personal or restricted columns are redacted.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

SUITES_DIR = Path(__file__).parent / "suites"


@dataclass(frozen=True)
class ExpectationSpec:
    """One GX expectation. `query`: read this query instead of the check's (a check may read
    two: a table's columns and its profile). `measure`: the observed value is a count of
    unexpected rows (an aggregate row's column), `of` the column counting the rows checked."""

    type: str
    kwargs: dict[str, Any]
    query: str | None = None
    measure: bool = False
    of: str | None = None


@dataclass(frozen=True)
class CheckSpec:
    """One Dagster asset check: a named set of expectations on one query, with a severity."""

    name: str
    asset: tuple[str, ...]
    severity: str  # ERROR blocks publishing, WARN publishes and reports
    description: str
    query: str
    expectations: tuple[ExpectationSpec, ...]
    steward: str | None = None  # None: routed by the asset (see dq_store.route)
    penanggung_jawab: str | None = None
    sample_keys: str | None = None  # SQL returning a column `key`, run when the check fails
    suite: str = ""  # the YAML file's stem
    fetch: bool = False  # the query's result is small (one aggregate row): fetch, validate in memory
    generated: bool = field(default=False, compare=False)  # from the contracts (standard.py)

    def queries(self) -> list[tuple[str, bool]]:
        """The distinct (query, fetched) this check reads, in order."""
        seen: list[tuple[str, bool]] = []
        for e in self.expectations:
            q = (e.query or self.query, self.fetch or e.query is not None)
            if q not in seen:
                seen.append(q)
        return seen


@dataclass(frozen=True)
class ExpectationOutcome:
    type: str
    kwargs: dict[str, Any]
    success: bool
    observed: Any
    unexpected_count: int | None
    unexpected_percent: float | None = None


@dataclass(frozen=True)
class CheckOutcome:
    spec: CheckSpec
    success: bool
    expectations: tuple[ExpectationOutcome, ...]
    gx_result: dict[str, Any] | None = None  # the sanitized GX validation result (for Data Docs)
    note: str | None = None  # what was observed, in words, instead of the expectations' values

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success]

    @property
    def error(self) -> str | None:
        """Why the check could not be evaluated (its query failed), if so."""
        for e in self.expectations:
            if isinstance(e.observed, str) and e.observed.startswith("error: "):
                return e.observed[len("error: ") :]
        return None

    @property
    def unexpected_count(self) -> int | None:
        counts = [e.unexpected_count for e in self.failed if e.unexpected_count is not None]
        return sum(counts) if counts else None

    @property
    def observed_summary(self) -> str | None:
        """One line for the failed expectations (or every one when the check passed), or the note."""
        if self.note:
            return self.note
        shown = self.failed or list(self.expectations)
        parts = [f"{e.type}: {e.observed}" for e in shown if e.observed is not None]
        return "; ".join(parts)[:2000] if parts else None


# --------------------------------------------------------------------------- the suites


def _check_spec(check: dict[str, Any], data: dict[str, Any], suite: str) -> CheckSpec:
    severity = check.get("severity", "ERROR").upper()
    if severity not in {"ERROR", "WARN"}:
        raise ValueError(f"{suite}.yml: check {check['name']}: severity must be ERROR or WARN")
    sample_keys = check.get("sample_keys")
    return CheckSpec(
        name=check["name"],
        asset=tuple(data["asset"]),
        severity=severity,
        description=" ".join(check.get("description", "").split()),
        query=check.get("query", data.get("query", "")).strip(),
        expectations=tuple(
            ExpectationSpec(
                e["type"], dict(e.get("kwargs", {})), measure=bool(e.get("measure")), of=e.get("of")
            )
            for e in check["expectations"]
        ),
        steward=_text(check.get("steward", data.get("steward"))),
        penanggung_jawab=_text(check.get("penanggung_jawab", data.get("penanggung_jawab"))),
        sample_keys=str(sample_keys).strip().rstrip(";") if sample_keys else None,
        suite=suite,
        fetch=bool(check.get("fetch", False)),
    )


@cache
def load_suites() -> tuple[CheckSpec, ...]:
    """Every check: per suite file, the generated standard checks, then the custom ones."""
    from orchestration.checks.standard import standard_checks

    specs = []
    for path in sorted(SUITES_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text())
        route = {
            "steward": _text(data.get("steward")),
            "penanggung_jawab": _text(data.get("penanggung_jawab")),
        }
        if data["asset"][0] == "raw":
            specs += standard_checks(tuple(data["asset"]), data.get("standard") or {}, path.stem, **route)
        specs += [_check_spec(check, data, path.stem) for check in data.get("checks") or []]
    names = [s.name for s in specs]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ValueError(f"check names defined twice: {sorted(duplicated)}")
    return tuple(specs)


def suites() -> dict[str, tuple[CheckSpec, ...]]:
    """The checks by suite (one suite per table), in load order."""
    out: dict[str, list[CheckSpec]] = {}
    for spec in load_suites():
        out.setdefault(spec.suite, []).append(spec)
    return {k: tuple(v) for k, v in out.items()}


def _text(value: Any) -> str | None:
    return " ".join(str(value).split()) if value else None


# --------------------------------------------------------------------------- no personal data

# Columns whose values never leave the warehouse in a check result, whatever the contract says.
PERSONAL_NAMES = frozenset(
    {"nama", "nik", "tanggal_lahir", "tempat_lahir", "alamat", "nomor_hp", "no_hp", "email", "npwp"}
)
RESULT_KEYS = (  # what survives of a GX result: counts and percentages
    "element_count",
    "missing_count",
    "missing_percent",
    "unexpected_count",
    "unexpected_percent",
    "unexpected_percent_total",
    "unexpected_percent_nonmissing",
)
UNEXPECTED_LISTS = ("partial_unexpected_list", "partial_unexpected_counts")


@cache
def column_classes() -> tuple[frozenset[str], frozenset[str]]:
    """(NIP columns, personal or restricted columns) by warehouse name, from every contract."""
    from sources.contracts import load_contracts
    from sources.simpeg import load_simpeg_config

    nips, personal = {"nip", "nip_baru"}, set(PERSONAL_NAMES)
    contracts = [*load_contracts().values(), *(t.contract() for t in load_simpeg_config().values())]
    for contract in contracts:
        for column in contract.columns:
            if column.name and column.type == "nip":
                nips.add(column.name)
            if column.name and (column.restricted or column.personal):
                personal.add(column.name)
    return frozenset(nips), frozenset(personal - nips)


def _columns_of(kwargs: dict[str, Any]) -> list[str]:
    cols = [kwargs.get(k) for k in ("column", "column_A", "column_B")]
    cols += list(kwargs.get("column_list") or [])
    return [str(c).lower() for c in cols if c]


def sanitize_result(result: dict[str, Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """A GX expectation result reduced to what may be stored and shown to stewards."""
    nips, personal = column_classes()
    columns = _columns_of(kwargs)
    clean = {k: result[k] for k in RESULT_KEYS if k in result}
    if "observed_value" in result:
        observed = result["observed_value"]
        numeric = isinstance(observed, int | float) and not isinstance(observed, bool)
        if any(c in personal for c in columns) and not numeric:
            observed = "[redacted: personal column]"
        clean["observed_value"] = observed
    if columns and all(c in nips for c in columns):  # NIPs are the keys stewards work with
        for k in UNEXPECTED_LISTS:
            if k in result:
                clean[k] = result[k]
    return clean


def sanitize_validation(validation: dict[str, Any]) -> dict[str, Any]:
    """A whole GX validation result (to_json_dict()) with every expectation result sanitized,
    exception tracebacks dropped: what dq.check_results.gx_result and Data Docs hold."""
    out = {k: v for k, v in validation.items() if k != "results"}
    out["results"] = []
    for r in validation.get("results", []):
        kwargs = dict((r.get("expectation_config") or {}).get("kwargs") or {})
        info = _exception(r.get("exception_info") or {})
        message = info.get("exception_message") if isinstance(info, dict) else None
        out["results"].append(
            {
                **{k: v for k, v in r.items() if k not in {"result", "exception_info"}},
                "result": sanitize_result(dict(r.get("result") or {}), kwargs),
                "exception_info": {
                    "raised_exception": bool(isinstance(info, dict) and info.get("raised_exception")),
                    "exception_traceback": None,
                    "exception_message": str(message).splitlines()[0][:200] if message else None,
                },
            }
        )
    return out


def _exception(info: Any) -> dict[str, Any]:
    """GX reports an exception either directly or per metric ({metric id: exception info})."""
    if not isinstance(info, dict) or "raised_exception" in info:
        return info if isinstance(info, dict) else {}
    raised = [v for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
    return raised[0] if raised else {}


# --------------------------------------------------------------------------- GX and the warehouse


_context_lock = threading.Lock()


def _context():
    """The process's one ephemeral GX context (made once, whichever thread asks first)."""
    with _context_lock:
        return _make_context()


@cache
def _make_context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def warm_up() -> threading.Thread:
    """Import GX and make the context in the background (4-5 s of Python, mostly imports) while
    the run's first steps, the loads, wait on PostgreSQL."""
    thread = threading.Thread(target=_context, name="gx-warm-up", daemon=True)
    thread.start()
    return thread


def _session_for_checks(dbapi_connection: Any, _record: Any) -> None:
    """Check queries are one-off aggregates with many expressions over whole tables:
    - no JIT: compiling them (above jit_above_cost) cost 3-6 s of a 2 s attendance profile at
      scale 1;
    - work_mem for a hash aggregate: the planner over-estimates the groups of a partitioned raw
      table (1.5 million for 5,505 at scale 4) and past the default it sorted 14.6 million rows
      on disk (1 GB) instead: the attendance suite took 7 times as long at 4 times the data."""
    cursor = dbapi_connection.cursor()
    cursor.execute("set jit = off")
    cursor.execute("set work_mem = '256MB'")
    cursor.close()
    dbapi_connection.commit()


def _dispose_at_exit(engine: sa.Engine) -> sa.Engine:
    """An engine of the runner: no JIT on its connections, disposed at exit."""
    sa.event.listen(engine, "connect", _session_for_checks)
    atexit.register(engine.dispose)
    return engine


@cache
def warehouse_engine(url: str) -> sa.Engine:
    """One engine per warehouse URL for the runner's own reads and the dq records."""
    from orchestration.warehouse import make_engine

    return _dispose_at_exit(make_engine(url))


@cache
def _sql_source(url: str):
    """One GX PostgreSQL data source per warehouse URL; its engine is reused and disposed at exit."""
    from orchestration.warehouse import sqlalchemy_url

    name = "wh_" + hashlib.sha1(url.encode()).hexdigest()[:10]
    source = _context().data_sources.add_postgres(name=name, connection_string=sqlalchemy_url(url))
    _dispose_at_exit(source.get_engine())
    return source


@cache
def _memory_asset():
    """One in-memory dataframe asset for every fetched result (the frame is the batch's
    parameter): no GX configuration grows per query."""
    asset = _context().data_sources.add_pandas("fetched").add_dataframe_asset("result")
    asset.add_batch_definition_whole_dataframe("all")
    return asset


def _asset_name(query: str) -> str:
    return "q_" + hashlib.sha1(query.encode()).hexdigest()[:16]


def _sql_batch(url: str, query: str):
    source = _sql_source(url)
    name = _asset_name(query)
    try:
        asset = source.get_asset(name)
    except LookupError:
        asset = source.add_query_asset(name=name, query=query)
        asset.add_batch_definition_whole_table("all")
    return asset.get_batch_definition("all").get_batch()


def _fetch(url: str, query: str):
    """The (small) result of a query as a DataFrame; numbers as int / float."""
    import pandas as pd

    with warehouse_engine(url).connect() as conn:
        result = conn.execute(sa.text(query))
        frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for column in frame.columns:
        values = frame[column].dropna()
        if (
            frame[column].dtype == object
            and len(values)
            and values.map(lambda v: hasattr(v, "as_integer_ratio") and not isinstance(v, bool)).all()
        ):
            frame[column] = pd.to_numeric(frame[column])
    return frame


def _memory_batch(frame):
    return _memory_asset().get_batch_definition("all").get_batch(batch_parameters={"dataframe": frame})


def _observed(result: dict[str, Any]) -> Any:
    """From a sanitized result."""
    if "observed_value" in result:
        return result["observed_value"]
    if "unexpected_count" in result:
        return f"{result['unexpected_count']} of {result.get('element_count')} unexpected"
    return None


def _error_result(spec: ExpectationSpec, message: str) -> dict[str, Any]:
    return {
        "success": False,
        "expectation_config": {"type": spec.type, "kwargs": spec.kwargs},
        "result": {},
        "exception_info": {"raised_exception": True, "exception_message": message},
    }


class QueryFailed(Exception):
    """A check's query does not run (a table dbt did not build, a column missing): its checks
    fail at once with PostgreSQL's own message, without asking GX."""


def _sql_message(exc: Exception) -> str:
    """PostgreSQL's first line of an error (not the SQL nor the parameters)."""
    orig = getattr(exc, "orig", exc)
    if str(getattr(orig, "pgcode", "") or "").startswith("22"):  # a data error quotes the value
        return f"{type(orig).__name__} (the value is not shown)"
    text = str(orig).strip().splitlines()
    return (text[0] if text else type(orig).__name__)[:200]


def _probe(url: str, query: str) -> None:
    """Plan and start the query without reading a row: raises QueryFailed if it cannot run."""
    try:
        with warehouse_engine(url).connect() as conn:
            conn.execute(sa.text(f"select * from (\n{query}\n) as q limit 0"))
    except sa.exc.DBAPIError as exc:
        raise QueryFailed(_sql_message(exc)) from exc


def _validate(url: str, query: str, fetched: bool, items: list[ExpectationSpec]):
    """Validate expectations on one query as one GX suite: (sanitized results in order, the
    sanitized validation, the fetched frame or None). A query that fails fails its expectations
    at once, with PostgreSQL's message."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    frame = None
    try:
        if fetched:
            try:
                frame = _fetch(url, query)
            except sa.exc.DBAPIError as exc:
                raise QueryFailed(_sql_message(exc)) from exc
            batch = _memory_batch(frame)
        else:
            _probe(url, query)
            batch = _sql_batch(url, query)
        suite = gx.ExpectationSuite(
            name=_asset_name(query),
            expectations=[
                ExpectationConfiguration(type=e.type, kwargs=e.kwargs).to_domain_obj() for e in items
            ],
        )
        validation = sanitize_validation(batch.validate(suite, result_format="SUMMARY").to_json_dict())
    except Exception as exc:  # a broken query fails its checks, it does not stop the suite
        if isinstance(exc, QueryFailed):
            message = f"query failed: {exc}"
        else:
            message = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
        validation = sanitize_validation(
            {"success": False, "results": [_error_result(e, message) for e in items], "meta": {}}
        )
    return validation["results"], validation, frame


def _outcome(spec: ExpectationSpec, result: dict[str, Any], frame) -> ExpectationOutcome:
    res = result["result"]
    observed, count, percent = _observed(res), res.get("unexpected_count"), res.get("unexpected_percent")
    info = _exception(result.get("exception_info") or {})
    if info.get("raised_exception"):
        observed = f"error: {info.get('exception_message')}"
    elif spec.measure and isinstance(observed, int | float):
        count = int(observed)
        checked = frame[spec.of].iloc[0] if spec.of and frame is not None and len(frame) else None
        percent = 100.0 * count / float(checked) if checked else (0.0 if checked == 0 else None)
    return ExpectationOutcome(
        type=spec.type,
        kwargs=spec.kwargs,
        success=bool(result["success"]),
        observed=observed,
        unexpected_count=count,
        unexpected_percent=float(percent) if percent is not None else None,
    )


def run_suite(specs: Sequence[CheckSpec], url: str) -> dict[str, CheckOutcome]:
    """Validate checks (normally one suite's) with one GX validation per distinct query;
    returns each check's outcome by name, without any row values. `url`: the warehouse's
    connection URL (postgresql://...)."""
    groups: dict[tuple[str, bool], list[tuple[CheckSpec, int, ExpectationSpec]]] = {}
    for spec in specs:
        for i, e in enumerate(spec.expectations):
            key = (e.query or spec.query, spec.fetch or e.query is not None)
            groups.setdefault(key, []).append((spec, i, e))
    found: dict[tuple[str, int], tuple[dict[str, Any], Any, dict[str, Any]]] = {}
    for (query, fetched), members in groups.items():
        results, validation, frame = _validate(url, query, fetched, [e for _, _, e in members])
        for (spec, i, _), result in zip(members, results, strict=True):
            found[(spec.name, i)] = (result, frame, validation)
    outcomes = {}
    for spec in specs:
        parts = [found[(spec.name, i)] for i in range(len(spec.expectations))]
        expectations = tuple(_outcome(e, r, f) for e, (r, f, _) in zip(spec.expectations, parts, strict=True))
        success = all(e.success for e in expectations)
        meta = {k: v for k, v in (parts[0][2] if parts else {}).items() if k not in {"results", "success"}}
        gx_result = {**meta, "success": success, "results": [r for r, _, _ in parts]}
        outcomes[spec.name] = CheckOutcome(spec, success, expectations, _with_statistics(gx_result))
    return outcomes


def _with_statistics(validation: dict[str, Any]) -> dict[str, Any]:
    results = validation["results"]
    ok = sum(1 for r in results if r.get("success"))
    validation["statistics"] = {
        "evaluated_expectations": len(results),
        "successful_expectations": ok,
        "unsuccessful_expectations": len(results) - ok,
        "success_percent": 100.0 * ok / len(results) if results else None,
    }
    return validation


def run_check(spec: CheckSpec, url: str) -> CheckOutcome:
    """Validate one check on its own (tests, one-off runs): `run_suite` of that check."""
    return run_suite([spec], url)[spec.name]


def run_all(url: str, names: Iterable[str] | None = None) -> dict[str, CheckOutcome]:
    """Every suite (or only the checks named), suite by suite."""
    wanted = set(names) if names is not None else None
    outcomes: dict[str, CheckOutcome] = {}
    for specs in suites().values():
        chosen = [s for s in specs if wanted is None or s.name in wanted]
        if chosen:
            outcomes.update(run_suite(chosen, url))
    return outcomes
