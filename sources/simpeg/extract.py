"""Extraction of one SIMPEG table into schema `raw`: in full the first time, then by watermark.

Why it is built this way:

- Rows stream from SIMPEG (server-side cursor) through `sources.conform` straight into a
  PostgreSQL COPY into a temporary stage table: memory stays flat, nothing moves row by row.
- The audited batch (open, lock of the raw table, quarantine, reconcile, close, indexes and
  statistics) is `sources.batch`, shared with the file loader.
- Everything the extraction changes in the warehouse (raw rows, quarantine, the audit batch, the
  stored watermark) changes in one transaction: a failed extraction leaves raw data and
  watermark as they were, so the next run picks up the same changes again.
- Incremental runs select `watermark >= last` (not `>`: a row committed later with the same
  timestamp is not missed) and replace rows by key. Rows re-read at that boundary and identical
  to what raw holds are dropped from the stage, so a rerun without changes moves nothing and is
  recorded as `unchanged`.
- The high watermark lives in `audit.extract_watermarks`, one row per table, written in the
  same transaction as the data; deleting that row (or IKU_SIMPEG_FULL_REFRESH=1) forces a full
  extract, which is also how rows deleted in SIMPEG disappear from raw.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TextIO

import sqlalchemy as sa

from sources.batch import (
    AUDIT_SCHEMA,
    RAW_SCHEMA,
    Batch,
    BatchResult,
    ChunkReader,
    ensure_audit,
)
from sources.clock import today
from sources.conform import Rejection, conform, map_header
from sources.raw_tables import index_and_analyze, raw_table_ddl
from sources.simpeg.config import TableConfig
from sources.simpeg.source import (
    ExtractError,
    SourceStream,
    select_statement,
    selected_header,
    source_columns,
)
from sources.values import PARSERS

FULL_REFRESH_ENV = "IKU_SIMPEG_FULL_REFRESH"
STAGE = "_simpeg_stage"
REJECTED_KEYS = "_simpeg_rejected_keys"
_META_COLUMNS = {
    "_batch_id": "bigint",
    "_source_file": "text",
    "_source_line": "integer",
    "_as_of_date": "date",
}

_PG_TYPE_NAMES = {"timestamp": "timestamp without time zone", "timestamptz": "timestamp with time zone"}

WATERMARK_DDL = f"""
create table if not exists {AUDIT_SCHEMA}.extract_watermarks (
    source            text primary key,
    source_table      text not null,
    watermark_column  text not null,
    watermark         text,
    batch_id          bigint not null references {AUDIT_SCHEMA}.load_batches (batch_id),
    updated_at        timestamptz not null default now()
);
"""


@dataclass
class _Counter:
    read: int = 0
    accepted: int = 0
    rejected: int = 0


def _csv_chunks(
    rows: Iterator[tuple[int, list[str | None]] | Rejection],
    prefix: list[str],
    rejection_prefix: list[str],
    counter: _Counter,
    rejections: io.TextIOBase,
    rows_per_chunk: int = 2000,
) -> Iterator[bytes]:
    """Accepted rows as CSV for COPY; rejections written aside, ready for COPY too."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    rej_writer = csv.writer(rejections, lineterminator="\n")
    pending = 0
    for item in rows:
        counter.read += 1
        if isinstance(item, Rejection):
            counter.rejected += 1
            rej_writer.writerow([*rejection_prefix, item.line, item.field, item.value, item.reason])
            continue
        line, values = item
        counter.accepted += 1
        writer.writerow([*prefix, line, *("" if v is None else v for v in values)])
        pending += 1
        if pending >= rows_per_chunk:
            yield buf.getvalue().encode()
            buf.seek(0)
            buf.truncate()
            pending = 0
    if pending:
        yield buf.getvalue().encode()


def full_refresh_requested() -> bool:
    """IKU_SIMPEG_FULL_REFRESH=1: extract every table in full (the way to see SIMPEG deletes)."""
    return os.environ.get(FULL_REFRESH_ENV, "").strip().lower() in {"1", "true", "yes"}


