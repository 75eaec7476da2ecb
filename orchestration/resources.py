"""Dagster resources, chosen by environment (not by `if` inside asset bodies)."""

import os
from pathlib import Path

import sqlalchemy as sa
from dagster import ConfigurableResource, EnvVar
from dagster_dbt import DbtCliResource

from orchestration.dbt_project import DBT_PROJECT, dbt_executable
from orchestration.settings import iku_home, sources_dir
from orchestration.warehouse import EmbeddedWarehouse, dbt_env, make_engine


class WarehouseResource(ConfigurableResource):
    """The PostgreSQL warehouse: `url` when set, else the embedded server under `home`."""

    url: str | None = None
    home: str | None = None

    def connection_url(self) -> str:
        if self.url:
            return self.url
        return EmbeddedWarehouse(Path(self.home or iku_home())).start()

    def engine(self) -> sa.Engine:
        return make_engine(self.connection_url())

    def export_dbt_env(self) -> None:
        """dbt reads its connection from IKU_PG_* (profiles.yml); set them for this process."""
        os.environ.update(dbt_env(self.connection_url()))


class SourceDropResource(ConfigurableResource):
    """The drop folder where stewards deliver source files."""

    path: str

    def folder(self) -> Path:
        return Path(self.path)


def build_resources() -> dict[str, object]:
    """External warehouse when IKU_WAREHOUSE_URL is set, else the embedded one."""
    if os.environ.get("IKU_WAREHOUSE_URL"):
        warehouse = WarehouseResource(url=EnvVar("IKU_WAREHOUSE_URL"))
    else:
        warehouse = WarehouseResource(home=str(iku_home()))
    return {
        "warehouse": warehouse,
        "source_drop": SourceDropResource(path=str(sources_dir())),
        "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
    }
