"""Demo riwayat (history) exports in SIASN's field names, derived from the demo population."""

from __future__ import annotations

import csv
import random
import zlib
from collections.abc import Iterable
from datetime import date, timedelta
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

SKP_RATINGS = ["DIATAS EKSPEKTASI", "SESUAI EKSPEKTASI", "DIBAWAH EKSPEKTASI"]
# Predikat kinerja (PermenPANRB 6/2022) from (hasil kerja, perilaku kerja); the rest is BAIK.
SKP_PREDIKAT = {
    ("DIATAS EKSPEKTASI", "DIATAS EKSPEKTASI"): "SANGAT BAIK",
    ("DIBAWAH EKSPEKTASI", "DIBAWAH EKSPEKTASI"): "SANGAT KURANG",
    ("DIBAWAH EKSPEKTASI", "SESUAI EKSPEKTASI"): "BUTUH PERBAIKAN",
    ("DIBAWAH EKSPEKTASI", "DIATAS EKSPEKTASI"): "BUTUH PERBAIKAN",
    ("SESUAI EKSPEKTASI", "DIBAWAH EKSPEKTASI"): "KURANG",
    ("DIATAS EKSPEKTASI", "DIBAWAH EKSPEKTASI"): "KURANG",
}
SATYALANCANA = {
    10: ("SLKS-X", "Satyalancana Karya Satya X Tahun"),
    20: ("SLKS-XX", "Satyalancana Karya Satya XX Tahun"),
    30: ("SLKS-XXX", "Satyalancana Karya Satya XXX Tahun"),
}
UNIVERSITIES = ["Universitas Khairun", "Universitas Sam Ratulangi", "Universitas Hasanuddin"]
PEMBERHENTIAN = [("BUP", 80), ("APS", 8), ("MENINGGAL", 10), ("PTDH", 2)]  # (jenis, weight)


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


