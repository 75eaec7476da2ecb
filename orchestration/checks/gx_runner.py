"""Great Expectations (GX Core 1.x) run against warehouse tables, for Dagster asset checks.

`dagster-ge` does not support GX 1.x, so suites are read from YAML (suites/*.yml, written for
stewards) and validated here with an ephemeral GX context on the warehouse's PostgreSQL.
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


@dataclass(frozen=True)
class ExpectationOutcome:
    type: str
    kwargs: dict[str, Any]
    success: bool
    observed: Any
    unexpected_count: int | None


@dataclass(frozen=True)
class CheckOutcome:
    spec: CheckSpec
    success: bool
    expectations: tuple[ExpectationOutcome, ...]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success]


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
                )
            )
    return tuple(specs)


def _context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _observed(result: dict[str, Any]) -> Any:
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
    asset = source.add_query_asset(name=spec.name, query=spec.query)
    batch = asset.add_batch_definition_whole_table("all").get_batch()
    suite = gx.ExpectationSuite(
        name=spec.name,
        expectations=[
            ExpectationConfiguration(type=e.type, kwargs=e.kwargs).to_domain_obj() for e in spec.expectations
        ],
    )
    validation = batch.validate(suite, result_format="SUMMARY")
    outcomes = []
    for spec_e, result in zip(spec.expectations, validation.results, strict=True):
        outcomes.append(
            ExpectationOutcome(
                type=spec_e.type,
                kwargs=spec_e.kwargs,
                success=bool(result.success),
                observed=_observed(dict(result.result)),
                unexpected_count=dict(result.result).get("unexpected_count"),
            )
        )
    return CheckOutcome(spec, bool(validation.success), tuple(outcomes))
