"""Demo riwayat (history) exports in SIASN's field names, derived from the demo population."""

from __future__ import annotations

import csv
import random
import zlib
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from sources.contracts import load_contracts
from sources.demo.population import EDUCATION_NAMES, GOLONGAN_LADDER, GOLONGAN_PNS, GOLONGAN_PPPK, Employee

PIM_FOR_ESELON = {
    "2": ("PKN_II", "PKN Tingkat II"),
    "3": ("PKA", "Pelatihan Kepemimpinan Administrator"),
    "4": ("PKP", "Pelatihan Kepemimpinan Pengawas"),
}
HUKUMAN = [  # (id, name, tingkat, weight)
    ("01", "Teguran Lisan", "R", 30),
    ("02", "Teguran Tertulis", "R", 25),
    ("03", "Pernyataan Tidak Puas Secara Tertulis", "R", 15),
    ("04", "Pemotongan Tunjangan Kinerja 25% selama 6 bulan", "S", 10),
    ("05", "Pemotongan Tunjangan Kinerja 25% selama 9 bulan", "S", 6),
    ("06", "Pemotongan Tunjangan Kinerja 25% selama 12 bulan", "S", 5),
    ("07", "Penurunan Jabatan Setingkat Lebih Rendah selama 12 bulan", "B", 4),
    ("08", "Pembebasan dari Jabatan menjadi Jabatan Pelaksana selama 12 bulan", "B", 3),
    ("09", "Pemberhentian Dengan Hormat Tidak Atas Permintaan Sendiri", "B", 2),
]


def _dmy(d: date | None) -> str:
    return d.strftime("%d-%m-%Y") if d else ""


def _write(out_dir: Path, contract_name: str, as_of: date, rows: Iterable[dict[str, str]]) -> Path:
    contract = load_contracts()[contract_name]
    headers = [c.header for c in contract.columns]
    path = out_dir / f"{contract.raw_table}_{as_of.isoformat()}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=headers, delimiter="|", lineterminator="\r\n", restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def golongan_rows(employees: list[Employee], as_of: date) -> Iterable[dict[str, str]]:
    """The promotions that led to each employee's golongan, every 4 years back from TMT golongan."""
    for e in employees:
        names = GOLONGAN_PPPK if e.is_pppk else GOLONGAN_PNS
        pos = GOLONGAN_LADDER.index(e.golongan_id)
        tmt = e.tmt_golongan
        n = 0
        while tmt >= e.tmt_cpns and pos >= 0:
            first = tmt <= e.tmt_cpns or n > 6
            yield {
                "id": f"G-{e.nip}-{n}",
                "nipBaru": e.nip,
                "golonganId": GOLONGAN_LADDER[pos],
                "golongan": names[GOLONGAN_LADDER[pos]],
                "jenisKp": "CPNS/PPPK" if first else "Reguler",
                "noSk": f"823.3/{e.nip[-4:]}/{tmt.year}",
                "tglSk": _dmy(date(tmt.year, max(1, tmt.month - 1), 15)),
                "tmtGolongan": _dmy(tmt),
                "masaKerjaGolonganTahun": str(tmt.year - e.tmt_cpns.year),
                "masaKerjaGolonganBulan": "0",
            }
            if first or e.is_pppk:
                break
            n += 1
            pos -= 1
            tmt = max(e.tmt_cpns, date(tmt.year - 4, tmt.month, 1))


def jabatan_rows(employees: list[Employee], rng: random.Random) -> Iterable[dict[str, str]]:
    for e in employees:
        status = "definitif"
        if e.eselon_id and rng.random() < 0.06:
            status = "plt"
        yield {
            "id": f"J-{e.nip}-0",
            "nipBaru": e.nip,
            "jenisJabatanId": e.jenis_jabatan_id,
            "jabatanId": e.position_id or f"F{zlib.crc32(e.jabatan.encode()) % 10**6:06d}",
            "namaJabatan": e.jabatan,
            "eselonId": e.eselon_id or "",
            "unorId": e.unor[0],
            "satuanKerjaId": e.opd.id,
            "statusJabatan": status,
            "tmtJabatan": _dmy(e.tmt_jabatan),
            "tmtPelantikan": _dmy(e.tmt_jabatan) if e.eselon_id else "",
            "nomorSk": f"821.2/{e.nip[-4:]}/{e.tmt_jabatan.year}",
            "tanggalSk": _dmy(e.tmt_jabatan),
        }


def pendidikan_rows(employees: list[Employee]) -> Iterable[dict[str, str]]:
    for e in employees:
        yield {
            "id": f"P-{e.nip}",
            "nipBaru": e.nip,
            "tkPendidikanId": e.tingkat_pendidikan_id,
            "pendidikanNama": EDUCATION_NAMES[e.tingkat_pendidikan_id],
            "tahunLulus": str(e.tahun_lulus),
            "tglLulus": _dmy(date(e.tahun_lulus, 8, 30)),
            "isPendidikanPertama": "0",
        }


