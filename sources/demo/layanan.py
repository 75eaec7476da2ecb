"""Demo service registers (Buku Register): one workbook per kind of service and year.

Each row is a request as the sub-bidang records it: received (TANGGAL USUL), the TMT it is for,
decided (TANGGAL SK) or still in process, or refused. Rows agree with the demo population and,
when they were written first, with the riwayat exports of the same demo (SK pensiun with
riwayat_pemberhentian, SK kenaikan pangkat with riwayat_golongan, Satyalancana with
riwayat_penghargaan). Most requests are decided within the service standard, some late, a few
pending at the as-of date.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sources.contracts import load_contracts
from sources.demo.population import ESELON_NAMES, Employee, Opd
from sources.demo.population import _name as person_name
from sources.demo.sheets import save_sheet, stamp_for

START_YEAR = 2021  # the first register books kept as workbooks
OFFICE = "BADAN KEPEGAWAIAN DAERAH DAN SUMBER DAYA APARATUR KABUPATEN HALMAHERA UTARA"
# jenis -> (title of the book, prefix of the register number, klasifikasi of the SK number)
BOOKS: dict[str, tuple[str, str, str]] = {
    "NIP": ("BUKU REGISTER PENETAPAN NIP CPNS DAN NI PPPK", "NIP", "800.1.2.2"),
    "KARPEG": ("BUKU REGISTER KARTU PEGAWAI", "KARPEG", "800.1.2.3"),
    "KARIS_KARSU": ("BUKU REGISTER KARTU ISTRI / KARTU SUAMI", "KARIS", "800.1.2.4"),
    "SK_PENSIUN": ("BUKU REGISTER SK PENSIUN", "PENS", "800.1.6.3"),
    "SK_KP": ("BUKU REGISTER SK KENAIKAN PANGKAT", "KP", "800.1.3.1"),
    "KGB": ("BUKU REGISTER KENAIKAN GAJI BERKALA", "KGB", "800.1.11.13"),
    "PENGHARGAAN": ("BUKU REGISTER USUL PENGHARGAAN SATYALANCANA KARYA SATYA", "SLKS", "800.1.12"),
    "PELANTIKAN_JF": ("BUKU REGISTER PELANTIKAN JABATAN FUNGSIONAL", "PJF", "800.1.3.3"),
    "PELANTIKAN_STRUKTURAL": ("BUKU REGISTER PELANTIKAN JABATAN STRUKTURAL", "PJS", "800.1.3.2"),
    "MUTASI_MASUK": ("BUKU REGISTER PERSETUJUAN MUTASI MASUK", "MM", "800.1.4.1"),
    "MUTASI_KELUAR": ("BUKU REGISTER PERSETUJUAN MUTASI KELUAR", "MK", "800.1.4.2"),
    "CUTI": ("BUKU REGISTER PERSETUJUAN CUTI PEGAWAI", "CUTI", "800.1.11.5"),
    "SEKOLAH_KEDINASAN": ("BUKU REGISTER SELEKSI SEKOLAH KEDINASAN", "SKD", "800.2.5"),
}
# Books whose stewards type dates as text (dd-mm-yyyy) rather than as date cells.
TEXT_DATES = {"KGB", "CUTI", "MUTASI_MASUK", "MUTASI_KELUAR"}
SLKS_YEARS = {"SLKS-X": 10, "SLKS-XX": 20, "SLKS-XXX": 30}
PENSION_KIND = {"BUP": "BUP", "APS": "APS", "MENINGGAL": "JANDA_DUDA"}
SCHOOLS = {
    "IPDN": 40,
    "PKN_STAN": 18,
    "POLSTAT_STIS": 10,
    "STIN": 6,
    "POLTEKIP": 12,
    "POLTEKIM": 8,
    "STTD": 6,
}
CUTI_KINDS = {"CUTI_BESAR": 25, "CUTI_MELAHIRKAN": 30, "CUTI_SAKIT": 20, "CUTI_ALASAN_PENTING": 25}
CUTI_LENGTH = {
    "CUTI_BESAR": "3 bulan",
    "CUTI_MELAHIRKAN": "3 bulan",
    "CUTI_SAKIT": "1 bulan",
    "CUTI_ALASAN_PENTING": "14 hari",
}


@dataclass
class Entry:
    jenis: str
    usul: date
    kategori: str
    nip: str | None
    nama: str
    opd_id: str | None
    tmt: date | None
    sk: date | None
    status: str = "selesai"
    sk_nomor: str | None = None  # taken from the riwayat export when there is one
    hasil: str = ""
    keterangan: str = ""


def days(n: int) -> timedelta:
    return timedelta(days=n)


def retirement_age(e: Employee) -> int:
    """Batas usia pensiun: 65 JF ahli utama; 60 pimpinan tinggi, JF ahli madya and guru; else 58."""
    if "Ahli Utama" in e.jabatan:
        return 65
    if (e.eselon_id or "").startswith("2") or "Ahli Madya" in e.jabatan or e.jabatan.startswith("Guru"):
        return 60
    return 58


def tmt_pensiun(e: Employee) -> date:
    """The first day of the month after the birthday that reaches the BUP."""
    year = e.birth_date.year + retirement_age(e) + e.birth_date.month // 12
    return date(year, e.birth_date.month % 12 + 1, 1)


def former_nip(rng: random.Random, around: date) -> str:
    """A plausible NIP of someone no longer in the SIASN export (sequence 700-799)."""
    birth = date(around.year - rng.randint(30, 57), rng.randint(1, 12), rng.randint(1, 28))
    tmt = date(birth.year + rng.randint(22, 29), rng.choice([1, 3, 4, 12]), 1)
    return f"{birth:%Y%m%d}{tmt:%Y%m}{rng.choice('12')}{rng.randint(700, 799):03d}"


def opd_for(nip: str, opds: list[Opd]) -> Opd:
    """A fixed OPD for a person the population does not hold (a retiree, a leaver)."""
    return opds[zlib.crc32(nip.encode()) % len(opds)]


def _decided(
    rng: random.Random, start: date, fast: tuple[int, int], late: tuple[int, int], late_share: float
) -> date:
    return start + days(rng.randint(*(late if rng.random() < late_share else fast)))


def _entry(e: Employee, jenis: str, usul: date, kategori: str, tmt: date | None, sk: date | None) -> Entry:
    return Entry(jenis, usul, kategori, e.nip, e.nama, e.opd.id, tmt, sk)


def nip_services(employees: list[Employee], rng: random.Random) -> Iterable[Entry]:
    """NIP (CPNS) or NI PPPK for everyone appointed since the first book: all issued, since the
    SIASN export already holds them."""
    for e in employees:
        if e.tmt_cpns.year < START_YEAR:
            continue
        usul = e.tmt_cpns - days(rng.randint(20, 75))
        sk = _decided(rng, usul, (7, 40), (45, 100), 0.1)
        yield _entry(e, "NIP", usul, "PPPK" if e.is_pppk else "CPNS", e.tmt_cpns, sk)


def card_services(employees: list[Employee], as_of: date, rng: random.Random) -> Iterable[Entry]:
    """Karpeg for every new PNS; Karis/Karsu for about half of them and a few others a year."""
    for e in employees:
        if e.tmt_pns is None:
            continue
        card = "KARIS" if e.gender == "1" else "KARSU"
        if e.tmt_pns.year >= START_YEAR:
            usul = e.tmt_pns + days(rng.randint(30, 200))
            yield _entry(e, "KARPEG", usul, "KARPEG", None, _decided(rng, usul, (14, 60), (75, 150), 0.12))
            if rng.random() < 0.55:
                usul = e.tmt_pns + days(rng.randint(60, 400))
                yield _entry(
                    e, "KARIS_KARSU", usul, card, None, _decided(rng, usul, (14, 60), (75, 150), 0.12)
                )
        for year in range(max(START_YEAR, e.tmt_pns.year + 1), as_of.year + 1):
            if rng.random() < 0.008:
                usul = date(year, rng.randint(1, 12), rng.randint(1, 28))
                yield _entry(
                    e, "KARIS_KARSU", usul, card, None, _decided(rng, usul, (14, 60), (75, 150), 0.12)
                )


def pension_services(
    employees: list[Employee],
    opds: list[Opd],
    retirements: list[dict[str, str | None]],
    as_of: date,
    rng: random.Random,
) -> Iterable[Entry]:
    """SK pensiun of those who retired (riwayat_pemberhentian, when written), and of current
    employees whose TMT pensiun comes within a year: proposed 4-12 months before it."""
    for r in retirements:
        kind = PENSION_KIND.get(str(r["jenis_pemberhentian"]))
        if not kind or not r["tgl_sk"]:
            continue
        nip, tmt, sk = (
            str(r["nip_baru"]),
            date.fromisoformat(str(r["tmt_pemberhentian"])),
            date.fromisoformat(str(r["tgl_sk"])),
        )
        if kind == "JANDA_DUDA":
            usul = tmt + days(rng.randint(3, 20))
        else:
            usul = tmt - days(rng.randint(120, 360) if kind == "BUP" else rng.randint(30, 120))
        usul = min(usul, sk - days(rng.randint(7, 30)))
        yield Entry(
            "SK_PENSIUN",
            usul,
            kind,
            nip,
            person_name(rng),
            opd_for(nip, opds).id,
            tmt,
            sk,
            sk_nomor=r["no_sk"],
        )
    for e in employees:
        tmt = tmt_pensiun(e)
        if e.is_pppk or tmt > as_of + days(365):
            continue
        usul = tmt - days(rng.randint(120, 360))
        yield _entry(e, "SK_PENSIUN", usul, "BUP", tmt, _decided(rng, usul, (30, 110), (150, 300), 0.1))


def promotion_services(
    employees: list[Employee], promotions: list[dict[str, str | None]], as_of: date, rng: random.Random
) -> Iterable[Entry]:
    """SK kenaikan pangkat reguler of riwayat_golongan (when written), and the requests for the
    next period after the as-of date, still in process."""
    by_nip = {e.nip: e for e in employees}
    for p in promotions:
        e = by_nip.get(str(p["nip_baru"]))
        if e is None or p["jenis_kp"] != "Reguler" or not p["tgl_sk"]:
            continue
        sk = date.fromisoformat(str(p["tgl_sk"]))
        entry = _entry(
            e,
            "SK_KP",
            sk - days(rng.randint(30, 100)),
            "REGULER",
            date.fromisoformat(str(p["tmt_golongan"])),
            sk,
        )
        entry.sk_nomor = p["no_sk"]
        yield entry
    for e in employees:
        if e.is_pppk:
            continue
        due = e.tmt_golongan.replace(year=e.tmt_golongan.year + 4)
        if as_of < due <= as_of + days(120):
            yield _entry(e, "SK_KP", due - days(rng.randint(60, 120)), "REGULER", due, None)


def salary_services(employees: list[Employee], as_of: date, rng: random.Random) -> Iterable[Entry]:
    """KGB every two years of service from TMT CPNS, SK usually a few weeks before the TMT."""
    for e in employees:
        if e.is_pppk:
            continue
        tmt = e.tmt_cpns.replace(year=e.tmt_cpns.year + 2)
        while tmt <= as_of + days(60):
            if tmt.year >= START_YEAR:
                usul = tmt - days(rng.randint(30, 75))
                sk = tmt + days(rng.randint(1, 45)) if rng.random() < 0.15 else tmt - days(rng.randint(3, 30))
                yield _entry(e, "KGB", usul, "REGULER", tmt, sk)
            tmt = tmt.replace(year=tmt.year + 2)


def award_services(
    employees: list[Employee], awards: list[dict[str, str | None]], as_of: date, rng: random.Random
) -> Iterable[Entry]:
    """Satyalancana Karya Satya: proposed in March, awarded on 17 August (riwayat_penghargaan,
    when written); some refused; this year's still pending before August."""
    by_nip = {e.nip: e for e in employees}
    awarded = set()
    for a in awards:
        e = by_nip.get(str(a["nip_baru"]))
        kind = str(a["harga_id"])
        if e is None or kind not in SLKS_YEARS or not a["sk_tanggal"]:
            continue
        awarded.add((e.nip, kind))
        year = int(str(a["tahun"]))
        entry = _entry(
            e,
            "PENGHARGAAN",
            date(year, 3, rng.randint(1, 28)),
            kind,
            e.tmt_cpns.replace(year=e.tmt_cpns.year + SLKS_YEARS[kind]),
            date.fromisoformat(str(a["sk_tanggal"])),
        )
        entry.sk_nomor = a["sk_nomor"]
        yield entry
    for e in employees:
        for kind, years in SLKS_YEARS.items():
            year = e.tmt_cpns.year + years
            if e.is_pppk or (e.nip, kind) in awarded or not START_YEAR <= year <= as_of.year:
                continue
            usul = date(year, 3, rng.randint(1, 28))
            entry = _entry(e, "PENGHARGAAN", usul, kind, e.tmt_cpns.replace(year=year), None)
            if year == as_of.year and as_of < date(year, 8, 17):
                yield entry  # in process
            elif rng.random() < 0.15:
                entry.status, entry.sk = "ditolak", date(year, 6, rng.randint(1, 30))
                entry.keterangan = "tidak memenuhi syarat: pernah dijatuhi hukuman disiplin"
                yield entry


