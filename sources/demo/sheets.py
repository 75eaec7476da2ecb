"""Helpers for the demo writers of registers: reproducible workbooks, and reading demo files
already written (so that a register agrees with the riwayat export it documents).

openpyxl stamps the time of saving into a workbook twice (the document properties and the
date of every zip entry); `save_sheet` fixes both to a moment derived from the as-of date, so
the same rows always give the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from sources.conform import Rejection, conform, map_header
from sources.contracts import load_contracts, normalize_header
from sources.readers import read_file


def stamp_for(as_of: date) -> datetime:
    """The moment a demo workbook claims it was saved: 16:00 on the as-of date."""
    return datetime(as_of.year, as_of.month, as_of.day, 16, 0, 0)


def save_sheet(
    path: Path,
    titles: list[str],
    header: list[str],
    rows: Iterable[list[object]],
    stamp: datetime,
) -> Path:
    """One sheet: the title lines stewards put above a register, a blank row, header, rows."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "BKD dan SDA Kabupaten Halmahera Utara"
    workbook.properties.created = workbook.properties.modified = stamp
    sheet = workbook.create_sheet("Sheet1")
    for title in titles:
        sheet.append([title])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()  # not workbook.save(): that stamps the time of day
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, source.read(info.filename))
    return path


def read_rows(path: Path, contract_name: str) -> list[dict[str, str | None]]:
    """The rows of a demo file as the loader would type them (by raw column name); rows the
    contract rejects are skipped. Empty when the file was not written."""
    if not path.exists():
        return []
    contract = load_contracts()[contract_name]
    source = read_file(path, {normalize_header(c.header) for c in contract.columns})
    mapping = map_header(contract, source)
    rows = []
    for item in conform(contract, source, mapping):
        if isinstance(item, Rejection):
            continue
        _, values = item
        rows.append({c.name: v for c, v in zip(mapping.columns, values, strict=True) if c.name})
    return rows
