"""Files the project writes for people to open in a spreadsheet: CSV now, XLSX later.

Invariant (OWASP, CSV injection): no text cell of such a file starts with a character a
spreadsheet reads as the start of a formula or of a control: `=`, `+`, `-`, `@`, tab or
carriage return. Such a value is written with a single quote before it (`'=HYPERLINK(...)`),
which Excel, LibreOffice and Google Sheets show as text and never evaluate. Only `str` values
are touched: numbers (a negative number too), dates and empty cells are written as they are.

Every CSV the project writes for people goes through `write_csv`, every XLSX through
`write_xlsx` (or `spreadsheet_safe` per cell). Internal buffers (COPY streams into PostgreSQL)
and the demo deliveries (sources.demo, inputs imitating what stewards send) are not exports.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """`value`, with a `'` before it when it is text starting with a formula character."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def write_csv(fh: IO[str], rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> None:
    """A header of `columns`, then each row's values of those columns (in that order), every
    cell through `spreadsheet_safe`; lines end in "\\n"."""
    writer = csv.DictWriter(fh, fieldnames=list(columns), lineterminator="\n")
    writer.writerow({c: spreadsheet_safe(c) for c in columns})
    for row in rows:
        writer.writerow({c: spreadsheet_safe(row[c]) for c in columns})


def write_xlsx(
    path: Path, rows: Iterable[Mapping[str, Any]], columns: Sequence[str], sheet: str = "data"
) -> Path:
    """A workbook of one sheet: a header of `columns`, then the rows, every cell through
    `spreadsheet_safe` (openpyxl would store a text starting with `=` as a formula). Values
    must be what openpyxl writes: text, numbers, dates, datetimes without a time zone, None."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append([spreadsheet_safe(c) for c in columns])
    for row in rows:
        ws.append([spreadsheet_safe(row[c]) for c in columns])
    book.save(path)
    return path


_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]}


def terminal_safe(value: Any) -> Any:
    """`value` for printing on a terminal: a text's control characters (escape sequences that
    could move the cursor, rewrite earlier lines or retitle the window) shown as \\xNN."""
    if isinstance(value, str):
        return value.translate(_CONTROL)
    if isinstance(value, list):
        return [terminal_safe(v) for v in value]
    return value