def appointment_services(employees: list[Employee], rng: random.Random) -> Iterable[Entry]:
    """Pelantikan of structural officials and of JF (first appointment, next jenjang, ...)."""
    jf_kinds = {"KENAIKAN_JENJANG": 50, "PENGANGKATAN_PERTAMA": 25, "PENYESUAIAN": 15, "PERPINDAHAN": 10}
    for e in employees:
        tmt = e.tmt_jabatan
        if tmt.year < START_YEAR:
            continue
        if e.eselon_id:
            entry = _entry(
                e,
                "PELANTIKAN_STRUKTURAL",
                tmt - days(rng.randint(20, 60)),
                f"ESELON {ESELON_NAMES[e.eselon_id]}",
                tmt,
                tmt - days(rng.randint(0, 10)),
            )
        elif e.jenis_jabatan_id == "2" and not e.is_pppk and tmt >= e.tmt_cpns + days(365):
            kind = rng.choices(list(jf_kinds), weights=list(jf_kinds.values()))[0]
            entry = _entry(
                e, "PELANTIKAN_JF", tmt - days(rng.randint(30, 90)), kind, tmt, tmt - days(rng.randint(0, 20))
            )
        else:
            continue
        entry.keterangan = e.jabatan
        yield entry


def transfer_services(
    employees: list[Employee], opds: list[Opd], as_of: date, rng: random.Random
) -> Iterable[Entry]:
    """Mutasi masuk and keluar between instansi: most approved within 14 days, some later, a few
    refused or pending. Those who left are no longer in the snapshot: a former NIP."""
    per_year = max(1, round(len(employees) * 0.007))
    staff = [e for e in employees if not e.is_pppk]
    kinds = ["ANTAR_KABUPATEN_KOTA", "ANTAR_PROVINSI", "INSTANSI_PUSAT"]
    for year in range(START_YEAR, as_of.year + 1):
        for jenis in ("MUTASI_MASUK", "MUTASI_KELUAR"):
            for _ in range(per_year):
                usul = date(year, rng.randint(1, 12), rng.randint(1, 28))
                sk = _decided(rng, usul, (3, 14), (15, 45), 0.15)
                kategori = rng.choices(kinds, weights=[70, 20, 10])[0]
                refused = rng.random() < 0.03
                if jenis == "MUTASI_KELUAR" and sk <= as_of and not refused:
                    nip = former_nip(rng, usul)
                    opd = opd_for(nip, opds)
                    entry = Entry(jenis, usul, kategori, nip, person_name(rng), opd.id, sk + days(30), sk)
                else:
                    e = rng.choice(staff)
                    if e.tmt_cpns >= usul:
                        continue
                    entry = _entry(e, jenis, usul, kategori, sk + days(30), sk)
                if refused:
                    entry.status, entry.tmt = "ditolak", None
                    entry.keterangan = "formasi jabatan tidak tersedia"
                yield entry


