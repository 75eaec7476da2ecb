"""Publishing: the candidate marts (schema marts_build) become the marts analysts read.

dbt builds every mart into `marts_build`. When no blocking check failed, this asset swaps the
two schemas in one transaction: readers see the old tables until the commit and the new ones
after it, never a mix. When a blocking check fails, Dagster does not run this asset and
`marts` keeps the last good IKU values.

Invariant: only a `marts_build` built and checked in the same run is published. The dbt asset
records in `audit.marts_build` the run whose `dbt build` filled the schema (and forgets it when a
build starts, and when a publish swaps the old marts back into `marts_build`); this asset swaps
only when that run is its own and no blocking check failed in it. The same transaction gives the
reader role the new marts and takes the old ones from it (orchestration.access). Materialized
alone (from the UI, say) it changes nothing and says why.
"""

from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from dagster import (
    AssetCheckEvaluation,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    DagsterEventType,
    MaterializeResult,
    asset,
)

from orchestration import access
from orchestration.resources import WarehouseResource
from orchestration.transient import retry_on_transient

MARTS_SCHEMA = "marts"
BUILD_SCHEMA = "marts_build"

PUBLISH_DDL = """
create schema if not exists audit;
create table if not exists audit.marts_build (
    schema_name   text primary key,
    run_id        text not null,
    built_at      timestamptz not null default now()
);
create table if not exists audit.publish_log (
    publish_id    bigserial primary key,
    run_id        text,
    published_at  timestamptz not null default now(),
    tables        text[] not null
);
"""


def ensure_publish_audit(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(PUBLISH_DDL)


def forget_build(engine: sa.Engine) -> None:
    """`marts_build` is about to be rebuilt: it holds no finished build until `record_build`."""
    ensure_publish_audit(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("delete from audit.marts_build where schema_name = :s"), {"s": BUILD_SCHEMA})


def record_build(engine: sa.Engine, run_id: str) -> None:
    """`dbt build` of run `run_id` filled `marts_build` and passed."""
    ensure_publish_audit(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "insert into audit.marts_build (schema_name, run_id) values (:s, :r) "
                "on conflict (schema_name) do update set run_id = excluded.run_id, built_at = now()"
            ),
            {"s": BUILD_SCHEMA, "r": run_id},
        )


def built_by(engine: sa.Engine) -> str | None:
    """The run whose finished dbt build `marts_build` holds, if any."""
    ensure_publish_audit(engine)
    with engine.connect() as conn:
        return conn.execute(
            sa.text("select run_id from audit.marts_build where schema_name = :s"), {"s": BUILD_SCHEMA}
        ).scalar()


def blocking_failures(context: AssetExecutionContext) -> list[str]:
    """Checks of this run that failed with severity ERROR (acknowledged failures report WARN)."""
    records = context.instance.get_records_for_run(
        context.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    failed = []
    for record in records:
        event = record.event_log_entry.dagster_event
        evaluation = event.event_specific_data if event else None
        blocking = isinstance(evaluation, AssetCheckEvaluation) and not evaluation.passed
        if blocking and evaluation.severity.value == "ERROR":
            failed.append(f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}")
    return failed


def why_not_publish(engine: sa.Engine, run_id: str, failed_checks: Sequence[str]) -> str | None:
    """None when this run may publish; else the reason it may not."""
    builder = built_by(engine)
    if builder is None:
        return (
            f"{BUILD_SCHEMA} holds no finished dbt build (a build failed or started since, or the last "
            "one was published already); run the whole nightly_refresh job"
        )
    if builder != run_id:
        return (
            f"{BUILD_SCHEMA} was built by run {builder}, not by this run: publish only swaps a build made "
            "and checked in the same run; run the whole nightly_refresh job"
        )
    if failed_checks:
        return f"blocking checks failed in this run: {', '.join(sorted(failed_checks))}"
    return None


def publish_marts(engine: sa.Engine, expected_tables: Sequence[str], run_id: str | None) -> list[str]:
    """Swap marts_build into marts atomically; returns the published tables. `marts_build` then
    holds the previous marts, so the record of its build is dropped in the same transaction."""
    ensure_publish_audit(engine)
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
        access.grant_published(conn)
        tables = sorted(built)
        conn.execute(
            sa.text("insert into audit.publish_log (run_id, tables) values (:r, :t)"),
            {"r": run_id, "t": tables},
        )
        conn.execute(sa.text("delete from audit.marts_build where schema_name = :s"), {"s": BUILD_SCHEMA})
    return tables


def build_publish_asset(mart_keys: Sequence[AssetKey]) -> AssetsDefinition:
    @asset(
        key=AssetKey(["publish", "marts"]),
        group_name="publish",
        deps=list(mart_keys),
        kinds={"postgres"},
        owners=["team:bidang-inka"],
        output_required=False,
        description=(
            "Swap the candidate marts built and checked in this run into schema marts (skipped when a "
            "blocking check fails; does nothing when materialized without the dbt build)."
        ),
    )
    def publish(context: AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[MaterializeResult]:
        engine = warehouse.engine()
        with retry_on_transient(context, "publish"):
            reason = why_not_publish(engine, context.run_id, blocking_failures(context))
            if reason:
                context.log.warning(f"not publishing; schema {MARTS_SCHEMA} is unchanged: {reason}")
                return
            warning = access.reader_warning(engine)
            if warning:
                context.log.warning(warning)
            tables = publish_marts(engine, [k.path[-1] for k in mart_keys], context.run_id)
        context.log.info(f"published {len(tables)} tables to schema {MARTS_SCHEMA}")
        yield MaterializeResult(metadata={"tables": ", ".join(tables)})

    return publish
