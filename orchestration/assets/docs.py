"""The dbt docs site of the published marts, rebuilt after each publish (orchestration.dbt_docs).

It depends on the publish asset: when publish is skipped (a blocking check failed) or publishes
nothing, this asset is skipped too, and the site keeps describing the marts analysts still read.
A failed `dbt docs generate` is a warning, not a failed refresh: the marts are published, and
the previous site stays in place.
"""

from collections.abc import Iterator

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset

from orchestration import dbt_docs
from orchestration.resources import WarehouseResource

DBT_DOCS_KEY = AssetKey(["docs", "dbt"])


def build_dbt_docs_asset(publish_key: AssetKey) -> AssetsDefinition:
    @asset(
        key=DBT_DOCS_KEY,
        group_name="publish",
        deps=[publish_key],
        kinds={"dbt"},
        owners=["team:bidang-inka"],
        output_required=False,
        description=(
            "dbt docs of the published marts (models, columns, tests, lineage, exposures, the "
            "catalog's formulas), as a static site in $IKU_HOME/docs/dbt."
        ),
    )
    def dbt_docs_site(
        context: AssetExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[MaterializeResult]:
        warehouse.export_dbt_env()
        try:
            site = dbt_docs.generate()
        except dbt_docs.DbtDocsError as exc:
            context.log.warning(f"the dbt docs site was not rebuilt; the previous one is kept: {exc}")
            return
        context.log.info(f"dbt docs of the published marts: {site.index} ({site.seconds:.1f} s)")
        yield MaterializeResult(metadata={"index": str(site.index), "seconds": site.seconds})

    return dbt_docs_site
