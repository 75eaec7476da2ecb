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
from sqlalchemy import event
from sqlalchemy.pool import NullPool

ENGINES_KEPT = 16  # database files with an engine kept (the index and the newest runs)
MARKER = "# written by iku (orchestration/dagster_storage.py)"


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


def instance_yaml(dagster_home: Path) -> str:
    """The `dagster.yaml` iku writes: no telemetry, the event log above in Dagster's usual place."""
    return (
        f"{MARKER}\n"
        "telemetry:\n"
        "  enabled: false\n"
        "event_log_storage:\n"
        "  module: orchestration.dagster_storage\n"
        "  class: IkuSqliteEventLogStorage\n"
        "  config:\n"
        f"    base_dir: {json.dumps(str(dagster_home / 'history' / 'runs'))}\n"
    )


def write_instance_yaml(dagster_home: Path) -> None:
    """Write it unless the operator wrote a dagster.yaml of their own (iku's first one, before the
    event log above, held only the telemetry setting: that one is replaced)."""
    path = dagster_home / "dagster.yaml"
    earlier = "telemetry:\n  enabled: false\n"
    if path.exists():
        text = path.read_text()
        if text == instance_yaml(dagster_home) or (text != earlier and not text.startswith(MARKER)):
            return
    path.write_text(instance_yaml(dagster_home))
