"""Excel workbooks (peta jabatan, registers, targets): first sheet, header found below title rows.

Read with openpyxl in read-only mode, row by row, so memory does not grow with the sheet.
Cells come back as text in the forms the value parsers accept (dates as ISO, whole numbers
without '.0', everything else as written).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zipfile import BadZipFile

from sources.readers import SourceFile, SourceFileError, header_score

HEADER_SEARCH_ROWS = 20


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_xlsx(path: Path, expected_headers: set[str]) -> SourceFile:
    from openpyxl import load_workbook

    if not path.exists():
        raise SourceFileError(path, "file does not exist")
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise SourceFileError(path, f"not a readable .xlsx workbook: {exc}") from exc
    sheet = workbook.worksheets[0]
    header: list[str] | None = None
    header_line = 0
    for index, row in enumerate(sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), start=1):
        cells = [_text(v) for v in row]
        if header_score(cells, expected_headers) >= min(2, len(expected_headers)):
            header, header_line = cells, index
            break
    if header is None:
        workbook.close()
        raise SourceFileError(
            path,
            f"no header row found in the first {HEADER_SEARCH_ROWS} rows of sheet {sheet.title!r} "
            f"(expected headers such as {sorted(expected_headers)[:4]})",
        )
    while header and not header[-1]:
        header.pop()
    width = len(header)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for line, row in enumerate(
                sheet.iter_rows(min_row=header_line + 1, values_only=True), start=header_line + 1
            ):
                cells = [_text(v) for v in row]
                if not any(cells):
                    continue
                if len(cells) > width and not any(cells[width:]):
                    cells = cells[:width]
                elif len(cells) < width:
                    cells += [""] * (width - len(cells))
                yield line, cells
        finally:
            workbook.close()

    notes = [f"skipped {header_line - 1} title row(s) above the header"] if header_line > 1 else []
    return SourceFile(path=path, header=header, header_line=header_line, rows=rows(), notes=notes)
