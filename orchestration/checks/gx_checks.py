"""Dagster asset checks built from the GX suites, beside the assets they check.

One `@multi_asset_check` per suite (one table): its specs are the suite's checks, with their
names, severities and asset keys; one execution validates the whole suite (gx_runner.run_suite:
one GX validation per distinct query) and yields one AssetCheckResult per check. ERROR specs
are blocking.

Each evaluation is recorded in schema `dq` (orchestration.checks.dq_store), routed to a steward.
An ERROR check that fails blocks publishing unless a steward acknowledged the failure: an
acknowledged failure is reported as failed with severity WARN (visible, not blocking) and
metadata `outcome: acknowledged`.
"""

from collections.abc import Iterator
from dataclasses import replace

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)

from orchestration.checks.dq_store import Evaluation, evaluate_suite
from orchestration.checks.gx_runner import CheckOutcome, CheckSpec, run_suite, suites
from orchestration.resources import WarehouseResource
from orchestration.transient import retry_on_transient

SEVERITY = {"ERROR": AssetCheckSeverity.ERROR, "WARN": AssetCheckSeverity.WARN}


def routed_to(evaluation: Evaluation) -> str:
    return "; ".join(f"{r.steward} ({r.penanggung_jawab})" for r in evaluation.routes)


def check_result(evaluation: Evaluation) -> AssetCheckResult:
    """The Dagster result of an evaluation: passed, failed (its severity) or acknowledged
    (failed, WARN: Dagster only blocks on failed ERROR results)."""
    spec = evaluation.spec
    ack = evaluation.acknowledgement
    metadata = {
        "outcome": evaluation.outcome,
        "severity": spec.severity,
        "blocks_publishing": evaluation.blocking,
        "steward": MetadataValue.text(routed_to(evaluation)),
        "expectations": MetadataValue.int(len(spec.expectations)),
    }
    if evaluation.outcome != "passed":
        metadata["observed"] = MetadataValue.text(evaluation.observed_value or "")
        metadata["unexpected_count"] = MetadataValue.int(evaluation.unexpected_count or 0)
        metadata["sample_keys"] = MetadataValue.json(list(evaluation.sample_keys))
    if ack:
        metadata["acknowledged"] = MetadataValue.text(
            f"#{ack.ack_id} by {ack.acknowledged_by} until {ack.expires_on}: {ack.note}"
        )
    return AssetCheckResult(
        passed=evaluation.outcome == "passed",
        severity=SEVERITY["WARN" if ack else spec.severity],
        metadata=metadata,
        description=f"[{spec.severity}] {spec.description}",
    )


def _log(context: AssetCheckExecutionContext, spec: CheckSpec, evaluation: Evaluation, outcome) -> None:
    for failed in outcome.failed:
        context.log.warning(f"{spec.name}: {failed.type} failed, observed {failed.observed}")
    who = routed_to(evaluation)
    if evaluation.outcome == "acknowledged":
        ack = evaluation.acknowledgement
        context.log.warning(
            f"{spec.name} [ERROR→acknowledged] failed but is acknowledged (#{ack.ack_id} by "
            f"{ack.acknowledged_by} until {ack.expires_on}): not blocking. Routed to {who}."
            if spec.severity == "ERROR"
            else f"{spec.name} [WARN] failed, acknowledged (#{ack.ack_id}). Routed to {who}."
        )
    elif evaluation.blocking:
        context.log.error(
            f"{spec.name} [ERROR] failed: BLOCKS PUBLISHING; schema marts keeps the last good "
            f"IKU values. Routed to {who}; sample keys: {', '.join(evaluation.sample_keys) or '-'}. "
            f"See `iku dq`."
        )
    elif evaluation.outcome == "failed":
        context.log.warning(f"{spec.name} [WARN] failed (publishes, reported). Routed to {who}.")


NOT_DELIVERED = "not delivered: no delivery of {source} was ever loaded (belum pernah dikirim)"


def _undelivered_as_such(
    warehouse: WarehouseResource, specs: list[CheckSpec], outcomes: dict[str, CheckOutcome]
) -> dict[str, CheckOutcome]:
    """A failed check of a raw source never delivered reads "not delivered", not its empty
    table's observed values (a row count of 0): its freshness check says the same."""
    from orchestration.checks.deliveries import delivered_sources, source_of_table

    sources = {s.name: source_of_table(s.asset[-1]) for s in specs if s.asset[0] == "raw"}
    if not any(not outcomes[name].success for name in sources):
        return outcomes
    delivered = delivered_sources(warehouse.engine())
    return {
        name: replace(o, note=NOT_DELIVERED.format(source=sources[name]))
        if not o.success and sources.get(name) not in (None, *delivered)
        else o
        for name, o in outcomes.items()
    }


def _check_key(spec: CheckSpec) -> AssetCheckKey:
    return AssetCheckKey(AssetKey(list(spec.asset)), spec.name)


def build_suite_checks(suite: str, specs: tuple[CheckSpec, ...]) -> AssetChecksDefinition:
    """One multi-asset check for a suite: every check of it validated in one execution."""
    by_key = {_check_key(s): s for s in specs}

    @multi_asset_check(
        name=f"gx_{suite}",
        specs=[
            AssetCheckSpec(
                spec.name,
                asset=AssetKey(list(spec.asset)),
                description=f"[{spec.severity}] {spec.description}",
                blocking=spec.severity == "ERROR",
            )
            for spec in specs
        ],
        can_subset=True,
    )
    def _checks(
        context: AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[AssetCheckResult]:
        url = warehouse.connection_url()
        chosen = [by_key[k] for k in by_key if k in context.selected_asset_check_keys]
        context.log.info(f"{suite}: {len(chosen)} of {len(specs)} checks, one validation per query")
        with retry_on_transient(context, f"checks {suite}"):  # a lost connection, not bad data
            outcomes = _undelivered_as_such(warehouse, chosen, run_suite(chosen, url))
            checked = [(spec, outcomes[spec.name]) for spec in chosen]
            evaluations = evaluate_suite(warehouse.engine(), checked, context.run.run_id)
        errors = {o.error for o in outcomes.values() if o.error}
        for error in sorted(errors):  # a table dbt did not build, say: every check reading it fails
            context.log.error(f"{suite}: a query cannot run: {error}")
        for (spec, outcome), evaluation in zip(checked, evaluations, strict=True):
            _log(context, spec, evaluation, outcome)
            result = check_result(evaluation)
            yield AssetCheckResult(
                asset_key=AssetKey(list(spec.asset)),
                check_name=spec.name,
                passed=result.passed,
                severity=result.severity,
                metadata=result.metadata,
                description=result.description,
            )

    return _checks


gx_checks = [build_suite_checks(suite, specs) for suite, specs in suites().items()]
