"""Registers kept as workbooks and the attendance machines' punches: demo writers, contracts and
loading into a real PostgreSQL."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from sources.contracts import Contract, load_contracts
from sources.demo.attendance import write_attendance
from sources.demo.histories import write_histories
from sources.demo.population import Employee, build_employees, build_opds
from sources.demo.punches import write_punches
from sources.demo.registers import write_registers
from sources.demo.sheets import read_rows
from sources.load import load_file
from tests.conftest import DEMO_AS_OF

pytestmark = pytest.mark.warehouse
SEED, SCALE = 11, 0.1
NEW_CONTRACTS = [
    "presensi_mesin",
    "pin_mesin",
    "register_dugaan_pelanggaran",
    "register_dokumen",
    "register_layanan",
    "register_formasi",
    "laporan_keuangan",
]


def _population(scale: float) -> tuple[list, list[Employee]]:
    rng = random.Random(SEED)
    opds = build_opds(rng)
    employees, _ = build_employees(rng, opds, DEMO_AS_OF, scale)
    return opds, employees


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Employee]]:
    """Riwayat exports and daily attendance first, then the registers and punches that follow them."""
    out = tmp_path_factory.mktemp("registers")
    opds, employees = _population(SCALE)
    write_histories(out, employees, DEMO_AS_OF, random.Random(SEED + 1))
    write_attendance(out, employees, DEMO_AS_OF, random.Random(SEED + 2))
    write_registers(out, employees, opds, DEMO_AS_OF, random.Random(SEED + 3))
    write_punches(out, employees, DEMO_AS_OF, random.Random(SEED + 4))
    return out, employees


def _files(contract: Contract, folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if contract.matches(p))


def _scalar(engine: sa.Engine, sql: str) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


def _quarantine(engine: sa.Engine, source: str | None = None) -> list[tuple[int, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "select line_number, field, reason from audit.quarantine "
                "where source = coalesce(:source, source) order by batch_id, line_number"
            ),
            {"source": source},
        )
        return [tuple(r) for r in rows]


def test_writers_are_deterministic_and_every_file_has_one_contract(tmp_path: Path) -> None:
    opds, employees = _population(0.05)
    written = {}
    for run in ("a", "b"):
        out = tmp_path / run
        out.mkdir()
        paths = write_registers(out, employees, opds, DEMO_AS_OF, random.Random(5))
        paths += write_punches(out, employees, DEMO_AS_OF, random.Random(6))
        written[run] = {p.name: p.read_bytes() for p in paths}
    assert written["a"] == written["b"]
    contracts = load_contracts().values()
    for name in written["a"]:
        assert [c.name for c in contracts if c.matches(Path(name))] in ([n] for n in NEW_CONTRACTS), name
    assert {"presensi_mesin_SETDA_2025-12.csv", "pin_mesin_2025-12-31.xlsx"} <= set(written["a"])
    assert "register_layanan_sk_pensiun_2025.xlsx" in written["a"]


@pytest.mark.parametrize("name", NEW_CONTRACTS)
def test_every_new_contract_loads_its_demo_files_clean(
    engine: sa.Engine, demo: tuple[Path, list[Employee]], name: str
) -> None:
    contract = load_contracts()[name]
    files = _files(contract, demo[0])
    assert files, f"the demo wrote no file for {name}"
    loaded = 0
    for path in files:
        result = load_file(engine, contract, path)
        assert result.outcome == "loaded", (path.name, result.message)
        assert result.rows_read == result.rows_loaded + result.rows_quarantined
        assert result.rows_quarantined == 0, (path.name, _quarantine(engine)[:3])
        assert not any("not in the contract" in n for n in result.notes), result.notes
        loaded += result.rows_loaded
    assert loaded > 0
    assert _scalar(engine, f"select count(*) from raw.{contract.raw_table}") == loaded


def test_punches_with_a_pin_only_load_with_a_null_nip(
    engine: sa.Engine, demo: tuple[Path, list[Employee]]
) -> None:
    contract = load_contracts()["presensi_mesin"]
    for path in _files(contract, demo[0]):
        load_file(engine, contract, path)
    with engine.connect() as conn:
        by_machine = dict(
            conn.execute(
                sa.text(
                    "select _source_file, count(*) filter (where nip is null)::float / count(*) "
                    "from raw.presensi_mesin group by 1"
                )
            ).all()
        )
    assert by_machine["presensi_mesin_SETDA_2025-12.csv"] == 1.0  # the machine knows PINs only
    assert 0 < by_machine["presensi_mesin_BKDSDA_2025-12.csv"] < 1
    assert _scalar(engine, "select min(waktu)::date::text from raw.presensi_mesin") >= "2025-12-01"
    assert _scalar(engine, "select max(waktu)::date::text from raw.presensi_mesin") <= "2025-12-31"


def test_punch_timestamps_parse_in_each_accepted_format(engine: sa.Engine, tmp_path: Path) -> None:
    path = tmp_path / "presensi_mesin_TEST_2025-12.csv"
    rows = [
        ("1", "2025-12-01 07:21:33"),
        ("2", "2025-12-01 07:21"),
        ("3", "01-12-2025 07:21:33"),
        ("4", "01/12/2025 07:21"),
        ("5", "45992.30663194"),  # Excel serial with the time as fraction
        ("6", "01.12.2025 07.21.33"),  # Indonesian Windows locale
        ("7", "12/01/2025 7:21:33 AM"),
        ("8", "2025-12-01"),
        ("9", "2025-12-01 24:10"),
    ]
    lines = ["PIN;NIP;NAMA;WAKTU;SN MESIN", *(f"{pin};;Budi;{when};SN1" for pin, when in rows)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    result = load_file(engine, load_contracts()["presensi_mesin"], path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (9, 6, 3)
    with engine.connect() as conn:
        loaded = conn.execute(sa.text("select pin, waktu::text from raw.presensi_mesin order by pin")).all()
    assert [tuple(r) for r in loaded] == [
        ("1", "2025-12-01 07:21:33"),
        ("2", "2025-12-01 07:21:00"),
        ("3", "2025-12-01 07:21:33"),
        ("4", "2025-12-01 07:21:00"),
        ("5", "2025-12-01 07:21:33"),
        ("6", "2025-12-01 07:21:33"),
    ]
    quarantined = _quarantine(engine)
    assert [(line, field) for line, field, _ in quarantined] == [(8, "WAKTU"), (9, "WAKTU"), (10, "WAKTU")]
    assert "AM/PM" in quarantined[0][2]
    assert "no time of day" in quarantined[1][2]
    assert "impossible time" in quarantined[2][2]


def _edit(source: Path, target: Path, edits: dict[tuple[int, str], object]) -> Path:
    """A copy of a register workbook with some cells (sheet row, header) overwritten."""
    workbook = load_workbook(source)
    sheet = workbook.worksheets[0]
    header_row = next(r for r in range(1, 21) if sheet.cell(r, 1).value in {"NOMOR REGISTER", "UNIT KERJA"})
    columns = {sheet.cell(header_row, c).value: c for c in range(1, sheet.max_column + 1)}
    for (row, header), value in edits.items():
        sheet.cell(row, columns[header]).value = value
    workbook.save(target)
    return target


def test_a_register_row_with_a_bad_date_or_nip_is_quarantined(
    engine: sa.Engine, demo: tuple[Path, list[Employee]], tmp_path: Path
) -> None:
    book = _edit(
        demo[0] / "register_layanan_kgb_2025.xlsx",
        tmp_path / "register_layanan_kgb_2025.xlsx",
        {(6, "TANGGAL SK"): "31-02-2025", (8, "NIP"): "1.96608E+17", (9, "TANGGAL USUL"): "2025-13-01"},
    )
    result = load_file(engine, load_contracts()["register_layanan"], book)
    assert result.rows_quarantined == 3 and result.rows_read == result.rows_loaded + 3
    quarantined = _quarantine(engine)
    assert [(line, field) for line, field, _ in quarantined] == [
        (6, "TANGGAL SK"),
        (8, "NIP"),
        (9, "TANGGAL USUL"),
    ]
    assert "impossible date" in quarantined[0][2] and "precision lost" in quarantined[1][2]

    # a decision dated after the register's as-of date (in its name) cannot have happened yet
    cases = _edit(
        demo[0] / "register_dugaan_pelanggaran_2025-12-31.xlsx",
        tmp_path / "register_dugaan_pelanggaran_2025-12-31.xlsx",
        {(7, "TANGGAL KEPUTUSAN"): date(2026, 3, 2)},
    )
    result = load_file(engine, load_contracts()["register_dugaan_pelanggaran"], cases)
    assert result.rows_quarantined == 1
    [(line, field, reason)] = _quarantine(engine, "register_dugaan_pelanggaran")
    assert (line, field) == (7, "TANGGAL KEPUTUSAN") and "after" in reason


def test_applicant_names_never_reach_the_raw_tables(
    engine: sa.Engine, demo: tuple[Path, list[Employee]]
) -> None:
    folder = demo[0]
    names: set[str] = set()
    for name in ["register_layanan", "register_dugaan_pelanggaran", "pin_mesin", "presensi_mesin"]:
        contract = load_contracts()[name]
        for path in _files(contract, folder):
            load_file(engine, contract, path)
            if path.suffix == ".xlsx":
                sheet = load_workbook(path, read_only=True).worksheets[0]
                rows = list(sheet.iter_rows(values_only=True))
                header_at = next(i for i, r in enumerate(rows) if r and "NAMA" in r)
                names |= {str(r[rows[header_at].index("NAMA")]) for r in rows[header_at + 1 :]}
    assert len(names) > 100
    with engine.connect() as conn:
        columns = set(
            conn.execute(
                sa.text("select column_name from information_schema.columns where table_schema = 'raw'")
            ).scalars()
        )
        assert "nama" not in columns and not any("uraian" in c for c in columns)
        for table in ["register_layanan", "register_dugaan_pelanggaran", "pin_mesin", "presensi_mesin"]:
            for (text,) in conn.execute(sa.text(f"select t::text from raw.{table} t")):
                assert not any(n in text for n in names), text


def test_registers_and_punches_follow_the_riwayat_and_daily_files(demo: tuple[Path, list[Employee]]) -> None:
    folder, employees = demo
    staff = {e.nip for e in employees}
    as_of = DEMO_AS_OF.isoformat()

    hukdis = read_rows(folder / f"riwayat_hukdis_{as_of}.csv", "riwayat_hukdis")
    cases = read_rows(folder / f"register_dugaan_pelanggaran_{as_of}.xlsx", "register_dugaan_pelanggaran")
    assert hukdis and {h["id"] for h in hukdis} == {c["hukdis_id"] for c in cases if c["hukdis_id"]}
    for c in cases:
        assert (
            c["tanggal_laporan"] <= (c["tanggal_pemeriksaan"] or as_of) <= (c["tanggal_keputusan"] or as_of)
        )

    layanan = [
        r for p in sorted(folder.glob("register_layanan_*.xlsx")) for r in read_rows(p, "register_layanan")
    ]
    assert all(r["tanggal_usul"] <= as_of and (r["tanggal_sk"] or "") <= as_of for r in layanan)
    assert all((r["tanggal_sk"] is None) == (r["status"] == "proses") for r in layanan)
    pensions = {r["nip"] for r in layanan if r["jenis_layanan"] == "SK_PENSIUN"}
    retired = read_rows(folder / f"riwayat_pemberhentian_{as_of}.csv", "riwayat_pemberhentian")
    due = {
        r["nip_baru"]
        for r in retired
        if r["jenis_pemberhentian"] == "BUP" and r["tmt_pemberhentian"] >= "2022"
    }
    assert due and due <= pensions
    assert all(r["nip"] is None for r in layanan if r["jenis_layanan"] == "SEKOLAH_KEDINASAN")

    pin_map = read_rows(folder / f"pin_mesin_{as_of}.xlsx", "pin_mesin")
    holder = {(p["sn_mesin"], p["pin"]): p["nip"] for p in pin_map if p["berlaku_sampai"] is None}
    assert set(holder.values()) <= staff
    daily = {
        (r["nip"], r["tanggal"]): r["status_kode"]
        for r in read_rows(folder / "presensi_harian_2025-12.csv", "presensi_harian")
    }
    punches = [r for p in sorted(folder.glob("presensi_mesin_*.csv")) for r in read_rows(p, "presensi_mesin")]
    assert punches
    for punch in punches:
        nip = holder.get((punch["sn_mesin"], punch["pin"]))
        assert punch["nip"] in {None, nip}
        if nip:  # an employee punches only on a day the daily file has as present
            assert daily[(nip, str(punch["waktu"])[:10])] in {"H", "TL", "PSW"}
