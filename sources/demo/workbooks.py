"""Demo workbooks kept by stewards: peta jabatan, IKU targets, scores assessed outside."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sources.demo.population import Position
from sources.demo.sheets import save_sheet, stamp_for

CATALOG = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "iku_catalog.csv"


def _save(path: Path, title: str, header: list[str], rows: list[list[object]], as_of: date) -> Path:
    """Stewards put a title above the header; the same rows always give the same bytes."""
    return save_sheet(path, [title], header, rows, stamp_for(as_of))


def write_peta_jabatan(out_dir: Path, positions: list[Position], as_of: date) -> Path:
    rows = [
        [
            p.id,
            p.opd.id,
            p.opd.name,
            p.opd.code,
            p.name,
            "struktural",
            p.eselon_id,
            {"2": 14, "3": 11, "4": 9}[p.eselon_id[0]],
            1,
        ]
        for p in positions
    ]
    return _save(
        out_dir / f"peta_jabatan_{as_of.isoformat()}.xlsx",
        "PETA JABATAN PEMERINTAH KABUPATEN HALMAHERA UTARA",
        [
            "ID JABATAN",
            "ID OPD",
            "NAMA OPD",
            "UNIT KERJA",
            "NAMA JABATAN",
            "JENIS JABATAN",
            "ESELON",
            "KELAS JABATAN",
            "KEBUTUHAN",
        ],
        rows,
        as_of,
    )


def _catalog() -> list[dict[str, str]]:
    with CATALOG.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# Renstra targets of the demo kabupaten (about 5,500 ASN): counts are what a BKD plans for a year.
TARGETS = {
    "BKD-1.2": 8,
    "INKA-1": 4,
    "INKA-2": 12,
    "INKA-3": 450,
    "INKA-4": 12,
    "INKA-5": 40,
    "INKA-6": 40,
    "BPP-1": 36,
    "BPP-2": 432,
    "BPP-3": 45,
    "DST-1": 150,
    "DST-2": 300,
}
DEFAULT_TARGETS = {"persen": 90, "per 1000": 8, "jumlah": 12, "nilai": 75, "kategori": 80}


def write_targets(out_dir: Path, as_of: date) -> Path:
    """A Renstra target for every indicator and year since 2021."""
    rows = [
        [
            c["indicator_code"],
            year,
            TARGETS.get(c["indicator_code"], DEFAULT_TARGETS[c["unit_of_measure"]]),
            "Renstra 2021-2026",
        ]
        for year in range(2021, as_of.year + 1)
        for c in _catalog()
    ]
    return _save(
        out_dir / f"target_iku_{as_of.isoformat()}.xlsx",
        "TARGET INDIKATOR KINERJA UTAMA BKD DAN SDA",
        ["KODE IKU", "TAHUN", "TARGET", "DOKUMEN"],
        rows,
        as_of,
    )


def write_external_scores(out_dir: Path, as_of: date) -> Path:
    manual = [c for c in _catalog() if c["kind"] == "manual"]
    rows = []
    for year in range(2021, as_of.year):
        for i, c in enumerate(manual):
            score = 68 + (year - 2021) * 2.5 + i
            rows.append(
                [
                    c["indicator_code"],
                    year,
                    score,
                    "",
                    "BKN" if c["indicator_code"] == "BKD-1.1" else "Inspektorat",
                    f"LHE/{c['indicator_code']}/{year}",
                ]
            )
    return _save(
        out_dir / f"nilai_eksternal_{as_of.isoformat()}.xlsx",
        "NILAI HASIL PENILAIAN EKSTERNAL",
        ["KODE IKU", "TAHUN", "NILAI", "KATEGORI", "PENILAI", "BUKTI"],
        rows,
        as_of,
    )
