"""Writers for SIASN-format exports of the demo population."""

from __future__ import annotations

import csv
import random
import zlib
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from sources.contracts import load_contracts
from sources.demo.population import (
    EDUCATION_NAMES,
    ESELON_NAMES,
    GOLONGAN_LADDER,
    GOLONGAN_PNS,
    GOLONGAN_PPPK,
    JENIS_JABATAN,
    JENIS_PEGAWAI,
    KEDUDUKAN_HUKUM,
    PELAKSANA,
    Employee,
)


def _dmy(d: date | None) -> str:
    return d.strftime("%d-%m-%Y") if d else ""


def siasn_row(e: Employee) -> dict[str, str]:
    golongan_names = GOLONGAN_PPPK if e.is_pppk else GOLONGAN_PNS
    return {
        "PNS ID": e.pns_id,
        "NIP BARU": e.nip,
        "NIP LAMA": "" if e.is_pppk else f"{zlib.crc32(e.nip.encode()) % 10**9:09d}",
        "NAMA": e.nama.upper(),
        "GELAR DEPAN": "",
        "GELAR BELAKANG": "S.Pd" if e.jabatan.startswith("Guru") else "",
        "TEMPAT LAHIR ID": "8203",
        "TEMPAT LAHIR NAMA": "TOBELO",
        "TANGGAL LAHIR": _dmy(e.birth_date),
        "JENIS KELAMIN": "M" if e.gender == "1" else "F",
        "AGAMA ID": "2",
        "AGAMA NAMA": "Kristen",
        "JENIS KAWIN ID": "2",
        "JENIS KAWIN NAMA": "Menikah",
        "NIK": e.nik,
        "NOMOR HP": e.phone,
        "EMAIL": "",
        "EMAIL GOV": "",
        "ALAMAT": e.address,
        "NPWP NOMOR": "",
        "BPJS": "",
        "JENIS PEGAWAI ID": "2" if e.is_pppk else "1",
        "JENIS PEGAWAI NAMA": JENIS_PEGAWAI["2" if e.is_pppk else "1"],
        "KEDUDUKAN HUKUM ID": e.kedudukan_hukum_id,
        "KEDUDUKAN HUKUM NAMA": KEDUDUKAN_HUKUM[e.kedudukan_hukum_id],
        "STATUS CPNS PNS": "C" if e.kind == "CPNS" else ("" if e.is_pppk else "P"),
        "KARTU ASN VIRTUAL": "",
        "NOMOR SK CPNS": f"800/{e.nip[-4:]}/SK-CPNS/{e.tmt_cpns.year}",
        "TANGGAL SK CPNS": _dmy(e.tmt_cpns),
        "TMT CPNS": _dmy(e.tmt_cpns),
        "NOMOR SK PNS": f"821/{e.nip[-4:]}/SK-PNS" if e.tmt_pns else "",
        "TANGGAL SK PNS": _dmy(e.tmt_pns),
        "TMT PNS": _dmy(e.tmt_pns),
        "GOL AWAL ID": e.golongan_id,
        "GOL AWAL NAMA": golongan_names[e.golongan_id],
        "GOL AKHIR ID": e.golongan_id,
        "GOL AKHIR NAMA": golongan_names[e.golongan_id],
        "TMT GOLONGAN": _dmy(e.tmt_golongan),
        "MK TAHUN": str(max(0, e.tmt_golongan.year - e.tmt_cpns.year)),
        "MK BULAN": "0",
        "JENIS JABATAN ID": e.jenis_jabatan_id,
        "JENIS JABATAN NAMA": JENIS_JABATAN[e.jenis_jabatan_id],
        "JABATAN ID": e.position_id or f"F{zlib.crc32(e.jabatan.encode()) % 10**6:06d}",
        "JABATAN NAMA": e.jabatan,
        "TMT JABATAN": _dmy(e.tmt_jabatan),
        "ESELON ID": e.eselon_id or "99",
        "ESELON NAMA": ESELON_NAMES.get(e.eselon_id or "", "Non Eselon"),
        "TINGKAT PENDIDIKAN ID": e.tingkat_pendidikan_id,
        "TINGKAT PENDIDIKAN NAMA": EDUCATION_NAMES[e.tingkat_pendidikan_id],
        "PENDIDIKAN ID": f"P{e.tingkat_pendidikan_id}01",
        "PENDIDIKAN NAMA": EDUCATION_NAMES[e.tingkat_pendidikan_id],
        "TAHUN LULUS": str(e.tahun_lulus),
        "KPKN ID": "148",
        "KPKN NAMA": "TERNATE",
        "LOKASI KERJA ID": "8203",
        "LOKASI KERJA NAMA": "KAB. HALMAHERA UTARA",
        "UNOR ID": e.unor[0],
        "UNOR NAMA": e.unor[1],
        "INSTANSI INDUK ID": "A5EB03E23CF1F6A0E040640A040252AD",
        "INSTANSI INDUK NAMA": "Kabupaten Halmahera Utara",
        "INSTANSI KERJA ID": "A5EB03E23CF1F6A0E040640A040252AD",
        "INSTANSI KERJA NAMA": "Kabupaten Halmahera Utara",
        "SATUAN KERJA INDUK ID": e.opd.id,
        "SATUAN KERJA INDUK NAMA": e.opd.name,
        "SATUAN KERJA KERJA ID": e.opd.id,
        "SATUAN KERJA KERJA NAMA": e.opd.name,
        "CREATED AT": "",
        "UPDATED AT": "",
    }


