"""Dagster asset checks built from the GX suites, beside the assets they check."""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from orchestration.checks.gx_runner import CheckSpec, load_suites, run_check
from orchestration.resources import WarehouseResource
from orchestration.warehouse import sqlalchemy_url

SEVERITY = {"ERROR": AssetCheckSeverity.ERROR, "WARN": AssetCheckSeverity.WARN}


def build_gx_check(spec: CheckSpec) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey(list(spec.asset)),
        name=spec.name,
        description=f"[{spec.severity}] {spec.description}",
        blocking=spec.severity == "ERROR",
    )
    def _check(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
        outcome = run_check(spec, sqlalchemy_url(warehouse.connection_url()))
        for failed in outcome.failed:
            context.log.warning(f"{spec.name}: {failed.type} failed, observed {failed.observed}")
        return AssetCheckResult(
            passed=outcome.success,
            severity=SEVERITY[spec.severity],
            metadata={
                "severity": spec.severity,
                "expectations": MetadataValue.int(len(outcome.expectations)),
                "failed": MetadataValue.json(
                    [
                        {
                            "expectation": f.type,
                            "observed": str(f.observed),
                            "unexpected_count": f.unexpected_count,
                        }
                        for f in outcome.failed
                    ]
                ),
            },
        )

    return _check


gx_checks = [build_gx_check(spec) for spec in load_suites()]
