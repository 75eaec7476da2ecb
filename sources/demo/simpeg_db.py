"""Demo SIMPEG database: the histories a regional SIMPEG application keeps beside SIASN.

Regional SIMPEGs are PHP applications on MySQL/MariaDB; the demo writes the same tables into
a SQLite file (`simpeg.sqlite` in the drop folder) with real DATE / DATETIME columns:

- `tb_kgb`: kenaikan gaji berkala of every PNS, every 2 years of masa kerja since 2019
  (PPPK get none in the demo);
- `tb_cuti`: usulan cuti (PP 11/2017) with request and decision dates, some decided late,
  a few still pending; `alamat_cuti` is personal data the warehouse never loads;
- `tb_mutasi`: a few dozen usulan mutasi a year (pindah masuk, pindah keluar, antar OPD);
- `ref_jenis_cuti`: the code table, without a watermark.

`updated_at` follows each record's last event, never after the as-of date. The schema is
SQLAlchemy metadata, so tests create the same tables on MariaDB. Deterministic for a given rng.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from sources.demo.population import GOLONGAN_LADDER, Employee
from sources.simpeg import DEMO_DB_NAME

HALUT = "Pemerintah Kabupaten Halmahera Utara"
OTHER_INSTANSI = [
    "Pemerintah Kota Ternate",
    "Pemerintah Kota Tidore Kepulauan",
    "Pemerintah Provinsi Maluku Utara",
    "Pemerintah Kabupaten Halmahera Barat",
    "Pemerintah Kabupaten Halmahera Timur",
    "Pemerintah Kabupaten Halmahera Tengah",
    "Pemerintah Kabupaten Halmahera Selatan",
    "Pemerintah Kabupaten Pulau Morotai",
    "Pemerintah Kabupaten Kepulauan Sula",
]
JENIS_CUTI = {
    "01": "Cuti Tahunan",
    "02": "Cuti Besar",
    "03": "Cuti Sakit",
    "04": "Cuti Melahirkan",
    "05": "Cuti Karena Alasan Penting",
    "06": "Cuti di Luar Tanggungan Negara",
}
# Gaji pokok at masa kerja 0 by golongan (PP 5/2024 order of magnitude; demo values, not the table).
_GAJI_MK0 = {"1": 1_685_700, "2": 2_184_000, "3": 2_785_700, "4": 3_287_800}
KGB_SINCE = date(2019, 1, 1)

_DATETIME = sa.DateTime().with_variant(
    sqlite.DATETIME(storage_format="%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d"),
    "sqlite",
)
SIMPEG_METADATA = sa.MetaData()
REF_JENIS_CUTI = sa.Table(
    "ref_jenis_cuti",
    SIMPEG_METADATA,
    sa.Column("kd_jenis_cuti", sa.String(2), primary_key=True),
    sa.Column("nama_jenis_cuti", sa.String(100), nullable=False),
)
TB_KGB = sa.Table(
    "tb_kgb",
    SIMPEG_METADATA,
    sa.Column("id_kgb", sa.Integer, primary_key=True),
    sa.Column("nip", sa.String(18), nullable=False),
    sa.Column("tmt_kgb", sa.Date, nullable=False),
    sa.Column("no_sk", sa.String(60)),
    sa.Column("tgl_sk", sa.Date),
    sa.Column("gaji_lama", sa.Numeric(12, 2)),
    sa.Column("gaji_baru", sa.Numeric(12, 2)),
    sa.Column("mk_tahun", sa.Integer),
    sa.Column("mk_bulan", sa.Integer),
    sa.Column("updated_at", _DATETIME, nullable=False, index=True),
)
TB_CUTI = sa.Table(
    "tb_cuti",
    SIMPEG_METADATA,
    sa.Column("id_cuti", sa.Integer, primary_key=True),
    sa.Column("nip", sa.String(18), nullable=False),
    sa.Column("kd_jenis_cuti", sa.String(2), nullable=False),
    sa.Column("tgl_usul", sa.Date, nullable=False),
    sa.Column("tgl_mulai", sa.Date, nullable=False),
    sa.Column("tgl_selesai", sa.Date),
    sa.Column("lama_hari", sa.Integer),
    sa.Column("tgl_keputusan", sa.Date),
    sa.Column("status_usulan", sa.String(20), nullable=False),
    sa.Column("no_sk", sa.String(60)),
    sa.Column("alamat_cuti", sa.String(200)),  # personal: never loaded
    sa.Column("updated_at", _DATETIME, nullable=False, index=True),
)
TB_MUTASI = sa.Table(
    "tb_mutasi",
    SIMPEG_METADATA,
    sa.Column("id_mutasi", sa.Integer, primary_key=True),
    sa.Column("nip", sa.String(18), nullable=False),
    sa.Column("jenis_mutasi", sa.String(30), nullable=False),
    sa.Column("instansi_asal", sa.String(100)),
    sa.Column("instansi_tujuan", sa.String(100)),
    sa.Column("opd_asal", sa.String(20)),
    sa.Column("opd_tujuan", sa.String(20)),
    sa.Column("tgl_usul", sa.Date, nullable=False),
    sa.Column("tgl_keputusan", sa.Date),
    sa.Column("tmt_mutasi", sa.Date),
    sa.Column("status_usulan", sa.String(20), nullable=False),
    sa.Column("no_sk", sa.String(60)),
    sa.Column("updated_at", _DATETIME, nullable=False, index=True),
)


def _add_working_days(start: date, days: int) -> date:
    """`days` working days after `start` (Monday-Friday; holidays ignored in the demo)."""
    d = start
    while days > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            days -= 1
    return d


def _working_day(rng: random.Random, year: int) -> date:
    d = date(year, 1, 2) + timedelta(days=rng.randrange(360))
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def _stamp(rng: random.Random, day: date, as_of: date) -> datetime:
    """An office-hours timestamp on `day` (07:30-16:00 WIT), never after the as-of date."""
    minute = rng.randrange(7 * 60 + 30, 16 * 60)
    return datetime.combine(min(day, as_of), time(minute // 60, minute % 60, rng.randrange(60)))


def _golongan_at(e: Employee, on: date) -> str:
    """Golongan held on a date: one step down for every 4 years before the last promotion."""
    pos = GOLONGAN_LADDER.index(e.golongan_id)
    if on < e.tmt_golongan:
        pos -= 1 + (e.tmt_golongan.year - on.year) // 4
    return GOLONGAN_LADDER[max(pos, 0)]


def gaji_pokok(golongan_id: str, mk_tahun: int, on: date) -> int:
    """A plausible gaji pokok: ~4 % per step within a golongan, ~3 % per 2 years of masa kerja,
    8 % less before the 2024 raise. Demo values, rounded to Rp 100."""
    base = _GAJI_MK0[golongan_id[0]] * 1.04 ** (int(golongan_id[1]) - 1) * 1.03 ** (mk_tahun // 2)
    if on < date(2024, 1, 1):
        base /= 1.08
    return int(round(base, -2))


def kgb_rows(employees: list[Employee], as_of: date, rng: random.Random) -> Iterable[dict]:
    """Every KGB of every PNS since 2019: 2, 4, 6 ... years after TMT CPNS. Most SK are signed
    two to six weeks before the TMT; some late, after it."""
    for e in employees:
        if e.kind != "PNS":
            continue
        for mk in range(2, 41, 2):
            tmt = date(e.tmt_cpns.year + mk, e.tmt_cpns.month, 1)
            if tmt < KGB_SINCE:
                continue
            late = rng.random() < 0.08
            shift = rng.randint(5, 60) if late else -rng.randint(14, 45)
            tgl_sk = tmt + timedelta(days=shift)
            if tgl_sk > as_of:
                break
            golongan = _golongan_at(e, tmt)
            updated = _stamp(rng, tgl_sk, as_of)
            if rng.random() < 0.05:  # corrected later (typo in the SK number, say)
                updated = _stamp(rng, tgl_sk + timedelta(days=rng.randint(1, 400)), as_of)
            yield {
                "nip": e.nip,
                "tmt_kgb": tmt,
                "no_sk": f"822.4/{{id}}/BKDSDA/{tgl_sk.year}",
                "tgl_sk": tgl_sk,
                "gaji_lama": gaji_pokok(golongan, mk - 2, tmt),
                "gaji_baru": gaji_pokok(golongan, mk, tmt),
                "mk_tahun": mk,
                "mk_bulan": 0,
                "updated_at": updated,
            }


def _cuti_requests(e: Employee, year: int, rng: random.Random) -> list[tuple[str, int]]:
    """(kd_jenis_cuti, days) requested by one employee in one year. PPPK: tahunan, sakit and
    melahirkan only (PP 49/2018); CPNS: no cuti tahunan in their first year."""
    pns = e.kind in {"PNS", "CPNS"}
    requests = []
    if e.kind != "CPNS" and rng.random() < 0.45:
        requests.append(("01", rng.choice([1, 2, 2, 3, 3, 3, 4, 5, 6])))
        if rng.random() < 0.25:
            requests.append(("01", rng.randint(1, 4)))
    if rng.random() < 0.05:
        requests.append(("03", rng.randint(2, 14)))
    age = year - e.birth_date.year
    if e.gender == "2" and age < 42 and rng.random() < 0.06:
        requests.append(("04", 90))
    if pns and year - e.tmt_cpns.year >= 5 and rng.random() < 0.005:
        requests.append(("02", rng.choice([30, 60, 90])))
    if pns and rng.random() < 0.02:
        requests.append(("05", rng.randint(2, 10)))
    if e.kind == "PNS" and rng.random() < 0.001:
        requests.append(("06", rng.choice([365, 730, 1095])))
    return requests


def _decision(rng: random.Random, requested: date) -> tuple[date, str]:
    """Decision date and status: mostly within three working days, some late, a few refused."""
    roll = rng.random()
    days = rng.randint(1, 3) if roll < 0.80 else rng.randint(4, 10) if roll < 0.95 else rng.randint(11, 30)
    return _add_working_days(requested, days), "ditolak" if rng.random() < 0.03 else "disetujui"


def cuti_rows(employees: list[Employee], as_of: date, rng: random.Random) -> Iterable[dict]:
    """Usulan cuti of the as-of year and the two before it."""
    for e in employees:
        for year in range(as_of.year - 2, as_of.year + 1):
            for kind, days in _cuti_requests(e, year, rng):
                start = _working_day(rng, year)
                if kind == "03":  # sick leave is requested on or after its first day
                    requested = start + timedelta(days=rng.randint(0, 3))
                elif kind == "04":
                    requested = start - timedelta(days=rng.randint(14, 45))
                else:
                    requested = start - timedelta(days=rng.randint(3, 14))
                if requested > as_of or requested < e.tmt_cpns:
                    continue
                working = kind in {"01", "03", "05"}
                end = _add_working_days(start, days - 1) if working else start + timedelta(days=days - 1)
                decided, status = _decision(rng, requested)
                if decided > as_of or rng.random() < 0.005:  # still pending (a few forgotten)
                    decided, status = None, "diajukan"
                yield {
                    "nip": e.nip,
                    "kd_jenis_cuti": kind,
                    "tgl_usul": requested,
                    "tgl_mulai": start,
                    "tgl_selesai": end,
                    "lama_hari": days,
                    "tgl_keputusan": decided,
                    "status_usulan": status,
                    "no_sk": f"851/{{id}}/BKDSDA/{decided.year}" if status == "disetujui" else None,
                    "alamat_cuti": e.address if kind in {"01", "02"} else None,
                    "updated_at": _stamp(rng, decided or requested, as_of),
                }


def _other_nip(rng: random.Random, seq: int) -> str:
    """A NIP for someone who moved away (not in the SIASN export): sequence 9xx is never used
    by the demo population."""
    born = date(rng.randint(1968, 1996), rng.randint(1, 12), rng.randint(1, 28))
    tmt = date(born.year + rng.randint(22, 30), rng.choice([1, 3, 4, 12]), 1)
    return f"{born:%Y%m%d}{tmt:%Y%m}{rng.choice('12')}{900 + seq % 100:03d}"


def mutasi_rows(employees: list[Employee], as_of: date, rng: random.Random) -> Iterable[dict]:
    """A few dozen usulan mutasi a year over five years: antar OPD, pindah masuk, pindah keluar.
    Moves between instansi need BKN's pertimbangan teknis, so they take longer."""
    opds = sorted({e.opd.id for e in employees})
    pns = [e for e in employees if e.kind == "PNS"]
    per_year = max(3, round(35 * len(employees) / 5500))
    seq = 0
    for year in range(as_of.year - 4, as_of.year + 1):
        for _ in range(per_year):
            requested = _working_day(rng, year)
            if requested > as_of:
                continue
            kind = rng.choices(["Mutasi Antar OPD", "Pindah Masuk", "Pindah Keluar"], weights=[45, 30, 25])[0]
            e = rng.choice(pns)
            row = {"jenis_mutasi": kind, "instansi_asal": HALUT, "instansi_tujuan": HALUT}
            if kind == "Mutasi Antar OPD":
                row |= {"nip": e.nip, "opd_asal": rng.choice([o for o in opds if o != e.opd.id])}
                row["opd_tujuan"] = e.opd.id
                wait = rng.randint(7, 45)
            elif kind == "Pindah Masuk":
                row |= {"nip": e.nip, "instansi_asal": rng.choice(OTHER_INSTANSI), "opd_asal": None}
                row["opd_tujuan"] = e.opd.id
                wait = rng.randint(30, 120)
            else:
                seq += 1
                row |= {"nip": _other_nip(rng, seq), "instansi_tujuan": rng.choice(OTHER_INSTANSI)}
                row |= {"opd_asal": rng.choice(opds), "opd_tujuan": None}
                wait = rng.randint(30, 120)
            decided = requested + timedelta(days=wait)
            status = "ditolak" if rng.random() < 0.05 else "selesai"
            if decided > as_of:
                decided, status = None, "proses"
            tmt = date(decided.year + decided.month // 12, decided.month % 12 + 1, 1) if decided else None
            row |= {
                "tgl_usul": requested,
                "tgl_keputusan": decided,
                "tmt_mutasi": tmt if status == "selesai" else None,
                "status_usulan": status,
                "no_sk": f"824/{{id}}/BKDSDA/{decided.year}" if status == "selesai" else None,
                "updated_at": _stamp(rng, decided or requested, as_of),
            }
            yield row


def _numbered(rows: Iterable[dict], id_column: str) -> list[dict]:
    """Ids in the order a PHP application would have assigned them: by request time."""
    ordered = sorted(rows, key=lambda r: (r.get("tgl_usul") or r["tgl_sk"], r["updated_at"], r["nip"]))
    for i, row in enumerate(ordered, start=1):
        row[id_column] = i
        if row.get("no_sk"):
            row["no_sk"] = row["no_sk"].replace("{id}", f"{i:05d}")
    return ordered


def write_simpeg_db(out_dir: Path, employees: list[Employee], as_of: date, rng: random.Random) -> Path:
    """Create `out_dir / DEMO_DB_NAME` afresh: the demo SIMPEG database (SQLite)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / DEMO_DB_NAME
    path.unlink(missing_ok=True)
    kgb = _numbered(kgb_rows(employees, as_of, rng), "id_kgb")
    cuti = _numbered(cuti_rows(employees, as_of, rng), "id_cuti")
    mutasi = _numbered(mutasi_rows(employees, as_of, rng), "id_mutasi")
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        SIMPEG_METADATA.create_all(engine)
        with engine.begin() as conn:
            jenis = [{"kd_jenis_cuti": k, "nama_jenis_cuti": v} for k, v in JENIS_CUTI.items()]
            conn.execute(REF_JENIS_CUTI.insert(), jenis)
            for table, rows in ((TB_KGB, kgb), (TB_CUTI, cuti), (TB_MUTASI, mutasi)):
                if rows:
                    conn.execute(table.insert(), rows)
    finally:
        engine.dispose()
    return path
