"""The nightly job materialized in-process: every asset and check, publish, idempotence,
and a blocking failure that leaves the published marts as they were."""

import csv
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from dagster import AssetKey, DagsterInstance

from orchestration import dbt_docs
from orchestration.checks.deliveries import checked_sources
from orchestration.dbt_project import DBT_PROJECT, IkuDbtCliResource, dbt_executable
from orchestration.definitions import build_definitions
from orchestration.report import default_path
from orchestration.resources import SourceDropResource, WarehouseResource

pytestmark = [pytest.mark.warehouse, pytest.mark.slow]


def _run(database_url: str, drop: Path):
    defs = build_definitions(
        {
            "warehouse": WarehouseResource(url=database_url),
            "source_drop": SourceDropResource(path=str(drop)),
            "dbt": IkuDbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
        }
    )
    with DagsterInstance.ephemeral() as instance:
        return defs.resolve_job_def("nightly_refresh").execute_in_process(
            instance=instance, raise_on_error=False
        )


def _published(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("select * from marts.fct_iku order by iku_id"))]


def test_nightly_refresh_materializes_checks_and_publishes(engine, database_url, demo_dir, tmp_path) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(demo_dir, drop)

    first = _run(database_url, drop)
    assert first.success
    materialized = {e.asset_key for e in first.get_asset_materialization_events()}
    assert {
        AssetKey(["raw", "siasn_pns"]),
        AssetKey(["marts", "fct_iku"]),
        AssetKey(["publish", "marts"]),
        AssetKey(["docs", "dbt"]),
    } <= materialized
    assert (dbt_docs.docs_dir() / "index.html").is_file()  # the dbt docs of the published marts
    checks = first.get_asset_check_evaluations()
    gx = {c.check_name for c in checks if c.asset_key == AssetKey(["marts", "fct_iku"])}
    assert {"fct_iku_bkd_1_3_present", "fct_iku_persen_in_range"} <= gx
    # the freshness checks judge the fixed demo date against the real today: WARN at worst
    fresh = [c for c in checks if c.check_name.endswith("_fresh")]
    assert len(fresh) == len(checked_sources()) and all(c.passed or c.severity.value == "WARN" for c in fresh)
    assert checks and all(c.passed for c in checks if c not in fresh)
    rows = _published(engine)
    assert any(r[1] == "BKD-1.3" for r in rows)
    # the leadership's report of the newest year, written after the publish
    assert AssetKey(["reports", "iku_report"]) in materialized
    with engine.connect() as conn:
        newest = conn.execute(sa.text("select max(period_year) from marts.fct_iku")).scalar()
    report = default_path(newest, None, "html")
    assert report.exists() and default_path(newest, None, "xlsx").exists()
    assert "BKD-1.3" in report.read_text(encoding="utf-8")

    # idempotent: the same sources give the same published rows; a file no contract claims is
    # reported by a WARN check (the run still publishes)
    (drop / "rekap_absen_manual.xlsx").write_bytes(b"not a contract file")
    second = _run(database_url, drop)
    assert second.success
    assert _published(engine) == rows
    unclaimed = next(c for c in second.get_asset_check_evaluations() if c.check_name == "no_unclaimed_files")
    assert not unclaimed.passed and unclaimed.severity.value == "WARN"
    assert "rekap_absen_manual.xlsx" in unclaimed.metadata["unclaimed_files"].value

    # a new SIASN export that arrives empty (the export broke) is held: nothing of it is
    # loaded, the steward's WARN check names it, and the figures stay those of the exports in
    # force
    source = next(drop.glob("siasn_pns_*.csv"))
    with source.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh, delimiter="|"))
    newer = drop / "siasn_pns_2026-01-31.csv"
    with newer.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter="|").writerow(header)

    third = _run(database_url, drop)
    assert third.success
    checks = third.get_asset_check_evaluations()
    held = next(c for c in checks if c.check_name == "raw_siasn_pns_delivery_held")
    assert not held.passed and held.severity.value == "WARN"
    assert _published(engine) == rows

    # an export the loader cannot take (a required column missing) fails the run: nothing is
    # published and marts keep the last good values
    with source.open(encoding="utf-8", newline="") as fh:
        head = list(csv.reader(fh, delimiter="|"))[:6]
    drop_column = head[0].index("SATUAN KERJA KERJA ID")
    with newer.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter="|").writerows([r[:drop_column] + r[drop_column + 1 :] for r in head])
    fourth = _run(database_url, drop)
    assert not fourth.success
    assert not {
        AssetKey(["publish", "marts"]),
        AssetKey(["reports", "iku_report"]),
        AssetKey(["docs", "dbt"]),
    } & {e.asset_key for e in fourth.get_asset_materialization_events()}
    assert _published(engine) == rows
    assert report.exists()  # the last good report stays, like the marts
