"""The IKU report for leadership (`iku report`): HTML opened in headless Chromium, XLSX, PDF.

The demo warehouse is built and published once for the module; the report is written from it
and read back: every catalog code with its value, target and capaian as fct_iku holds them, a
chart per indicator with data, no network request from the page, the text escaped, the XLSX
numbers as numbers with native charts. The screenshot and the PDF are kept as artifacts
(`$IKU_TEST_ARTIFACTS`, default `test-artifacts/` in the repository).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from orchestration.assets.publish import publish_marts
from orchestration.catalog import read_catalog
from orchestration.report import ReportError, read_report, write_report
from orchestration.report import wording as w
from orchestration.report.browser import dump_dom, print_pdf, screenshot
from orchestration.settings import REPO_ROOT
from orchestration.warehouse import make_engine
from tests.helpers import chromium_or_skip

pytestmark = [pytest.mark.warehouse, pytest.mark.slow]


@pytest.fixture(scope="module")
def published(built_demo_module_url: str):
    engine = make_engine(built_demo_module_url)
    publish_marts(engine, [], "test-report")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def year(published: sa.Engine) -> int:
    """The newest complete year of the demo."""
    with published.connect() as conn:
        return conn.execute(
            sa.text(
                "select max(period_year) from marts.fct_iku where period_type = 'year' and is_period_complete"
            )
        ).scalar()


@pytest.fixture(scope="module")
def agency_rows(published: sa.Engine, year: int) -> dict[str, sa.Row]:
    with published.connect() as conn:
        rows = conn.execute(
            sa.text("select * from marts.fct_iku where scope = 'agency' and period_id = :p"), {"p": str(year)}
        ).all()
    return {r.indicator_code: r for r in rows}


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("IKU_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _page_requests(net_log: Path) -> list[str]:
    """URLs the page asked for: requests with an initiator (the browser's own background
    requests have none: 'not an origin')."""
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        e["params"]["url"]
        for e in log["events"]
        if e["type"] == start_job and e.get("params", {}).get("initiator") not in (None, "not an origin")
    ]


def test_html_report_in_chromium_shows_every_code_with_figures(
    published, year, agency_rows, artifacts, tmp_path
):
    chromium_or_skip()
    page = write_report(published, year, None, "html", tmp_path / "laporan.html")
    source = page.read_text(encoding="utf-8")

    # one file, nothing to fetch: no script, stylesheet link, external URL or import
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(|https?://", source, re.IGNORECASE)

    net_log = tmp_path / "net.json"
    dom = dump_dom(page, net_log)
    assert _page_requests(net_log) == []
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))

    catalog = read_catalog()
    assert len(agency_rows) == len(catalog)
    assert "Laporan Capaian Indikator Kinerja Utama" in text and f"Tahun {year}" in text
    for entry in catalog:
        code = entry["indicator_code"]
        row = agency_rows[code]
        card = re.search(rf'<section class="card" id="iku-{re.escape(code)}">(.*?)</section>', dom, re.S)
        assert card, code
        card_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card.group(1)))
        assert entry["penanggung_jawab"] in card_text and entry["sumber_data"] in card_text, code
        if row.value is None:
            assert "Tanpa nilai" in card_text, code
            continue
        unit = entry["unit_of_measure"]
        assert w.nilai(row.value, unit) in card_text, (code, row.value)
        if row.target is not None:
            assert w.nilai(row.target, unit) in card_text, (code, row.target)
            assert w.angka(row.capaian) in card_text, (code, row.capaian)
        assert "<svg" in card.group(1), f"{code} has a value but no trend chart"
        assert "Mutu data masukan" in card_text

    shot = screenshot(page, artifacts / f"laporan-iku-{year}.png")
    pdf = print_pdf(page, artifacts / f"laporan-iku-{year}.pdf")
    assert shot.stat().st_size > 10_000
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
    shutil.copy(page, artifacts / f"laporan-iku-{year}.html")


def test_the_network_check_sees_a_page_that_fetches(tmp_path):
    """The check above is not blind: a page asking for an image is caught."""
    chromium_or_skip()
    page = tmp_path / "fetches.html"
    page.write_text('<html><body><img src="http://127.0.0.1:9/x.png"></body></html>')
    net_log = tmp_path / "net.json"
    dump_dom(page, net_log)
    assert _page_requests(net_log) == ["http://127.0.0.1:9/x.png"]


def test_pdf_report_is_a4(published, year, tmp_path):
    chromium_or_skip()
    pdf = write_report(published, year, None, "pdf", tmp_path / "laporan.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    # A4 is 595 x 842 points
    assert re.search(rb"/MediaBox\s*\[\s*0 0 59[45](\.\d+)? 84[12](\.\d+)?\s*\]", pdf)


def test_xlsx_report_has_the_tables_numbers_and_native_charts(published, year, agency_rows, tmp_path):
    from openpyxl import load_workbook

    path = write_report(published, year, None, "xlsx", tmp_path / "laporan.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["IKU Badan", "IKU Unit Kerja", "Tren", "Per OPD", "Rincian"]
    codes = {entry["indicator_code"] for entry in read_catalog()}

    ws = book["IKU Badan"]
    header = next(r for r in ws.iter_rows(values_only=True) if r[0] == "No")
    seen = {}
    for sheet in ("IKU Badan", "IKU Unit Kerja"):
        for r in book[sheet].iter_rows(values_only=True):
            if isinstance(r[0], int):
                seen[r[header.index("Kode")]] = dict(zip(header, r, strict=False))
    assert set(seen) == codes
    for code, row in agency_rows.items():
        cells = seen[code]
        expected = float(row.value) if row.value is not None else None
        assert cells["Realisasi"] == pytest.approx(expected), code
        if row.capaian is not None:
            assert cells["Capaian (%)"] == pytest.approx(float(row.capaian)), code
        assert cells["Kategori capaian"] == row.status

    # load_workbook does not read charts back: count them in the file itself
    from zipfile import ZipFile

    with ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == len(codes)


def test_quarter_report_and_missing_periods(published, year, tmp_path):
    report = read_report(published, year, 3)
    assert report.period_id == f"{year}-Q3"
    assert report.trend_periods == [f"{year}-Q1", f"{year}-Q2", f"{year}-Q3"]
    page = write_report(published, year, 3, "html", tmp_path / "tw3.html").read_text(encoding="utf-8")
    assert f"Triwulan III {year}" in page
    with pytest.raises(ReportError, match="no published IKU for period 1990"):
        read_report(published, 1990)


def test_text_from_the_data_is_escaped_and_spreadsheet_safe(published, year, tmp_path):
    """An OPD name that is markup or a formula reaches the HTML as text and the XLSX as text."""
    from openpyxl import load_workbook

    evil = '=HYPERLINK("x")<script>alert(1)</script>'
    with published.begin() as conn:
        opd = conn.execute(
            sa.text("select opd_id from marts.fct_iku where scope = 'opd' and period_id = :p limit 1"),
            {"p": str(year)},
        ).scalar()
        conn.execute(
            sa.text("update marts.fct_iku set opd_nama = :n where opd_id = :o"), {"n": evil, "o": opd}
        )
    try:
        page = write_report(published, year, None, "html", tmp_path / "l.html").read_text(encoding="utf-8")
        assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        book = load_workbook(write_report(published, year, None, "xlsx", tmp_path / "l.xlsx"))
        names = [r[2] for r in book["Per OPD"].iter_rows(min_row=2, values_only=True)]
        assert "'" + evil in names  # shown as text, never evaluated
        assert not any(isinstance(n, str) and n.startswith("=") for n in names)
    finally:
        with published.begin() as conn:
            conn.execute(
                sa.text(
                    "update marts.fct_iku f set opd_nama = d.opd_nama "
                    "from marts.dim_opd d where f.opd_id = d.opd_id"
                )
            )


def test_iku_report_command(built_demo_module_url, published, year, tmp_path, monkeypatch, capsys):
    from orchestration.cli import main

    monkeypatch.setenv("IKU_WAREHOUSE_URL", built_demo_module_url)
    out = tmp_path / "laporan.xlsx"
    assert main(["report", "--year", str(year), "--format", "xlsx", "--out", str(out)]) == 0
    assert out.exists() and str(out) in capsys.readouterr().out
    assert main(["report", "--year", "2001"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "iku report: no published IKU for period 2001"
