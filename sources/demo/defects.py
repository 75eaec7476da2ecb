"""Deliberate defects in the demo sources, at configurable rates, with a manifest of each one.

`inject_defects` rewrites files the generator wrote, the way real deliveries go wrong: an
invalid NIP, a NIP that does not match the birth date, duplicate rows, unknown codes, an empty
mandatory field, a date in the future, one employee active in two OPDs, a file saved in
Latin-1, a workbook with extra title rows above the header. Each defect is recorded in
`.defects.json` (file, line, field, kind, and whether the loader quarantines the row or the
quality checks must catch it), so tests can prove that every defect is accounted for.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

from openpyxl import load_workbook

MANIFEST = ".defects.json"
DEFAULT_RATE = 0.005

# kind -> what the warehouse must do with it
QUARANTINED, FLAGGED, LOADED = "quarantined", "flagged", "loaded"
DEFECT_KINDS: dict[str, str] = {
    "invalid_nip": QUARANTINED,
    "nip_birth_mismatch": FLAGGED,  # a valid row: the quality checks flag it
    "duplicate_row": QUARANTINED,
    "unknown_code": FLAGGED,
    "missing_mandatory": QUARANTINED,
    "future_date": QUARANTINED,
    "two_opds": FLAGGED,
    "latin1_file": LOADED,  # the reader detects the encoding: every row loads
    "excel_title_row": LOADED,  # the reader finds the header below the titles
}


@dataclass
class Defect:
    kind: str
    file: str
    line: int  # physical line (delimited) or sheet row (xlsx) of the defective row
    field: str
    outcome: str
    detail: str
    nip: str = ""


@dataclass
class _Row:
    cells: list[str]
    defects: list[Defect] = field(default_factory=list)


class _Delimited:
    """A pipe-delimited demo file held as rows, so defects can add rows and still know lines."""

    def __init__(self, path: Path):
        self.path = path
        with path.open(encoding="utf-8", newline="") as fh:
            lines = fh.read().replace("\r\n", "\n").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        self.header = lines[0].split("|")
        self.rows = [_Row(line.split("|")) for line in lines[1:]]

    def col(self, header: str) -> int:
        return self.header.index(header)

    def save(self, encoding: str = "utf-8") -> list[Defect]:
        out = ["|".join(self.header)]
        found = []
        for i, row in enumerate(self.rows, start=2):
            out.append("|".join(row.cells))
            for d in row.defects:
                d.line = i
                found.append(d)
        self.path.write_text("\r\n".join(out) + "\r\n", encoding=encoding)
        return found


def _sample(rng: random.Random, rows: list[_Row], rate: float, taken: set[int]) -> list[int]:
    """Indexes of clean rows to spoil: `rate` of them, at least one (none when rate is 0)."""
    if rate <= 0:
        return []
    free = [i for i, r in enumerate(rows) if i not in taken and not r.defects]
    n = min(len(free), max(1, round(len(rows) * rate)))
    picked = sorted(rng.sample(free, n))
    taken.update(picked)
    return picked


def _mark(row: _Row, kind: str, f: _Delimited, field_name: str, detail: str, nip_col: str) -> None:
    nip = row.cells[f.col(nip_col)] if nip_col in f.header else ""
    row.defects.append(Defect(kind, f.path.name, 0, field_name, DEFECT_KINDS[kind], detail, nip))


def _siasn(f: _Delimited, rates: dict[str, float], rng: random.Random, as_of: date) -> None:
    taken: set[int] = set()
    nip, lahir = f.col("NIP BARU"), f.col("TANGGAL LAHIR")
    for i in _sample(rng, f.rows, rates["invalid_nip"], taken):
        row = f.rows[i]
        good = row.cells[nip]
        bad = rng.choice([good[:17], f"{good[:10]}O{good[11:]}", "1.96608E+17"])
        _mark(row, "invalid_nip", f, "NIP BARU", f"NIP written as {bad!r}", "NIP BARU")
        row.cells[nip] = bad
    for i in _sample(rng, f.rows, rates["nip_birth_mismatch"], taken):
        row = f.rows[i]
        born = date(*(int(x) for x in reversed(row.cells[lahir].split("-"))))
        row.cells[lahir] = (born - timedelta(days=rng.randint(40, 400))).strftime("%d-%m-%Y")
        detail = "birth date differs from NIP digits 1-8"
        _mark(row, "nip_birth_mismatch", f, "TANGGAL LAHIR", detail, "NIP BARU")
    for i in _sample(rng, f.rows, rates["unknown_code"], taken):
        row = f.rows[i]
        header = rng.choice(["TINGKAT PENDIDIKAN ID", "KEDUDUKAN HUKUM ID"])
        row.cells[f.col(header)] = "99" if header.startswith("TINGKAT") else "77"
        _mark(row, "unknown_code", f, header, "code not in the BKN reference table", "NIP BARU")
    for i in _sample(rng, f.rows, rates["missing_mandatory"], taken):
        row = f.rows[i]
        header = rng.choice(["SATUAN KERJA KERJA ID", "JENIS PEGAWAI ID", "KEDUDUKAN HUKUM ID"])
        row.cells[f.col(header)] = ""
        _mark(row, "missing_mandatory", f, header, "mandatory field left empty", "NIP BARU")
    for i in _sample(rng, f.rows, rates["future_date"], taken):
        row = f.rows[i]
        row.cells[lahir] = (as_of + timedelta(days=rng.randint(1, 300))).strftime("%d-%m-%Y")
        _mark(row, "future_date", f, "TANGGAL LAHIR", "birth date after the export date", "NIP BARU")
    _duplicates(f, rates["duplicate_row"], rng, taken, "NIP BARU")


def _duplicates(f: _Delimited, rate: float, rng: random.Random, taken: set[int], nip_col: str) -> None:
    """Copies of rows inserted right after the original (an export run twice, pasted twice)."""
    for i in reversed(_sample(rng, f.rows, rate, taken)):
        copy = _Row(list(f.rows[i].cells))
        _mark(copy, "duplicate_row", f, "(row)", "the same row delivered twice", nip_col)
        f.rows.insert(i + 1, copy)


def _hukdis(f: _Delimited, rates: dict[str, float], rng: random.Random, as_of: date) -> None:
    taken: set[int] = set()
    for i in _sample(rng, f.rows, rates["unknown_code"] * 4, taken):
        row = f.rows[i]
        row.cells[f.col("jenisHukuman")] = "99"
        _mark(row, "unknown_code", f, "jenisHukuman", "jenis hukuman not in PP 94/2021", "nipBaru")
    for i in _sample(rng, f.rows, rates["future_date"] * 4, taken):
        row = f.rows[i]
        row.cells[f.col("skTanggal")] = (as_of + timedelta(days=rng.randint(5, 60))).strftime("%d-%m-%Y")
        _mark(row, "future_date", f, "skTanggal", "SK dated after the export date", "nipBaru")


def _jabatan(f: _Delimited, rates: dict[str, float], rng: random.Random, as_of: date) -> None:
    taken: set[int] = set()
    opd, key = f.col("satuanKerjaId"), f.col("id")
    opds = sorted({r.cells[opd] for r in f.rows})
    for i in reversed(_sample(rng, f.rows, rates["two_opds"], taken)):
        twin = _Row(list(f.rows[i].cells))
        twin.cells[key] += "-B"
        twin.cells[opd] = rng.choice([o for o in opds if o != f.rows[i].cells[opd]])
        _mark(twin, "two_opds", f, "satuanKerjaId", "a second current position in another OPD", "nipBaru")
        f.rows.insert(i + 1, twin)
    for i in _sample(rng, f.rows, rates["missing_mandatory"], taken):
        row = f.rows[i]
        row.cells[f.col("tmtJabatan")] = ""
        _mark(row, "missing_mandatory", f, "tmtJabatan", "mandatory field left empty", "nipBaru")


def _golongan(f: _Delimited, rates: dict[str, float], rng: random.Random, as_of: date) -> None:
    taken: set[int] = set()
    nip = f.col("nipBaru")
    for i in _sample(rng, f.rows, rates["invalid_nip"], taken):
        row = f.rows[i]
        bad = "'" + row.cells[nip][:-1]
        _mark(row, "invalid_nip", f, "nipBaru", f"NIP written as {bad!r}", "nipBaru")
        row.cells[nip] = bad
    _duplicates(f, rates["duplicate_row"], rng, taken, "nipBaru")


def _latin1(f: _Delimited, rates: dict[str, float], rng: random.Random, as_of: date) -> None:
    """Saved from a Windows spreadsheet: Latin-1, with a character outside ASCII."""
    taken: set[int] = set()
    name = f.col("namaDiklat")
    for i in _sample(rng, f.rows, rates["latin1_file"], taken):
        row = f.rows[i]
        row.cells[name] = row.cells[name] + " · Angkatan II"
        _mark(row, "latin1_file", f, "namaDiklat", "file saved in Latin-1 ('·' is byte 0xB7)", "nipBaru")


DELIMITED_DEFECTS: dict[str, tuple[Callable[[_Delimited, float, random.Random, date], None], str]] = {
    "siasn_pns_": (_siasn, "utf-8"),
    "riwayat_hukdis_": (_hukdis, "utf-8"),
    "riwayat_jabatan_": (_jabatan, "utf-8"),
    "riwayat_golongan_": (_golongan, "utf-8"),
    "riwayat_diklat_": (_latin1, "latin-1"),
}


def _title_rows(path: Path) -> list[Defect]:
    """Two more title lines and a blank one above the header, as a steward adds them."""
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    sheet.insert_rows(1, amount=3)
    sheet.cell(row=1, column=1, value="PEMERINTAH KABUPATEN HALMAHERA UTARA")
    sheet.cell(row=2, column=1, value="Keadaan per akhir bulan (data sementara)")
    workbook.save(path)
    header_row = next(
        r for r in range(1, 20) if (sheet.cell(row=r, column=1).value or "").startswith("ID JABATAN")
    )
    return [
        Defect(
            "excel_title_row",
            path.name,
            header_row,
            "(header)",
            DEFECT_KINDS["excel_title_row"],
            f"header on sheet row {header_row}, below {header_row - 1} title/blank rows",
        )
    ]


def defect_rates(rate: float = DEFAULT_RATE, **overrides: float) -> dict[str, float]:
    """The rate of every defect kind: `rate` for all, unless overridden per kind (0 turns it off)."""
    unknown = set(overrides) - set(DEFECT_KINDS)
    if unknown:
        raise ValueError(f"unknown defect kind(s): {', '.join(sorted(unknown))}")
    return {kind: overrides.get(kind, rate) for kind in DEFECT_KINDS}


def inject_defects(
    out_dir: Path, files: list[Path], as_of: date, rates: dict[str, float], seed: int = 2021
) -> list[Defect]:
    """Spoil the generated files in place and write the manifest `.defects.json`.

    `rates[kind]` is the share of a file's rows spoiled with that kind (at least one row while
    the rate is above 0). The manifest lists every defect with its file, line and field.
    """
    rng = random.Random(seed + 99)
    defects: list[Defect] = []
    for path in files:
        for prefix, (spoil, encoding) in DELIMITED_DEFECTS.items():
            if path.name.startswith(prefix) and path.suffix == ".csv":
                f = _Delimited(path)
                spoil(f, rates, rng, as_of)
                latin1 = encoding == "latin-1" and rates["latin1_file"] > 0
                defects += f.save(encoding if latin1 else "utf-8")
        if path.name.startswith("peta_jabatan_") and path.suffix == ".xlsx" and rates["excel_title_row"] > 0:
            defects += _title_rows(path)
    (out_dir / MANIFEST).write_text(
        json.dumps([asdict(d) for d in defects], indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return defects


def read_manifest(out_dir: Path) -> list[Defect]:
    path = out_dir / MANIFEST
    if not path.exists():
        return []
    return [Defect(**d) for d in json.loads(path.read_text(encoding="utf-8"))]
