"""The report as one self-contained HTML file: inline CSS and SVG, no script, no link, no font or
image to fetch (its Content-Security-Policy forbids any), printable to A4.

Every text from the data reaches the page through Jinja's autoescape; the charts are built
by charts.trend_svg, which escapes its own texts.
"""

from __future__ import annotations

import csv
import functools
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from orchestration.report import wording as w
from orchestration.report.charts import trend_svg
from orchestration.report.data import Indicator, QualityState, Report
from orchestration.settings import REPO_ROOT

INSTANSI = "Badan Kepegawaian Daerah dan Sumber Daya Aparatur Kabupaten Halmahera Utara"
WIT = ZoneInfo("Asia/Jayapura")
KATEGORI_CAPAIAN = REPO_ROOT / "dbt_project" / "seeds" / "ref_kategori_capaian.csv"
TEMPLATES = Path(__file__).parent / "templates"


@functools.cache
def kategori_capaian() -> tuple[tuple[str, str], ...]:
    """(kategori, range in words) from the seed that fct_iku's status is computed with."""
    rows = []
    with KATEGORI_CAPAIAN.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            low, high = row["capaian_from"], row["capaian_below"]
            if low and high:
                words = f"{low}–<{high}"
            elif low:
                words = f"≥ {low}"
            else:
                words = f"< {high}"
            rows.append((row["kategori_capaian"], words))
    return tuple(rows)


def quality_words(state: QualityState, has_results: bool) -> tuple[str, str]:
    """The sentence on an indicator's input checks, and its CSS class."""
    if not has_results:
        return "belum ada hasil pemeriksaan mutu data.", "quality-ack"
    parts = [f"{state.passed} pemeriksaan lulus"]
    if state.failed:
        parts.append(f"{len(state.failed)} gagal ({', '.join(state.failed)})")
    if state.acknowledged:
        parts.append(
            f"{len(state.acknowledged)} gagal tetapi diakui pengelola data ({', '.join(state.acknowledged)})"
        )
    sources = f" Sumber yang dipakai: {', '.join(state.sources)}." if state.sources else ""
    css = "quality-bad" if state.failed else "quality-ack" if state.acknowledged else "quality-ok"
    return "; ".join(parts) + "." + sources, css


def indicator_view(indicator: Indicator, report: Report) -> dict[str, Any]:
    figure, satuan = indicator.current, indicator.satuan
    mutu, mutu_kelas = quality_words(indicator.quality, report.has_quality_results)
    view: dict[str, Any] = {
        "code": indicator.code,
        "name": indicator.name,
        "sasaran": indicator.sasaran,
        "unit_kerja": indicator.unit_kerja,
        "penanggung_jawab": indicator.penanggung_jawab,
        "sumber_data": indicator.sumber_data,
        "rumus": indicator.rumus,
        "satuan": w.satuan(satuan),
        "arah": w.ARAH.get(indicator.direction, indicator.direction),
        "jenis": w.JENIS.get(indicator.kind, indicator.kind),
        "mutu": mutu,
        "mutu_kelas": mutu_kelas,
        "grafik": Markup(trend_svg(indicator.trend, satuan, f"Tren {indicator.code}")),
        "per_opd": [
            {
                "opd": o.opd_nama,
                "pembilang": w.angka(o.figure.numerator, 0),
                "penyebut": w.angka(o.figure.denominator, 0),
                "realisasi": w.nilai(o.figure.value, satuan),
                "capaian": w.angka(o.figure.capaian),
            }
            for o in sorted(
                indicator.by_opd, key=lambda o: (o.figure.value is None, -(o.figure.value or 0), o.opd_nama)
            )
        ],
    }
    if figure is None:
        view.update(
            target="–",
            realisasi="–",
            capaian="–",
            status="tidak ada data",
            pembilang="–",
            penyebut="–",
            kategori_nilai=None,
            tanggal_acuan="–",
            alasan="indikator ini tidak dihitung untuk periode ini",
        )
    else:
        view.update(
            target=w.nilai(figure.target, satuan),
            realisasi=w.nilai(figure.value, satuan),
            kategori_nilai=figure.value_kategori,
            capaian=w.angka(figure.capaian),
            status=figure.status,
            pembilang=w.angka(figure.numerator, 0) if indicator.kind != "manual" else "–",
            penyebut=w.angka(figure.denominator, 0) if indicator.kind != "manual" else "–",
            tanggal_acuan=w.tanggal(figure.reference_date),
            alasan=w.alasan(figure.null_reason) if figure.value is None else "",
        )
    view["warna"] = w.WARNA_STATUS.get(view["status"], "#6b7280")
    return view


def summary(report: Report) -> list[dict[str, Any]]:
    names = [k for k, _ in kategori_capaian()] + ["tanpa target", "tidak ada data"]

    def count(indicators: list[Indicator], name: str) -> int:
        return sum(1 for i in indicators if (i.current.status if i.current else "tidak ada data") == name)

    units = [i for unit in report.units.values() for i in unit]
    return [
        {
            "kategori": n,
            "warna": w.WARNA_STATUS.get(n, "#6b7280"),
            "badan": count(report.agency, n),
            "unit": count(units, n),
        }
        for n in names
    ]


def render_html(report: Report, generated_at: datetime) -> str:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )
    views = {i.code: indicator_view(i, report) for i in report.indicators}
    published = report.published_at.astimezone(WIT) if report.published_at else None
    return env.get_template("laporan.html.j2").render(
        instansi=INSTANSI,
        periode=w.periode(report.period_id),
        triwulan=report.quarter,
        sementara=report.is_provisional,
        terbit=f"{w.tanggal(published)} pukul {published:%H.%M} WIT" if published else "belum tercatat",
        dibuat=f"{w.tanggal(generated_at.astimezone(WIT))} pukul {generated_at.astimezone(WIT):%H.%M} WIT",
        ringkasan=summary(report),
        kategori_capaian=[f"{k} ({r})" for k, r in kategori_capaian()],
        badan=[views[i.code] for i in report.agency],
        unit_kerja=[(unit, [views[i.code] for i in indicators]) for unit, indicators in report.units.items()],
        semua=[views[i.code] for i in report.indicators],
    )
