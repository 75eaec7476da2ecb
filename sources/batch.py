"""The audited batch: one row of `audit.load_batches` per load of a file or extraction of a table,
shared by the file loader (sources.load) and the SIMPEG extractor (sources.simpeg.extract).

Invariants:

- Every finished batch reconciles, whatever its outcome:
  rows_read = rows_loaded + rows_quarantined + rows_failed (a CHECK constraint). A load is one
  transaction, so a failed batch loaded and quarantined nothing: it records the rows it had read
  before failing as `rows_failed` (0 when the file could not be read at all).
- A batch is `running` only while the session that opened it is alive: that session holds a
  PostgreSQL advisory lock keyed by the batch id (taken before the batch row is committed), so
  `close_stale_batches` closes as `failed` exactly the batches whose process died, never a load
  that is still running.
- Loads of the same raw table are serialized by a transaction-level advisory lock
  (`lock_raw_table`); the caller re-checks under it whether the work is still needed.
- Rejected rows land in `audit.quarantine` (batch, file, line, field, value, reason), at most one
  per line; values of restricted columns are withheld there.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from sources.readers.delimited import SPLIT_SQL
from sources.values import SQL_FUNCTIONS, SQL_VERSION

RAW_SCHEMA = "raw"
AUDIT_SCHEMA = "audit"
WIT = ZoneInfo("Asia/Jayapura")
COPY_READ_SIZE = 1 << 20  # bytes per read of a COPY FROM STDIN source (Batch.copy)

# Advisory lock namespaces (the two-int form: namespace, id): 'IKUB' running batches, 'IKUR' raw
# tables, 'IKUD' the audit DDL.
BATCH_LOCK = 0x494B5542
RAW_TABLE_LOCK = 0x494B5552
DDL_LOCK = 0x494B5544

log = logging.getLogger(__name__)

AUDIT_DDL = f"""
create schema if not exists {AUDIT_SCHEMA};
create schema if not exists {RAW_SCHEMA};
create table if not exists {AUDIT_SCHEMA}.load_batches (
    batch_id          bigserial primary key,
    source            text not null,
    raw_table         text not null,
    file_name         text not null,
    file_sha256       text not null,
    file_bytes        bigint not null,
    as_of_date        date,
    rows_read         bigint,
    rows_loaded       bigint,
    rows_quarantined  bigint,
    rows_failed       bigint not null default 0,
    started_at        timestamptz not null default now(),
    finished_at       timestamptz,
    outcome           text not null default 'running'
        check (outcome in ('running', 'loaded', 'unchanged', 'failed', 'held')),
    message           text,
    run_id            text
);
alter table {AUDIT_SCHEMA}.load_batches add column if not exists rows_failed bigint not null default 0;
-- outcome 'held' (a delivery the contract's hold rule stopped) came after the first warehouses
alter table {AUDIT_SCHEMA}.load_batches drop constraint if exists load_batches_outcome_check;
alter table {AUDIT_SCHEMA}.load_batches add constraint load_batches_outcome_check
    check (outcome in ('running', 'loaded', 'unchanged', 'failed', 'held'));
create table if not exists {AUDIT_SCHEMA}.quarantine (
    batch_id      bigint not null references {AUDIT_SCHEMA}.load_batches (batch_id),
    source        text not null,
    file_name     text not null,
    line_number   integer not null,
    field         text not null,
    value         text,
    reason        text not null,
    primary key (batch_id, line_number)
);
create index if not exists load_batches_source_idx
    on {AUDIT_SCHEMA}.load_batches (source, started_at desc);
do $$
begin
    if not exists (select 1 from pg_constraint
                   where conname = 'load_batches_reconciles'
                     and conrelid = '{AUDIT_SCHEMA}.load_batches'::regclass) then
        -- batches failed before rows_failed existed recorded what they had read: nothing of it
        -- was loaded (one transaction), so it all failed
        update {AUDIT_SCHEMA}.load_batches
        set rows_loaded = coalesce(rows_loaded, 0), rows_quarantined = coalesce(rows_quarantined, 0),
            rows_read = coalesce(rows_read, 0),
            rows_failed = coalesce(rows_read, 0) - coalesce(rows_loaded, 0) - coalesce(rows_quarantined, 0)
        where outcome = 'failed';
        alter table {AUDIT_SCHEMA}.load_batches add constraint load_batches_reconciles check (
            outcome = 'running'
            or (rows_read is not null and rows_loaded is not null and rows_quarantined is not null
                and rows_loaded >= 0 and rows_quarantined >= 0 and rows_failed >= 0
                and rows_read = rows_loaded + rows_quarantined + rows_failed)
        ) not valid;
        begin
            alter table {AUDIT_SCHEMA}.load_batches validate constraint load_batches_reconciles;
        exception when check_violation then
            raise warning 'audit.load_batches: old batches do not reconcile; the check holds for new ones';
        end;
    end if;
end $$;
"""


@dataclass
class BatchResult:
    source: str
    file_name: str
    outcome: str
    batch_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    notes: list[str] = field(default_factory=list)
    message: str | None = None
    rows_failed: int = 0

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined + self.rows_failed


def ensure_audit(engine: sa.Engine) -> None:
    """The audit tables, the reconciliation check and the typing functions, created once per
    warehouse (concurrent callers wait for each other rather than race on the catalog)."""
    with engine.begin() as conn:
        ready = conn.exec_driver_sql(
            f"select obj_description(oid, 'pg_namespace') = %(v)s "
            f"and to_regclass('{AUDIT_SCHEMA}.quarantine') is not null "
            "and exists (select 1 from pg_constraint where conname = 'load_batches_outcome_check' "
            "and pg_get_constraintdef(oid) like '%%held%%') "
            f"from pg_namespace where nspname = '{AUDIT_SCHEMA}'",
            {"v": SQL_VERSION},
        ).scalar()
        if not ready:
            conn.exec_driver_sql(f"select pg_advisory_xact_lock({DDL_LOCK}, 0)")
            conn.exec_driver_sql(AUDIT_DDL)
            conn.exec_driver_sql(SQL_FUNCTIONS)
            conn.exec_driver_sql(SPLIT_SQL)


def _scalar(cur: Any, sql: str, params: tuple = ()) -> Any:
    cur.execute(sql, params)
    row = cur.fetchone()
    return row[0] if row else None


class Batch:
    """One audited batch on one warehouse connection (psycopg2), from `open` to `finish`/`fail`.

    Usage: `with Batch(engine, ...) as batch:` then work in `batch.cursor` inside the open
    transaction, and `batch.finish(...)` (commits data and audit row together). Leaving the block
    with an exception rolls the work back and records the batch as failed, reconciling.
    """

    def __init__(
        self,
        engine: sa.Engine,
        source: str,
        raw_table: str,
        file_name: str,
        sha256: str = "-",
        file_bytes: int = 0,
        as_of_date: Any = None,
        run_id: str | None = None,
    ):
        self.engine = engine
        self.source = source
        self.raw_table = raw_table
        self.file_name = file_name
        self._row = (source, f"{RAW_SCHEMA}.{raw_table}", file_name, sha256, file_bytes, as_of_date, run_id)
        self.batch_id: int = 0
        self.rows_read = 0  # what is known to have been read so far (recorded if the batch fails)
        self.finished = False
        self._raw: Any = None

    @property
    def cursor(self) -> Any:
        return self._cursor

    def open(self) -> Batch:
        ensure_audit(self.engine)
        self._raw = self.engine.raw_connection()
        self._cursor = self._raw.cursor()
        self.batch_id = _scalar(
            self._cursor,
            f"insert into {AUDIT_SCHEMA}.load_batches "
            "(source, raw_table, file_name, file_sha256, file_bytes, as_of_date, run_id) "
            "values (%s, %s, %s, %s, %s, %s, %s) returning batch_id",
            self._row,
        )
        # held by this session until `close`: the batch is visibly alive (see close_stale_batches)
        self._cursor.execute("select pg_advisory_lock(%s, %s)", (BATCH_LOCK, self.batch_id))
        self._raw.commit()
        self._cursor.execute("set synchronous_commit = off")  # a lost last commit loses nothing half-done
        self._raw.commit()
        return self

    def __enter__(self) -> Batch:
        return self.open()

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc is not None and not self.finished:
                self.fail(f"{self.file_name}: {exc}" if self.file_name not in str(exc) else str(exc))
        finally:
            self.close()

    def lock_raw_table(self, part: str | None = None) -> None:
        """Serialize, until commit, every load that replaces these rows of this raw table: the
        whole table, or with `part` (a per-file source's file name) the rows of that part."""
        self._cursor.execute(
            "select pg_advisory_xact_lock(%s, hashtext(%s))",
            (RAW_TABLE_LOCK, raw_table_lock_key(self.raw_table, part)),
        )

    def commit(self) -> None:
        self._raw.commit()

    def finish(
        self,
        outcome: str,
        rows_read: int,
        rows_loaded: int,
        rows_quarantined: int,
        message: str | None = None,
        sha256: str | None = None,
        file_bytes: int | None = None,
    ) -> None:
        """Record the outcome in the open transaction and commit it with the data."""
        if rows_read != rows_loaded + rows_quarantined:
            raise RuntimeError(
                f"reconciliation failed: read {rows_read}, loaded {rows_loaded}, "
                f"quarantined {rows_quarantined}"
            )
        self._cursor.execute(
            f"update {AUDIT_SCHEMA}.load_batches set outcome = %s, finished_at = now(), rows_read = %s, "
            "rows_loaded = %s, rows_quarantined = %s, rows_failed = 0, message = %s, "
            "file_sha256 = coalesce(%s, file_sha256), file_bytes = coalesce(%s, file_bytes) "
            "where batch_id = %s",
            (outcome, rows_read, rows_loaded, rows_quarantined, message, sha256, file_bytes, self.batch_id),
        )
        self._raw.commit()
        self.finished = True

    def fail(self, message: str, outcome: str = "failed") -> None:
        """Roll the work back and record the batch as failed (or `held`: stopped by the contract's
        hold rule): nothing loaded or quarantined, the rows read so far failed."""
        if self._raw is None or self.finished:
            return
        try:
            self._raw.rollback()
            self._cursor.execute(
                f"update {AUDIT_SCHEMA}.load_batches set outcome = %s, finished_at = now(), "
                "rows_read = %s, rows_loaded = 0, rows_quarantined = 0, rows_failed = %s, message = %s "
                "where batch_id = %s",
                (outcome, self.rows_read, self.rows_read, message, self.batch_id),
            )
            self._raw.commit()
        except Exception:  # the connection itself is gone: close_stale_batches closes it later
            log.warning("batch %s: could not record the failure", self.batch_id, exc_info=True)
        self.finished = True

    def close(self) -> None:
        if self._raw is None:
            return
        try:
            if not self.finished:
                self.fail(f"{self.file_name}: ended without an outcome")
            self._raw.rollback()
            self._cursor.execute("select pg_advisory_unlock(%s, %s)", (BATCH_LOCK, self.batch_id))
            self._cursor.execute("reset synchronous_commit")
            self._raw.commit()
        except Exception:
            with contextlib.suppress(Exception):
                self._raw.invalidate()
        finally:
            self._raw.close()
            self._raw = None

    def copy(self, sql: str, data: Any) -> int:
        """COPY ... FROM STDIN from a file-like object, in 1 MB reads (psycopg2's default 8 KB
        made a COPY wait for Python's lock once per 8 KB while another load parsed a workbook
        in the same process: the two biggest sources, overlapped, took 19 s instead of 13 s);
        returns the rows copied."""
        self._cursor.copy_expert(sql, data, size=COPY_READ_SIZE)
        return self._cursor.rowcount


class ChunkReader(io.RawIOBase):
    """A file-like object over an iterator of bytes, for psycopg2's copy_expert (streaming)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(b), len(self._buffer))
        b[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


def close_stale_batches(engine: sa.Engine) -> int:
    """Close as `failed` every batch left `running` by a process that died (its session, and with
    it the batch's advisory lock, is gone); returns how many. A running load holds its lock, so
    it is never touched. The closed batch reconciles: it read what it recorded, all of it failed
    (its transaction was rolled back)."""
    ensure_audit(engine)
    closed = 0
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(f"select batch_id from {AUDIT_SCHEMA}.load_batches where outcome = 'running'")
        running = [r[0] for r in cur.fetchall()]
        raw.commit()
        for batch_id in running:
            if not _scalar(cur, "select pg_try_advisory_lock(%s, %s)", (BATCH_LOCK, batch_id)):
                raw.commit()
                continue  # its load is alive
            try:
                cur.execute(
                    f"update {AUDIT_SCHEMA}.load_batches set outcome = 'failed', finished_at = now(), "
                    "rows_read = coalesce(rows_read, 0), rows_loaded = 0, rows_quarantined = 0, "
                    "rows_failed = coalesce(rows_read, 0), "
                    "message = concat_ws('; ', message, 'the process loading it ended without an outcome; "
                    "closed at the next start (nothing of it was loaded)') "
                    "where batch_id = %s and outcome = 'running'",
                    (batch_id,),
                )
                closed += cur.rowcount
                raw.commit()
            finally:
                cur.execute("select pg_advisory_unlock(%s, %s)", (BATCH_LOCK, batch_id))
                raw.commit()
    finally:
        raw.close()
    return closed


def raw_table_lock_key(raw_table: str, part: str | None = None) -> str:
    return f"{RAW_SCHEMA}.{raw_table}" + (f":{part}" if part else "")


def index_name(raw_table: str, columns: list[str] | tuple[str, ...]) -> str:
    """Deterministic, within PostgreSQL's 63 characters."""
    name = f"{raw_table}__{'_'.join(columns)}_idx"
    if len(name) > 63:
        import hashlib

        name = f"{raw_table[:40]}__{hashlib.sha1(name.encode()).hexdigest()[:12]}_idx"
    return name
