"""Dagster's event log (SQLite files under $DAGSTER_HOME) without the cost of a fresh database
engine and a disk flush per event.

A nightly refresh writes about 1,900 Dagster events (planned, started, output, materialized,
check evaluated). Dagster's `SqliteEventLogStorage` opens each one a new SQLAlchemy engine
(so every statement is compiled again) and commits it with SQLite's default
`synchronous = FULL` (a flush to disk per transaction): on the 2-core reference machine,
recording a run's plan (538 events) took 7-10 s before the first step ran.
`IkuSqliteEventLogStorage` keeps one engine per database file (connections still open and
close per event, as Dagster's file watchers expect) and sets `synchronous = off` on them.

Invariant: only the event log's SQLite files are affected (the warehouse is PostgreSQL), and
nothing the figures depend on lives there. A crashed process loses nothing (SQLite writes
every transaction before returning); only an operating-system crash or power cut in the middle
of a write can lose or damage the newest history. The refresh's own record
(`audit.refresh_runs`, `audit.load_batches`, `dq.*`) is in the warehouse.

`iku` writes `$DAGSTER_HOME/dagster.yaml` to use it (`instance_yaml`); a `dagster.yaml` of the
operator's own is left alone.

With an external warehouse (IKU_WAREHOUSE_URL), the instance's run, event-log and schedule storage
is that PostgreSQL instead (dagster-postgres), in a schema of its own (`dagster`), so that a
server's history survives its disk and is backed up with the warehouse. Its event log
(`IkuPostgresEventLogStorage`) keeps a few connections open: dagster-postgres opens a new
connection per event outside the webserver: 22.8 s of a refresh's 1,900 events on a quiet
2-core machine (85 s on a busy one), against 5.0 s pooled (bench/dagster_storage_bench.py).
dagster.yaml names the host, port, database and user, never the password: Dagster reads it from
IKU_PG_PASSWORD (`env:`), which `iku` sets from the URL before it starts Dagster
(orchestration.cli.environment).

Either way, runs that Dagster launches (the schedule, the UI) go through its run queue, one at a
time (`run_queue.max_concurrent_runs: 1`), and execute in one process (the Definitions'
in-process executor).
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from dagster_postgres.event_log import PostgresEventLogStorage
from dagster_postgres.utils import create_pg_engine, get_token_provider_from_config, pg_url_from_config
from sqlalchemy import event
from sqlalchemy.pool import NullPool

from orchestration.warehouse import ConnectionParts, make_engine

ENGINES_KEPT = 16  # database files with an engine kept (the index and the newest runs)
MARKER = "# written by iku (orchestration/dagster_storage.py)"
STORAGE_SCHEMA = "dagster"  # in the external warehouse's database
PASSWORD_ENV = "IKU_PG_PASSWORD"  # set by iku from IKU_WAREHOUSE_URL (warehouse.dbt_env)
MAX_CONCURRENT_RUNS = 1  # a small server: one run at a time, the next ones queued
EVENT_LOG_POOL = 2  # connections an instance keeps open to the external event log (plus overflow)


def _no_flush_per_commit(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("pragma synchronous = off")
        cursor.close()


class IkuSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log, with one engine per database file (the newest few kept)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(  # ty: ignore[invalid-method-override]
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> IkuSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sa.Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=NullPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            event.listen(engine, "connect", _no_flush_per_commit)
        self._engines[shard] = engine
        while len(self._engines) > ENGINES_KEPT:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        super().dispose()
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()


class IkuPostgresEventLogStorage(PostgresEventLogStorage):
    """dagster-postgres's event log with a small pool of open connections instead of one new
    connection per event (what dagster-postgres itself does in the webserver)."""

    def __init__(
        self,
        postgres_url: str,
        should_autocreate_tables: bool = True,
        inst_data: ConfigurableClassData | None = None,
        token_provider: Any = None,
    ):
        super().__init__(postgres_url, should_autocreate_tables, inst_data, token_provider)
        self._engine.dispose()
        options = self._engine.url.query.get("options")
        self._engine = create_pg_engine(
            self.postgres_url,
            self._token_provider,
            isolation_level="AUTOCOMMIT",
            pool_size=EVENT_LOG_POOL,
            max_overflow=8,
            pool_recycle=3600,
            pool_pre_ping=True,
            **({"connect_args": {"options": options}} if options else {}),
        )

    @classmethod
    def from_config_value(  # ty: ignore[invalid-method-override]
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> IkuPostgresEventLogStorage:
        return cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )


def _postgres_storage(warehouse: ConnectionParts) -> str:
    """dagster-postgres on the warehouse's database, schema `dagster`, the password from the env;
    the event log through IkuPostgresEventLogStorage."""
    password = f"      password:\n        env: {PASSWORD_ENV}\n" if warehouse.password else ""
    database = (
        "    postgres_db:\n"
        f"      username: {json.dumps(warehouse.user)}\n"
        f"{password}"
        f"      hostname: {json.dumps(warehouse.host)}\n"
        f"      port: {warehouse.port}\n"
        f"      db_name: {json.dumps(warehouse.dbname)}\n"
        "      params:\n"
        f'        options: "-c search_path={STORAGE_SCHEMA}"\n'
        '      scheme: "postgresql+psycopg2"\n'  # SQLAlchemy 2.1 reads plain postgresql as psycopg 3
    )
    storages = {
        "run_storage": ("dagster_postgres.run_storage", "PostgresRunStorage"),
        "event_log_storage": ("orchestration.dagster_storage", "IkuPostgresEventLogStorage"),
        "schedule_storage": ("dagster_postgres.schedule_storage", "PostgresScheduleStorage"),
    }
    return "".join(
        f"{key}:\n  module: {module}\n  class: {cls}\n  config:\n{database}"
        for key, (module, cls) in storages.items()
    )


def _sqlite_event_log(dagster_home: Path) -> str:
    return (
        "event_log_storage:\n"
        "  module: orchestration.dagster_storage\n"
        "  class: IkuSqliteEventLogStorage\n"
        "  config:\n"
        f"    base_dir: {json.dumps(str(dagster_home / 'history' / 'runs'))}\n"
    )


def instance_yaml(dagster_home: Path, warehouse: ConnectionParts | None = None) -> str:
    """The `dagster.yaml` iku writes: no telemetry; the storage in the external `warehouse` when
    given, else the event log above in Dagster's usual place; one run at a time from the queue."""
    storage = _postgres_storage(warehouse) if warehouse is not None else _sqlite_event_log(dagster_home)
    return (
        f"{MARKER}\n"
        "telemetry:\n"
        "  enabled: false\n"
        "nux:\n"  # no 'join the community' dialog, whose form loads a captcha from the internet
        "  enabled: false\n"
        f"{storage}"
        "run_queue:\n"
        f"  max_concurrent_runs: {MAX_CONCURRENT_RUNS}\n"
    )


def write_instance_yaml(dagster_home: Path, warehouse: ConnectionParts | None = None) -> None:
    """Write it unless the operator wrote a dagster.yaml of their own (iku's first one, before the
    event log above, held only the telemetry setting: that one is replaced)."""
    path = dagster_home / "dagster.yaml"
    earlier = "telemetry:\n  enabled: false\n"
    wanted = instance_yaml(dagster_home, warehouse)
    if path.exists():
        text = path.read_text()
        if text == wanted or (text != earlier and not text.startswith(MARKER)):
            return
    path.write_text(wanted)


def ensure_storage_schema(url: str) -> None:
    """The schema Dagster's tables go to in the external warehouse (Dagster creates the tables)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"create schema if not exists {STORAGE_SCHEMA}")
    finally:
        engine.dispose()
