"""Dagster's own run history (SQLite files under $DAGSTER_HOME) written without a disk flush
per event.

A nightly refresh writes about 1,900 Dagster events (planned, started, output, materialized,
check evaluated), each its own SQLite transaction. With SQLite's default `synchronous = FULL`
every one waits for the disk: on the 2-core reference machine that was half of the ~7 s Dagster
spent recording a run's plan before its first step, and as much again during the run.

Invariant: only Dagster's SQLite files are affected (the warehouse is PostgreSQL), and nothing
the figures depend on lives there. `synchronous = OFF` keeps the files consistent when a
process crashes (SQLite still writes every transaction before returning); only an operating
system crash or power loss in the middle of a write can lose or damage the newest run history.
The refresh's own record (`audit.refresh_runs`, `audit.load_batches`, `dq.*`) is in the
warehouse; Dagster's history can be set aside and started afresh (README, "How a refresh works").
"""

import sqlite3

import sqlalchemy as sa
from sqlalchemy import event

_registered = False


def _no_flush_per_commit(dbapi_connection: object, _record: object) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("pragma synchronous = off")
        cursor.close()


def relax_sqlite_durability() -> None:
    """For every SQLite connection this process opens from now on (idempotent)."""
    global _registered
    if not _registered:
        event.listen(sa.engine.Engine, "connect", _no_flush_per_commit)
        _registered = True
