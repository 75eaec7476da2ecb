"""Writers for SIASN-format exports of the demo population."""

from __future__ import annotations

import csv
import zlib
from datetime import date
from pathlib import Path

from sources.contracts import load_contracts
from sources.demo.population import (
    EDUCATION_NAMES,
    ESELON_NAMES,
    GOLONGAN_PNS,
    GOLONGAN_PPPK,
    JENIS_JABATAN,
    JENIS_PEGAWAI,
    KEDUDUKAN_HUKUM,
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


def write_siasn_pns(out_dir: Path, employees: list[Employee], as_of: date) -> Path:
    headers = [c.header for c in load_contracts()["siasn_pns"].columns]
    path = out_dir / f"siasn_pns_{as_of.isoformat()}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=headers, delimiter="|", lineterminator="\r\n")
        writer.writeheader()
        for e in employees:
            writer.writerow(siasn_row(e))
    return path
