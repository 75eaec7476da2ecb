"""Apply a contract to the rows a reader yields: map headers, type values, reject bad rows.

Each data row ends as exactly one of: an accepted row (values in contract column order), or
a `Rejection` naming the file, line, field and reason. Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sources.contracts import Column, Contract, normalize_header
from sources.readers import SourceFile, SourceFileError
from sources.values import PARSERS

WITHHELD = "<withheld: personal data>"
CACHED_TYPES = {"nip", "date"}


@dataclass(frozen=True)
class Rejection:
    line: int
    field: str
    value: str | None
    reason: str


@dataclass
class Mapping:
    positions: list[int | None]  # per loaded contract column, its cell index in the file
    columns: list[Column]
    unknown_headers: list[str]
    width: int


def map_header(contract: Contract, source: SourceFile) -> Mapping:
    by_header = contract.column_by_header()
    index: dict[str, int] = {}
    unknown = []
    for i, cell in enumerate(source.header):
        key = normalize_header(cell)
        if key in by_header:
            if key in index:
                raise SourceFileError(source.path, f"column {cell!r} appears twice in the header")
            index[key] = i
        elif key:
            unknown.append(cell.strip())
    columns = contract.loaded_columns
    missing = [c.header for c in columns if c.required and normalize_header(c.header) not in index]
    if missing:
        raise SourceFileError(
            source.path, f"required column(s) missing from the header: {', '.join(missing)}"
        )
    positions = [index.get(normalize_header(c.header)) for c in columns]
    return Mapping(positions, columns, unknown, len(source.header))


def _shown(column: Column, value: str) -> str:
    return WITHHELD if column.restricted else value


def conform(
    contract: Contract, source: SourceFile, mapping: Mapping, as_of: date | None = None
) -> Iterator[tuple[int, list[str | None]] | Rejection]:
    """Yield (line, values) for good rows and a Rejection for each bad one.

    With `as_of` (the delivery's date), dates of `past` columns after it are rejected: a birth
    date, an SK or an attendance day cannot lie after the export that reports it.
    """
    latest = as_of.isoformat() if as_of else None
    # NIPs and dates repeat (an employee on every attendance day): parse each distinct text once.
    parsers = [
        lru_cache(maxsize=1 << 16)(PARSERS[c.type]) if c.type in CACHED_TYPES else PARSERS[c.type]
        for c in mapping.columns
    ]
    key_index = [i for i, c in enumerate(mapping.columns) if c.name in contract.key]
    seen: dict[tuple, int] = {}
    for line, cells in source.rows:
        if len(cells) != mapping.width:
            yield Rejection(
                line,
                "(row)",
                None,
                f"expected {mapping.width} fields, found {len(cells)} (a stray delimiter or quote?)",
            )
            continue
        values: list[str | None] = []
        rejection = None
        for column, pos, parse in zip(mapping.columns, mapping.positions, parsers, strict=True):
            raw = cells[pos] if pos is not None else ""
            if not raw.strip():
                if column.required:
                    rejection = Rejection(line, column.header, "", "mandatory field is empty")
                    break
                values.append(None)
                continue
            try:
                value = parse(raw)
            except ValueError as exc:
                reason = str(exc) if not column.restricted else f"invalid {column.type}"
                rejection = Rejection(line, column.header, _shown(column, raw), reason)
                break
            if latest and column.past and value > latest:
                reason = f"date {value} is after the delivery's as-of date {latest}"
                if column.restricted:
                    reason = f"date is after the delivery's as-of date {latest}"
                rejection = Rejection(line, column.header, _shown(column, raw), reason)
                break
            values.append(value)
        if rejection:
            yield rejection
            continue
        if key_index:
            key = tuple(values[i] for i in key_index)
            if key in seen:
                names = ", ".join(mapping.columns[i].header for i in key_index)
                yield Rejection(
                    line,
                    names,
                    "|".join(str(k) for k in key),
                    f"duplicate key: the same {names} is at line {seen[key]}",
                )
                continue
            seen[key] = line
        yield line, values
