"""Issue 12 (item 5), what stewards see in `iku dq` and on the stewards' page besides the GX
results: the quarantined rows of the current loads (file, line, field, reason; never the value)
and the failed dbt tests of the latest build, routed to the unit of the source delivered.

A holiday calendar with one unreadable date (the loader quarantines it) and one unknown kind of
holiday (loaded; the staging model's dbt test warns), loaded by the loader and built by dbt
through dagster-dbt, as the nightly job does."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orchestration import cli
from orchestration.assets.dbt import IkuDbtTranslator
from orchestration.checks.data_docs import build_data_docs
from orchestration.checks.dbt_tests import record_invocation
from orchestration.checks.dq_store import recorded_checks
from orchestration.dbt_project import DBT_PROJECT, IkuDbtCliResource, dbt_executable
from sources.contracts import load_contracts
from sources.load import load_file
from sources.raw_tables import ensure_raw_tables

pytestmark = pytest.mark.warehouse

CALENDAR = (
    "TANGGAL;JENIS;KETERANGAN\n"
    "2025-01-01;libur_nasional;Tahun Baru Masehi\n"
    "2025-13-45;libur_nasional;Tanggal yang salah\n"  # line 3: quarantined
    "2025-05-21;libur_daerah;Hari Jadi Halmahera Utara\n"  # loaded; not a known kind
)
UNIT, PJ = "Bidang INKA", "Kasubid Pembinaan dan Pemberhentian"  # the kalender_libur contract's


@pytest.fixture
def calendar(engine, database_url, tmp_path, monkeypatch) -> sa.Engine:
    monkeypatch.setenv("IKU_WAREHOUSE_URL", database_url)
    monkeypatch.setenv("IKU_HOME", str(tmp_path / "iku_home"))
    drop = tmp_path / "drop"
    drop.mkdir()
    path = drop / "kalender_libur_2025.csv"
    path.write_text(CALENDAR, encoding="utf-8")
    ensure_raw_tables(engine)
    result = load_file(engine, load_contracts()["kalender_libur"], path)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    return engine


def _dq(capsys, *args: str) -> str:
    assert cli.main(["dq", *args]) == 0
    return capsys.readouterr().out


def test_dq_lists_the_quarantined_rows_of_the_current_load(calendar, capsys, tmp_path) -> None:
    out = _dq(capsys)
    assert UNIT in out and "QUARANTINED" in out and "kalender_libur: 1 row(s)" in out
    line = next(x for x in out.splitlines() if "kalender_libur_2025.csv line 3" in x)
    assert "TANGGAL" in line and "date" in line  # field and reason
    assert "Tanggal yang salah" not in out  # nothing of the row but its reason
    assert PJ in out

    json_out = _dq(capsys, "quarantine", "--format", "json")
    assert '"line_number": 3' in json_out and '"value"' not in json_out
    assert "No quarantined rows" in _dq(capsys, "quarantine", "--unit", "Sekretariat")

    # a newer delivery of the calendar replaces it: its quarantine is no longer current
    newer = tmp_path / "drop" / "kalender_libur_2026.csv"
    newer.write_text("TANGGAL;JENIS;KETERANGAN\n2026-01-01;libur_nasional;Tahun Baru\n", encoding="utf-8")
    load_file(calendar, load_contracts()["kalender_libur"], newer)
    assert "QUARANTINED" not in _dq(capsys)

    page = (build_data_docs(calendar, tmp_path / "docs").parent / "stewards.html").read_text()
    assert "Kegagalan pemeriksaan mutu data" in page and "lang='id'" in page


@pytest.mark.slow
def test_dq_lists_a_failed_dbt_test_by_unit(calendar, database_url, dbt_env_for, capsys, tmp_path) -> None:
    dbt_env_for(database_url)
    dbt = IkuDbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable())
    invocation = dbt.cli(
        ["build", "--select", "stg_presensi__kalender_libur"],
        manifest=DBT_PROJECT.manifest_path,
        target_path=tmp_path / "target",
        raise_on_error=False,
    )
    invocation.wait()
    assert record_invocation(calendar, "run-dbt", invocation, IkuDbtTranslator(), since=0) == 1

    with calendar.connect() as conn:
        row = (
            conn.execute(sa.text("select * from dq.check_results where run_id = 'run-dbt'")).mappings().one()
        )
    assert row["check_name"] == "checks_stg_presensi__kalender_libur"
    assert (row["asset_key"], row["suite"]) == ("staging/stg_presensi__kalender_libur", "dbt")
    assert (row["severity"], row["outcome"], row["blocking"]) == ("WARN", "failed", False)  # staging warns
    assert (row["steward"], row["penanggung_jawab"]) == (UNIT, PJ)  # the source's contract
    assert row["unexpected_count"] == 1 and "libur_daerah" not in str(dict(row))

    out = _dq(capsys)
    unit_block = out.split(f"\n{UNIT}\n", 1)[1]
    assert "FAILED" in unit_block and "checks_stg_presensi__kalender_libur" in unit_block
    assert "dbt test" in unit_block and PJ in unit_block
    # dbt decides whether its tests block: they cannot be acknowledged
    assert "checks_stg_presensi__kalender_libur" not in recorded_checks(calendar)
    assert cli.main(["dq", "ack", "checks_stg_presensi__kalender_libur", "--note", "x",
                     "--expires", "2999-01-01"]) == 2  # fmt: skip

    page = (build_data_docs(calendar, tmp_path / "docs").parent / "stewards.html").read_text()
    assert "checks_stg_presensi__kalender_libur" in page and "gagal" in page
    assert "Baris yang dikarantina" in page and "kalender_libur_2025.csv" in page
