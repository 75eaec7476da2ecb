"""Dagster resources, chosen by environment (not by `if` inside asset bodies).

Invariant: a run resolves its warehouse once. `WarehouseResource.setup_for_execution` starts the
embedded server if needed, resolves the URL and creates one SQLAlchemy engine, which every step
of the run shares (`engine()`; disposing it only empties its pool, it stays usable). Inside a run
it also holds the refresh lock (orchestration.run_lock) for the whole run, and cleans up what a
crashed run left behind (orchestration.recovery) before the first write.
"""

import os
from pathlib import Path

import sqlalchemy as sa
from dagster import ConfigurableResource, EnvVar, Failure, InitResourceContext, MetadataValue
from pydantic import PrivateAttr

from orchestration import recovery, run_lock
from orchestration.dbt_project import DBT_PROJECT, IkuDbtCliResource, dbt_executable
from orchestration.settings import iku_home, sources_dir
from orchestration.transient import call_with_retry
from orchestration.warehouse import EmbeddedWarehouse, dbt_env, make_engine
from sources.drop_folder import folder_problem, may_read
from sources.simpeg import DEMO_DB_NAME, URL_ENV, full_refresh_requested, simpeg_engine


class WarehouseResource(ConfigurableResource):
    """The PostgreSQL warehouse: `url` when set, else the embedded server under `home`."""

    url: str | None = None
    home: str | None = None

    _resolved_url: str | None = PrivateAttr(default=None)
    _engine: sa.Engine | None = PrivateAttr(default=None)
    _lock: run_lock.RefreshLock | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        say = context.log.warning if context.log else print
        url = self.connection_url()
        run = context.dagster_run
        if run is None:  # a sensor or a schedule evaluation: reads only, no lock
            return
        if context.instance is not None:
            context.instance.add_run_tags(run.run_id, recovery.run_tags())
        lock = run_lock.held(url)
        if lock is not None:  # `iku refresh` took it (and recovered) before starting this run
            lock.adopt(run.run_id)
            return
        lock = run_lock.RefreshLock(url, run.run_id)
        lock.acquire(say=say)
        self._lock = lock
        recovery.recover(self.engine(), context.instance, run.run_id, say=say)

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._lock is not None:
            self._lock.release("finished")
            self._lock = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _resolve(self) -> str:
        if self.url:
            return self.url
        warehouse = EmbeddedWarehouse(Path(self.home or iku_home()))
        return call_with_retry(warehouse.start, "starting the embedded warehouse")

    def connection_url(self) -> str:
        """The warehouse URL, resolved (and the embedded server started) once per run."""
        if self._resolved_url is None:
            self._resolved_url = self._resolve()
        return self._resolved_url

    def engine(self) -> sa.Engine:
        """The run's shared engine (created on first use outside a run)."""
        if self._engine is None:
            self._engine = make_engine(self.connection_url())
        return self._engine

    def export_dbt_env(self) -> None:
        """dbt reads its connection from IKU_PG_* (profiles.yml); set them for this process."""
        os.environ.update(dbt_env(self.connection_url()))


class SourceDropResource(ConfigurableResource):
    """The drop folder where stewards deliver source files."""

    path: str

    def folder(self) -> Path:
        return Path(self.path)

    def readable_folder(self) -> Path:
        """The drop folder, which must exist and be readable: else the step fails, naming it. A
        run the schedule starts must not report "no file delivered, previous data kept" for every
        source when it cannot see the folder at all (`iku refresh` refuses before the run)."""
        folder = self.folder()
        problem = folder_problem(folder)
        if problem is None:
            return folder
        raise Failure(
            description=f"the drop folder {folder} (IKU_SOURCES_DIR) {problem}: nothing was loaded, "
            "the previous raw data is kept",
            metadata={"folder": MetadataValue.path(str(folder)), "problem": problem},
        )


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
        return f"sqlite:///{demo}" if demo.is_file() and may_read(demo, drop_folder) else None

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
        "dbt": IkuDbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
    }
