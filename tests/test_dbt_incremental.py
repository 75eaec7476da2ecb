"""The attendance models built by month (macros/incremental_months.sql): an incremental build
after the sources changed gives exactly the tables a full refresh gives, and a build with
nothing changed rebuilds no month."""

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from orchestration.warehouse import dbt_env, make_engine
from tests.helpers import run_dbt

pytestmark = [pytest.mark.warehouse, pytest.mark.slow]
SELECT = ["-s", "int_presensi__bulan_sumber+", "--exclude", "fct_iku+", "fct_iku_evidence"]
BY_MONTH = [
    "intermediate.int_presensi__opd_bulan",
    "marts_build.fct_presensi_harian",
    "marts_build.mrt_rekap_presensi_bulanan",
]
DERIVED = [
    "intermediate.int_iku_evidence__rekap_presensi",
    "marts_build.mrt_rekap_presensi_opd_bulanan",
    "marts_build.mrt_tanpa_keterangan_ambang",
]


def _rows_affected(target: Path) -> dict[str, int | None]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {
        r["unique_id"].rsplit(".", 1)[1]: r.get("adapter_response", {}).get("rows_affected") for r in results
    }


def _copy(engine: sa.Engine, tables: list[str], schema: str) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"create schema {schema}")
        for table in tables:
            conn.exec_driver_sql(f"create table {schema}.{table.split('.')[1]} as select * from {table}")


def _differences(engine: sa.Engine, table: str, schema: str) -> tuple[int, int, int]:
    copy = f"{schema}.{table.split('.')[1]}"
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                f"select (select count(*) from (select * from {table} except all select * from {copy}) a), "
                f"(select count(*) from (select * from {copy} except all select * from {table}) b), "
                f"(select count(*) from {table})"
            )
        ).one()


def test_incremental_build_equals_a_full_refresh(built_demo_url: str, tmp_path: Path) -> None:
    engine = make_engine(built_demo_url)
    env = dbt_env(built_demo_url)

    # nothing changed since the session's build: no month is rebuilt
    result = run_dbt(["run", *SELECT], tmp_path / "unchanged", env=env)
    assert result.returncode == 0, result.stdout[-3000:]
    affected = _rows_affected(tmp_path / "unchanged")
    assert all(affected[t.split(".")[1]] == 0 for t in BY_MONTH), affected

    with engine.begin() as conn:
        months = (
            conn.execute(sa.text("select month_id from intermediate.int_presensi__bulan_sumber order by 1"))
            .scalars()
            .all()
        )
        assert len(months) > 6
        changed, emptied = months[-3], months[2]
        # a monthly file delivered again with other statuses (a new batch), three days of
        # another month gone, a holiday added in a third month (working-day numbers shift)
        conn.execute(
            sa.text(
                "update raw.presensi_harian set status_kode = 'TK', _batch_id = _batch_id + 100000 "
                "where to_char(tanggal, 'YYYY-MM') = :m and right(nip, 1) in ('1', '2')"
            ),
            {"m": changed},
        )
        conn.execute(
            sa.text(
                "delete from raw.presensi_harian where to_char(tanggal, 'YYYY-MM') = :m "
                "and extract(day from tanggal) between 10 and 12"
            ),
            {"m": emptied},
        )
        holiday = conn.execute(
            sa.text(
                "select min(tanggal) from intermediate.int_calendar_days "
                "where month_id = :m and is_working_day"
            ),
            {"m": months[-5]},
        ).scalar_one()
        columns = conn.execute(
            sa.text(
                "select string_agg(column_name, ', ' order by ordinal_position) "
                "from information_schema.columns where table_schema = 'raw' and table_name = 'kalender_libur'"
            )
        ).scalar_one()
        conn.execute(
            sa.text(
                f"insert into raw.kalender_libur ({columns}) select {columns.replace('tanggal', ':d')} "
                "from raw.kalender_libur limit 1"
            ),
            {"d": holiday},
        )

    result = run_dbt(["run", *SELECT], tmp_path / "incremental", env=env)
    assert result.returncode == 0, result.stdout[-3000:]
    affected = _rows_affected(tmp_path / "incremental")
    with engine.connect() as conn:
        total = conn.execute(sa.text("select count(*) from marts_build.fct_presensi_harian")).scalar()
    # only the months from the first change on were rebuilt, not the whole grid
    assert 0 < affected["fct_presensi_harian"] < total
    _copy(engine, BY_MONTH + DERIVED, "incremental_copy")

    result = run_dbt(["run", "--full-refresh", *SELECT], tmp_path / "full", env=env)
    assert result.returncode == 0, result.stdout[-3000:]
    for table in BY_MONTH + DERIVED:
        only_now, only_incremental, rows = _differences(engine, table, "incremental_copy")
        assert rows > 0, table
        assert (only_now, only_incremental) == (0, 0), table
    engine.dispose()
