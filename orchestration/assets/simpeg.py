"""SIMPEG assets: one per table of the SIMPEG configuration (sources/simpeg/simpeg.yml), each
extracting its table from the regional SIMPEG database into schema `raw`."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.assets.raw import _team
from orchestration.resources import SimpegResource, SourceDropResource, WarehouseResource
from orchestration.transient import retry_on_transient
from sources.load import RAW_SCHEMA
from sources.simpeg import (
    ExtractError,
    TableConfig,
    ensure_extract_audit,
    ensure_raw_table,
    extract_table,
    load_simpeg_config,
)

NO_DATABASE = "no SIMPEG database configured; previous data kept"


def simpeg_asset_key(table: TableConfig) -> AssetKey:
    return AssetKey([RAW_SCHEMA, table.raw_table])


def build_simpeg_asset(table: TableConfig) -> AssetsDefinition:
    @asset(
        key=simpeg_asset_key(table),
        group_name="raw",
        kinds={"mysql", "postgres", "python"},
        owners=[_team(table.steward)],
        description=table.description,
        metadata={
            "source_table": table.label,
            "key": ", ".join(table.key),
            "watermark": table.watermark or "none: reloaded in full",
            "personal_not_loaded": ", ".join(table.personal_columns) or "-",
            "steward": table.steward,
            "penanggung_jawab": table.penanggung_jawab,
        },
    )
    def _extract(
        context: AssetExecutionContext,
        warehouse: WarehouseResource,
        source_drop: SourceDropResource,
        simpeg: SimpegResource,
    ) -> MaterializeResult:
        with retry_on_transient(context, f"extract {table.name}"):
            return _extract_table(context, warehouse.engine(), source_drop, simpeg)

    def _extract_table(
        context: AssetExecutionContext, engine, source_drop: SourceDropResource, simpeg: SimpegResource
    ) -> MaterializeResult:
        ensure_extract_audit(engine)
        ensure_raw_table(engine, table)
        url = simpeg.connection_url(source_drop.folder())
        if url is None:
            context.log.warning(NO_DATABASE)
            return MaterializeResult(metadata={"outcome": NO_DATABASE})
        source = simpeg.engine(url)
        try:
            result = extract_table(
                engine, source, table, run_id=context.run_id, full_refresh=simpeg.full_refresh
            )
        except ExtractError as exc:
            raise Failure(
                description=f"{table.name}: {exc} (previous raw data kept)",
                metadata={"source_table": table.label, "cause": exc.cause},
            ) from exc
        finally:
            source.dispose()
        context.log.info(
            f"{table.label}: {result.outcome} ({result.mode}); read {result.rows_read}, "
            f"loaded {result.rows_loaded}, quarantined {result.rows_quarantined}; {result.message}"
        )
        return MaterializeResult(
            metadata={
                "outcome": result.outcome,
                "mode": result.mode,
                "batch_id": str(result.batch_id),
                "rows_read": MetadataValue.int(result.rows_read),
                "rows_loaded": MetadataValue.int(result.rows_loaded),
                "rows_quarantined": MetadataValue.int(result.rows_quarantined),
                "rows_removed": MetadataValue.int(result.rows_removed),
                "watermark": result.watermark or "-",
                "notes": result.message or "-",
            }
        )

    return _extract


simpeg_assets = [build_simpeg_asset(t) for t in load_simpeg_config().values()]