def ensure_extract_audit(engine: sa.Engine) -> None:
    ensure_audit(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(WATERMARK_DDL)


def ensure_raw_table(engine: sa.Engine, table: TableConfig) -> None:
    """The raw table exists even before the first extract, so models reading it can build."""
    with engine.begin() as conn:
        conn.exec_driver_sql(raw_table_ddl(table.contract()))
        conn.exec_driver_sql(_key_index_ddl(table))


def stored_watermark(engine: sa.Engine, table: TableConfig) -> str | None:
    """The high watermark of the last successful extract, if it was taken on the same column."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                f"select watermark_column, watermark from {AUDIT_SCHEMA}.extract_watermarks where source = :s"
            ),
            {"s": table.name},
        ).one_or_none()
    if row is None or table.watermark is None or row.watermark_column.lower() != table.watermark.lower():
        return None
    return row.watermark


def _same_key(table: TableConfig, a: str, b: str) -> str:
    return " and ".join(f"{a}.{k} = {b}.{k}" for k in table.key)


def _key_index_ddl(table: TableConfig) -> str:
    return (
        f"create unique index if not exists {table.raw_table}_key "
        f"on {RAW_SCHEMA}.{table.raw_table} ({', '.join(table.key)})"
    )


def _expected_columns(table: TableConfig) -> dict[str, str]:
    return {**_META_COLUMNS, **{c.name: c.sql_type for c in table.loaded_columns}}


def _same_type(declared: str, reported: str) -> bool:
    """information_schema spells some types out (timestamp -> timestamp without time zone)."""
    return _PG_TYPE_NAMES.get(declared, declared) == reported


def _sync_ddl(engine: sa.Engine, table: TableConfig) -> tuple[bool, list[str]]:
    """Whether the raw table exists, and the DDL that brings it in line with the mapping (a
    column added, dropped or retyped in simpeg.yml): any such change forces a full extract."""
    with engine.connect() as conn:
        existing = dict(
            conn.execute(
                sa.text(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = :s and table_name = :t order by ordinal_position"
                ),
                {"s": RAW_SCHEMA, "t": table.raw_table},
            ).all()
        )
        index = conn.execute(
            sa.text("select indexdef from pg_indexes where schemaname = :s and indexname = :i"),
            {"s": RAW_SCHEMA, "i": f"{table.raw_table}_key"},
        ).scalar()
    if not existing:
        return False, [raw_table_ddl(table.contract()), _key_index_ddl(table)]
    target = f"{RAW_SCHEMA}.{table.raw_table}"
    ddl = []
    expected = _expected_columns(table)
    for name, sql_type in expected.items():
        if name not in existing:
            ddl.append(f"alter table {target} add column {name} {sql_type}")
        elif not _same_type(sql_type, existing[name]):
            ddl.append(
                f"alter table {target} alter column {name} type {sql_type} using {name}::text::{sql_type}"
            )
    ddl += [f"alter table {target} drop column {name}" for name in existing if name not in expected]
    if not index or not index.endswith(f"({', '.join(table.key)})"):
        ddl += [f"drop index if exists {RAW_SCHEMA}.{table.raw_table}_key", _key_index_ddl(table)]
    return True, ddl


def _plan(engine: sa.Engine, table: TableConfig, full_refresh: bool) -> _Plan:
    exists, ddl = _sync_ddl(engine, table)
    if not table.watermark:
        return _Plan("full", None, "no watermark column: reloaded in full", ddl)
    if full_refresh:
        return _Plan("full", None, "full refresh requested", ddl)
    if not exists:
        return _Plan("full", None, "first extract: in full", ddl)
    if ddl:
        return _Plan("full", None, "raw table changed to follow the SIMPEG configuration: in full", ddl)
    since = stored_watermark(engine, table)
    if since is None:
        return _Plan("full", None, "no stored watermark: in full", ddl)
    return _Plan("incremental", since, f"incremental: {table.watermark} >= {since!r}", ddl)


def _label_rejections(
    items: Iterator[tuple[int, list[str | None]] | Rejection],
    stream: SourceStream,
    table: TableConfig,
    key_positions: list[int],
    rejected_keys: TextIO,
) -> Iterator[tuple[int, list[str | None]] | Rejection]:
    """Name the row's key in each rejection (the ordinal alone means little in a database), and
    note the key so that an earlier, good version of a row now rejected leaves raw too."""
    writer = csv.writer(rejected_keys, lineterminator="\n")
    for item in items:
        if isinstance(item, Rejection) and stream.current and stream.current[0] == item.line:
            cells = stream.current[1]
            shown = ", ".join(
                f"{c.header}={cells[p]}" for c, p in zip(table.key_columns, key_positions, strict=True)
            )
            item = Rejection(item.line, item.field, item.value, f"{item.reason} [{shown}]")
            with contextlib.suppress(ValueError):  # an unreadable key cannot match a loaded row
                writer.writerow(
                    [PARSERS[c.type](cells[p]) for c, p in zip(table.key_columns, key_positions, strict=True)]
                )
        yield item


def _quarantine_duplicates(cur, table: TableConfig, batch_id: int) -> int:
    """Second and later rows of a key go to quarantine, set-based (no key set held in memory)."""
    keys = ", ".join(table.key)
    names = ", ".join(c.header for c in table.key_columns)
    key_text = " || '|' || ".join(f"d.{k}::text" for k in table.key)
    cur.execute(
        f"""
        with d as (
            select ctid as row_id, _source_line, {keys},
                   min(_source_line) over (partition by {keys}) as first_line
            from {STAGE}
        ), gone as (
            delete from {STAGE} s using d
            where s.ctid = d.row_id and d._source_line > d.first_line
            returning d._source_line, {key_text} as key_value, d.first_line
        )
        insert into {AUDIT_SCHEMA}.quarantine
            (batch_id, source, file_name, line_number, field, value, reason)
        select %s, %s, %s, _source_line, %s, key_value,
               'duplicate key: the same ' || %s || ' is at line ' || first_line
        from gone
        """,
        (batch_id, table.name, table.label, names, names),
    )
    return cur.rowcount


def _merge(cur, table: TableConfig, rejected_keys: TextIO) -> tuple[int, int, int]:
    """Incremental: drop unchanged re-reads from the stage, withdraw rows now rejected, replace
    the rest by key. Returns (unchanged, withdrawn, loaded)."""
    target = f"{RAW_SCHEMA}.{table.raw_table}"
    same_key = _same_key(table, "r", "s")
    cols = [c.name for c in table.loaded_columns]
    same_row = (
        f"({', '.join('r.' + c for c in cols)}) is not distinct from ({', '.join('s.' + c for c in cols)})"
    )
    cur.execute(f"delete from {STAGE} s using {target} r where {same_key} and {same_row}")
    unchanged = cur.rowcount
    cur.execute(
        f"create temp table {REJECTED_KEYS} ("
        + ", ".join(f"{c.name} {c.sql_type}" for c in table.key_columns)
        + ") on commit drop"
    )
    rejected_keys.seek(0)
    cur.copy_expert(
        f"copy {REJECTED_KEYS} ({', '.join(table.key)}) from stdin with (format csv)", rejected_keys
    )
    cur.execute(
        f"delete from {target} r using {REJECTED_KEYS} s where {same_key} "
        f"and not exists (select 1 from {STAGE} t where {_same_key(table, 't', 's')})"
    )
    withdrawn = cur.rowcount
    cur.execute(f"delete from {target} r using {STAGE} s where {same_key}")
    cur.execute(f"insert into {target} select * from {STAGE}")
    return unchanged, withdrawn, cur.rowcount


def _replace_all(cur, table: TableConfig) -> tuple[int, int]:
    """Full: the stage replaces the table. Returns (rows no longer in SIMPEG, loaded)."""
    target = f"{RAW_SCHEMA}.{table.raw_table}"
    same_key = _same_key(table, "r", "s")
    cur.execute(
        f"select count(*) from {target} r where not exists (select 1 from {STAGE} s where {same_key})"
    )
    removed = cur.fetchone()[0]
    cur.execute(f"truncate {target}")
    cur.execute(f"insert into {target} select * from {STAGE}")
    return removed, cur.rowcount


def _save_watermark(cur, table: TableConfig, watermark: str | None, batch_id: int) -> None:
    cur.execute(
        f"insert into {AUDIT_SCHEMA}.extract_watermarks "
        "(source, source_table, watermark_column, watermark, batch_id) values (%s, %s, %s, %s, %s) "
        "on conflict (source) do update set source_table = excluded.source_table, "
        "watermark_column = excluded.watermark_column, watermark = excluded.watermark, "
        "batch_id = excluded.batch_id, updated_at = now()",
        (table.name, table.source_table, table.watermark, watermark, batch_id),
    )


def _notes(table: TableConfig, plan: _Plan, result: ExtractResult) -> list[str]:
    """What a steward reads in audit.load_batches.message about this extraction."""
    notes = [plan.reason]
    if table.watermark:
        notes.append(f"watermark {table.watermark}: {plan.since or '-'} -> {result.watermark or '-'}")
    if result.rows_unchanged:
        notes.append(f"{result.rows_unchanged} row(s) re-read at the watermark were unchanged (not counted)")
    if result.rows_removed and plan.mode == "full":
        notes.append(f"{result.rows_removed} row(s) no longer in SIMPEG (or now quarantined) removed")
    elif result.rows_removed:
        notes.append(f"{result.rows_removed} earlier version(s) of rows now quarantined removed")
    if result.columns_not_mapped:
        notes.append(
            f"columns of {table.source_table} not in the configuration, not read: "
            + ", ".join(result.columns_not_mapped)
        )
    return notes


def _apply(
    batch: Batch,
    table: TableConfig,
    plan: _Plan,
    batch_id: int,
    stage_rows: ChunkReader,
    columns: list[str],
    files: tuple[TextIO, TextIO],
) -> ExtractResult:
    """Inside the transaction: stage, quarantine, merge or replace. Counts are not final until
    the stage has been read, so the result carries them back for reconciliation."""
    rejections, rejected_keys = files
    cur = batch.cursor
    batch.lock_raw_table()
    for ddl in plan.ddl:
        cur.execute(ddl)
    cur.execute(f"create temp table {STAGE} (like {RAW_SCHEMA}.{table.raw_table}) on commit drop")
    cur.copy_expert(f"copy {STAGE} ({', '.join(columns)}) from stdin with (format csv)", stage_rows)
    staged = cur.rowcount
    rejections.seek(0)
    cur.copy_expert(
        f"copy {AUDIT_SCHEMA}.quarantine (batch_id, source, file_name, line_number, "
        "field, value, reason) from stdin with (format csv)",
        rejections,
    )
    duplicates = _quarantine_duplicates(cur, table, batch_id)
    if plan.mode == "incremental":
        unchanged, removed, loaded = _merge(cur, table, rejected_keys)
    else:
        unchanged = 0
        removed, loaded = _replace_all(cur, table)
    if staged - duplicates - unchanged != loaded:
        raise RuntimeError(
            f"reconciliation failed: staged {staged}, duplicates {duplicates}, "
            f"unchanged {unchanged}, loaded {loaded}"
        )
    return ExtractResult(
        source=table.name,
        file_name=table.label,
        outcome="running",
        batch_id=batch_id,
        rows_loaded=loaded,
        rows_quarantined=duplicates,
        mode=plan.mode,
        previous_watermark=plan.since,
        rows_unchanged=unchanged,
        rows_removed=removed,
    )


def _close(batch: Batch, table: TableConfig, result: ExtractResult, stream: SourceStream) -> None:
    """Record the new watermark and the batch, committed with the data."""
    if table.watermark:
        _save_watermark(batch.cursor, table, result.watermark, result.batch_id)
    if result.rows_loaded:
        index_and_analyze(
            batch.cursor, table.raw_table, (), [c.name for c in table.loaded_columns if c.type == "nip"]
        )
    batch.finish(
        result.outcome,
        result.rows_read,
        result.rows_loaded,
        result.rows_quarantined,
        result.message,
        sha256=stream.sha256,
        file_bytes=stream.bytes,
    )


def _run(
    batch: Batch, simpeg: sa.Engine, table: TableConfig, plan: _Plan, counter: _Counter
) -> ExtractResult:
    found = source_columns(simpeg, table)
    header = selected_header(table, found)
    mapped = {c.header.lower() for c in table.columns} | {(table.watermark or "").lower()}
    stream = SourceStream(
        simpeg,
        select_statement(table, found, header, plan.since),
        header.index(found[table.watermark.lower()]) if table.watermark else None,
    )
    source = stream.as_source_file(table, header)
    contract = replace(table.contract(), key=())  # duplicates are found set-based in PostgreSQL
    mapping = map_header(contract, source)
    key_positions = [header.index(found[c.header.lower()]) for c in table.key_columns]
    as_of = today()
    columns = ["_batch_id", "_source_file", "_as_of_date", "_source_line", *(c.name for c in mapping.columns)]
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as rejections,
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as rejected_keys,
    ):
        items = _label_rejections(
            conform(contract, source, mapping), stream, table, key_positions, rejected_keys
        )
        chunks = _csv_chunks(
            items,
            prefix=[str(batch.batch_id), table.label, as_of.isoformat()],
            rejection_prefix=[str(batch.batch_id), table.name, table.label],
            counter=counter,
            rejections=rejections,
        )
        try:
            result = _apply(
                batch, table, plan, batch.batch_id, ChunkReader(chunks), columns, (rejections, rejected_keys)
            )
            result.rows_quarantined += counter.rejected
            result.rows_read = counter.read - result.rows_unchanged
            if counter.read != stream.selected or not result.reconciles:
                raise RuntimeError(
                    f"reconciliation failed: selected {stream.selected}, read {result.rows_read}, "
                    f"loaded {result.rows_loaded}, quarantined {result.rows_quarantined}"
                )
            result.outcome = "unchanged" if plan.mode == "incremental" and result.rows_read == 0 else "loaded"
            result.watermark = stream.watermark if stream.watermark is not None else plan.since
            result.columns_not_mapped = sorted(name for low, name in found.items() if low not in mapped)
            result.notes = _notes(table, plan, result)
            result.message = "; ".join(result.notes)
            _close(batch, table, result, stream)
        except BaseException:
            batch.rows_read = counter.read
            raise
    return result


def extract_table(
    warehouse: sa.Engine,
    simpeg: sa.Engine,
    table: TableConfig,
    run_id: str | None = None,
    full_refresh: bool | None = None,
) -> ExtractResult:
    """Extract one configured SIMPEG table into `raw.<table.raw_table>` in one transaction.

    In full the first time, for tables without a watermark, after a mapping change, and when
    `full_refresh` is true (default: IKU_SIMPEG_FULL_REFRESH); otherwise the rows whose watermark
    is at or after the stored one, replaced by key. Raises `ExtractError` (naming the SIMPEG
    table and the cause) after recording the failed batch; raw data is then as it was.
    """
    if full_refresh is None:
        full_refresh = full_refresh_requested()
    ensure_extract_audit(warehouse)
    plan = _plan(warehouse, table, full_refresh)
    counter = _Counter()
    batch = Batch(warehouse, table.name, table.raw_table, table.label, "-", 0, today(), run_id)
    with batch:  # a failure is recorded, reconciling, before it propagates
        try:
            return _run(batch, simpeg, table, plan, counter)
        except ExtractError:
            raise
        except Exception as exc:
            raise ExtractError(table, f"extraction failed: {exc}") from exc


def extract_all(
    warehouse: sa.Engine,
    simpeg: sa.Engine,
    tables: list[TableConfig],
    run_id: str | None = None,
    full_refresh: bool | None = None,
) -> list[ExtractResult]:
    """Every table in turn (each in its own transaction); stops at the first failure."""
    return [extract_table(warehouse, simpeg, t, run_id, full_refresh) for t in tables]


@dataclass
class _Plan:
    mode: str  # full | incremental
    since: str | None
    reason: str
    ddl: list[str]


@dataclass
class ExtractResult(BatchResult):
    """A `BatchResult` plus what an incremental extraction adds."""

    mode: str = "full"
    watermark: str | None = None  # high watermark after this extract
    previous_watermark: str | None = None
    rows_unchanged: int = 0  # re-read at the watermark boundary, identical to raw, not counted as read
    rows_removed: int = 0  # full: rows no longer in SIMPEG; incremental: rows now rejected
    columns_not_mapped: list[str] = field(default_factory=list)