def leave_services(employees: list[Employee], as_of: date, rng: random.Random) -> Iterable[Entry]:
    """Cuti the BKD approves (besar, melahirkan, sakit, alasan penting) and CLTN."""
    kinds, weights = list(CUTI_KINDS), list(CUTI_KINDS.values())
    for e in employees:
        for year in range(max(START_YEAR, e.tmt_cpns.year + 1), as_of.year + 1):
            if rng.random() >= 0.03:
                continue
            kind = rng.choices(kinds, weights=weights)[0]
            if kind == "CUTI_MELAHIRKAN" and e.gender == "1":
                kind = "CUTI_ALASAN_PENTING"
            tmt = date(year, rng.randint(1, 12), rng.randint(1, 28))
            usul = tmt - days(rng.randint(5, 30))
            entry = _entry(e, "CUTI", usul, kind, tmt, _decided(rng, usul, (1, 7), (10, 30), 0.15))
            entry.keterangan = CUTI_LENGTH[kind]
            if kind == "CUTI_BESAR" and rng.random() < 0.08:
                entry.status, entry.keterangan = "ditolak", "masa kerja belum 5 tahun"
            yield entry
        if e.kedudukan_hukum_id == "02":  # on CLTN now
            tmt = date(as_of.year - 1, rng.randint(1, 12), 1)
            entry = _entry(
                e, "CUTI", tmt - days(rng.randint(45, 90)), "CLTN", tmt, tmt - days(rng.randint(5, 20))
            )
            entry.keterangan = "3 tahun"
            yield entry


