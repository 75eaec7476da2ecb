"""Freshness: one Dagster asset check per raw source, `raw_<table>_fresh`, so that a source
that stopped arriving does not go unnoticed.

Each check judges its source's latest delivery against the cadence its contract declares
(orchestration.checks.deliveries: the delivery date, fresh / late / never delivered), on
`sources.clock.today()`. Severity WARN: a late source publishes (its previous data is kept) and
is reported. Each evaluation is recorded in `dq.check_results` like a GX check
(dq_store.evaluate_suite: routed to the source's steward, acknowledgeable), and `iku dq` shows
it with its message ("terlambat: tidak ada kiriman sejak 2026-08-31, seharusnya bulanan").

One check definition (one step) for the file sources, which load in one step (`raw_files`),
and one per SIMPEG table, so that a failed extraction of one table does not skip the others.
"""

from collections.abc import Iterator

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)

from orchestration.checks.deliveries import Freshness, checked_sources, judge, latest_deliveries
from orchestration.checks.dq_store import evaluate_suite
from orchestration.checks.gx_checks import check_result, routed_to
from orchestration.checks.gx_runner import CheckOutcome, CheckSpec, ExpectationOutcome
from orchestration.resources import WarehouseResource
from orchestration.transient import retry_on_transient
from sources.clock import today
from sources.contracts import Contract
from sources.load import RAW_SCHEMA

SUITE = "freshness"  # dq.check_results.suite of a freshness result
EXPECTATION = "expect_delivery_within_cadence"


def check_name(source: Contract) -> str:
    return f"raw_{source.raw_table}_fresh"


def freshness_spec(source: Contract) -> CheckSpec:
    """The check of one source, as the dq store records it (routed by its raw asset)."""
    assert source.cadence is not None
    cadence = source.cadence
    return CheckSpec(
        name=check_name(source),
        asset=(RAW_SCHEMA, source.raw_table),
        severity="WARN",
        description=(
            f"{source.name} arrives {cadence.describe()}: late when nothing newer than its latest "
            f"delivery has arrived one period plus {cadence.grace_days} day(s) after it. The delivery "
            "is dated by the as-of date in its file name (or the extraction date), else the month "
            "its name names, else the day it was loaded (docs/sources.md, Freshness)."
        ),
        query="",
        expectations=(),
        suite=SUITE,
    )


def outcome(freshness: Freshness) -> CheckOutcome:
    spec = freshness_spec(freshness.source)
    d = freshness.delivery
    expectation = ExpectationOutcome(
        EXPECTATION,
        {
            "cadence": freshness.source.cadence.every,
            "due_by": str(freshness.due_by) if freshness.due_by else None,
        },
        freshness.fresh,
        observed=str(d.on) if d else None,
        unexpected_count=None,
    )
    return CheckOutcome(spec, freshness.fresh, (expectation,), note=freshness.message)


def build_freshness_check(name: str, sources: list[Contract]) -> AssetChecksDefinition:
    """One multi-asset check: the freshness of each of `sources`, in one execution."""
    by_key = {AssetCheckKey(AssetKey([RAW_SCHEMA, s.raw_table]), check_name(s)): s for s in sources}

    @multi_asset_check(
        name=name,
        specs=[
            AssetCheckSpec(
                check_name(s),
                asset=AssetKey([RAW_SCHEMA, s.raw_table]),
                description=f"[WARN] {freshness_spec(s).description}",
                blocking=False,
            )
            for s in sources
        ],
        can_subset=True,
    )
    def _checks(
        context: AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[AssetCheckResult]:
        chosen = [s for key, s in by_key.items() if key in context.selected_asset_check_keys]
        day = today()
        with retry_on_transient(context, f"checks {name}"):
            deliveries = latest_deliveries(warehouse.engine())
            judged = [judge(s, deliveries.get(s.name), day) for s in chosen]
            outcomes = [outcome(f) for f in judged]
            evaluations = evaluate_suite(
                warehouse.engine(), [(o.spec, o) for o in outcomes], context.run.run_id
            )
        for freshness, evaluation in zip(judged, evaluations, strict=True):
            spec = evaluation.spec
            if evaluation.outcome == "failed":
                context.log.warning(
                    f"{spec.name} [WARN] {freshness.message}. Routed to {routed_to(evaluation)}."
                )
            result = check_result(evaluation)
            metadata = {
                **result.metadata,
                "status": freshness.status,
                "cadence": freshness.source.cadence.describe(),
                "latest_delivery": str(freshness.delivery.on) if freshness.delivery else "-",
                "latest_file": freshness.delivery.file_name if freshness.delivery else "-",
                "dated_by": freshness.delivery.dated_by if freshness.delivery else "-",
                "due_by": str(freshness.due_by) if freshness.due_by else "-",
                "today": str(day),
                "message": MetadataValue.text(freshness.message),
            }
            yield AssetCheckResult(
                asset_key=AssetKey(list(spec.asset)),
                check_name=spec.name,
                passed=result.passed,
                severity=result.severity,
                metadata=metadata,
                description=freshness.message,
            )

    return _checks


def build_freshness_checks() -> list[AssetChecksDefinition]:
    from sources.simpeg import load_simpeg_config

    simpeg = {t.name for t in load_simpeg_config().values()}
    sources = checked_sources()
    files = [s for s in sources if s.name not in simpeg]
    return [
        build_freshness_check("freshness_files", files),
        *(build_freshness_check(f"freshness_{s.name}", [s]) for s in sources if s.name in simpeg),
    ]


freshness_checks = build_freshness_checks()
