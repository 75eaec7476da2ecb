"""The Gudang IKU code location: one Definitions for every asset, check, job and schedule."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, ScheduleDefinition, define_asset_job

from orchestration.assets.dbt import iku_dbt_assets
from orchestration.assets.publish import build_publish_asset
from orchestration.assets.raw import raw_assets
from orchestration.assets.simpeg import simpeg_assets
from orchestration.checks.gx_checks import gx_checks
from orchestration.resources import SimpegResource, build_resources

MART_KEYS = sorted(k for k in iku_dbt_assets.keys if k.path[0] == "marts")
publish_asset = build_publish_asset(MART_KEYS)

nightly_refresh = define_asset_job(
    name="nightly_refresh",
    selection=AssetSelection.all(),
    description="Extract and load every source, dbt build, quality checks, publish the marts.",
)

nightly_schedule = ScheduleDefinition(
    name="nightly_refresh_schedule",
    job=nightly_refresh,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Jayapura",
    description="Every night at 02:00 WIT.",
)


def build_definitions(resources: dict[str, object] | None = None) -> Definitions:
    """The code location; tests pass their own resources, everyone else the environment's."""
    return Definitions(
        assets=[*raw_assets, *simpeg_assets, iku_dbt_assets, publish_asset],
        asset_checks=gx_checks,
        jobs=[nightly_refresh],
        schedules=[nightly_schedule],
        # callers that predate SIMPEG get the drop folder's demo database, if any
        resources={"simpeg": SimpegResource(), **(resources if resources is not None else build_resources())},
    )


defs = build_definitions()
