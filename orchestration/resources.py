"""Dagster resources, chosen by environment (not by `if` inside asset bodies)."""

import os
from pathlib import Path

import sqlalchemy as sa
from dagster import ConfigurableResource, EnvVar
from dagster_dbt import DbtCliResource

from orchestration.dbt_project import DBT_PROJECT, dbt_executable
from orchestration.settings import iku_home, sources_dir
from orchestration.warehouse import EmbeddedWarehouse, dbt_env, make_engine
from sources.simpeg import DEMO_DB_NAME, URL_ENV, full_refresh_requested, simpeg_engine


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


class SimpegResource(ConfigurableResource):
    """The regional SIMPEG database: `url` when set (IKU_SIMPEG_URL), else the demo database
    `simpeg.sqlite` if the drop folder holds one, else none (the SIMPEG assets keep their data).
    `full_refresh` extracts every table in full (IKU_SIMPEG_FULL_REFRESH=1)."""

    url: str | None = None
    full_refresh: bool = False

    def connection_url(self, drop_folder: Path) -> str | None:
        if self.url:
            return self.url
        demo = drop_folder / DEMO_DB_NAME
        return f"sqlite:///{demo}" if demo.is_file() else None

    def engine(self, url: str) -> sa.Engine:
        return simpeg_engine(url)


def build_resources() -> dict[str, object]:
    """External warehouse when IKU_WAREHOUSE_URL is set, else the embedded one; the SIMPEG
    database from IKU_SIMPEG_URL when set, else the drop folder's demo database if any."""
    if os.environ.get("IKU_WAREHOUSE_URL"):
        warehouse = WarehouseResource(url=EnvVar("IKU_WAREHOUSE_URL"))
    else:
        warehouse = WarehouseResource(home=str(iku_home()))
    full_refresh = full_refresh_requested()
    if os.environ.get(URL_ENV):
        simpeg = SimpegResource(url=EnvVar(URL_ENV), full_refresh=full_refresh)
    else:
        simpeg = SimpegResource(full_refresh=full_refresh)
    return {
        "warehouse": warehouse,
        "source_drop": SourceDropResource(path=str(sources_dir())),
        "simpeg": simpeg,
        "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
    }
