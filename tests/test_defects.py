"""Every kind of deliberate defect the demo injects is accounted for when loaded: rows read =
rows loaded + rows quarantined, the bad row is quarantined naming its line and field, or it
is loaded for the quality checks to flag (issue 5), and nothing is silently dropped."""

from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from sources.contracts import load_contracts
from sources.demo import generate
from sources.demo.defects import DEFECT_KINDS, FLAGGED, LOADED, QUARANTINED, Defect, defect_rates
from sources.load import load_file
from tests.conftest import DEMO_AS_OF

pytestmark = pytest.mark.warehouse


@pytest.fixture(scope="module")
def defect_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Defect]]:
    out = tmp_path_factory.mktemp("demo_defects")
    summary = generate(out, seed=11, scale=0.1, as_of=DEMO_AS_OF, defects=defect_rates(0.004))
    return out, summary.defects


def _contract_for(path: Path):
    return next(c for c in load_contracts().values() if c.matches(path))


def _data_rows(path: Path) -> int:
    """Rows below the header, counted independently of the project's readers."""
    if path.suffix == ".xlsx":
        sheet = load_workbook(path, read_only=True).worksheets[0]
        rows = [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]
        header = next(i for i, r in enumerate(rows) if r[0] == "ID JABATAN")
        return len(rows) - header - 1
    return len(path.read_bytes().rstrip(b"\r\n").split(b"\n")) - 1


def test_every_kind_is_injected(defect_demo) -> None:
    _, defects = defect_demo
    assert set(Counter(d.kind for d in defects)) == set(DEFECT_KINDS)


@pytest.mark.parametrize("kind", sorted(DEFECT_KINDS))
def test_defect_kind_is_accounted_for(kind: str, defect_demo, engine) -> None:
    out, defects = defect_demo
    mine = [d for d in defects if d.kind == kind]
    for file_name in sorted({d.file for d in mine}):
        path = out / file_name
        result = load_file(engine, _contract_for(path), path)
        assert result.outcome == "loaded"
        assert result.rows_read == _data_rows(path), "every data row is read"
        assert result.rows_read == result.rows_loaded + result.rows_quarantined
        with engine.connect() as conn:
            quarantined = {
                row.line_number: row
                for row in conn.execute(
                    sa.text("select line_number, field, reason from audit.quarantine where batch_id = :b"),
                    {"b": result.batch_id},
                )
            }
            raw_table = _contract_for(path).raw_table
            loaded_lines = set(
                conn.execute(
                    sa.text(f"select _source_line from raw.{raw_table} where _batch_id = :b"),
                    {"b": result.batch_id},
                ).scalars()
            )
        assert len(quarantined) == result.rows_quarantined
        assert len(loaded_lines) == result.rows_loaded
        for d in (d for d in mine if d.file == file_name):
            if d.outcome == QUARANTINED:
                assert d.line in quarantined, f"{d} not quarantined"
                q = quarantined[d.line]
                if kind == "duplicate_row":
                    assert "duplicate key" in q.reason
                else:
                    assert q.field == d.field, (d, q)
            elif d.outcome in {FLAGGED, LOADED} and path.suffix == ".csv":
                assert d.line in loaded_lines, f"{d} should load (the checks flag it later)"


def test_latin1_file_keeps_its_characters(defect_demo, engine) -> None:
    out, defects = defect_demo
    d = next(d for d in defects if d.kind == "latin1_file")
    path = out / d.file
    with pytest.raises(UnicodeDecodeError):
        path.read_text(encoding="utf-8")
    load_file(engine, _contract_for(path), path)
    with engine.connect() as conn:
        name = conn.execute(
            sa.text("select nama_diklat from raw.riwayat_diklat where _source_line = :l"), {"l": d.line}
        ).scalar_one()
    assert name.endswith("· Angkatan II")


def test_excel_title_rows_do_not_hide_the_header(defect_demo, engine) -> None:
    out, defects = defect_demo
    d = next(d for d in defects if d.kind == "excel_title_row")
    path = out / d.file
    assert d.line > 3
    result = load_file(engine, _contract_for(path), path)
    assert result.rows_quarantined == 0 and result.rows_loaded == _data_rows(path) > 0


def test_rates_are_configurable(tmp_path: Path) -> None:
    rates = defect_rates(0.0, invalid_nip=0.02)
    summary = generate(tmp_path, seed=11, scale=0.1, as_of=DEMO_AS_OF, defects=rates)
    kinds = Counter(d.kind for d in summary.defects)
    assert set(kinds) == {"invalid_nip"}
    siasn_rows = _data_rows(next(tmp_path.glob("siasn_pns_*.csv")))
    in_siasn = sum(d.file.startswith("siasn_pns_") for d in summary.defects)
    assert in_siasn == round(siasn_rows * 0.02)
    with pytest.raises(ValueError, match="unknown defect kind"):
        defect_rates(0.1, no_such_kind=0.5)
