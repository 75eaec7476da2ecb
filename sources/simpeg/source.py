"""Reading one SIMPEG table: check the mapping against the live schema, select only the mapped
columns (personal columns never leave SIMPEG), and stream the rows as text cells.

The stream looks like a delivered file (`sources.readers.SourceFile`: header = source column
names, rows = (ordinal, cells)), so `sources.conform` types and rejects database rows exactly as
it does file rows. Rows are fetched in batches through a server-side cursor: memory does not
grow with the size of the table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

from sources.readers import SourceFile
from sources.redact import mask_url
from sources.simpeg.config import TableConfig

FETCH_ROWS = 5000


class ExtractError(Exception):
    """An extraction that cannot run (missing table or column, lost connection, ...). The message
    names the SIMPEG table and the cause; the previous raw data is kept."""

    def __init__(self, table: TableConfig, cause: str):
        super().__init__(f"{table.label}: {cause}")
        self.table = table
        self.cause = cause


def simpeg_engine(url: str) -> sa.Engine:
    """An engine on the SIMPEG database; SQLite files are opened read-only (the demo)."""
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError):  # their messages quote the URL, or part of it
        raise ValueError(f"IKU_SIMPEG_URL is not a valid database URL: {mask_url(url)}") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        path = quote(str(Path(parsed.database).resolve()))
        return sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    return sa.create_engine(url, pool_pre_ping=True)


def to_cell(value: object) -> str:
    """A database value as the text a delivered file would carry (ISO dates, plain decimals)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, timedelta):  # MySQL TIME
        return str(value)
    return str(value).replace("\x00", "")


def source_columns(simpeg: sa.Engine, table: TableConfig) -> dict[str, str]:
    """The source table's columns (lower-cased name -> name as SIMPEG spells it); fails naming the
    table and the column when the mapping asks for something SIMPEG does not have."""
    try:
        inspector = sa.inspect(simpeg)
        if not inspector.has_table(table.source_table, schema=table.source_schema):
            raise ExtractError(table, f"table {table.source_table} not found in the SIMPEG database")
        columns = inspector.get_columns(table.source_table, schema=table.source_schema)
        found = {c["name"].lower(): c["name"] for c in columns}
    except sa.exc.SQLAlchemyError as exc:
        raise ExtractError(table, f"cannot read the SIMPEG schema: {exc}") from exc
    wanted = [c.header for c in table.loaded_columns]
    if table.watermark:
        wanted.append(table.watermark)
    missing = [w for w in wanted if w.lower() not in found]
    if missing:
        raise ExtractError(
            table,
            f"column(s) {', '.join(missing)} mapped in the SIMPEG configuration are missing from "
            f"table {table.source_table} (renamed or dropped in SIMPEG? update simpeg.yml)",
        )
    return found


def selected_header(table: TableConfig, found: dict[str, str]) -> list[str]:
    """What is selected: the mapped, loaded columns, then the watermark if it is not mapped."""
    header = [found[c.header.lower()] for c in table.loaded_columns]
    if table.watermark and found[table.watermark.lower()] not in header:
        header.append(found[table.watermark.lower()])
    return header


def select_statement(
    table: TableConfig, found: dict[str, str], header: list[str], since: str | None
) -> sa.Select:
    """SELECT of the mapped columns; with `since`, only rows whose watermark is >= since (the
    boundary is re-read: rows committed later with the same timestamp are not missed) or empty."""
    source = sa.table(table.source_table, *(sa.column(n) for n in header), schema=table.source_schema)
    stmt = sa.select(*(source.c[n] for n in header))
    if since is not None and table.watermark:
        mark = source.c[found[table.watermark.lower()]]
        stmt = stmt.where(sa.or_(mark >= sa.bindparam("since", since, type_=sa.String), mark.is_(None)))
    return stmt.order_by(*(source.c[found[c.header.lower()]] for c in table.key_columns))


def _native_max(current: object, value: object) -> object:
    if value is None:
        return current
    if current is None:
        return value
    try:
        return value if value > current else current  # type: ignore[operator]
    except TypeError:  # mixed types in a SQLite column: compare their text
        return value if to_cell(value) > to_cell(current) else current


class SourceStream:
    """The rows of one SELECT as (ordinal, text cells), counting and fingerprinting what passes.

    `current` is the row last handed out, so a rejection can be labelled with the row's key;
    `watermark` is the highest watermark value seen (as text, as it will be bound next time).
    """

    def __init__(self, simpeg: sa.Engine, stmt: sa.Select, watermark_index: int | None):
        self._simpeg = simpeg
        self._stmt = stmt
        self._watermark_index = watermark_index
        self._digest = hashlib.sha256()
        self._max: object = None
        self.selected = 0
        self.bytes = 0
        self.current: tuple[int, list[str]] | None = None

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    @property
    def watermark(self) -> str | None:
        return None if self._max is None else to_cell(self._max)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        with self._simpeg.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=FETCH_ROWS).execute(self._stmt)
            for row in result:
                yield self._take(row)

    def _take(self, row: Sequence[object]) -> tuple[int, list[str]]:
        self.selected += 1
        cells = [to_cell(v) for v in row]
        if self._watermark_index is not None:
            self._max = _native_max(self._max, row[self._watermark_index])
        encoded = ("\x1f".join(cells) + "\x1e").encode("utf-8")
        self._digest.update(encoded)
        self.bytes += len(encoded)
        self.current = (self.selected, cells)
        return self.current

    def as_source_file(self, table: TableConfig, header: list[str]) -> SourceFile:
        return SourceFile(path=Path(table.label), header=header, header_line=0, rows=self.rows())
