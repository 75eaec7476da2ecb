"""COPY loading into a real PostgreSQL: audit, reconciliation, quarantine, atomic replacement."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from sources.contracts import load_contracts
from sources.load import load_file
from sources.readers import SourceFileError

pytestmark = pytest.mark.warehouse
CONTRACT = load_contracts()["siasn_pns"]


def _demo_file(demo_dir: Path) -> Path:
    return next(demo_dir.glob("siasn_pns_*.csv"))


def _count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


def test_load_reconciles_and_is_idempotent(engine, demo_dir: Path) -> None:
    path = _demo_file(demo_dir)
    data_rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
    first = load_file(engine, CONTRACT, path)
    assert first.outcome == "loaded"
    assert first.rows_read == data_rows
    assert first.rows_loaded + first.rows_quarantined == first.rows_read
    assert _count(engine, "select count(*) from raw.siasn_pns") == first.rows_loaded

    again = load_file(engine, CONTRACT, path)
    assert again.outcome == "unchanged"
    assert _count(engine, "select count(*) from raw.siasn_pns") == first.rows_loaded
    assert _count(engine, "select count(*) from audit.load_batches where outcome = 'loaded'") == 1


def test_personal_columns_are_never_loaded(engine, demo_dir: Path) -> None:
    load_file(engine, CONTRACT, _demo_file(demo_dir))
    with engine.connect() as conn:
        columns = set(
            conn.execute(
                sa.text(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'raw' and table_name = 'siasn_pns'"
                )
            ).scalars()
        )
    assert {"nip_baru", "tanggal_lahir", "satuan_kerja_kerja_id"} <= columns
    assert not columns & {"nama", "nik", "nomor_hp", "alamat", "email"}


def test_bad_rows_go_to_quarantine(engine, demo_dir: Path, tmp_path: Path) -> None:
    lines = _demo_file(demo_dir).read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:6]
    cells = rows[1].split("|")
    cells[1] = "12345"  # NIP BARU
    rows[1] = "|".join(cells)
    rows.append(rows[0])  # duplicate
    path = tmp_path / "siasn_pns_2025-12-31.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")

    result = load_file(engine, CONTRACT, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 4, 2)
    with engine.connect() as conn:
        quarantined = conn.execute(
            sa.text("select file_name, line_number, field, reason from audit.quarantine order by line_number")
        ).all()
        batch = conn.execute(
            sa.text("select rows_read, rows_loaded, rows_quarantined from audit.load_batches")
        ).one()
    assert [(q.file_name, q.line_number, q.field) for q in quarantined] == [
        (path.name, 3, "NIP BARU"),
        (path.name, 7, "NIP BARU"),
    ]
    assert "18 digits" in quarantined[0].reason and "duplicate" in quarantined[1].reason
    assert tuple(batch) == (6, 4, 2)


def test_a_file_that_cannot_be_parsed_keeps_the_previous_data(engine, demo_dir: Path, tmp_path: Path) -> None:
    good = load_file(engine, CONTRACT, _demo_file(demo_dir))
    broken = tmp_path / "siasn_pns_2026-01-31.csv"
    broken.write_text("PNS ID|NAMA\nx|y\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match=r"siasn_pns_2026-01-31\.csv"):
        load_file(engine, CONTRACT, broken)
    assert _count(engine, "select count(*) from raw.siasn_pns") == good.rows_loaded
    with engine.connect() as conn:
        outcome, message = conn.execute(
            sa.text("select outcome, message from audit.load_batches order by batch_id desc limit 1")
        ).one()
    assert outcome == "failed" and "siasn_pns_2026-01-31.csv" in message


def test_per_file_source_replaces_only_its_own_file(engine, tmp_path: Path) -> None:
    contract = load_contracts()["presensi_harian"]
    nip = "196608011988031001"
    jan = tmp_path / "presensi_harian_2025-01.csv"
    feb = tmp_path / "presensi_harian_2025-02.csv"
    jan.write_text(f"NIP,TANGGAL,STATUS,JAM MASUK,JAM PULANG\n{nip},2025-01-02,H,07:25,16:01\n")
    feb.write_text(f"NIP,TANGGAL,STATUS,JAM MASUK,JAM PULANG\n{nip},2025-02-03,TK,,\n")
    assert load_file(engine, contract, jan).rows_loaded == 1
    assert load_file(engine, contract, feb).rows_loaded == 1
    # a corrected January file replaces January only
    jan.write_text(
        f"NIP,TANGGAL,STATUS,JAM MASUK,JAM PULANG\n{nip},2025-01-02,S,,\n{nip},2025-01-03,H,07:20,16:00\n"
    )
    assert load_file(engine, contract, jan).rows_loaded == 2
    assert load_file(engine, contract, jan).outcome == "unchanged"
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "select _source_file, tanggal::text, status_kode from raw.presensi_harian order by tanggal"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        (jan.name, "2025-01-02", "S"),
        (jan.name, "2025-01-03", "H"),
        (feb.name, "2025-02-03", "TK"),
    ]


def test_xlsx_with_title_rows_loads(engine, tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "target_iku_2025-12-31.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["TARGET IKU BKD DAN SDA"])
    sheet.append([])
    sheet.append(["KODE IKU", "TAHUN", "TARGET", "DOKUMEN"])
    sheet.append(["BKD-1.3", 2025, 90.5, "Renstra"])
    sheet.append(["BKD-1.2", 2025, "lima", "Renstra"])  # not a number: quarantined
    workbook.save(path)
    result = load_file(engine, load_contracts()["target_iku"], path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert any("title" in n for n in result.notes)
    with engine.connect() as conn:
        line, field = conn.execute(sa.text("select line_number, field from audit.quarantine")).one()
    assert (line, field) == (5, "TARGET")


def test_a_file_without_some_optional_columns_loads_them_empty(engine, tmp_path: Path) -> None:
    """Only the required columns (and a few others) delivered: the missing optional columns load
    as empty, whatever their type (a missing date column once failed the load: `null` typed as
    text by the statement that types the rows)."""
    path = tmp_path / "siasn_pns_2025-12-31.csv"
    path.write_text(
        "NIP BARU,TANGGAL LAHIR,JENIS PEGAWAI ID,KEDUDUKAN HUKUM ID,SATUAN KERJA KERJA ID\n"
        "197211101994031001,10-11-1972,1,01,OPD1\n",
        encoding="utf-8",
    )
    result = load_file(engine, CONTRACT, path)
    assert (result.outcome, result.rows_loaded, result.rows_quarantined) == ("loaded", 1, 0)
    assert (
        _count(engine, "select count(*) from raw.siasn_pns where tmt_cpns is null and mk_tahun is null") == 1
    )
