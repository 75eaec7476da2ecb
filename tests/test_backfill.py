"""A backfill of one month (job presensi_month_refresh, `iku refresh --month`): that month's
attendance files load again, the marts are rebuilt and published, and the rows of every other
month stay byte-identical; no other source is read."""

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance

from orchestration.dbt_project import DBT_PROJECT, IkuDbtCliResource, dbt_executable
from orchestration.definitions import build_definitions
from orchestration.partitions import MONTHLY_JOB, month_of_file
from orchestration.resources import SourceDropResource, WarehouseResource
from tests.helpers import query_rows

pytestmark = [pytest.mark.warehouse, pytest.mark.slow]

MONTH = "2025-03"

# each published attendance table, and the expression of the month of a row
MONTHLY_MARTS = {
    "marts.fct_presensi_harian": "to_char(tanggal, 'YYYY-MM')",
    "marts.mrt_rekap_presensi_bulanan": "month_id",
    "marts.mrt_rekap_presensi_opd_bulanan": "month_id",
    "raw.presensi_harian": "to_char(tanggal, 'YYYY-MM')",
}


def _run(instance: DagsterInstance, database_url: str, drop: Path, job: str, month: str | None = None):
    defs = build_definitions(
        {
            "warehouse": WarehouseResource(url=database_url),
            "source_drop": SourceDropResource(path=str(drop)),
            "dbt": IkuDbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
        }
    )
    return defs.resolve_job_def(job).execute_in_process(
        instance=instance, raise_on_error=False, partition_key=month
    )


def _rows_by_month(engine) -> dict[tuple[str, str], str]:
    """(table, month) -> a digest of the month's rows, every column as text (order-free)."""
    sql = (
        "select {month}, md5(string_agg(md5(t::text), '' order by md5(t::text))) from {table} as t group by 1"
    )
    return {
        (table, m): digest
        for table, month in MONTHLY_MARTS.items()
        for m, digest in query_rows(engine, sql.format(month=month, table=table))
    }


def _iku_outside(engine, month: str) -> list[tuple]:
    """Every published IKU row of a period that does not contain the month, as text."""
    return query_rows(
        engine,
        "select t::text from marts.fct_iku as t "
        "where not (cast(:first as date) between period_start and period_end) order by 1",
        first=f"{month}-01",
    )


def _batches(engine) -> list[tuple]:
    return query_rows(
        engine, "select batch_id, source, file_name, outcome from audit.load_batches order by batch_id"
    )


def _mark_absent(path: Path, count: int) -> int:
    """Turn the first `count` present days (H) of the file into unexplained absences (TK)."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    changed = 0
    for row in rows[1:]:
        if row[2] == "H" and changed < count:
            row[2], row[3], row[4] = "TK", "", ""
            changed += 1
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return changed


def test_one_month_backfill_changes_that_month_only(engine, database_url, demo_dir, tmp_path) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(demo_dir, drop)
    with DagsterInstance.ephemeral() as instance:
        nightly = _run(instance, database_url, drop, "nightly_refresh")
        assert nightly.success
        # the nightly run records every delivered month as a materialized partition
        delivered = {month_of_file(p) for p in drop.glob("presensi_harian_*.csv")}
        assert instance.get_materialized_partitions(AssetKey(["raw", "presensi_harian"])) == delivered
        before, iku_before = _rows_by_month(engine), _iku_outside(engine, MONTH)
        batches_before = _batches(engine)
        assert {m for (_, m) in before} >= {MONTH, "2025-02", "2025-04"}

        assert _mark_absent(drop / f"presensi_harian_{MONTH}.csv", 40) == 40
        backfill = _run(instance, database_url, drop, MONTHLY_JOB, MONTH)
        assert backfill.success
        materialized = {
            (e.asset_key, e.partition) for e in backfill.get_asset_materialization_events() if e.asset_key
        }
        assert (AssetKey(["raw", "presensi_harian"]), MONTH) in materialized
        assert (AssetKey(["publish", "marts"]), None) in materialized
        assert not any(key.path[0] == "raw" and key.path[1] == "siasn_pns" for key, _ in materialized)

    after = _rows_by_month(engine)
    assert set(after) == set(before)
    changed = {key for key in before if before[key] != after[key]}
    # the month's rows changed in every attendance table, and no other month's did
    assert changed == {(table, MONTH) for table in MONTHLY_MARTS}
    # IKU of periods without that month: byte-identical
    assert _iku_outside(engine, MONTH) == iku_before
    # only the month's files were loaded again: one new batch each, no other source read
    new = _batches(engine)[len(batches_before) :]
    assert _batches(engine)[: len(batches_before)] == batches_before
    assert new and {(source, month_of_file(name)) for _, source, name, _ in new} <= {
        ("presensi_harian", MONTH),
        ("presensi_mesin", MONTH),
    }
    assert all(outcome == "loaded" for *_, outcome in new)


def test_a_month_without_files_fails_and_keeps_the_published_marts(
    engine, database_url, demo_dir, tmp_path
) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(demo_dir, drop)
    with DagsterInstance.ephemeral() as instance:
        assert _run(instance, database_url, drop, "nightly_refresh").success
        before = _rows_by_month(engine)
        result = _run(instance, database_url, drop, MONTHLY_JOB, "2019-06")
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = failure.event_specific_data.error.message
    assert "no attendance file of 2019-06" in message and str(drop) in message
    assert _rows_by_month(engine) == before


def test_iku_refresh_month_refuses_a_month_that_is_no_partition() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "refresh", "--month", "2025-13"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 2
    assert "not a month YYYY-MM from 2019-01" in out.stderr and "'2025-13'" in out.stderr
