"""Demo registers kept as workbooks: suspected disciplinary cases, documents and reports,
finance reports, formasi and selection results, and the service registers (`layanan`).

Call after `write_histories`: the registers then agree with the riwayat exports of the same
demo (every hukuman disiplin has its case, every SK pensiun, kenaikan pangkat and Satyalancana
its request). Without them, the registers are built from the population alone.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from sources.contracts import load_contracts
from sources.demo.layanan import OFFICE, days, write_layanan
from sources.demo.population import EDUCATION_NAMES, Employee, Opd
from sources.demo.sheets import read_rows, save_sheet, stamp_for

DOKUMEN_START_YEAR = 2021
SIBLINGS = ["riwayat_hukdis", "riwayat_pemberhentian", "riwayat_golongan", "riwayat_penghargaan"]
DUGAAN = {  # jenis dugaan -> (weight, uraian)
    "KETIDAKHADIRAN": (70, "Tidak masuk kerja tanpa alasan yang sah"),
    "KEWAJIBAN": (15, "Tidak melaksanakan tugas kedinasan yang dipercayakan"),
    "LARANGAN": (12, "Menyalahgunakan wewenang"),
    "NETRALITAS": (3, "Ikut serta sebagai pelaksana kampanye"),
}
SUMBER = ["Atasan Langsung", "Inspektorat", "Pengaduan Masyarakat"]

SEKRETARIS, KABID_INKA, KEPALA = "Sekretaris", "Kepala Bidang INKA", "Kepala Badan"
PERENCANAAN, UMPEG = "SUB BAGIAN PERENCANAAN", "SUB BAGIAN UMUM DAN KEPEGAWAIAN"
PINKA, BPP = "SUB BIDANG PENGADAAN DAN INKA", "SUB BIDANG PEMBINAAN DAN PEMBERHENTIAN"
DIKTEK = "SUB BIDANG DIKLAT TEKNIS"

# (jenis dokumen, unit, kode IKU, frequency, title, validator, due). Frequency Y (yearly), 5Y
# (five-yearly), Q (quarterly), M (monthly). Due: (years after the one covered, month, day) for
# Y and 5Y; (0, 0, day of the month after the period) for Q and M.
DOKUMEN: list[tuple[str, str, str, str, str, str, tuple[int, int, int]]] = [
    ("RENSTRA", PERENCANAAN, "REN-1.1", "5Y", "Rencana Strategis", KEPALA, (0, 6, 30)),
    ("RENJA", PERENCANAAN, "REN-1.1", "Y", "Rencana Kerja", KEPALA, (-1, 6, 30)),
    ("P_RENJA", PERENCANAAN, "REN-1.1", "Y", "Perubahan Rencana Kerja", KEPALA, (0, 8, 31)),
    ("RKA", PERENCANAAN, "REN-1.2", "Y", "Rencana Kerja dan Anggaran", KEPALA, (-1, 10, 31)),
    ("P_RKA", PERENCANAAN, "REN-1.2", "Y", "Perubahan RKA", KEPALA, (0, 9, 15)),
    ("LKJ", PERENCANAAN, "REN-1.3", "Y", "Laporan Kinerja", KEPALA, (1, 2, 28)),
    ("LPPD", PERENCANAAN, "REN-1.3", "Y", "Bahan LPPD", KEPALA, (1, 3, 15)),
    ("EVALUASI_RENJA", PERENCANAAN, "REN-1.3", "Q", "Evaluasi Renja", SEKRETARIS, (0, 0, 10)),
    ("LAP_ADM_KEPEGAWAIAN", UMPEG, "UMP-1", "Q", "Administrasi Kepegawaian", SEKRETARIS, (0, 0, 10)),
    ("LAP_ADM_UMUM", UMPEG, "UMP-2", "Q", "Administrasi Umum", SEKRETARIS, (0, 0, 10)),
    ("LAP_JASA_PENUNJANG", UMPEG, "UMP-3", "Q", "Jasa Penunjang", SEKRETARIS, (0, 0, 10)),
    ("LAP_PEMELIHARAAN_BMD", UMPEG, "UMP-4", "Q", "Pemeliharaan BMD", SEKRETARIS, (0, 0, 10)),
    ("ANJAB_ABK", PINKA, "INKA-1", "Y", "Analisis Jabatan dan Beban Kerja", KABID_INKA, (0, 3, 31)),
    ("PETA_JABATAN", PINKA, "INKA-1", "Y", "Peta Jabatan", KABID_INKA, (0, 3, 31)),
    ("RENCANA_KEBUTUHAN_PEGAWAI", PINKA, "INKA-1", "5Y", "Kebutuhan Pegawai 5 Tahun", KEPALA, (0, 6, 30)),
    ("LAPORAN_PENGADAAN", PINKA, "INKA-1", "Y", "Laporan Pengadaan Pegawai", KABID_INKA, (1, 1, 31)),
    ("EVALUASI_PENGADAAN", PINKA, "PINKA-1.1", "Y", "Evaluasi Pengadaan ASN", KABID_INKA, (1, 1, 31)),
    ("USULAN_KEBUTUHAN_ASN", PINKA, "PINKA-1.2", "Y", "Usulan Kebutuhan ASN", KEPALA, (0, 4, 30)),
    ("LAPORAN_SIMPEG", PINKA, "INKA-2", "M", "Laporan Pengelolaan SIMPEG", KABID_INKA, (0, 0, 10)),
    ("LAPORAN_DISIPLIN", BPP, "", "M", "Laporan Disiplin Pegawai", KABID_INKA, (0, 0, 10)),
    ("LAPORAN_SKP", BPP, "", "M", "Rekap Penilaian Kinerja", KABID_INKA, (0, 0, 15)),
    ("LAP_SEKOLAH_KEDINASAN", DIKTEK, "DTK-2", "Y", "Seleksi Sekolah Kedinasan", SEKRETARIS, (0, 10, 31)),
]


def _after(year: int, month: int, day: int) -> date:
    """`day` of the month after `month` of `year`."""
    return date(year + month // 12, month % 12 + 1, day)


def _due(frequency: str, rule: tuple[int, int, int], year: int, period: int | None) -> date:
    years_after, month, day = rule
    if frequency == "Q":
        return _after(year, 3 * (period or 4), day)
    if frequency == "M":
        return _after(year, period or 12, day)
    return date(year + years_after, month, day)


def _nip_cell(nip: str, rng: random.Random) -> str:
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}" if rng.random() < 0.4 else nip


def _header(contract_name: str) -> list[str]:
    return [c.header for c in load_contracts()[contract_name].columns]


def _sanctions(employees: list[Employee], as_of: date, rng: random.Random) -> list[dict[str, str | None]]:
    """Sanctions like riwayat_hukdis, for a demo written without it (about 0.8 % a year)."""
    out = []
    for e in employees:
        for year in range(max(2019, e.tmt_cpns.year + 1), as_of.year + 1):
            sk = date(year, rng.randint(1, 12), rng.randint(1, 28))
            if rng.random() < 0.008 and sk <= as_of:
                tingkat = rng.choices("RSB", weights=[70, 21, 9])[0]
                out.append(
                    {
                        "id": None,
                        "nip_baru": e.nip,
                        "sk_tanggal": sk.isoformat(),
                        "sk_nomor": f"800.1.6.4/{e.nip[-4:]}/{year}",
                        "tingkat_hukuman": tingkat,
                    }
                )
    return out


def dugaan_rows(
    employees: list[Employee], sanctions: list[dict[str, str | None]], as_of: date, rng: random.Random
) -> list[list[object]]:
    """A case for every sanction (reported 6-17 weeks before the SK, examined before it), cases
    stopped for want of proof, and recent cases still reported or under examination."""
    by_nip = {e.nip: e for e in employees}
    kinds, weights = list(DUGAAN), [w for w, _ in DUGAAN.values()]
    cases = []  # (reported, employee, kind, status, examined, decided, number, tingkat, hukdis id)
    for s in sanctions:
        e = by_nip.get(str(s["nip_baru"]))
        if e is None:
            continue
        decided = date.fromisoformat(str(s["sk_tanggal"]))
        reported = decided - days(rng.randint(40, 120))
        examined = min(reported + days(rng.randint(7, 30)), decided - days(3))
        kind = rng.choices(kinds, weights=weights)[0]
        cases.append(
            (reported, e, kind, "selesai", examined, decided, s["sk_nomor"], s["tingkat_hukuman"], s["id"])
        )
    for _ in range(max(3, len(cases) // 2)):
        e = rng.choice(employees)
        reported = date(rng.randint(2019, as_of.year), rng.randint(1, 12), rng.randint(1, 28))
        if reported > as_of or reported < e.tmt_cpns:
            continue
        kind = rng.choices(kinds, weights=weights)[0]
        examined, decided = reported + days(rng.randint(7, 30)), reported + days(rng.randint(40, 90))
        if decided <= as_of:
            number = f"800.1.6.4/{rng.randint(100, 999)}/BKD-SDA/{decided.year}"
            cases.append((reported, e, kind, "dihentikan", examined, decided, number, None, None))
        elif examined <= as_of:
            cases.append((reported, e, kind, "diperiksa", examined, None, None, None, None))
        else:
            cases.append((reported, e, kind, "dilaporkan", None, None, None, None, None))
    rows: list[list[object]] = []
    seq: dict[int, int] = {}
    for reported, e, kind, status, examined, decided, number, tingkat, hukdis_id in sorted(
        cases, key=lambda c: (c[0], c[1].nip)
    ):
        seq[reported.year] = seq.get(reported.year, 0) + 1
        sumber = "Rekap Presensi" if kind == "KETIDAKHADIRAN" else rng.choice(SUMBER)
        rows.append(
            [
                f"{seq[reported.year]:03d}/DP/BKD-SDA/{reported.year}",
                reported,
                _nip_cell(e.nip, rng),
                e.nama,
                e.opd.id,
                sumber,
                kind,
                f"{DUGAAN[kind][1]} ({e.nama})",
                status,
                examined,
                decided,
                number,
                tingkat,
                hukdis_id,
            ]
        )
    return rows


def _periods(frequency: str, year: int) -> list[int | None]:
    """The months (M) or quarters (Q) of a year; [None] for a yearly document (none for a
    five-yearly one outside the years it is made: 2021, 2026, ...)."""
    if frequency in {"M", "Q"}:
        return list(range(1, 13 if frequency == "M" else 5))
    return [None] if frequency == "Y" or year % 5 == 1 else []


def _delivery(due: date, as_of: date, rng: random.Random) -> tuple[date | None, date | None]:
    """(submitted, validated): mostly on time and validated within two weeks; some late, a few
    never submitted or never validated. Nothing after the as-of date."""
    r = rng.random()
    if r < 0.03 and due < as_of - days(30):
        return None, None
    submitted = due + days(rng.randint(1, 40)) if r < 0.15 else due - days(rng.randint(0, 14))
    if submitted > as_of:
        return None, None
    validated = submitted + days(rng.randint(1, 14)) if rng.random() >= 0.08 else None
    return submitted, validated if validated and validated <= as_of else None


def dokumen_rows(as_of: date, rng: random.Random) -> list[list[object]]:
    rows: list[list[object]] = []
    numbers: dict[int, int] = {}
    for year in range(DOKUMEN_START_YEAR, as_of.year + 2):
        for jenis, unit, code, frequency, title, validator, rule in DOKUMEN:
            for period in _periods(frequency, year):
                due = _due(frequency, rule, year, period)
                if due > as_of:
                    continue
                submitted, validated = _delivery(due, as_of, rng)
                number = None
                if submitted:
                    numbers[submitted.year] = numbers.get(submitted.year, 0) + 1
                    number = f"000.5/{numbers[submitted.year]:03d}/BKD-SDA/{submitted.year}"
                suffix = f" Bulan {period}" if frequency == "M" else f" Triwulan {period}" if period else ""
                rows.append(
                    [
                        unit,
                        code or None,
                        jenis,
                        f"{title} Tahun {year}{suffix}",
                        year,
                        period if frequency == "M" else None,
                        period if frequency == "Q" else None,
                        due,
                        submitted,
                        validated,
                        validator if validated else None,
                        number,
                        "menunggu validasi" if submitted and not validated else None,
                    ]
                )
    return rows


def _rupiah(amount: int) -> str:
    """1234567 -> '1.234.567,00', as Indonesian spreadsheets show money."""
    return f"{amount:,}".replace(",", ".") + ",00"


def keuangan_rows(as_of: date, rng: random.Random) -> list[list[object]]:
    """Monthly reports (due the 10th of the next month), the yearly report (end of February)
    and the LRA per quarter (due the 15th after it) with budget and cumulative realisation."""
    rows: list[list[object]] = []
    seq = 0
    for year in range(DOKUMEN_START_YEAR, as_of.year + 1):
        budget = 1_000_000 * round(
            16_800_000_000 * 1.06 ** (year - 2021) * rng.uniform(0.97, 1.03) / 1_000_000
        )
        due_dates: list[tuple[str, int | None, int | None, date]] = [
            *(("BULANAN", m, None, _after(year, m, 10)) for m in range(1, 13)),
            ("TAHUNAN", None, None, date(year + 1, 2, 28)),
            *(("LRA", None, q, _after(year, 3 * q, 15)) for q in range(1, 5)),
        ]
        for jenis, month, quarter, due in due_dates:
            if due > as_of:
                continue
            submitted, _ = _delivery(due, as_of, rng)
            anggaran = realisasi = None
            if quarter:
                if quarter == 3:  # the APBD-Perubahan changes the budget
                    budget = 1_000_000 * round(budget * rng.uniform(0.97, 1.05) / 1_000_000)
                share = {1: (0.15, 0.22), 2: (0.40, 0.48), 3: (0.62, 0.72), 4: (0.90, 0.97)}[quarter]
                spent = round(budget * rng.uniform(*share))
                # 2021's workbook had numbers in number cells; later ones are pasted as text
                anggaran, realisasi = (budget, spent) if year == 2021 else (_rupiah(budget), _rupiah(spent))
            if submitted:
                seq += 1
            rows.append(
                [
                    jenis,
                    year,
                    month,
                    quarter,
                    due,
                    submitted,
                    f"900.1/{seq:03d}/KEU/{submitted.year}" if submitted else None,
                    anggaran,
                    realisasi,
                    None if submitted else "belum disampaikan",
                ]
            )
    return rows


def formasi_rows(
    employees: list[Employee], opds: list[Opd], as_of: date, rng: random.Random
) -> list[list[object]]:
    """Formasi per year, OPD and jabatan from the employees appointed since 2021 (a formasi of
    year Y is filled from April Y to March Y+1), with some formasi left unfilled, and this
    year's formasi with its selection still running."""
    groups: dict[tuple[int, str, str, str], list[Employee]] = {}
    for e in employees:
        year = e.tmt_cpns.year if e.tmt_cpns.month >= 4 else e.tmt_cpns.year - 1
        if year >= DOKUMEN_START_YEAR:
            jabatan = "Pengadministrasi Perkantoran" if e.eselon_id else e.jabatan  # recruited as pelaksana
            key = (year, "PPPK" if e.is_pppk else "CPNS", e.opd.id, jabatan)
            groups.setdefault(key, []).append(e)
    by_id = {o.id: o for o in opds}
    hard = [
        (o, j)
        for o in opds
        if o.code in {"DINKES", "RSUD"}
        for j in ("Dokter Spesialis", "Apoteker Ahli Pertama")
    ]
    for year in range(DOKUMEN_START_YEAR, as_of.year + 1):
        for opd, jabatan in hard:
            groups.setdefault((year, "CPNS", opd.id, jabatan), [])
    rows: list[list[object]] = []
    for (year, jenis, opd_id, jabatan), hired in sorted(groups.items()):
        filled = len(hired)
        passed = filled + (1 if filled and rng.random() < 0.1 else 0)  # one resigned before the NIP
        formasi = max(1, passed + rng.choice([0, 0, 1, 2] if jenis == "PPPK" else [0, 0, 0, 1]))
        if not filled:
            applicants = rng.randint(0, 3)
        else:
            applicants = formasi * (rng.randint(1, 4) if jenis == "PPPK" else rng.randint(3, 25))
        set_on, announced = date(year, 6, rng.randint(1, 28)), date(year, 12, rng.randint(1, 28))
        running = announced > as_of
        education = EDUCATION_NAMES[hired[0].tingkat_pendidikan_id] if hired else "Profesi Dokter/Apoteker"
        rows.append(
            [
                year,
                jenis,
                opd_id,
                by_id[opd_id].name,
                jabatan,
                education,
                formasi,
                applicants,
                None if running else passed,
                None if running else filled,
                set_on if set_on <= as_of else None,
                None if running else announced,
                "seleksi berjalan"
                if running
                else ("tidak ada pelamar memenuhi syarat" if not filled else None),
            ]
        )
    return rows