def school_selections(scale: float, as_of: date, rng: random.Random) -> Iterable[Entry]:
    """Putra-putri daerah registered for the sekolah kedinasan selection; about 12 % pass."""
    schools, weights = list(SCHOOLS), list(SCHOOLS.values())
    for year in range(START_YEAR, as_of.year + 1):
        for _ in range(max(4, round(70 * scale))):
            usul = date(year, rng.randint(4, 5), rng.randint(1, 28))
            announced = date(year, rng.randint(8, 9), rng.randint(1, 28))
            school = rng.choices(schools, weights=weights)[0]
            entry = Entry("SEKOLAH_KEDINASAN", usul, school, None, person_name(rng), None, None, announced)
            entry.sk_nomor = f"PENG/{school}/{year}"
            entry.hasil = "LULUS" if rng.random() < 0.12 else "TIDAK LULUS"
            yield entry


def _finish(entry: Entry, as_of: date) -> Entry:
    """Nothing decided after the as-of date: such requests are still in process."""
    if entry.sk is not None and entry.sk > as_of:
        entry.sk, entry.status, entry.hasil = None, "proses", ""
    if entry.sk is None and entry.status == "selesai":
        entry.status = "proses"
    if entry.status == "proses":
        entry.sk_nomor = None
    return entry


