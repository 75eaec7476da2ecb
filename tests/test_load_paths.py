"""The ways a file reaches the stage (COPY as it is, line by line, workbook cells) all keep the
file's own line numbers and type rows exactly as the Python rules (sources.conform) do."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from sources.batch import WIT
from sources.conform import Rejection, conform, map_header
from sources.contracts import load_contracts, normalize_header
from sources.demo import generate
from sources.demo.defects import defect_rates
from sources.load import as_of_date, load_file
from sources.readers import read_file
from tests.conftest import DEMO_AS_OF

pytestmark = pytest.mark.warehouse
PRESENSI = load_contracts()["presensi_harian"]
HEADER = "NIP|TANGGAL|STATUS|JAM MASUK|JAM PULANG"
NIP = "196608011988031001"


def _loaded(engine: sa.Engine, table: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(f"select * from raw.{table} order by _source_line"))]


def _quarantine(engine: sa.Engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("select line_number, field, value, reason from audit.quarantine order by line_number")
        )
        return [tuple(r) for r in rows]


def test_rows_copy_refuses_go_line_by_line_with_their_line_numbers(engine, tmp_path: Path) -> None:
    path = tmp_path / "presensi_harian_2025-01.csv"
    lines = [
        "REKAP PRESENSI JANUARI",  # 1: title
        "",  # 2
        HEADER,  # 3
        f"{NIP}|02-01-2025|H|07:25|16:01",  # 4
        "",  # 5: a blank line is not a row
        f"{NIP}|03-01-2025|H|07:25",  # 6: a field short
        "|||| ",  # 7: blank cells are not a row either
        f"{NIP}|2025-01-06|H|07:20|16:00|x",  # 8: a field too many
        f" {NIP} |45663|TK||",  # 9: an Excel serial date, spaces around the NIP
    ]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    result = load_file(engine, PRESENSI, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    rows = _loaded(engine, "presensi_harian")
    assert [(r[2], r[4], str(r[5]), r[6], r[7]) for r in rows] == [
        (4, NIP, "2025-01-02", "H", "07:25"),
        (9, NIP, "2025-01-06", "TK", None),
    ]
    assert [(q[0], q[1]) for q in _quarantine(engine)] == [(6, "(row)"), (8, "(row)")]
    assert "expected 5 fields, found 4" in _quarantine(engine)[0][3]


def test_quoted_fields_split_as_python_reads_them(engine, tmp_path: Path) -> None:
    path = tmp_path / "presensi_harian_2025-02.csv"
    lines = [
        "NIP,TANGGAL,STATUS,JAM MASUK,JAM PULANG",
        f'"{NIP}","2025-02-03","H","07:25","16:01"',  # 2: all quoted
        f'{NIP},2025-02-04,"D,L",,',  # 3: a delimiter inside quotes
        f'{NIP},2025-02-05,H"x,,',  # 4: a stray quote inside a field, kept as written
        f'{NIP},2025-02-06,"a ""b""",,',  # 5: doubled quotes
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = read_file(path, {normalize_header(c.header) for c in PRESENSI.columns})
    expected = [
        (line, values[2])
        for line, values in (
            item
            for item in conform(PRESENSI, source, map_header(PRESENSI, source))
            if not isinstance(item, Rejection)
        )
    ]
    result = load_file(engine, PRESENSI, path)
    assert result.rows_loaded == 4 and result.rows_quarantined == 0
    assert [(r[2], r[6]) for r in _loaded(engine, "presensi_harian")] == expected
    assert [e[1] for e in expected] == ["H", "D,L", 'H"x', 'a "b"']


@pytest.fixture(scope="module")
def defect_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("paths_defects")
    generate(out, seed=5, scale=0.05, as_of=DEMO_AS_OF, defects=defect_rates(0.01))
    return out


def _python_outcome(contract, path: Path) -> tuple[dict[int, tuple[str, str | None, str]], list[int]]:
    source = read_file(path, {normalize_header(c.header) for c in contract.columns})
    mapping = map_header(contract, source)
    rejected, accepted = {}, []
    for item in conform(contract, source, mapping, as_of_date(path) or datetime.now(WIT).date()):
        if isinstance(item, Rejection):
            rejected[item.line] = (item.field, item.value, item.reason)
        else:
            accepted.append(item[0])
    return rejected, accepted


def test_sql_typing_gives_what_the_python_rules_give(engine, defect_folder: Path) -> None:
    """Every demo source, defects included: the same rows rejected, with the same field, value
    and reason, and the same rows loaded."""
    checked = 0
    for contract in load_contracts().values():
        for path in sorted(p for p in defect_folder.iterdir() if contract.matches(p))[:2]:
            rejected, accepted = _python_outcome(contract, path)
            result = load_file(engine, contract, path)
            with engine.connect() as conn:
                got = {
                    r.line_number: (r.field, r.value, r.reason)
                    for r in conn.execute(
                        sa.text(
                            "select line_number, field, value, reason from audit.quarantine "
                            "where batch_id = :b"
                        ),
                        {"b": result.batch_id},
                    )
                }
                lines = sorted(
                    conn.execute(
                        sa.text(f"select _source_line from raw.{contract.raw_table} where _batch_id = :b"),
                        {"b": result.batch_id},
                    ).scalars()
                )
            assert got == rejected, path.name
            assert lines == sorted(accepted), path.name
            checked += 1
    assert checked > 20