def _sibling_rows(out_dir: Path, name: str, as_of: date) -> list[dict[str, str | None]]:
    return read_rows(out_dir / f"{name}_{as_of.isoformat()}.csv", name)


def write_registers(
    out_dir: Path, employees: list[Employee], opds: list[Opd], as_of: date, rng: random.Random
) -> list[Path]:
    """The registers of the BKD at the as-of date; each from its own stream of `rng`, so adding
    rows to one leaves the others as they were."""
    base = rng.getrandbits(32)

    def stream(name: str) -> random.Random:
        return random.Random(base ^ zlib.crc32(name.encode()))

    riwayat = {name: _sibling_rows(out_dir, name, as_of) for name in SIBLINGS}
    sanctions = riwayat["riwayat_hukdis"] or _sanctions(employees, as_of, stream("sanctions"))
    stamp = stamp_for(as_of)
    as_at = f"KEADAAN S.D. {as_of:%d-%m-%Y}"
    workbooks: list[tuple[str, list[str], Iterable[list[object]]]] = [
        (
            "register_dugaan_pelanggaran",
            ["REGISTER DUGAAN PELANGGARAN DISIPLIN PEGAWAI ASN", "SUB BIDANG PEMBINAAN DAN PEMBERHENTIAN"],
            dugaan_rows(employees, sanctions, as_of, stream("dugaan")),
        ),
        (
            "register_dokumen",
            ["REGISTER DOKUMEN PERENCANAAN DAN LAPORAN", "SEKRETARIAT BKD DAN SDA"],
            dokumen_rows(as_of, stream("dokumen")),
        ),
        (
            "laporan_keuangan",
            ["REGISTER LAPORAN KEUANGAN", "SUB BAGIAN KEUANGAN BKD DAN SDA"],
            keuangan_rows(as_of, stream("keuangan")),
        ),
        (
            "register_formasi",
            ["REKAPITULASI FORMASI DAN HASIL SELEKSI CASN", "SUB BIDANG PENGADAAN DAN INKA"],
            formasi_rows(employees, opds, as_of, stream("formasi")),
        ),
    ]
    paths = [
        save_sheet(
            out_dir / f"{name}_{as_of.isoformat()}.xlsx", [*titles, OFFICE, as_at], _header(name), rows, stamp
        )
        for name, titles, rows in workbooks
    ]
    return paths + write_layanan(out_dir, employees, opds, as_of, stream("layanan"), riwayat)
