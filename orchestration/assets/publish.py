"""Publishing: the candidate marts (schema marts_build) become the marts analysts read.

dbt builds every mart into `marts_build`. When no blocking check failed, this asset swaps the
two schemas in one transaction: readers see the old tables until the commit and the new ones
after it, never a mix. When a blocking check fails, Dagster does not run this asset and
`marts` keeps the last good IKU values.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset

from orchestration.resources import WarehouseResource

MARTS_SCHEMA = "marts"
BUILD_SCHEMA = "marts_build"
READER_ROLE = "iku_reader"

PUBLISH_DDL = """
create schema if not exists audit;
create table if not exists audit.publish_log (
    publish_id    bigserial primary key,
    run_id        text,
    published_at  timestamptz not null default now(),
    tables        text[] not null
);
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'iku_reader') then
        create role iku_reader nologin;
    end if;
exception when insufficient_privilege then
    raise notice 'cannot create role iku_reader; grant access to the marts yourself';
end $$;
"""


def publish_marts(engine: sa.Engine, expected_tables: Sequence[str], run_id: str | None) -> list[str]:
    """Swap marts_build into marts atomically; returns the published tables."""
    with engine.begin() as conn:
        conn.exec_driver_sql(PUBLISH_DDL)
    with engine.begin() as conn:
        conn.execute(sa.text("select pg_advisory_xact_lock(hashtext('gudang_iku_publish'))"))
        built = set(
            conn.execute(
                sa.text("select table_name from information_schema.tables where table_schema = :s"),
                {"s": BUILD_SCHEMA},
            ).scalars()
        )
        missing = sorted(set(expected_tables) - built)
        if missing:
            raise RuntimeError(f"not publishing: {BUILD_SCHEMA} lacks {', '.join(missing)}")
        has_marts = conn.execute(
            sa.text("select 1 from pg_namespace where nspname = :s"), {"s": MARTS_SCHEMA}
        ).scalar()
        if has_marts:
            conn.exec_driver_sql(f"alter schema {MARTS_SCHEMA} rename to {MARTS_SCHEMA}__swap")
        conn.exec_driver_sql(f"alter schema {BUILD_SCHEMA} rename to {MARTS_SCHEMA}")
        if has_marts:
            conn.exec_driver_sql(f"alter schema {MARTS_SCHEMA}__swap rename to {BUILD_SCHEMA}")
        has_reader = conn.execute(
            sa.text("select 1 from pg_roles where rolname = :r"), {"r": READER_ROLE}
        ).scalar()
        if has_reader:
            conn.exec_driver_sql(f"grant usage on schema {MARTS_SCHEMA} to {READER_ROLE}")
            conn.exec_driver_sql(f"grant select on all tables in schema {MARTS_SCHEMA} to {READER_ROLE}")
        tables = sorted(built)
        conn.execute(
            sa.text("insert into audit.publish_log (run_id, tables) values (:r, :t)"),
            {"r": run_id, "t": tables},
        )
    return tables


def build_publish_asset(mart_keys: Sequence[AssetKey]) -> AssetsDefinition:
    @asset(
        key=AssetKey(["publish", "marts"]),
        group_name="publish",
        deps=list(mart_keys),
        kinds={"postgres"},
        owners=["team:bidang-inka"],
        description=(
            "Swap the checked candidate marts into schema marts (skipped when a blocking check fails)."
        ),
    )
    def publish(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        tables = publish_marts(warehouse.engine(), [k.path[-1] for k in mart_keys], context.run_id)
        context.log.info(f"published {len(tables)} tables to schema {MARTS_SCHEMA}")
        return MaterializeResult(metadata={"tables": ", ".join(tables)})

    return publish
