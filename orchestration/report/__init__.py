"""The IKU report for leadership, in Bahasa Indonesia: `iku report --year 2025 [--quarter 3]`.

read_report (data.py) reads the published marts once; render_html (html.py) and write_xlsx
(xlsx.py) lay the same report out; browser.py prints the HTML to PDF. Files are written beside
their final name and renamed into place, so a reader never opens half a report.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from orchestration import settings
from orchestration.report.data import Report, ReportError, latest_year, read_report

FORMATS = ("html", "xlsx", "pdf")

__all__ = [
    "FORMATS",
    "Report",
    "ReportError",
    "default_path",
    "latest_year",
    "read_report",
    "save",
    "write_report",
]


def reports_dir() -> Path:
    return settings.iku_home() / "reports"


def default_path(year: int, quarter: int | None, fmt: str) -> Path:
    """`$IKU_HOME/reports/laporan-iku-2025.html`, `...-2025-tw3.pdf`."""
    stem = f"laporan-iku-{year}" + (f"-tw{quarter}" if quarter else "")
    return reports_dir() / f"{stem}.{fmt}"


def _replace(path: Path, write) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def write_report(
    engine: sa.Engine, year: int, quarter: int | None = None, fmt: str = "html", out: Path | None = None
) -> Path:
    """Write the report of `year` (or its quarter) as `fmt` to `out` (default under
    $IKU_HOME/reports/) and return the path. Raises ReportError or browser.BrowserError."""
    if fmt not in FORMATS:
        raise ReportError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    return save(read_report(engine, year, quarter), fmt, out)


def save(report: Report, fmt: str, out: Path | None = None) -> Path:
    """Lay `report` (read once by read_report) out as `fmt` in `out` (default under
    $IKU_HOME/reports/); several formats of one report share that one read."""
    path = out or default_path(report.year, report.quarter, fmt)
    generated_at = datetime.now(UTC)
    if fmt == "xlsx":
        from orchestration.report.xlsx import write_xlsx

        return _replace(path, lambda p: write_xlsx(report, p))
    from orchestration.report.html import render_html

    page = render_html(report, generated_at)
    if fmt == "html":
        return _replace(path, lambda p: p.write_text(page, encoding="utf-8"))
    from orchestration.report.browser import print_pdf

    def pdf(partial: Path) -> None:
        source = partial.with_name(partial.name + ".html")
        try:
            source.write_text(page, encoding="utf-8")
            print_pdf(source, partial)
        finally:
            source.unlink(missing_ok=True)

    return _replace(path, pdf)
