"""Bulk loading of source files into schema `raw`: COPY of the file's text, typed, validated and
quarantined set-based in PostgreSQL, audited and reconciled.

For every file: rows read = rows loaded + rows quarantined, checked before commit. The load
runs in one transaction (an audited `sources.batch.Batch`), so a file that fails leaves the
previous raw data as it was. A file whose checksum equals the last loaded one is not loaded
again; loads of the same raw table wait for each other and re-check that checksum under the lock.

How a file travels: its bytes after the header go by COPY into a temporary stage of text
columns (`_line`, `_nf`, `c1 .. c<width>`; dropped at commit, never logged). Delimited files
without a quote character are copied as they are (the fast path); files with quotes, and files
COPY refuses (a row with the wrong number of fields, blank lines), go line by line (each physical
line one text value, split in SQL). Workbooks are read by openpyxl and their text cells copied
into the same stage, so every source is typed by the same SQL. Personal columns reach only that
temporary stage.

From the stage, rows whose every cell is already canonical (an 18-digit NIP, an ISO date: most
of them) go into the raw table in one INSERT ... SELECT without a typing function
(sources.conform.canonical_load_sql); the others are typed by the SQL typing functions, good rows
to the raw table and rejections, with their reasons, to `audit.quarantine`
(sources.conform.typing_sql). The second and later rows of a key within the file are then moved
to quarantine (first occurrence wins). A per-file delivery whose every line is canonical (judged
on the few distinct shapes of its lines, sources.conform.canonical_file) skips the stage: COPY
types it straight into its new partition, and any value COPY refuses sends it the general way.

The raw table written is new in the load's transaction: a per-file source's rows go into a new
partition, indexed (its unique key index also finds repeated keys) and swapped in for the file's
previous one (sources.raw_tables); a snapshot source's table is truncated first. With
`wal_level = minimal` PostgreSQL writes neither to WAL (it syncs them at commit).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg2
import sqlalchemy as sa

from sources.batch import AUDIT_SCHEMA, RAW_SCHEMA, WIT, Batch, BatchResult, ensure_audit
from sources.conform import Mapping, canonical_file, canonical_load_sql, dedupe_sql, map_header, typing_sql
from sources.contracts import Contract, normalize_header
from sources.raw_tables import (
    create_load_table,
    ensure_raw_table,
    index_and_analyze,
    index_partition,
    is_partitioned,
    nip_columns,
    raw_table_ddl,
    relkind,
    swap_partition,
)
from sources.readers import SourceFile, SourceFileError, read_file
from sources.readers.delimited import line_shapes
from sources.values import MAX_DATE, MIN_DATE

__all__ = [
    "AUDIT_SCHEMA",
    "RAW_SCHEMA",
    "WIT",
    "BatchResult",
    "as_of_date",
    "ensure_audit",
    "ensure_raw_table",
    "load_file",
    "load_files",
    "raw_table_ddl",
    "sha256_of",
]

log = logging.getLogger(__name__)
STAGE = "_iku_stage"
LINES = "_iku_lines"
_DATE_IN_NAME = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_PG_ENCODING = {"utf-8": "UTF8", "utf-8-sig": "UTF8", "cp1252": "WIN1252"}
_CHUNK = 1 << 20
SMALL_STAGE = 50_000


@dataclass
class FileScan:
    sha256: str
    size: int
    newlines: int
    ends_with_newline: bool
    has_quote: bool


def scan(path: Path) -> FileScan:
    """One pass over the bytes: checksum, physical lines, and whether any quote character occurs."""
    digest = hashlib.sha256()
    newlines = size = 0
    has_quote = False
    last = b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            newlines += chunk.count(b"\n")
            has_quote = has_quote or b'"' in chunk
            size += len(chunk)
            last = chunk[-1:]
    return FileScan(digest.hexdigest(), size, newlines, last == b"\n", has_quote)


def sha256_of(path: Path) -> str:
    """The file's SHA-256 (the checksum `scan` gives), read in chunks and nothing else counted."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
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


