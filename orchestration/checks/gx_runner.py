"""Great Expectations (GX Core 1.x) run against warehouse tables, for Dagster asset checks.

`dagster-ge` does not support GX 1.x, so suites are read from YAML (suites/*.yml, written for
stewards) and validated here with an ephemeral GX context on the warehouse's PostgreSQL.

Suite keys (docs/quality.md): top level `asset`, `query`, `checks`, and optionally `steward`
and `penanggung_jawab` (who a failure is routed to); per check `name`, `severity`,
`description`, `query`, `expectations`, and optionally `sample_keys` (a SQL query returning a
column `key`: NIPs, record ids or indicator codes, run only when the check fails) and its own
`steward` / `penanggung_jawab`.

What GX returns is sanitized before it is kept anywhere (`sanitize_result`): only counts,
percentages and observed values survive; lists of unexpected values are dropped unless the
checked column is a NIP, and observed values of personal or restricted columns are redacted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

SUITES_DIR = Path(__file__).parent / "suites"


@dataclass(frozen=True)
class ExpectationSpec:
    type: str
    kwargs: dict[str, Any]


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

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success]

    @property
    def unexpected_count(self) -> int | None:
        counts = [e.unexpected_count for e in self.failed if e.unexpected_count is not None]
        return sum(counts) if counts else None

    @property
    def observed_summary(self) -> str | None:
        """One line for the failed expectations (or every one when the check passed)."""
        shown = self.failed or list(self.expectations)
        parts = [f"{e.type}: {e.observed}" for e in shown if e.observed is not None]
        return "; ".join(parts)[:2000] if parts else None


@cache
def load_suites() -> tuple[CheckSpec, ...]:
    specs = []
    for path in sorted(SUITES_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text())
        asset = tuple(data["asset"])
        for check in data["checks"]:
            severity = check.get("severity", "ERROR").upper()
            if severity not in {"ERROR", "WARN"}:
                raise ValueError(f"{path.name}: check {check['name']}: severity must be ERROR or WARN")
            sample_keys = check.get("sample_keys")
            specs.append(
                CheckSpec(
                    name=check["name"],
                    asset=asset,
                    severity=severity,
                    description=" ".join(check.get("description", "").split()),
                    query=check.get("query", data["query"]).strip(),
                    expectations=tuple(
                        ExpectationSpec(e["type"], dict(e.get("kwargs", {}))) for e in check["expectations"]
                    ),
                    steward=_text(check.get("steward", data.get("steward"))),
                    penanggung_jawab=_text(check.get("penanggung_jawab", data.get("penanggung_jawab"))),
                    sample_keys=str(sample_keys).strip().rstrip(";") if sample_keys else None,
                    suite=path.stem,
                )
            )
    return tuple(specs)


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
        info = r.get("exception_info") or {}
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


def _context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _observed(result: dict[str, Any]) -> Any:
    """From a sanitized result."""
    if "observed_value" in result:
        return result["observed_value"]
    if "unexpected_count" in result:
        return f"{result['unexpected_count']} of {result.get('element_count')} unexpected"
    return None


def run_check(spec: CheckSpec, sqlalchemy_url: str) -> CheckOutcome:
    """Validate the check's query with GX and summarise, without any row values."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    context = _context()
    source = context.data_sources.add_postgres(name=f"wh_{spec.name}", connection_string=sqlalchemy_url)
    try:
        asset = source.add_query_asset(name=spec.name, query=spec.query)
        batch = asset.add_batch_definition_whole_table("all").get_batch()
        suite = gx.ExpectationSuite(
            name=spec.name,
            expectations=[
                ExpectationConfiguration(type=e.type, kwargs=e.kwargs).to_domain_obj()
                for e in spec.expectations
            ],
        )
        validation = batch.validate(suite, result_format="SUMMARY")
    finally:
        # each check has its own GX data source and engine: release its connections now, or
        # 160 checks exhaust the server's max_connections
        source.get_engine().dispose()
    clean = sanitize_validation(validation.to_json_dict())
    outcomes = []
    for spec_e, result in zip(spec.expectations, clean["results"], strict=True):
        res = result["result"]
        percent = res.get("unexpected_percent")
        outcomes.append(
            ExpectationOutcome(
                type=spec_e.type,
                kwargs=spec_e.kwargs,
                success=bool(result["success"]),
                observed=_observed(res),
                unexpected_count=res.get("unexpected_count"),
                unexpected_percent=float(percent) if percent is not None else None,
            )
        )
    return CheckOutcome(spec, bool(validation.success), tuple(outcomes), clean)
