"""dbt models, seeds and tests as Dagster assets and checks, keyed by layer.

After a `dbt build` that passed, the run is recorded as the builder of `marts_build`
(orchestration.assets.publish); dagster-dbt's per-invocation target folders are pruned to the
newest few (orchestration.recovery).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.assets.publish import forget_build, record_build
from orchestration.dbt_project import DBT_PROJECT, ensure_manifest
from orchestration.recovery import prune_dbt_targets
from orchestration.resources import WarehouseResource

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
    """Keys are [layer, name]: raw/siasn_pns, staging/stg_siasn__pns, snapshots/snap_siasn__pns,
    marts/fct_iku."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey(["raw", dbt_resource_props["name"]])
        return AssetKey([_layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return _layer(dbt_resource_props)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        return LAYER_OWNERS.get(_layer(dbt_resource_props))


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
    try:
        yield from dbt.cli(["build"], context=context).stream()
    finally:
        prune_dbt_targets()
    record_build(engine, context.run_id)
