"""Raw assets: one per source contract, each loading its delivered file into schema `raw`."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.resources import SourceDropResource, WarehouseResource
from sources.contracts import Contract, load_contracts
from sources.drop_folder import files_for
from sources.load import RAW_SCHEMA, ensure_audit, load_snapshot, raw_table_ddl
from sources.readers import SourceFileError


def _team(name: str) -> str:
    return "team:" + "-".join(name.lower().replace("dan", " ").split())


def raw_asset_key(contract: Contract) -> AssetKey:
    return AssetKey([RAW_SCHEMA, contract.raw_table])


def build_raw_asset(contract: Contract) -> AssetsDefinition:
    @asset(
        key=raw_asset_key(contract),
        group_name="raw",
        kinds={"postgres", "python"},
        owners=[_team(contract.steward)],
        description=contract.description,
        metadata={
            "files": contract.files,
            "mode": contract.mode,
            "steward": contract.steward,
            "penanggung_jawab": contract.penanggung_jawab,
        },
    )
    def _load(
        context: AssetExecutionContext,
        warehouse: WarehouseResource,
        source_drop: SourceDropResource,
    ) -> MaterializeResult:
        engine = warehouse.engine()
        ensure_audit(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql(raw_table_ddl(contract))
        files = files_for(contract, source_drop.folder())
        if not files:
            context.log.warning(
                f"no file matching {contract.files} in the drop folder; previous raw data kept"
            )
            return MaterializeResult(metadata={"outcome": "no file delivered; previous data kept"})
        path = files[-1]
        if len(files) > 1:
            context.log.info(f"{len(files) - 1} older file(s) superseded by {path.name}")
        try:
            result = load_snapshot(engine, contract, path, run_id=context.run_id)
        except SourceFileError as exc:
            raise Failure(
                description=f"{contract.name}: {exc} (previous raw data kept)",
                metadata={"file": path.name, "cause": exc.cause},
            ) from exc
        context.log.info(
            f"{path.name}: {result.outcome}; read {result.rows_read}, loaded {result.rows_loaded}, "
            f"quarantined {result.rows_quarantined}"
        )
        return MaterializeResult(
            metadata={
                "file": path.name,
                "outcome": result.outcome,
                "batch_id": MetadataValue.int(result.batch_id or 0),
                "rows_read": MetadataValue.int(result.rows_read),
                "rows_loaded": MetadataValue.int(result.rows_loaded),
                "rows_quarantined": MetadataValue.int(result.rows_quarantined),
                "notes": "; ".join(result.notes) or "-",
            }
        )

    return _load


raw_assets = [build_raw_asset(c) for c in load_contracts().values()]
