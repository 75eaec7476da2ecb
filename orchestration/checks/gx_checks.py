"""Dagster asset checks built from the GX suites, beside the assets they check.

Each evaluation is recorded in schema `dq` (orchestration.checks.dq_store), routed to a steward.
An ERROR check that fails blocks publishing unless a steward acknowledged the failure: an
acknowledged failure is reported as failed with severity WARN (visible, not blocking) and
metadata `outcome: acknowledged`.
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from orchestration.checks.dq_store import Evaluation, evaluate
from orchestration.checks.gx_runner import CheckSpec, load_suites, run_check
from orchestration.resources import WarehouseResource
from orchestration.warehouse import sqlalchemy_url

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


def build_gx_check(spec: CheckSpec) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey(list(spec.asset)),
        name=spec.name,
        description=f"[{spec.severity}] {spec.description}",
        blocking=spec.severity == "ERROR",
    )
    def _check(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
        outcome = run_check(spec, sqlalchemy_url(warehouse.connection_url()))
        engine = warehouse.engine()
        try:
            evaluation = evaluate(engine, spec, outcome, context.run.run_id)
        finally:
            engine.dispose()
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
        return check_result(evaluation)

    return _check


gx_checks = [build_gx_check(spec) for spec in load_suites()]
