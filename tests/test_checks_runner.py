"""The GX runner's own guarantees, on a real PostgreSQL: the attendance key check catches what
can duplicate a key in a table the loader wrote (a file loaded twice, a day outside its file's
month) on a plain and on a LIST-partitioned table, without grouping every key; a table that
does not exist fails its suite at once with PostgreSQL's message; a suite's results are recorded
in one transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from orchestration.checks.dq_store import evaluate_suite, sample_keys
from orchestration.checks.gx_runner import run_check, run_suite, suites
from sources.contracts import load_contracts
from sources.load import load_file
from sources.raw_tables import ensure_raw_tables

NIPS = ("197211101994031001", "198503152010012002", "199001012015031003")
JANUARY, FEBRUARY = "presensi_harian_2025-01.csv", "presensi_harian_2025-02.csv"


def _attendance(folder: Path) -> None:
    for name, days in ((JANUARY, ("2025-01-02", "2025-01-03")), (FEBRUARY, ("2025-02-03", "2025-02-04"))):
        lines = ["NIP,TANGGAL,STATUS,JAM MASUK,JAM PULANG"]
        lines += [f"{nip},{day},H,07:30,16:00" for nip in NIPS for day in days]
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _rebuild(engine: sa.Engine, partitioned: bool) -> None:
    """raw.presensi_harian rebuilt plain, or LIST-partitioned by `_source_file` (one partition
    per file), with only a (nip, tanggal) index, whatever the loader made: the checks must hold
    on both shapes, and without a unique index two batches of one file can be stored (two
    racing loads of a loader without one)."""
    with engine.begin() as conn:
        conn.exec_driver_sql("alter table raw.presensi_harian rename to presensi_harian_loaded")
        conn.exec_driver_sql(
            "create table raw.presensi_harian (like raw.presensi_harian_loaded including defaults)"
            + (" partition by list (_source_file)" if partitioned else "")
        )
        for i, name in enumerate((JANUARY, FEBRUARY) if partitioned else ()):
            conn.exec_driver_sql(
                f"create table raw.presensi_harian_p{i} partition of raw.presensi_harian "
                f"for values in ('{name}')"
            )
        conn.exec_driver_sql("insert into raw.presensi_harian select * from raw.presensi_harian_loaded")
        conn.exec_driver_sql("drop table raw.presensi_harian_loaded cascade")
        conn.exec_driver_sql("create index on raw.presensi_harian (nip, tanggal)")
        conn.exec_driver_sql("analyze raw.presensi_harian")


def _measures(outcome) -> dict[str, int | None]:
    return {e.kwargs["column"]: e.unexpected_count for e in outcome.expectations}


@pytest.mark.warehouse
@pytest.mark.parametrize("partitioned", [False, True], ids=["plain", "partitioned"])
def test_key_unique_catches_a_file_loaded_twice_and_a_day_outside_its_file(
    engine, database_url, tmp_path, partitioned
) -> None:
    _attendance(tmp_path)
    ensure_raw_tables(engine)
    contract = load_contracts()["presensi_harian"]
    for name in (JANUARY, FEBRUARY):
        assert load_file(engine, contract, tmp_path / name).outcome == "loaded"
    _rebuild(engine, partitioned)
    spec = next(s for s in suites()["raw_presensi_harian"] if s.name == "raw_presensi_harian_key_unique")
    assert "group by nip, tanggal" not in spec.query, "the key itself is never grouped"
    assert run_check(spec, database_url).success

    # two racing loads of the January file: its rows twice, under two batches
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "insert into raw.presensi_harian (nip, tanggal, status_kode, jam_masuk, jam_pulang, "
            "_batch_id, _source_file, _source_line, _as_of_date) select nip, tanggal, status_kode, "
            "jam_masuk, jam_pulang, _batch_id + 1000, _source_file, _source_line, _as_of_date "
            f"from raw.presensi_harian where _source_file = '{JANUARY}'"
        )
    outcome = run_check(spec, database_url)
    assert not outcome.success and spec.severity == "WARN"
    assert _measures(outcome)["rows_of_an_older_batch"] == 2 * len(NIPS)
    assert sample_keys(engine, spec) == [JANUARY]

    # back to one batch; a February day in the January file: the key is in both files
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"delete from raw.presensi_harian where _batch_id = "
            f"(select max(_batch_id) from raw.presensi_harian where _source_file = '{JANUARY}')"
        )
        conn.exec_driver_sql(
            "insert into raw.presensi_harian (nip, tanggal, status_kode, _batch_id, _source_file, "
            "_source_line, _as_of_date) select nip, tanggal, status_kode, "
            f"(select max(_batch_id) from raw.presensi_harian where _source_file = '{JANUARY}'), "
            f"'{JANUARY}', 99, _as_of_date from raw.presensi_harian where _source_file = '{FEBRUARY}' "
            f"and nip = '{NIPS[1]}' and tanggal = date '2025-02-03'"
        )
    outcome = run_check(spec, database_url)
    assert not outcome.success
    assert _measures(outcome) == {"rows_of_an_older_batch": 0, "implausible__date_in_file_month": 1}
    assert sample_keys(engine, spec) == [NIPS[1]]


@pytest.mark.warehouse
def test_a_missing_table_fails_its_suite_at_once_and_the_suite_is_recorded_in_one_transaction(
    engine, database_url
) -> None:
    """No candidate marts (dbt did not build them): every fct_iku check fails with PostgreSQL's
    message, without GX; sample keys are not attempted; the rows land in one transaction."""
    specs = suites()["fct_iku"]
    outcomes = run_suite(specs, database_url)
    for spec in specs:
        outcome = outcomes[spec.name]
        assert not outcome.success, spec.name
        assert outcome.error and outcome.error.startswith("query failed: relation "), outcome.error
        assert "does not exist" in outcome.error
    assert any('"marts_build.fct_iku"' in o.error for o in outcomes.values())

    evaluations = evaluate_suite(engine, [(s, outcomes[s.name]) for s in specs], "run-missing")
    assert [e.outcome for e in evaluations] == ["failed"] * len(specs)
    assert all(e.sample_keys == () for e in evaluations)
    assert {e.spec.name for e in evaluations if e.blocking} == {
        s.name for s in specs if s.severity == "ERROR"
    }
    with engine.connect() as conn:
        rows, transactions = conn.execute(
            sa.text(
                "select count(*), count(distinct xmin::text) from dq.check_results "
                "where run_id = 'run-missing'"
            )
        ).one()
    assert rows == sum(len(e.routes) for e in evaluations) and transactions == 1