def _nip_cell(nip: str | None, rng: random.Random) -> str:
    """NIPs as stewards type them: mostly plain, sometimes grouped 8-6-1-3 with spaces."""
    if not nip:
        return ""
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}" if rng.random() < 0.25 else nip


def _date_cell(day: date | None, as_text: bool) -> object:
    if day is None:
        return None
    return day.strftime("%d-%m-%Y") if as_text else day


def _book_rows(jenis: str, year: int, entries: list[Entry], rng: random.Random) -> list[list[object]]:
    _, prefix, klasifikasi = BOOKS[jenis]
    text = jenis in TEXT_DATES
    rows = []
    for seq, e in enumerate(sorted(entries, key=lambda x: (x.usul, x.nip or "", x.nama)), start=1):
        sk_nomor = e.sk_nomor or (f"{klasifikasi}/{seq:04d}/BKD-SDA/{e.sk.year}" if e.sk else None)
        rows.append(
            [
                f"{prefix}/{seq:04d}/{year}",
                _date_cell(e.usul, text),
                jenis,
                e.kategori,
                _nip_cell(e.nip, rng),
                e.nama,
                e.opd_id,
                _date_cell(e.tmt, text),
                _date_cell(e.sk, text),
                sk_nomor,
                e.status,
                e.hasil or None,
                e.keterangan or None,
            ]
        )
    return rows


def write_layanan(
    out_dir: Path,
    employees: list[Employee],
    opds: list[Opd],
    as_of: date,
    rng: random.Random,
    riwayat: dict[str, list[dict[str, str | None]]],
) -> list[Path]:
    """Every register book from START_YEAR to the as-of year: register_layanan_<jenis>_<yyyy>.xlsx.

    `riwayat` holds the rows of riwayat_pemberhentian, riwayat_golongan and riwayat_penghargaan
    already written for this demo (empty lists when they were not)."""
    scale = len(employees) / 5500
    entries: list[Entry] = [
        *nip_services(employees, rng),
        *card_services(employees, as_of, rng),
        *pension_services(employees, opds, riwayat.get("riwayat_pemberhentian", []), as_of, rng),
        *promotion_services(employees, riwayat.get("riwayat_golongan", []), as_of, rng),
        *salary_services(employees, as_of, rng),
        *award_services(employees, riwayat.get("riwayat_penghargaan", []), as_of, rng),
        *appointment_services(employees, rng),
        *transfer_services(employees, opds, as_of, rng),
        *leave_services(employees, as_of, rng),
        *school_selections(scale, as_of, rng),
    ]
    books: dict[tuple[str, int], list[Entry]] = {}
    for entry in entries:
        if entry.usul.year >= START_YEAR and entry.usul <= as_of:
            books.setdefault((entry.jenis, entry.usul.year), []).append(_finish(entry, as_of))
    header = [c.header for c in load_contracts()["register_layanan"].columns]
    paths = []
    for jenis in BOOKS:
        for year in range(START_YEAR, as_of.year + 1):
            if (jenis, year) not in books:
                continue
            rows = _book_rows(jenis, year, books[(jenis, year)], rng)
            paths.append(
                save_sheet(
                    out_dir / f"register_layanan_{jenis.lower()}_{year}.xlsx",
                    [BOOKS[jenis][0], OFFICE, f"TAHUN {year}"],
                    header,
                    rows,
                    stamp_for(min(as_of, date(year, 12, 31))),
                )
            )
    return paths
