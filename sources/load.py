"""Bulk loading of source files into schema `raw` with PostgreSQL COPY, audited and reconciled.

For every file: rows read = rows loaded + rows quarantined, checked before commit. The load
runs in one transaction, so a file that fails leaves the previous raw data as it was. A file
whose checksum equals the last loaded one is not loaded again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from sources.conform import Rejection, conform, map_header
from sources.contracts import Contract, normalize_header
from sources.readers import SourceFileError, read_file

RAW_SCHEMA = "raw"
AUDIT_SCHEMA = "audit"
WIT = ZoneInfo("Asia/Jayapura")
_DATE_IN_NAME = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")

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
    started_at        timestamptz not null default now(),
    finished_at       timestamptz,
    outcome           text not null default 'running'
        check (outcome in ('running', 'loaded', 'unchanged', 'failed')),
    message           text,
    run_id            text
);
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

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def as_of_date(path: Path) -> date | None:
    """The as-of date written in a file name (siasn_pns_2025-12-31.csv), if any."""
    m = _DATE_IN_NAME.search(path.stem)
    if not m:
        return None
    try:
        return date(*(int(x) for x in m.groups()))
    except ValueError:
        return None


def ensure_audit(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(AUDIT_DDL)


def raw_table_ddl(contract: Contract) -> str:
    cols = ",\n    ".join(f"{c.name} {c.sql_type}" for c in contract.loaded_columns)
    return (
        f"create table if not exists {RAW_SCHEMA}.{contract.raw_table} (\n"
        f"    _batch_id bigint not null,\n"
        f"    _source_file text not null,\n"
        f"    _source_line integer not null,\n"
        f"    _as_of_date date,\n"
        f"    {cols}\n)"
    )


class _ChunkReader(io.RawIOBase):
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


def _last_loaded_checksum(conn: sa.Connection, contract: Contract, path: Path) -> str | None:
    """The checksum of what the raw table holds now: the source's last load (snapshot) or
    this file's last load (per_file)."""
    per_file = contract.mode == "per_file"
    return conn.execute(
        sa.text(
            f"select file_sha256 from {AUDIT_SCHEMA}.load_batches "
            "where source = :s and outcome = 'loaded' and (not :per_file or file_name = :f) "
            "order by batch_id desc limit 1"
        ),
        {"s": contract.name, "per_file": per_file, "f": path.name},
    ).scalar()


def _open_batch(engine: sa.Engine, contract: Contract, path: Path, sha: str, run_id: str | None) -> int:
    with engine.begin() as conn:
        return conn.execute(
            sa.text(
                f"insert into {AUDIT_SCHEMA}.load_batches "
                "(source, raw_table, file_name, file_sha256, file_bytes, as_of_date, run_id) "
                "values (:s, :t, :f, :h, :b, :d, :r) returning batch_id"
            ),
            {
                "s": contract.name,
                "t": f"{RAW_SCHEMA}.{contract.raw_table}",
                "f": path.name,
                "h": sha,
                "b": path.stat().st_size,
                "d": as_of_date(path),
                "r": run_id,
            },
        ).scalar_one()


def _close_batch(engine: sa.Engine, batch_id: int, outcome: str, counter: _Counter, message: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"update {AUDIT_SCHEMA}.load_batches set outcome = :o, message = :m, "
                "finished_at = now(), rows_read = :r, rows_loaded = 0, rows_quarantined = 0 "
                "where batch_id = :id"
            ),
            {"o": outcome, "m": message, "id": batch_id, "r": counter.read},
        )


def load_file(engine: sa.Engine, contract: Contract, path: Path, run_id: str | None = None) -> BatchResult:
    """Load one delivered file in one transaction.

    `snapshot` sources: the file replaces the whole table. `per_file` sources (monthly
    attendance, say): the file replaces the rows an earlier version of the same file loaded.
    """
    ensure_audit(engine)
    sha = sha256_of(path)
    with engine.connect() as conn:
        if _last_loaded_checksum(conn, contract, path) == sha:
            return BatchResult(
                contract.name,
                path.name,
                "unchanged",
                message="same checksum as the last loaded file; nothing to do",
            )
    expected = {normalize_header(c.header) for c in contract.columns}
    batch_id = _open_batch(engine, contract, path, sha, run_id)
    counter = _Counter()
    try:
        source = read_file(path, expected)
        mapping = map_header(contract, source)
        notes = list(source.notes)
        if mapping.unknown_headers:
            notes.append("columns not in the contract, not loaded: " + ", ".join(mapping.unknown_headers))
        as_of = as_of_date(path) or datetime.now(WIT).date()
        columns = [
            "_batch_id",
            "_source_file",
            "_as_of_date",
            "_source_line",
            *(c.name for c in mapping.columns),
        ]
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as rejections:
            chunks = _csv_chunks(
                conform(contract, source, mapping, as_of),
                prefix=[str(batch_id), path.name, as_of.isoformat()],
                rejection_prefix=[str(batch_id), contract.name, path.name],
                counter=counter,
                rejections=rejections,
            )
            raw = engine.raw_connection()
            try:
                cur = raw.cursor()
                cur.execute(raw_table_ddl(contract))
                if contract.mode == "per_file":
                    cur.execute(
                        f"delete from {RAW_SCHEMA}.{contract.raw_table} where _source_file = %s",
                        (path.name,),
                    )
                else:
                    cur.execute(f"truncate {RAW_SCHEMA}.{contract.raw_table}")
                cur.copy_expert(
                    f"copy {RAW_SCHEMA}.{contract.raw_table} ({', '.join(columns)}) "
                    "from stdin with (format csv)",
                    _ChunkReader(chunks),
                )
                loaded = cur.rowcount
                rejections.seek(0)
                cur.copy_expert(
                    f"copy {AUDIT_SCHEMA}.quarantine (batch_id, source, file_name, line_number, "
                    "field, value, reason) from stdin with (format csv)",
                    rejections,
                )
                if loaded != counter.accepted or counter.read != loaded + counter.rejected:
                    raise RuntimeError(
                        f"reconciliation failed: read {counter.read}, loaded {loaded}, "
                        f"quarantined {counter.rejected}"
                    )
                cur.execute(
                    f"update {AUDIT_SCHEMA}.load_batches set outcome = 'loaded', finished_at = now(), "
                    "rows_read = %s, rows_loaded = %s, rows_quarantined = %s, message = %s "
                    "where batch_id = %s",
                    (counter.read, loaded, counter.rejected, "; ".join(notes) or None, batch_id),
                )
                raw.commit()
            except BaseException:
                raw.rollback()
                raise
            finally:
                raw.close()
    except SourceFileError as exc:
        _close_batch(engine, batch_id, "failed", counter, str(exc))
        raise
    except Exception as exc:
        _close_batch(engine, batch_id, "failed", counter, f"{path.name}: {exc}")
        raise SourceFileError(path, f"load failed: {exc}") from exc
    return BatchResult(
        contract.name,
        path.name,
        "loaded",
        batch_id,
        counter.read,
        counter.accepted,
        counter.rejected,
        notes,
    )