def write_siasn_pns(out_dir: Path, employees: Iterable[Employee], as_of: date) -> Path:
    headers = [c.header for c in load_contracts()["siasn_pns"].columns]
    path = out_dir / f"siasn_pns_{as_of.isoformat()}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=headers, delimiter="|", lineterminator="\r\n")
        writer.writeheader()
        for e in employees:
            writer.writerow(siasn_row(e))
    return path


# --------------------------------------------------------------------------- a year of exports


def month_ends(as_of: date) -> list[date]:
    """The last day of every month of the as-of year, up to the as-of date's month."""
    ends = []
    for month in range(1, as_of.month + 1):
        nxt = date(as_of.year + (month == 12), month % 12 + 1, 1)
        ends.append(min(nxt - timedelta(days=1), as_of))
    return ends


def _before_promotion(e: Employee) -> Employee:
    """The employee before their last regular promotion (as riwayat golongan writes it)."""
    pos = GOLONGAN_LADDER.index(e.golongan_id)
    if e.is_pppk or pos == 0:
        return replace(e, tmt_golongan=e.tmt_cpns)
    earlier = max(e.tmt_cpns, date(e.tmt_golongan.year - 4, e.tmt_golongan.month, 1))
    return replace(e, golongan_id=GOLONGAN_LADDER[pos - 1], tmt_golongan=earlier)


def _before_move(e: Employee, opds: list, month_end: date) -> Employee:
    """The employee before their current position: a pelaksana came from another OPD (a move);
    anyone else held the same post from an earlier TMT."""
    earlier = max(e.tmt_cpns, date(e.tmt_jabatan.year - 3, e.tmt_jabatan.month, 1))
    if e.jenis_jabatan_id == "4" and not e.eselon_id:
        other = opds[(opds.index(e.opd) + 1) % len(opds)]
        return replace(e, opd=other, unor=other.units[0], tmt_jabatan=earlier)
    return replace(e, tmt_jabatan=min(earlier, month_end))


def state_at(e: Employee, month_end: date, opds: list) -> Employee | None:
    """The employee as the SIASN export of `month_end` lists them; None before their TMT CPNS."""
    if e.tmt_cpns > month_end:
        return None  # an entrant: appointed after this export
    if e.tmt_golongan > month_end:
        e = _before_promotion(e)
    if e.tmt_jabatan > month_end:
        e = _before_move(e, opds, month_end)
    if e.tmt_pns and e.tmt_pns > month_end:
        e = replace(e, kind="CPNS", tmt_pns=None)
    return e


def leaver(row: dict[str, str], template: Employee, rng: random.Random) -> Employee:
    """A former employee of the riwayat pemberhentian, as the exports before they left list
    them: birth date and TMT CPNS from the NIP, a pelaksana post in the template's OPD, the rest
    of the template's record."""
    nip = row["nipBaru"]
    birth = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    tmt_cpns = date(int(nip[8:12]), int(nip[12:14]), 1)
    return replace(
        template,
        nip=nip,
        pns_id=f"{zlib.crc32(nip.encode()):08x}-0000-4000-8000-{int(nip[-12:]):012x}",
        nama=f"{template.nama.split()[0]} {rng.choice(['Tuanakotta', 'Hehanussa', 'Latuconsina'])}",
        nik=f"8203{rng.randint(10**11, 10**12 - 1)}",
        birth_date=birth,
        gender=nip[14],
        kind="PNS",
        tmt_cpns=tmt_cpns,
        tmt_pns=tmt_cpns + timedelta(days=365),
        tmt_golongan=max(tmt_cpns, template.tmt_golongan),
        tmt_jabatan=max(tmt_cpns, template.tmt_jabatan),
        kedudukan_hukum_id="01",
        jenis_jabatan_id="4",
        jabatan=PELAKSANA[0],
        eselon_id=None,
        position_id=None,
    )


def write_monthly_siasn_pns(
    out_dir: Path, employees: list[Employee], opds: list, as_of: date, pemberhentian: Path, rng: random.Random
) -> list[Path]:
    """One SIASN export per month end of the as-of year, as BKD receives them over the year:
    entrants appear from their TMT CPNS on, promotions and moves from their TMT, and the year's
    leavers (riwayat pemberhentian) are listed until their TMT; SIASN lags, so every other
    leaver is still listed in the export of the month their pemberhentian took effect."""
    with pemberhentian.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="|") if r["tmtPemberhentian"][-4:] == str(as_of.year)]
    pns = [e for e in employees if not e.is_pppk]
    leavers = []
    for k, row in enumerate(sorted(rows, key=lambda r: r["nipBaru"])):
        day, month, year = (int(x) for x in row["tmtPemberhentian"].split("-"))
        listed_until = date(year, month, day) + timedelta(days=31 if k % 2 else 0)
        leavers.append((leaver(row, pns[k * 7 % len(pns)], rng), listed_until))
    paths = []
    for month_end in month_ends(as_of):
        listed = [s for s in (state_at(e, month_end, opds) for e in employees) if s is not None]
        listed += [e for e, until in leavers if month_end < until]
        paths.append(write_siasn_pns(out_dir, listed, month_end))
    return paths