def diklat_rows(employees: list[Employee], as_of: date, rng: random.Random) -> Iterable[dict[str, str]]:
    for e in employees:
        n = 0
        if e.eselon_id and rng.random() < 0.85:
            level = e.eselon_id[0]
            if rng.random() < 0.1:  # trained one level lower only (not counted for BKD-2.2)
                level = str(min(4, int(level) + 1))
            code, name = PIM_FOR_ESELON[level]
            year = rng.randint(max(2015, e.tmt_cpns.year), as_of.year)
            yield {
                "id": f"D-{e.nip}-{n}",
                "nipBaru": e.nip,
                "jenisDiklat": "struktural",
                "latihanStrukturalId": code,
                "latihanStrukturalNama": name,
                "namaDiklat": name,
                "tahun": str(year),
                "tanggalSelesai": _dmy(date(year, rng.randint(3, 11), 20)),
                "jumlahJam": "300",
                "nomorSertifikat": f"{code}/{year}/{e.nip[-5:]}",
                "isSertifikatKompetensi": "0",
            }
            n += 1
        if e.jenis_jabatan_id == "2" and rng.random() < 0.45:
            year = rng.randint(max(2019, e.tmt_cpns.year), as_of.year)
            yield {
                "id": f"D-{e.nip}-{n}",
                "nipBaru": e.nip,
                "jenisDiklat": "sertifikasi",
                "namaDiklat": f"Uji Kompetensi {e.jabatan}",
                "tahun": str(year),
                "tanggalSelesai": _dmy(date(year, rng.randint(2, 11), 10)),
                "jumlahJam": "40",
                "nomorSertifikat": f"UKOM/{year}/{e.nip[-5:]}",
                "isSertifikatKompetensi": "1",
            }
            n += 1
        if rng.random() < 0.3:
            year = rng.randint(max(2019, e.tmt_cpns.year), as_of.year)
            yield {
                "id": f"D-{e.nip}-{n}",
                "nipBaru": e.nip,
                "jenisDiklat": "teknis",
                "namaDiklat": "Pelatihan Teknis Pengelolaan Data",
                "tahun": str(year),
                "tanggalSelesai": _dmy(date(year, rng.randint(2, 11), 5)),
                "jumlahJam": "32",
                "nomorSertifikat": "",
                "isSertifikatKompetensi": "0",
            }


def hukdis_rows(employees: list[Employee], as_of: date, rng: random.Random) -> Iterable[dict[str, str]]:
    """About 0.8 % of ASN a year receive a hukuman disiplin, mostly ringan."""
    weights = [h[3] for h in HUKUMAN]
    for e in employees:
        for year in range(max(2019, e.tmt_cpns.year + 1), as_of.year + 1):
            if rng.random() >= 0.008:
                continue
            hid, name, tingkat, _ = rng.choices(HUKUMAN, weights=weights)[0]
            sk = date(year, rng.randint(1, 12), rng.randint(1, 28))
            if sk > as_of:
                continue
            months = {"04": 6, "05": 9, "06": 12, "07": 12, "08": 12}.get(hid, 0)
            end = (
                date(sk.year + (sk.month + months - 1) // 12, (sk.month + months - 1) % 12 + 1, 1)
                if months
                else None
            )
            yield {
                "id": f"H-{e.nip}-{year}",
                "nipBaru": e.nip,
                "jenisHukuman": hid,
                "jenisHukumanNama": name,
                "jenisTingkatHukumanId": tingkat,
                "skNomor": f"862/{e.nip[-4:]}/{year}",
                "skTanggal": _dmy(sk),
                "hukumanTanggal": _dmy(sk),
                "masaTahun": "1" if months == 12 else "0",
                "masaBulan": str(months % 12),
                "akhirHukumTanggal": _dmy(end),
                "alasanHukumanDisiplin": "Tidak masuk kerja tanpa alasan yang sah",
            }


def write_histories(out_dir: Path, employees: list[Employee], as_of: date, rng: random.Random) -> list[Path]:
    return [
        _write(out_dir, "riwayat_golongan", as_of, golongan_rows(employees, as_of)),
        _write(out_dir, "riwayat_jabatan", as_of, jabatan_rows(employees, rng)),
        _write(out_dir, "riwayat_pendidikan", as_of, pendidikan_rows(employees)),
        _write(out_dir, "riwayat_diklat", as_of, diklat_rows(employees, as_of, rng)),
        _write(out_dir, "riwayat_hukdis", as_of, hukdis_rows(employees, as_of, rng)),
    ]
