"""COPY loading into a real PostgreSQL: audit, reconciliation, quarantine, atomic replacement."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from sources.contracts import load_contracts
from sources.load import load_snapshot
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
    first = load_snapshot(engine, CONTRACT, path)
    assert first.outcome == "loaded"
    assert first.rows_read == data_rows
    assert first.rows_loaded + first.rows_quarantined == first.rows_read
    assert _count(engine, "select count(*) from raw.siasn_pns") == first.rows_loaded

    again = load_snapshot(engine, CONTRACT, path)
    assert again.outcome == "unchanged"
    assert _count(engine, "select count(*) from raw.siasn_pns") == first.rows_loaded
    assert _count(engine, "select count(*) from audit.load_batches where outcome = 'loaded'") == 1


def test_personal_columns_are_never_loaded(engine, demo_dir: Path) -> None:
    load_snapshot(engine, CONTRACT, _demo_file(demo_dir))
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

    result = load_snapshot(engine, CONTRACT, path)
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
    good = load_snapshot(engine, CONTRACT, _demo_file(demo_dir))
    broken = tmp_path / "siasn_pns_2026-01-31.csv"
    broken.write_text("PNS ID|NAMA\nx|y\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match=r"siasn_pns_2026-01-31\.csv"):
        load_snapshot(engine, CONTRACT, broken)
    assert _count(engine, "select count(*) from raw.siasn_pns") == good.rows_loaded
    with engine.connect() as conn:
        outcome, message = conn.execute(
            sa.text("select outcome, message from audit.load_batches order by batch_id desc limit 1")
        ).one()
    assert outcome == "failed" and "siasn_pns_2026-01-31.csv" in message