def _diklat(
    e: Employee, n: int, jenis: str, nama: str, year: int, month: int, **extra: str
) -> dict[str, str]:
    """One riwayat diklat row; `extra` holds the fields only some kinds carry."""
    return {
        "id": f"D-{e.nip}-{n}",
        "nipBaru": e.nip,
        "jenisDiklat": jenis,
        "namaDiklat": nama,
        "tahun": str(year),
        "tanggalSelesai": _dmy(date(year, month, 20)),
        "isSertifikatKompetensi": "0",
        "nomorSertifikat": "",
        **extra,
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
            yield _diklat(
                e,
                n,
                "struktural",
                name,
                year,
                rng.randint(3, 11),
                latihanStrukturalId=code,
                latihanStrukturalNama=name,
                jumlahJam="300",
                nomorSertifikat=f"{code}/{year}/{e.nip[-5:]}",
            )
            n += 1
        if e.jenis_jabatan_id == "2" and rng.random() < 0.45:
            year = rng.randint(max(2019, e.tmt_cpns.year), as_of.year)
            yield _diklat(
                e,
                n,
                "sertifikasi",
                f"Uji Kompetensi {e.jabatan}",
                year,
                rng.randint(2, 11),
                jumlahJam="40",
                nomorSertifikat=f"UKOM/{year}/{e.nip[-5:]}",
                isSertifikatKompetensi="1",
            )
            n += 1
        if rng.random() < 0.3:
            year = rng.randint(max(2019, e.tmt_cpns.year), as_of.year)
            yield _diklat(
                e, n, "teknis", "Pelatihan Teknis Pengelolaan Data", year, rng.randint(2, 11), jumlahJam="32"
            )


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


def skp_rows(employees: list[Employee], as_of: date, rng: random.Random) -> Iterable[dict[str, str]]:
    """SKP 2022 ratings for every complete year since 2022; the penilai is an official of the OPD."""
    heads: dict[str, str] = {}
    for e in employees:
        if e.eselon_id:
            heads.setdefault(e.opd.id, e.nip)
    for e in employees:
        for year in range(max(2022, e.tmt_cpns.year), as_of.year):
            hasil = rng.choices(SKP_RATINGS, weights=[20, 76, 4])[0]
            perilaku = rng.choices(SKP_RATINGS, weights=[18, 79, 3])[0]
            yield {
                "id": f"K-{e.nip}-{year}",
                "nipBaru": e.nip,
                "tahun": str(year),
                "hasilKinerja": hasil,
                "perilakuKerja": perilaku,
                "kuadranKinerja": SKP_PREDIKAT.get((hasil, perilaku), "BAIK"),
                "nipNrpPenilai": heads.get(e.opd.id, "") if heads.get(e.opd.id) != e.nip else "",
            }


def penghargaan_rows(employees: list[Employee], as_of: date, rng: random.Random) -> Iterable[dict[str, str]]:
    """Satyalancana Karya Satya after 10, 20 and 30 years from TMT CPNS; about 80 % of those
    eligible receive it, in the anniversary year or the next (SK on Hari Kemerdekaan)."""
    for e in employees:
        if e.is_pppk:
            continue
        for years, (harga_id, harga_nama) in SATYALANCANA.items():
            eligible = e.tmt_cpns.year + years
            awarded = eligible + rng.choice([0, 0, 1])
            if not 2019 <= awarded <= as_of.year or rng.random() >= 0.8:
                continue
            sk = date(awarded, 8, 17)
            if sk > as_of:
                continue
            yield {
                "id": f"S-{e.nip}-{years}",
                "nipBaru": e.nip,
                "hargaId": harga_id,
                "hargaNama": harga_nama,
                "tahun": str(awarded),
                "skNomor": f"KEP-{awarded}/SLKS/{e.nip[-4:]}",
                "skDate": _dmy(sk),
            }


def assessment_rows(employees: list[Employee], as_of: date, rng: random.Random) -> Iterable[dict[str, str]]:
    """Assessment-centre profiles: officials every 3 years, some JF for the talent pool."""
    for e in employees:
        if not e.eselon_id and not (e.jenis_jabatan_id == "2" and rng.random() < 0.08):
            continue
        for year in range(2022 + rng.randint(0, 2), as_of.year + 1, 3):
            potensi = round(rng.uniform(55, 95), 2)
            kinerja = round(rng.uniform(60, 98), 2)
            box = 1 + min(2, int((potensi - 55) / 13.4)) + 3 * min(2, int((kinerja - 60) / 12.7))
            yield {
                "id": f"A-{e.nip}-{year}",
                "nipBaru": e.nip,
                "tahun": str(year),
                "metode": "Assessment Center" if e.eselon_id else "Uji Kompetensi",
                "nilaiPotensi": f"{potensi:.2f}",
                "nilaiKinerja": f"{kinerja:.2f}",
                "kotakTalenta": str(box),
            }


def tugas_belajar_rows(
    employees: list[Employee], as_of: date, rng: random.Random
) -> Iterable[dict[str, str]]:
    """Employees on tugas belajar now (kedudukan 03), and a few who finished since 2019."""
    for e in employees:
        on_leave = e.kedudukan_hukum_id == "03"
        if not on_leave and (e.is_pppk or rng.random() >= 0.01):
            continue
        last = as_of.year - (0 if on_leave else 2)
        start = date(rng.randint(min(last, max(2019, e.tmt_cpns.year + 1)), last), 9, 1)
        if start > as_of:
            start = date(as_of.year - 1, 9, 1)
        end = date(start.year + 2, 8, 31)
        yield {
            "id": f"T-{e.nip}",
            "nipBaru": e.nip,
            "jenjang": "45" if e.tingkat_pendidikan_id >= "40" else "40",
            "institusi": rng.choice(
                ["Universitas Khairun", "Universitas Sam Ratulangi", "Universitas Hasanuddin"]
            ),
            "tanggalMulai": _dmy(start),
            "tanggalSelesai": _dmy(end),
            "status": "sedang" if on_leave or end > as_of else "selesai",
        }


def pemberhentian_rows(
    employees: list[Employee], as_of: date, rng: random.Random
) -> Iterable[dict[str, str]]:
    """Former employees who left since 2019: mostly by BUP (58, 60 for guru), about 2.5 % a year.
    They are no longer in the SIASN PNS snapshot; their NIP follows their birth date."""
    per_year = max(1, round(len(employees) * 0.025))
    weights = [w for _, w in PEMBERHENTIAN]
    issued: set[str] = set()  # a NIP is one person: more than 100 leavers a year share suffixes
    for year in range(2019, as_of.year + 1):
        for k in range(per_year):
            jenis = rng.choices([j for j, _ in PEMBERHENTIAN], weights=weights)[0]
            month = rng.randint(1, 12)
            tmt = date(year, month, 1)
            if tmt > as_of:
                continue
            age = 58 if rng.random() < 0.6 else 60
            if jenis != "BUP":
                age = rng.randint(35, 57)
            birth = date(year - age, month - 1 if month > 1 else 12, rng.randint(1, 28))
            if month == 1:
                birth = birth.replace(year=birth.year - 1)
            tmt_cpns = date(birth.year + rng.randint(22, 30), rng.choice([1, 3, 12]), 1)
            gender = rng.choice("12")
            urut = 900 + k % 100
            nip = f"{birth:%Y%m%d}{tmt_cpns:%Y%m}{gender}{urut:03d}"
            while nip in issued:
                urut = urut + 1 if urut < 999 else 900
                nip = f"{birth:%Y%m%d}{tmt_cpns:%Y%m}{gender}{urut:03d}"
            issued.add(nip)
            sk = tmt - timedelta(days=rng.randint(-20, 90)) if jenis == "BUP" else tmt + timedelta(days=30)
            yield {
                "id": f"B-{nip}",
                "nipBaru": nip,
                "jenisPemberhentian": jenis,
                "tmtPemberhentian": _dmy(tmt),
                "nomorSk": f"882/{nip[-4:]}/{sk.year}",
                "tanggalSk": _dmy(min(sk, as_of)),
            }


def write_histories(out_dir: Path, employees: list[Employee], as_of: date, rng: random.Random) -> list[Path]:
    return [
        _write(out_dir, "riwayat_golongan", as_of, golongan_rows(employees, as_of)),
        _write(out_dir, "riwayat_jabatan", as_of, jabatan_rows(employees, rng)),
        _write(out_dir, "riwayat_pendidikan", as_of, pendidikan_rows(employees)),
        _write(out_dir, "riwayat_diklat", as_of, diklat_rows(employees, as_of, rng)),
        _write(out_dir, "riwayat_hukdis", as_of, hukdis_rows(employees, as_of, rng)),
        _write(out_dir, "riwayat_skp", as_of, skp_rows(employees, as_of, rng)),
        _write(out_dir, "riwayat_penghargaan", as_of, penghargaan_rows(employees, as_of, rng)),
        _write(out_dir, "assessment", as_of, assessment_rows(employees, as_of, rng)),
        _write(out_dir, "riwayat_tugas_belajar", as_of, tugas_belajar_rows(employees, as_of, rng)),
        _write(out_dir, "riwayat_pemberhentian", as_of, pemberhentian_rows(employees, as_of, rng)),
    ]