def _hold_reason(cur: Any, contract: Contract, path: Path, as_of: date, loaded: int) -> str | None:
    """Why this export must be held (loaded not at all), if it must: it has fewer rows than
    the contract's share of the export in force with the nearest earlier as-of date (a cut-off
    export would end every missing employee's service). None when the contract has no hold rule
    or no earlier export is loaded."""
    if contract.hold_below_share is None:
        return None
    cur.execute(
        # the rows of a file in force are those of its newest loaded batch
        f"select file_name, as_of_date, rows_loaded from ("
        f"  select distinct on (file_name) file_name, as_of_date, rows_loaded "
        f"  from {AUDIT_SCHEMA}.load_batches where source = %s and outcome = 'loaded' and file_name <> %s "
        f"  order by file_name, batch_id desc) as in_force "
        f"where as_of_date < %s order by as_of_date desc, file_name desc limit 1",
        (contract.name, path.name, as_of),
    )
    previous = cur.fetchone()
    if not previous or loaded >= contract.hold_below_share * previous[2]:
        return None
    return (
        f"{path.name}: held, nothing loaded: {loaded:,} rows, {loaded / previous[2]:.0%} of the "
        f"{previous[2]:,} of the previous export {previous[0]} (as of {previous[1]}); the contract "
        f"holds an export below {contract.hold_below_share:.0%} of the previous one (a cut-off "
        "export would end the service of every employee it misses). The exports before it stay in "
        "force. Deliver the complete export under the same name."
    )


def _last_loaded(cur: Any, contract: Contract, file_name: str) -> tuple[int, str] | None:
    """(batch, checksum) of what the raw table holds now: the source's last load (snapshot) or
    this file's last load (per_file)."""
    cur.execute(
        f"select batch_id, file_sha256 from {AUDIT_SCHEMA}.load_batches "
        "where source = %s and outcome = 'loaded' and (not %s or file_name = %s) "
        "order by batch_id desc limit 1",
        (contract.name, contract.mode == "per_file", file_name),
    )
    row = cur.fetchone()
    return (row[0], row[1]) if row else None


