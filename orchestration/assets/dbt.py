"""dbt models, seeds and tests as Dagster assets and checks, keyed by layer.

The nightly build excludes dbt unit tests (they test the SQL, and run in CI) and keeps one
target folder across nights so dbt re-parses only what changed.

After a `dbt build` that passed, the run is recorded as the builder of `marts_build`
(orchestration.assets.publish); dagster-dbt's per-invocation target folders are pruned to the
newest few (orchestration.recovery).
"""

import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.assets.publish import forget_build, record_build
from orchestration.checks.dbt_tests import record_invocation
from orchestration.dbt_project import DBT_PROJECT, ensure_manifest
from orchestration.recovery import prune_dbt_targets
from orchestration.resources import WarehouseResource
from sources.redact import redact

PARTIAL_PARSE = "partial_parse.msgpack"

LAYER_OWNERS = {
    "staging": ["team:bidang-inka"],
    "intermediate": ["team:bidang-inka"],
    "marts": ["team:bidang-inka", "team:sekretariat"],
    "reference": ["team:bidang-inka"],
    "snapshots": ["team:bidang-inka"],
}


def _layer(props: Mapping[str, Any]) -> str:
    if props["resource_type"] == "seed":
        return "reference"
    if props["resource_type"] == "source":
        return "raw"
    if props["resource_type"] == "snapshot":
        return "snapshots"
    fqn = props.get("fqn", [])
    return fqn[1] if len(fqn) > 2 else "marts"


class IkuDbtTranslator(DagsterDbtTranslator):
    """Keys are [layer, name]: raw/siasn_pns, staging/stg_siasn__pns, intermediate/int_pegawai_versions,
    marts/fct_iku."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey(["raw", dbt_resource_props["name"]])
        return AssetKey([_layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return _layer(dbt_resource_props)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        return LAYER_OWNERS.get(_layer(dbt_resource_props))


# dbt unit tests check the SQL, not the night's data: they run in CI (tests/), not every night.
NIGHTLY_BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]


def nightly_target_path() -> Path:
    """One target folder for every nightly build, so dbt parses only what changed since the last
    night (a fresh folder per run costs a full parse of the project). It starts from the parse
    the code location made when it loaded (`ensure_manifest`); dbt itself checks that a saved
    parse still matches the project before using it."""
    target = DBT_PROJECT.target_path / "nightly"
    target.mkdir(parents=True, exist_ok=True)
    loaded, saved = DBT_PROJECT.target_path / PARTIAL_PARSE, target / PARTIAL_PARSE
    if loaded.exists() and (not saved.exists() or saved.stat().st_mtime < loaded.stat().st_mtime):
        shutil.copy2(loaded, saved)
    return target


@dbt_assets(
    manifest=ensure_manifest(),
    project=DBT_PROJECT,
    dagster_dbt_translator=IkuDbtTranslator(),
)
def iku_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """`dbt build`; when it passes, `marts_build` is recorded as this run's (publish checks that)."""
    warehouse.export_dbt_env()
    engine = warehouse.engine()
    forget_build(engine)
    target = nightly_target_path()
    started = time.time()
    invocation = dbt.cli(NIGHTLY_BUILD_ARGS, context=context, target_path=target)
    try:
        yield from invocation.stream()
    finally:
        _record_tests(context, engine, invocation, started)
        prune_dbt_targets()
    record_build(engine, context.run_id)


def _record_tests(context: AssetExecutionContext, engine, invocation, started: float) -> None:
    """The build's data tests into schema dq, routed to stewards (orchestration.checks.dbt_tests).
    Recording them must not hide how the build itself went: a failure here is logged."""
    try:
        count = record_invocation(engine, context.run_id, invocation, IkuDbtTranslator(), started)
        context.log.info(f"dbt tests recorded in dq.check_results: {count}")
    except Exception as exc:
        context.log.warning(f"dbt tests not recorded in schema dq: {type(exc).__name__}: {redact(str(exc))}")
