"""Raw assets: one per source contract, each loading its delivered file into schema `raw`."""

from collections.abc import Iterator

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    Output,
    asset,
)

from orchestration.resources import SourceDropResource, WarehouseResource
from orchestration.transient import retry_on_transient
from sources.contracts import Contract, load_contracts
from sources.drop_folder import files_for, unclaimed_files
from sources.load import RAW_SCHEMA, ensure_audit, load_files
from sources.raw_tables import ensure_raw_table
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
            "file_pattern": contract.files,
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
        with retry_on_transient(context, f"load {contract.name}"):
            return _load_files(context, warehouse.engine(), source_drop)

    def _load_files(
        context: AssetExecutionContext, engine, source_drop: SourceDropResource
    ) -> MaterializeResult:
        ensure_audit(engine)
        ensure_raw_table(engine, contract)
        files = files_for(contract, source_drop.folder())
        if not files:
            context.log.warning(
                f"no file matching {contract.files} in the drop folder; previous raw data kept"
            )
            return MaterializeResult(metadata={"outcome": "no file delivered; previous data kept"})
        if contract.mode == "snapshot":
            if len(files) > 1:
                context.log.info(f"{len(files) - 1} older file(s) superseded by {files[-1].name}")
            files = files[-1:]
        try:  # a per-file source's files load side by side; indexes and statistics once after
            results = load_files(engine, contract, files, run_id=context.run_id)
        except SourceFileError as exc:
            raise Failure(
                description=f"{contract.name}: {exc} (previous raw data kept)",
                metadata={"file": exc.path.name, "cause": exc.cause},
            ) from exc
        for result in results:
            context.log.info(
                f"{result.file_name}: {result.outcome}; read {result.rows_read}, "
                f"loaded {result.rows_loaded}, quarantined {result.rows_quarantined}"
                + (f"; {'; '.join(result.notes)}" if result.notes else "")
            )
        return MaterializeResult(
            metadata={
                "files": ", ".join(r.file_name for r in results),
                "outcome": ", ".join(sorted({r.outcome for r in results})),
                "batch_ids": ", ".join(str(r.batch_id) for r in results if r.batch_id) or "-",
                "rows_read": MetadataValue.int(sum(r.rows_read for r in results)),
                "rows_loaded": MetadataValue.int(sum(r.rows_loaded for r in results)),
                "rows_quarantined": MetadataValue.int(sum(r.rows_quarantined for r in results)),
                "notes": "; ".join(n for r in results for n in r.notes) or "-",
            }
        )

    return _load


DROP_FOLDER_KEY = AssetKey(["raw", "drop_folder"])


@asset(
    key=DROP_FOLDER_KEY,
    group_name="raw",
    kinds={"python"},
    owners=["team:bidang-inka"],
    description="What the stewards delivered: the files each contract claims, and any file no "
    "contract claims (reported, never ignored).",
    check_specs=[
        AssetCheckSpec(
            "no_unclaimed_files",
            asset=DROP_FOLDER_KEY,
            description="Every file in the drop folder belongs to a source contract.",
        )
    ],
)
def drop_folder(context: AssetExecutionContext, source_drop: SourceDropResource) -> Iterator:
    folder = source_drop.folder()
    claimed = {c.name: [p.name for p in files_for(c, folder)] for c in load_contracts().values()}
    unclaimed = [str(p.relative_to(folder)) for p in unclaimed_files(folder)]
    for name in unclaimed:
        context.log.warning(f"{name}: not in any source contract, not loaded (see docs/sources.md)")
    missing = sorted(name for name, files in claimed.items() if not files)
    if missing:
        context.log.info(f"no delivery for: {', '.join(missing)}")
    yield Output(
        None,
        metadata={
            "folder": str(folder),
            "files_claimed": MetadataValue.int(sum(len(f) for f in claimed.values())),
            "unclaimed_files": ", ".join(unclaimed) or "-",
            "sources_without_delivery": ", ".join(missing) or "-",
        },
    )
    yield AssetCheckResult(
        check_name="no_unclaimed_files",
        passed=not unclaimed,
        severity=AssetCheckSeverity.WARN,
        description=f"{len(unclaimed)} file(s) not in any contract" if unclaimed else "all files claimed",
        metadata={"unclaimed_files": ", ".join(unclaimed) or "-"},
    )


raw_assets = [build_raw_asset(c) for c in load_contracts().values()] + [drop_folder]