class _LineCsv(io.RawIOBase):
    """The physical lines of a byte stream as CSV rows `line,"text"` for COPY (empty lines
    skipped, line numbers kept): the per-line path, for files COPY cannot take as they are."""

    def __init__(self, fh: Any, first_line: int):
        self._lines = enumerate(fh, start=first_line)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        parts, size = [], 0
        for number, raw in self._lines:
            text = raw.rstrip(b"\r\n")
            if not text:
                continue
            part = b'%d,"%s"\n' % (number, text.replace(b'"', b'""'))
            parts.append(part)
            size += len(part)
            if size >= _CHUNK:
                break
        self._buffer = b"".join(parts)

    def readinto(self, b) -> int:  # type: ignore[override]
        if not self._buffer:
            self._fill()
        n = min(len(b), len(self._buffer))
        b[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


def _stage_table(width: int, numbered: bool) -> str:
    cells = ", ".join(f"c{i} text" for i in range(1, width + 1))
    if numbered:
        cells = f"_line integer not null, _nf integer not null, {cells}"
    return f"create temp table {STAGE} ({cells}) on commit drop"


def _copy_file(batch, source, table: str, columns: list[str], delimiter: str, encoding: str) -> int:
    """COPY a delimited file's rows below its header into `table` (`columns`), in the file's own
    encoding; returns the rows copied."""
    with source.path.open("rb") as fh:
        for _ in range(source.header_line):
            fh.readline()
        return batch.copy(
            f"copy {table} ({', '.join(columns)}) from stdin "
            f"with (format csv, delimiter {delimiter}, encoding '{encoding}')",
            fh,
        )


def _copy_delimited(batch: Batch, source: SourceFile, scanned: FileScan) -> tuple[int | None, int]:
    """Stage a delimited file. Returns (the line of its first row when the stage holds the file's
    cells as they are (in file order, blank lines included), None when it is numbered by line;
    the rows staged)."""
    cur, width = batch.cursor, len(source.header)
    encoding = _PG_ENCODING[source.encoding]
    delimiter = "E'\\t'" if source.delimiter == "\t" else f"'{source.delimiter}'"
    lines_after_header = scanned.newlines + (0 if scanned.ends_with_newline else 1) - source.header_line
    if not scanned.has_quote:
        cur.execute("savepoint stage")
        cur.execute(_stage_table(width, numbered=False))
        try:
            copied = _copy_file(
                batch, source, STAGE, [f"c{i}" for i in range(1, width + 1)], delimiter, encoding
            )
            if copied == lines_after_header:
                cur.execute("release savepoint stage")
                return source.header_line + 1, copied
        except psycopg2.DataError:
            pass  # a row COPY refuses (field count, blank line): line by line below
        cur.execute("rollback to savepoint stage")
    cur.execute(f"create temp table {LINES} (_line integer not null, _text text) on commit drop")
    with source.path.open("rb") as fh:
        for _ in range(source.header_line):
            fh.readline()
        batch.copy(
            f"copy {LINES} from stdin with (format csv, encoding '{encoding}')",
            _LineCsv(fh, source.header_line + 1),
        )
    d = source.delimiter.replace("'", "''") if source.delimiter != "\t" else "\t"
    split = (
        f"case when strpos(_text, '\"') > 0 then audit.iku_split_csv(_text, E'{d}') "
        f"else string_to_array(_text, E'{d}') end"
    )
    cells = ", ".join(f"cells[{i}] as c{i}" for i in range(1, width + 1))
    cur.execute(
        f"create temp table {STAGE} on commit drop as select _line, cardinality(cells) as _nf, {cells} "
        f"from (select _line, {split} as cells from {LINES}) x "
        "where audit.iku_strip(array_to_string(cells, '')) <> ''"
    )
    return None, cur.rowcount


def _copy_cells(batch: Batch, source: SourceFile, width: int) -> tuple[None, int]:
    """Stage rows a reader yields as text cells (workbooks): line, field count, cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for line, cells in source.rows:
        padded = (cells + [""] * width)[:width]
        writer.writerow([line, len(cells), *padded])
    batch.cursor.execute(_stage_table(width, numbered=True))
    buffer.seek(0)
    rows = batch.copy(f"copy {STAGE} from stdin with (format csv)", io.BytesIO(buffer.getvalue().encode()))
    return None, rows


def _notes(source: SourceFile, mapping: Mapping) -> list[str]:
    notes = list(source.notes)
    if mapping.unknown_headers:
        notes.append("columns not in the contract, not loaded: " + ", ".join(mapping.unknown_headers))
    return notes


def load_file(
    engine: sa.Engine,
    contract: Contract,
    path: Path,
    run_id: str | None = None,
    *,
    analyze: bool = True,
    force: bool = False,
) -> BatchResult:
    """Load one delivered file in one transaction.

    `snapshot` sources: the file replaces the whole table. `per_file` sources (monthly
    attendance, say): the file replaces the rows an earlier version of the same file loaded.
    With `analyze` (the default), the raw table's key and NIP indexes are ensured and its
    statistics refreshed in the same transaction; `load_files` does that once for many files.
    A file whose checksum is the one last loaded is not loaded again, unless `force` (a
    backfill of its month): then it replaces its own rows under a new batch.
    """
    if contract.as_of_required and as_of_date(path) is None:
        raise SourceFileError(
            path,
            f"no as-of date in the file name; name it {contract.files.replace('*', '_YYYY-MM-DD')} "
            "(the date the export was taken): every export is kept by that date",
        )
    ensure_audit(engine)
    ensure_raw_table(engine, contract)
    scanned = scan(path)
    raw = engine.raw_connection()
    try:
        last = _last_loaded(raw.cursor(), contract, path.name)
        raw.rollback()
    finally:
        raw.close()
    if last and last[1] == scanned.sha256 and not force:
        return BatchResult(
            contract.name,
            path.name,
            "unchanged",
            message="same checksum as the last loaded file; nothing to do",
        )
    try:
        with Batch(
            engine,
            contract.name,
            contract.raw_table,
            path.name,
            scanned.sha256,
            scanned.size,
            as_of_date(path),
            run_id,
        ) as batch:
            return _load(batch, contract, path, scanned, analyze, force)
    except SourceFileError:
        raise
    except Exception as exc:
        raise SourceFileError(path, f"load failed: {exc}") from exc


def _load(
    batch: Batch, contract: Contract, path: Path, scanned: FileScan, analyze: bool, force: bool = False
) -> BatchResult:
    cur = batch.cursor
    expected = {normalize_header(c.header) for c in contract.columns}
    source = read_file(path, expected)
    mapping = map_header(contract, source)
    notes = _notes(source, mapping)
    # the delivery's date: in its name, else the day the file was written (never today's date:
    # what is quarantined must not depend on the day the refresh runs)
    as_of = as_of_date(path) or datetime.fromtimestamp(path.stat().st_mtime, WIT).date()
    # temp tables have no statistics: no JIT, no sort-based plan chosen on a wrong estimate (the
    # one sort, of the key hashes, stays); dates as text in ISO form (duplicate-key values)
    cur.execute(
        "set local work_mem = '256MB'; set local jit = off; set local enable_sort = off; "
        "set local datestyle = 'ISO, YMD'"
    )
    batch.lock_raw_table(path.name if contract.mode == "per_file" else None)
    last = _last_loaded(cur, contract, path.name)
    if last and last[1] == scanned.sha256 and not force:  # loaded meanwhile by a concurrent run
        batch.finish("unchanged", 0, 0, 0, "same checksum as a load that finished meanwhile; nothing to do")
        return BatchResult(contract.name, path.name, "unchanged", batch.batch_id, message="loaded meanwhile")
    # where the rows go: a new partition (per-file source), or the table emptied in this
    # transaction (snapshot; TRUNCATE gives it new storage): either way written without WAL
    # under wal_level = minimal
    partition = None
    if is_partitioned(contract) and relkind(cur, contract.raw_table) == "p":
        partition = create_load_table(cur, contract.raw_table, path.name, batch.batch_id)
        target = f"{RAW_SCHEMA}.{partition}"
    elif contract.mode == "per_file":  # a raw table not (yet) partitioned
        target = f"{RAW_SCHEMA}.{contract.raw_table}"
        if last:  # rows of this file exist only if a load of it finished
            cur.execute(f"delete from {target} where _source_file = %s", (path.name,))
    else:
        target = f"{RAW_SCHEMA}.{contract.raw_table}"
        cur.execute(f"truncate {target}")
    meta = {
        "_batch_id": str(batch.batch_id),
        "_source_file": "'" + path.name.replace("'", "''") + "'",
        "_source_line": "_line",
        "_as_of_date": f"date '{as_of.isoformat()}'",
    }
    quarantined, copied = 0, None
    if partition and source.delimiter and not scanned.has_quote:
        columns = canonical_file(
            mapping, line_shapes(path, source.header_line, source.delimiter), source.delimiter
        )
        if columns:
            copied = _copy_canonical(batch, source, scanned, mapping, target, columns, meta, as_of)
    if copied is not None:  # every line canonical: typed by COPY itself
        read = loaded = copied
    else:
        read, loaded, quarantined = _stage_and_type(
            batch, contract, source, scanned, mapping, target, meta, as_of
        )
    batch.rows_read = read
    duplicates = _first_of_each_key(batch, contract, mapping, target, partition, path.name)
    loaded, quarantined = loaded - duplicates, quarantined + duplicates
    held = _hold_reason(cur, contract, path, as_of, loaded)
    if held:
        batch.fail(held, outcome="held")
        log.warning(held)
        return BatchResult(
            contract.name, path.name, "held", batch.batch_id, read, message=held, rows_failed=read
        )
    if partition:
        swap_partition(cur, contract.raw_table, path.name, partition)
    batch.finish("loaded", read, loaded, quarantined, "; ".join(notes) or None)
    if analyze:  # after the commit: the data is in, indexes and statistics only speed up its readers
        try:
            index_and_analyze(cur, contract.raw_table, contract.key, nip_columns(contract))
            batch.commit()
        except psycopg2.Error:
            log.warning("%s: indexes or statistics not refreshed", contract.raw_table, exc_info=True)
    return BatchResult(contract.name, path.name, "loaded", batch.batch_id, read, loaded, quarantined, notes)


def _stage_and_type(
    batch: Batch,
    contract: Contract,
    source: SourceFile,
    scanned: FileScan,
    mapping: Mapping,
    target: str,
    meta: dict[str, str],
    as_of: date,
) -> tuple[int, int, int]:
    """The general path: the file into the stage, its canonical rows into `target` at once, the
    others through the typing functions. Returns (rows read, loaded, quarantined)."""
    cur = batch.cursor
    if source.path.suffix.lower() == ".xlsx":
        numbered_from, staged = _copy_cells(batch, source, mapping.width)
    else:
        numbered_from, staged = _copy_delimited(batch, source, scanned)
    if staged <= SMALL_STAGE:  # statistics, so that the calendar joins look dates up by index
        cur.execute(f"analyze {STAGE}")
    read = loaded = quarantined = 0
    stage, blank_rows = STAGE, numbered_from is not None
    canonical = canonical_load_sql(
        mapping, stage=STAGE, target=target, meta=meta, as_of=as_of, numbered_from=numbered_from
    )
    if canonical is not None:  # rows already canonical: loaded at once
        cur.execute(canonical.insert)
        read = loaded = cur.rowcount
        if loaded < staged:  # the others, through the typing functions
            cur.execute(canonical.rest)
            stage, numbered_from = canonical.rest_table, None
    if canonical is None or loaded < staged:
        sql = typing_sql(
            contract,
            mapping,
            stage=stage,
            target=target,
            batch_id=batch.batch_id,
            file_name=source.path.name,
            meta=meta,
            as_of=as_of,
            numbered_from=numbered_from,
            key=(),
            blank_rows=blank_rows,
        )
        for statement in sql.prepare:
            cur.execute(statement)
        cur.execute(sql.load)
        more_read, more_loaded, quarantined = cur.fetchone()
        read, loaded = read + more_read, loaded + more_loaded
    return read, loaded, quarantined


class _NotCanonical(Exception):
    pass


def _copy_canonical(
    batch: Batch,
    source: SourceFile,
    scanned: FileScan,
    mapping: Mapping,
    target: str,
    columns: list[str],
    meta: dict[str, str],
    as_of: date,
) -> int | None:
    """COPY a canonical file (sources.conform.canonical_file) straight into the new partition
    `target`, typed by PostgreSQL's own input functions: the line numbers from a sequence, the
    other metadata from column defaults, dates held to their range (and `past` ones to the as-of
    date) by CHECK constraints; defaults, constraints and sequence are dropped again. Returns the
    rows copied, or None (nothing done) when a value is refused after all (an impossible date),
    and the general path then finds the reasons."""
    cur = batch.cursor
    name = target.split(".", 1)[1]
    checks = []
    for n, column in enumerate(mapping.columns):
        if column.type == "date" and column.name in columns:
            latest = as_of.isoformat() if column.past else MAX_DATE.isoformat()
            checks.append(
                (f"{name}_c{n}", f"{column.name} between date '{MIN_DATE.isoformat()}' and date '{latest}'")
            )
    defaults = {**meta, "_source_line": "nextval('_iku_line')"}
    lines_after_header = scanned.newlines + (0 if scanned.ends_with_newline else 1) - source.header_line
    encoding = _PG_ENCODING[source.encoding]
    delimiter = "E'\\t'" if source.delimiter == "\t" else f"'{source.delimiter}'"
    cur.execute("savepoint canonical")
    try:
        # a cache as big as the file: nextval() per row without touching the sequence each
        # time (halves the COPY of a typical attendance file); one session, so still 1, 2, 3
        cur.execute(f"create temp sequence _iku_line start {source.header_line + 1} cache 1000000")
        cur.execute(
            f"alter table {target} "
            + ", ".join(f"alter column {c} set default {v}" for c, v in defaults.items())
            + "".join(f", add constraint {n} check ({c})" for n, c in checks)
        )
        copied = _copy_file(batch, source, target, columns, delimiter, encoding)
        if copied != lines_after_header:
            raise _NotCanonical
        cur.execute(
            f"alter table {target} "
            + ", ".join(f"alter column {c} drop default" for c in defaults)
            + "".join(f", drop constraint {n}" for n, _ in checks)
        )
        cur.execute("drop sequence _iku_line")
        cur.execute("release savepoint canonical")
        return copied
    except (psycopg2.DataError, psycopg2.IntegrityError, _NotCanonical):
        cur.execute("rollback to savepoint canonical")
        return None


def _first_of_each_key(
    batch: Batch, contract: Contract, mapping: Mapping, target: str, partition: str | None, file_name: str
) -> int:
    """Quarantine the second and later rows of a key within the file (the first wins); returns
    how many. A new partition gets its indexes here, the key's unique: when that index builds,
    no key repeats and there is nothing more to do (the usual case, at the price of an index the
    partition needs anyway)."""
    cur = batch.cursor
    if partition and contract.key:
        cur.execute("savepoint unique_key")
        try:
            index_partition(cur, partition, contract.key, nip_columns(contract))
            cur.execute("release savepoint unique_key")
            return 0
        except psycopg2.errors.UniqueViolation:
            cur.execute("rollback to savepoint unique_key")
    if not contract.key:
        return 0
    cur.execute(
        dedupe_sql(
            contract, mapping, target=target, batch_id=batch.batch_id, file_name=file_name, key=contract.key
        )
    )
    quarantined, deleted = cur.fetchone()
    assert quarantined == deleted, (quarantined, deleted)
    if partition:
        index_partition(cur, partition, contract.key, nip_columns(contract))
    return quarantined


def load_files(
    engine: sa.Engine,
    contract: Contract,
    paths: list[Path],
    run_id: str | None = None,
    workers: int = 3,
    force: bool = False,
) -> list[BatchResult]:
    """Load files of one contract (each its own transaction; a per-file source's files
    `workers` at a time, each on its own connection), then ensure the raw table's indexes and
    statistics once. Raises the first file's SourceFileError after the others have finished."""
    # files of a source with a hold rule load one by one, oldest first: each is compared with
    # the export before it
    if contract.mode != "per_file" or workers <= 1 or len(paths) <= 1 or contract.hold_below_share:
        outcomes: list[BatchResult | BaseException] = []
        for path in paths:
            try:
                outcomes.append(load_file(engine, contract, path, run_id, analyze=False, force=force))
            except Exception as exc:
                outcomes.append(exc)
                break
    else:
        ensure_audit(engine)
        ensure_raw_table(engine, contract)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(load_file, engine, contract, p, run_id, analyze=False, force=force) for p in paths
            ]
            outcomes = []
            for future in futures:
                try:
                    outcomes.append(future.result())
                except Exception as exc:
                    outcomes.append(exc)
    results = [r for r in outcomes if isinstance(r, BatchResult)]
    if any(r.outcome == "loaded" for r in results):
        raw = engine.raw_connection()
        try:
            index_and_analyze(raw.cursor(), contract.raw_table, contract.key, nip_columns(contract))
            raw.commit()
        finally:
            raw.close()
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return results
