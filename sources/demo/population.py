"""A synthetic kabupaten workforce: perangkat daerah, positions and employees.

Deterministic for a given seed, scale and as-of date. The people are invented: names and NIKs
are made from syllables and random digits, so the demo can prove that personal data never
reaches the marts, logs or quality reports.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

OPDS: list[tuple[str, str]] = [
    ("SETDA", "Sekretariat Daerah"),
    ("SETWAN", "Sekretariat DPRD"),
    ("INSP", "Inspektorat Daerah"),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah"),
    ("BKDSDA", "Badan Kepegawaian Daerah dan Sumber Daya Aparatur"),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah"),
    ("BAPENDA", "Badan Pendapatan Daerah"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah"),
    ("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik"),
    ("DISDIK", "Dinas Pendidikan dan Kebudayaan"),
    ("DINKES", "Dinas Kesehatan"),
    ("RSUD", "Rumah Sakit Umum Daerah Tobelo"),
    ("PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang"),
    ("PERKIM", "Dinas Perumahan dan Kawasan Permukiman"),
    ("DINSOS", "Dinas Sosial"),
    ("NAKERTRANS", "Dinas Tenaga Kerja dan Transmigrasi"),
    ("DP3A", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak"),
    ("DKP", "Dinas Ketahanan Pangan"),
    ("DLH", "Dinas Lingkungan Hidup"),
    ("DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil"),
    ("DPMD", "Dinas Pemberdayaan Masyarakat dan Desa"),
    ("DISHUB", "Dinas Perhubungan"),
    ("KOMINFO", "Dinas Komunikasi, Informatika dan Persandian"),
    ("DISKOP", "Dinas Koperasi dan Usaha Kecil Menengah"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu"),
    ("DISPORA", "Dinas Kepemudaan dan Olahraga"),
    ("DISPUSIP", "Dinas Perpustakaan dan Kearsipan"),
    ("DKP2", "Dinas Kelautan dan Perikanan"),
    ("DISPAR", "Dinas Pariwisata"),
    ("DISTAN", "Dinas Pertanian"),
    ("DISPERINDAG", "Dinas Perindustrian dan Perdagangan"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja"),
    ("KEC-TOBELO", "Kecamatan Tobelo"),
    ("KEC-GALELA", "Kecamatan Galela"),
    ("KEC-KAO", "Kecamatan Kao"),
    ("KEC-TOBSEL", "Kecamatan Tobelo Selatan"),
]

# Share of the workforce by OPD kind (teachers and health workers dominate a kabupaten).
OPD_WEIGHT = {"DISDIK": 42.0, "DINKES": 9.0, "RSUD": 7.0}

# BKN tingkat pendidikan id -> weight (PNS); PPPK guru are mostly S-1.
EDUCATION_WEIGHTS = {
    "05": 0.4,
    "10": 1.2,
    "15": 14.0,
    "17": 2.0,
    "20": 0.8,
    "25": 1.0,
    "30": 12.0,
    "35": 4.0,
    "40": 55.0,
    "45": 9.0,
    "50": 0.6,
}
EDUCATION_NAMES = {
    "05": "SD",
    "10": "SLTP",
    "12": "SLTP Kejuruan",
    "15": "SLTA",
    "17": "SLTA Kejuruan",
    "18": "SLTA Keguruan",
    "20": "Diploma I",
    "25": "Diploma II",
    "30": "Diploma III/Sarjana Muda",
    "35": "Diploma IV",
    "40": "S-1/Sarjana",
    "45": "S-2",
    "50": "S-3/Doktor",
}
GOLONGAN_PNS = {
    "11": "I/a",
    "12": "I/b",
    "13": "I/c",
    "14": "I/d",
    "21": "II/a",
    "22": "II/b",
    "23": "II/c",
    "24": "II/d",
    "31": "III/a",
    "32": "III/b",
    "33": "III/c",
    "34": "III/d",
    "41": "IV/a",
    "42": "IV/b",
    "43": "IV/c",
    "44": "IV/d",
    "45": "IV/e",
}
# Golongan ids from lowest to highest (I/a .. IV/e).
GOLONGAN_LADDER = list(GOLONGAN_PNS)
# PPPK golongan I..XVII; numeric ids collide with PNS ids on purpose (21 = V for a PPPK).
GOLONGAN_PPPK = {
    "11": "I",
    "12": "II",
    "13": "III",
    "14": "IV",
    "21": "V",
    "22": "VI",
    "23": "VII",
    "24": "VIII",
    "31": "IX",
    "32": "X",
    "33": "XI",
    "34": "XII",
    "41": "XIII",
    "42": "XIV",
    "43": "XV",
    "44": "XVI",
    "45": "XVII",
}
ESELON_NAMES = {
    "21": "II.a",
    "22": "II.b",
    "31": "III.a",
    "32": "III.b",
    "41": "IV.a",
    "42": "IV.b",
}
JENIS_JABATAN = {"1": "Struktural", "2": "Fungsional Tertentu", "4": "Pelaksana"}
KEDUDUKAN_HUKUM = {
    "01": "Aktif",
    "02": "CLTN",
    "03": "Tugas Belajar",
    "04": "Pemberhentian Sementara",
    "71": "PPPK Aktif",
    "101": "PPPK Paruh Waktu",
}
JENIS_PEGAWAI = {"1": "PNS Daerah", "2": "PPPK"}

FUNGSIONAL_GURU = ["Guru Ahli Pertama", "Guru Ahli Muda", "Guru Ahli Madya", "Guru Ahli Utama"]
FUNGSIONAL_NAKES = [
    "Perawat Ahli Pertama",
    "Perawat Terampil",
    "Bidan Terampil",
    "Bidan Ahli Pertama",
    "Dokter Ahli Pertama",
    "Dokter Ahli Muda",
    "Apoteker Ahli Pertama",
    "Nutrisionis Terampil",
    "Sanitarian Terampil",
]
FUNGSIONAL_OTHER = [
    "Analis Kebijakan Ahli Muda",
    "Analis Kepegawaian Ahli Pertama",
    "Auditor Ahli Pertama",
    "Pranata Komputer Ahli Pertama",
    "Perencana Ahli Muda",
    "Arsiparis Terampil",
    "Pustakawan Terampil",
    "Penyuluh Pertanian Ahli Pertama",
    "Pengelola Pengadaan Barang/Jasa Ahli Pertama",
    "Penata Kelola Sistem dan Teknologi Informasi Ahli Pertama",
]
PELAKSANA = [
    "Pengadministrasi Perkantoran",
    "Pengolah Data dan Informasi",
    "Penata Layanan Operasional",
    "Operator Layanan Operasional",
    "Pengelola Keuangan",
    "Pengelola Umum Operasional",
]

_SYLLABLES = [
    "ra",
    "di",
    "an",
    "sa",
    "ri",
    "ti",
    "wa",
    "ni",
    "yu",
    "ko",
    "ma",
    "nu",
    "fa",
    "li",
    "ha",
    "si",
    "de",
    "lo",
    "ba",
    "to",
    "me",
    "ku",
    "ne",
    "go",
    "ja",
    "pu",
    "ru",
    "se",
]


@dataclass
class Opd:
    id: str
    code: str
    name: str
    units: list[tuple[str, str]] = field(default_factory=list)  # (unor id, unor name)


@dataclass(frozen=True)
class Position:
    id: str
    opd: Opd
    eselon_id: str
    name: str


@dataclass
class Employee:
    nip: str
    pns_id: str
    nama: str
    nik: str
    phone: str
    address: str
    birth_date: date
    gender: str  # 1 pria, 2 wanita
    kind: str  # PNS, CPNS, PPPK
    tmt_cpns: date
    tmt_pns: date | None
    opd: Opd
    unor: tuple[str, str]
    golongan_id: str
    tmt_golongan: date
    jenis_jabatan_id: str
    jabatan: str
    eselon_id: str | None
    tmt_jabatan: date
    tingkat_pendidikan_id: str
    tahun_lulus: int
    kedudukan_hukum_id: str
    position_id: str | None = None  # the structural position (peta jabatan) held

    @property
    def is_pppk(self) -> bool:
        return self.kind == "PPPK"


def _name(rng: random.Random) -> str:
    def word() -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()

    return f"{word()} {word()}"


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def build_opds(rng: random.Random) -> list[Opd]:
    opds = []
    for i, (code, name) in enumerate(OPDS, start=1):
        opd = Opd(id=f"8203{i:04d}", code=code, name=name)
        n_units = 6 if code not in OPD_WEIGHT else 10
        opd.units = [
            (_uuid(rng), f"{'Bidang' if j else 'Sekretariat'} {j or ''} {code}".replace("  ", " "))
            for j in range(n_units)
        ]
        opds.append(opd)
    return opds


def _not_after(d: date, as_of: date) -> date:
    return d if d <= as_of else d.replace(year=d.year - 1)


def _nip(birth: date, tmt: date, gender: str, seq: int) -> str:
    return f"{birth:%Y%m%d}{tmt:%Y%m}{gender}{seq % 1000:03d}"


def _golongan_for(rng: random.Random, edu: str, years: int) -> str:
    start = {
        "05": 11,
        "10": 12,
        "15": 21,
        "17": 21,
        "20": 21,
        "25": 22,
        "30": 23,
        "35": 31,
        "40": 31,
        "45": 32,
        "50": 33,
    }[edu]
    pos = GOLONGAN_LADDER.index(str(start)) + years // 4
    cap = GOLONGAN_LADDER.index("34") if edu in {"05", "10", "15", "17"} else len(GOLONGAN_LADDER) - 3
    return GOLONGAN_LADDER[min(pos, cap)]


def build_employees(
    rng: random.Random, opds: list[Opd], as_of: date, scale: float
) -> tuple[list[Employee], list[Position]]:
    """About 5,500 ASN at scale 1: PNS and CPNS, and PPPK (many guru since 2021), and the
    structural positions of the peta jabatan (about 92 % filled)."""
    total = max(60, round(5500 * scale))
    weights = [OPD_WEIGHT.get(o.code, 1.1) for o in opds]
    employees: list[Employee] = []
    seq: dict[str, int] = {}
    # Structural positions first: one eselon II, four eselon III, ~12 eselon IV per OPD, ~92 % filled.
    positions: list[Position] = []
    for opd in opds:
        eselons = ["22" if opd.code.startswith("KEC") else "21"]
        eselons += ["31" if k == 0 else "32" for k in range(4)]
        eselons += ["41" if k < 4 else "42" for k in range(rng.randint(10, 14))]
        for k, eselon in enumerate(eselons):
            title = {"2": "Kepala", "3": "Kepala Bidang" if k > 1 else "Sekretaris", "4": "Kepala Sub Bagian"}
            positions.append(
                Position(f"{opd.id}-S{k:02d}", opd, eselon, f"{title[eselon[0]]} {k} {opd.code}")
            )
    for position in positions:
        if rng.random() < 0.92 and len(employees) < total:
            employee = _employee(rng, position.opd, position.eselon_id, as_of, seq)
            employee.position_id = position.id
            employee.jabatan = position.name
            employees.append(employee)
    while len(employees) < total:
        employees.append(_employee(rng, rng.choices(opds, weights=weights)[0], None, as_of, seq))
    return employees, positions


def _employee(rng: random.Random, opd: Opd, eselon: str | None, as_of: date, seq: dict[str, int]) -> Employee:
    gender = "1" if rng.random() < 0.46 else "2"
    teaching = opd.code == "DISDIK" and eselon is None and rng.random() < 0.88
    health = opd.code in {"DINKES", "RSUD"} and eselon is None and rng.random() < 0.75
    if eselon:
        kind = "PNS"
    elif teaching and rng.random() < 0.55:
        kind = "PPPK"
    else:
        kind = rng.choices(["PNS", "CPNS", "PPPK"], weights=[84, 3, 13])[0]
    age = rng.randint(38, 57) if eselon else rng.randint(22, 59)
    if kind == "CPNS":
        age = rng.randint(22, 34)
    birth = date(as_of.year - age, rng.randint(1, 12), rng.randint(1, 28))
    if kind == "PPPK":
        start_year = max(rng.choice([2021, 2022, 2023, 2024]), birth.year + 19)  # appointed at 19 or older
    elif kind == "CPNS":
        start_year = as_of.year if as_of.month >= 3 else as_of.year - 1
    else:
        start_year = rng.randint(max(birth.year + 20, as_of.year - 37), as_of.year - 2)
    tmt_cpns = date(start_year, rng.choice([1, 3, 4, 12]) if kind != "CPNS" else 3, 1)
    if tmt_cpns > as_of:
        tmt_cpns = date(as_of.year, 1, 1)
    prefix = f"{birth:%Y%m%d}{tmt_cpns:%Y%m}{gender}"
    seq[prefix] = seq.get(prefix, 0) + 1
    nip = _nip(birth, tmt_cpns, gender, seq[prefix])
    edu = _pick(rng, EDUCATION_WEIGHTS)
    if teaching or eselon:
        edu = rng.choices(["40", "45", "35"], weights=[80, 15, 5])[0]
    if health:
        edu = rng.choices(["30", "35", "40", "45"], weights=[45, 15, 35, 5])[0]
    years = max(0, as_of.year - tmt_cpns.year)
    golongan = _golongan_for(rng, edu, years)
    if eselon:
        golongan = {"21": "42", "22": "41", "31": "41", "32": "34", "41": "33", "42": "32"}[eselon]
    if kind == "PPPK":
        golongan = {"30": "23", "35": "31", "40": "31", "45": "32"}.get(edu, "21")
    if eselon:
        jenis_jabatan, jabatan = (
            "1",
            f"Kepala {'Dinas' if eselon.startswith('2') else 'Bidang'} {opd.code}",
        )
    elif teaching:
        jenis_jabatan, jabatan = "2", rng.choice(FUNGSIONAL_GURU[:3])
    elif health:
        jenis_jabatan, jabatan = "2", rng.choice(FUNGSIONAL_NAKES)
    elif rng.random() < 0.22:
        jenis_jabatan, jabatan = "2", rng.choice(FUNGSIONAL_OTHER)
    else:
        jenis_jabatan, jabatan = "4", rng.choice(PELAKSANA)
    if kind == "PPPK":
        kedudukan = "101" if rng.random() < 0.05 else "71"
    else:
        kedudukan = rng.choices(["01", "03", "02", "04"], weights=[985, 8, 4, 3])[0]
    tmt_gol = date(max(tmt_cpns.year, as_of.year - rng.randint(0, 4)), rng.choice([4, 10]), 1)
    if tmt_gol > as_of:
        tmt_gol = tmt_cpns
    return Employee(
        nip=nip,
        pns_id=_uuid(rng),
        nama=_name(rng),
        nik=f"8203{rng.randint(10**11, 10**12 - 1)}",
        phone=f"08{rng.randint(10**9, 10**10 - 1)}",
        address=f"Jl. {_name(rng)} No. {rng.randint(1, 200)}, Tobelo",
        birth_date=birth,
        gender=gender,
        kind=kind,
        tmt_cpns=tmt_cpns,
        tmt_pns=None if kind in {"CPNS", "PPPK"} else tmt_cpns + timedelta(days=365),
        opd=opd,
        unor=rng.choice(opd.units),
        golongan_id=golongan,
        tmt_golongan=tmt_gol,
        jenis_jabatan_id=jenis_jabatan,
        jabatan=jabatan,
        eselon_id=eselon,
        # never after the snapshot: a month drawn later in the as-of year falls back a year
        tmt_jabatan=max(
            tmt_cpns, _not_after(date(as_of.year - rng.randint(0, 5), rng.randint(1, 12), 1), as_of)
        ),
        tingkat_pendidikan_id=edu,
        tahun_lulus=min(as_of.year, birth.year + rng.randint(18, 30)),
        kedudukan_hukum_id=kedudukan,
    )
