"""The Gudang IKU code location: one Definitions for every asset, check, job and schedule."""

from dagster import (
    AssetSelection,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Definitions,
    RunFailureSensorContext,
    RunStatusSensorContext,
    ScheduleDefinition,
    define_asset_job,
    in_process_executor,
    run_failure_sensor,
    run_status_sensor,
)

from orchestration.assets.dbt import iku_dbt_assets
from orchestration.assets.docs import build_dbt_docs_asset
from orchestration.assets.publish import build_publish_asset
from orchestration.assets.raw import raw_assets, raw_presensi
from orchestration.assets.report import iku_report
from orchestration.assets.simpeg import simpeg_assets
from orchestration.checks.freshness import freshness_checks
from orchestration.checks.gx_checks import gx_checks
from orchestration.drop_sensor import build_drop_folder_sensor
from orchestration.partitions import ATTENDANCE_MONTHS, MONTHLY_JOB
from orchestration.resources import SimpegResource, WarehouseResource, build_resources
from orchestration.settings import nightly_schedule_on

MART_KEYS = sorted(k for k in iku_dbt_assets.keys if k.path[0] == "marts")
publish_asset = build_publish_asset(MART_KEYS)
dbt_docs_asset = build_dbt_docs_asset(publish_asset.key)

nightly_refresh = define_asset_job(
    name="nightly_refresh",
    selection=AssetSelection.all(),
    description=(
        "Extract and load every source, dbt build, quality checks, publish the marts, write the IKU report "
        "and the dbt docs."
    ),
)

# one month of attendance again: its files, then every model and mart (the month-incremental
# models rebuild that month alone), checks, publish, report; no other source is read
presensi_month_refresh = define_asset_job(
    name=MONTHLY_JOB,
    selection=(AssetSelection.all() - AssetSelection.groups("raw")) | AssetSelection.assets(raw_presensi),
    partitions_def=ATTENDANCE_MONTHS,
    description=(
        "Recompute one month of attendance (a backfill: `iku refresh --month 2025-03`): load that month's "
        "attendance files again, build the marts (the attendance marts rebuild that month only; other "
        "months' rows stay as they are), check, publish, write the report. No other source is read."
    ),
)

nightly_schedule = ScheduleDefinition(
    name="nightly_refresh_schedule",
    job=nightly_refresh,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Jayapura",
    description="Every night at 02:00 WIT (on by default: it ticks wherever a Dagster daemon runs).",
    default_status=DefaultScheduleStatus.RUNNING if nightly_schedule_on() else DefaultScheduleStatus.STOPPED,
)


def _build_data_docs(context: RunStatusSensorContext, warehouse: WarehouseResource) -> None:
    from orchestration.checks.data_docs import build_data_docs

    index = build_data_docs(warehouse.engine())
    context.log.info(f"Data Docs for run {context.dagster_run.run_id}: {index}")


@run_status_sensor(
    name="data_docs_after_refresh",
    run_status=DagsterRunStatus.SUCCESS,
    monitored_jobs=[nightly_refresh],
    default_status=DefaultSensorStatus.RUNNING,
    description="Rebuild the stewards' Data Docs ($IKU_HOME/data_docs) after a refresh that published.",
)
def data_docs_after_refresh(context: RunStatusSensorContext, warehouse: WarehouseResource) -> None:
    _build_data_docs(context, warehouse)


@run_status_sensor(
    name="data_docs_after_blocked_refresh",
    run_status=DagsterRunStatus.FAILURE,
    monitored_jobs=[nightly_refresh],
    default_status=DefaultSensorStatus.RUNNING,
    description="Rebuild the stewards' Data Docs after a refresh that failed or was blocked.",
)
def data_docs_after_blocked_refresh(context: RunStatusSensorContext, warehouse: WarehouseResource) -> None:
    _build_data_docs(context, warehouse)


@run_failure_sensor(
    name="alert_on_failed_refresh",
    monitored_jobs=[nightly_refresh],
    default_status=DefaultSensorStatus.RUNNING,
    description="Tell people a refresh failed: record it in dq.run_alerts, e-mail it (IKU_SMTP_HOST, "
    "IKU_ALERT_TO) and post it to IKU_ALERT_WEBHOOK_URL, once per run (docs/operations.md).",
)
def alert_on_failed_refresh(context: RunFailureSensorContext, warehouse: WarehouseResource) -> None:
    from orchestration.alerts import alert_run_failure, failure_of_run

    failure = failure_of_run(context.instance, context.dagster_run, context.failure_event.message)
    alert_run_failure(warehouse.engine, failure, log=context.log.info)


def build_definitions(resources: dict[str, object] | None = None) -> Definitions:
    """The code location; tests pass their own resources, everyone else the environment's.

    Every run executes in one process (the in-process executor), as `iku refresh` does: the
    warehouse resource is set up once per run, and holds the run's refresh lock for all of it."""
    return Definitions(
        assets=[*raw_assets, *simpeg_assets, iku_dbt_assets, publish_asset, iku_report, dbt_docs_asset],
        asset_checks=[*gx_checks, *freshness_checks],
        jobs=[nightly_refresh, presensi_month_refresh],
        schedules=[nightly_schedule],
        sensors=[
            data_docs_after_refresh,
            data_docs_after_blocked_refresh,
            alert_on_failed_refresh,
            build_drop_folder_sensor(nightly_refresh, presensi_month_refresh),
        ],
        executor=in_process_executor,
        # callers that predate SIMPEG get the drop folder's demo database, if any
        resources={"simpeg": SimpegResource(), **(resources if resources is not None else build_resources())},
    )


defs = build_definitions()
