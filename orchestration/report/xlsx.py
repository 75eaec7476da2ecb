"""The report as a workbook for the Bagian Perencanaan to paste into the LKjIP: the same tables as
the HTML, numbers as numbers (not text), and a native chart of each indicator's trend.

Sheets: `IKU Badan`, `IKU Unit Kerja` (the LKjIP tables), `Tren` (realisasi and target per
period, with the charts beside), `Per OPD` (the breakdown), `Rincian` (penanggung jawab,
sumber data, rumus, mutu data). Every text cell goes through exports.spreadsheet_safe.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from orchestration.exports import spreadsheet_safe
from orchestration.report import wording as w
from orchestration.report.data import Indicator, Report
from orchestration.report.html import INSTANSI, quality_words

HEADER_FILL = PatternFill("solid", fgColor="E4EBF3")
LKJIP_COLUMNS = [
    ("No", 5),
    ("Kode", 10),
    ("Sasaran Strategis", 40),
    ("Indikator Kinerja", 50),
    ("Satuan", 12),
    ("Target", 10),
    ("Realisasi", 11),
    ("Kategori nilai", 13),
    ("Capaian (%)", 11),
    ("Kategori capaian", 15),
    ("Keterangan", 40),
]


def _float(value) -> float | None:
    return float(value) if value is not None else None


def _append(ws, values: list) -> None:
    ws.append([spreadsheet_safe(v) for v in values])


def _header(ws, columns: list[tuple[str, int]], row: int) -> None:
    for col, (name, width) in enumerate(columns, start=1):
        cell = ws.cell(row=row, column=col, value=name)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=row + 1, column=1)


def _lkjip_rows(ws, indicators: list[Indicator]) -> None:
    for n, i in enumerate(indicators, start=1):
        f = i.current
        _append(
            ws,
            [
                n,
                i.code,
                i.sasaran,
                i.name,
                w.satuan(i.satuan),
                _float(f.target) if f else None,
                _float(f.value) if f else None,
                f.value_kategori if f else None,
                _float(f.capaian) if f else None,
                f.status if f else "tidak ada data",
                w.alasan(f.null_reason) if f and f.value is None else None,
            ],
        )
        for col in (6, 7, 9):
            ws.cell(row=ws.max_row, column=col).number_format = "#,##0.00"
        for col in (3, 4, 11):
            ws.cell(row=ws.max_row, column=col).alignment = Alignment(wrap_text=True, vertical="top")


def _title(ws, text: str, report: Report) -> None:
    ws.append([text])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([INSTANSI])
    ws.append([w.periode(report.period_id) + (" (angka sementara)" if report.is_provisional else "")])
    ws.append([])


def _trend_sheet(book: Workbook, report: Report) -> None:
    ws = book.create_sheet("Tren")
    periods = report.trend_periods
    columns = [("Kode", 10), ("Indikator", 45), ("Satuan", 10)]
    columns += [(f"Realisasi {w.periode_singkat(p)}", 11) for p in periods]
    columns += [(f"Target {w.periode_singkat(p)}", 11) for p in periods]
    _header(ws, columns, 1)
    chart_col = get_column_letter(len(columns) + 2)
    for n, i in enumerate(report.indicators):
        by_period = {f.period_id: f for f in i.trend}
        values = [_float(by_period[p].value) if p in by_period else None for p in periods]
        targets = [_float(by_period[p].target) if p in by_period else None for p in periods]
        _append(ws, [i.code, i.name, w.satuan(i.satuan), *values, *targets])
        row = ws.max_row
        first = 4
        chart = BarChart()
        chart.title = f"{i.code}: realisasi dan target"
        chart.height, chart.width = 5.5, 11
        chart.add_data(
            Reference(ws, min_col=first, max_col=first + len(periods) - 1, min_row=row), from_rows=True
        )
        chart.series[0].tx = None
        chart.set_categories(Reference(ws, min_col=first, max_col=first + len(periods) - 1, min_row=1))
        line = LineChart()
        line.add_data(
            Reference(ws, min_col=first + len(periods), max_col=first + 2 * len(periods) - 1, min_row=row),
            from_rows=True,
        )
        chart += line
        chart.legend = None
        ws.add_chart(chart, f"{chart_col}{1 + n * 12}")


def _opd_sheet(book: Workbook, report: Report) -> None:
    ws = book.create_sheet("Per OPD")
    columns = [("Kode", 10), ("Indikator", 45), ("Perangkat daerah", 45), ("Pembilang", 11)]
    columns += [("Penyebut", 11), ("Realisasi", 11), ("Capaian (%)", 11)]
    _header(ws, columns, 1)
    for i in report.indicators:
        for o in i.by_opd:
            f = o.figure
            _append(
                ws,
                [
                    i.code,
                    i.name,
                    o.opd_nama,
                    _float(f.numerator),
                    _float(f.denominator),
                    _float(f.value),
                    _float(f.capaian),
                ],
            )
    ws.auto_filter.ref = ws.dimensions


def _detail_sheet(book: Workbook, report: Report) -> None:
    ws = book.create_sheet("Rincian")
    columns = [("Kode", 10), ("Indikator", 45), ("Unit kerja", 30), ("Penanggung jawab", 30)]
    columns += [("Sumber data", 35), ("Rumus", 70), ("Arah", 25), ("Mutu data masukan", 60)]
    _header(ws, columns, 1)
    for i in report.indicators:
        mutu, _ = quality_words(i.quality, report.has_quality_results)
        _append(
            ws,
            [
                i.code,
                i.name,
                i.unit_kerja,
                i.penanggung_jawab,
                i.sumber_data,
                i.rumus,
                w.ARAH.get(i.direction),
                mutu,
            ],
        )
        for col in range(1, len(columns) + 1):
            ws.cell(row=ws.max_row, column=col).alignment = Alignment(wrap_text=True, vertical="top")


def write_xlsx(report: Report, path: Path) -> Path:
    book = Workbook()
    ws = book.active
    ws.title = "IKU Badan"
    _title(ws, "Indikator Kinerja Utama Badan", report)
    _header(ws, LKJIP_COLUMNS, ws.max_row + 1)
    _lkjip_rows(ws, report.agency)

    ws = book.create_sheet("IKU Unit Kerja")
    _title(ws, "Indikator Kinerja Utama Unit Kerja", report)
    for unit, indicators in report.units.items():
        ws.append([spreadsheet_safe(unit)])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        _header(ws, LKJIP_COLUMNS, ws.max_row + 1)
        _lkjip_rows(ws, indicators)
        ws.append([])
    ws.freeze_panes = None

    _trend_sheet(book, report)
    _opd_sheet(book, report)
    _detail_sheet(book, report)
    book.save(path)
    return path
