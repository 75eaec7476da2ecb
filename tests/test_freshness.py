"""Issue 13, item 3: a source that stopped arriving does not go unnoticed.

Each contract (and SIMPEG table) declares its cadence; the `raw_<table>_fresh` checks judge
each source's latest delivery in audit.load_batches against it on the pinned clock (IKU_TODAY),
record the result in dq.check_results routed to the source's steward, and `iku dq` shows it.
A drop folder that is not there fails the load step, naming the folder."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from dagster import (
    AssetCheckKey,
    AssetSelection,
    DagsterInstance,
    Definitions,
    define_asset_job,
    in_process_executor,
)

from orchestration import cli
from orchestration.assets.raw import raw_asset_key, raw_file_assets, raw_files
from orchestration.assets.simpeg import simpeg_assets
from orchestration.checks.freshness import check_name, freshness_checks
from orchestration.checks.gx_checks import gx_checks
from orchestration.resources import SimpegResource, SourceDropResource, WarehouseResource
from orchestration.warehouse import make_engine
from sources.contracts import CONTRACTS_DIR, Cadence, _parse, load_contracts
from sources.simpeg import load_simpeg_config

CONTRACTS = load_contracts()


def _run_checks(url: str, drop: Path, keys: list[AssetCheckKey]):
    defs = Definitions(
        assets=[*raw_file_assets, *simpeg_assets],
        asset_checks=[*freshness_checks, *gx_checks],
        jobs=[define_asset_job("checks", selection=AssetSelection.checks(*keys))],
        executor=in_process_executor,
        resources={
            "warehouse": WarehouseResource(url=url),
            "source_drop": SourceDropResource(path=str(drop)),
            "simpeg": SimpegResource(),
        },
    )
    with DagsterInstance.ephemeral() as instance:
        return defs.resolve_job_def("checks").execute_in_process(instance=instance, raise_on_error=False)


def _fresh_key(name: str) -> AssetCheckKey:
    contract = CONTRACTS[name]
    return AssetCheckKey(raw_asset_key(contract), check_name(contract))


def _results(url: str, run_id: str) -> dict[str, dict]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("select * from dq.check_results where run_id = :r"), {"r": run_id})
            return {r["check_name"]: dict(r) for r in rows.mappings()}
    finally:
        engine.dispose()


def test_every_source_declares_a_cadence_the_loader_validates(tmp_path) -> None:
    assert all(c.cadence is not None for c in CONTRACTS.values())
    assert CONTRACTS["siasn_pns"].cadence.every == "monthly"
    assert CONTRACTS["presensi_harian"].cadence.every == "monthly"
    assert {CONTRACTS[n].cadence.every for n in ("target_iku", "kalender_libur", "nilai_eksternal")} == {
        "yearly"
    }
    assert {t.cadence.every for t in load_simpeg_config().values()} == {"daily"}
    # a month later, clamped to the month's end, plus the grace days
    assert Cadence("monthly", 15).due_by(date(2026, 1, 31)).isoformat() == "2026-03-15"
    text = (CONTRACTS_DIR / "target_iku.yml").read_text()
    for bad, error in (
        ("cadence: fortnightly", "is not one of"),
        ("cadence: {every: monthly, grace_days: -3}", "grace_days"),
        ("", "no cadence"),
    ):
        path = tmp_path / "target_iku.yml"
        path.write_text(
            "\n".join(line for line in text.splitlines() if not line.startswith("cadence:")) + f"\n{bad}\n"
        )
        with pytest.raises(ValueError, match=error):
            _parse(path)


@pytest.mark.warehouse
def test_fresh_sources_pass_and_a_late_one_is_routed_to_its_steward(
    loaded_demo_url, demo_dir, monkeypatch, capsys, tmp_path
) -> None:
    keys = [
        AssetCheckKey(check.key.asset_key, check.key.name)
        for d in freshness_checks
        for check in d.check_specs
    ]
    # the demo's exports are of 2025-12-31: three weeks later every source is fresh
    monkeypatch.setenv("IKU_TODAY", "2026-01-20")
    first = _run_checks(loaded_demo_url, demo_dir, keys)
    assert first.success
    evaluations = first.get_asset_check_evaluations()
    assert len(evaluations) == len(keys) and all(e.passed for e in evaluations), [
        e.description for e in evaluations if not e.passed
    ]
    recorded = _results(loaded_demo_url, first.run_id)
    assert {k.name for k in keys} == set(recorded)
    assert recorded["raw_siasn_pns_fresh"]["outcome"] == "passed"

    # past a month and the 15 days' grace of the monthly SIASN export: late; yearly targets are not
    monkeypatch.setenv("IKU_TODAY", "2026-02-16")
    chosen = [_fresh_key("siasn_pns"), _fresh_key("target_iku")]
    second = _run_checks(loaded_demo_url, demo_dir, chosen)
    assert second.success  # WARN: reported, never blocking
    by_name = {e.check_name: e for e in second.get_asset_check_evaluations()}
    late = by_name["raw_siasn_pns_fresh"]
    assert not late.passed and late.severity.value == "WARN"
    assert "terlambat: tidak ada kiriman sejak 2025-12-31, seharusnya bulanan" in late.description
    assert "not delivered since 2025-12-31, due by 2026-02-15" in late.description
    assert by_name["raw_target_iku_fresh"].passed
    row = _results(loaded_demo_url, second.run_id)["raw_siasn_pns_fresh"]
    assert (row["outcome"], row["severity"], row["blocking"]) == ("failed", "WARN", False)
    assert (row["steward"], row["penanggung_jawab"]) == ("Bidang INKA", "Kasubid Pengadaan dan INKA")
    assert row["observed_value"].startswith("terlambat: tidak ada kiriman sejak 2025-12-31")

    monkeypatch.setenv("IKU_WAREHOUSE_URL", loaded_demo_url)
    monkeypatch.setenv("IKU_HOME", str(tmp_path / "home"))
    assert cli.main(["dq", "--unit", "INKA"]) == 0
    out = capsys.readouterr().out
    assert "raw_siasn_pns_fresh" in out and "observed: terlambat: tidak ada kiriman sejak 2025-12-31" in out


@pytest.mark.warehouse
def test_a_source_never_delivered_reads_as_such(loaded_demo_url, demo_dir, monkeypatch) -> None:
    monkeypatch.setenv("IKU_TODAY", "2026-01-20")
    engine = make_engine(loaded_demo_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("delete from audit.quarantine where source = 'kalender_libur'")
            conn.exec_driver_sql("delete from audit.load_batches where source = 'kalender_libur'")
            conn.exec_driver_sql("truncate raw.kalender_libur")
    finally:
        engine.dispose()
    table = AssetCheckKey(
        raw_asset_key(CONTRACTS["kalender_libur"]), "raw_kalender_libur_schema_and_required"
    )
    result = _run_checks(loaded_demo_url, demo_dir, [_fresh_key("kalender_libur"), table])
    by_name = {e.check_name: e for e in result.get_asset_check_evaluations()}
    never = by_name["raw_kalender_libur_fresh"]
    assert not never.passed and "belum pernah dikirim, seharusnya tahunan" in never.description
    rows = _results(loaded_demo_url, result.run_id)
    assert rows["raw_kalender_libur_fresh"]["steward"] == CONTRACTS["kalender_libur"].steward
    # the empty table's own check says the same, not "row count 0"
    observed = rows["raw_kalender_libur_schema_and_required"]["observed_value"]
    assert rows["raw_kalender_libur_schema_and_required"]["outcome"] == "failed"
    assert observed.startswith("not delivered: no delivery of kalender_libur was ever loaded"), observed


@pytest.mark.warehouse
def test_a_missing_drop_folder_fails_the_load_naming_the_folder(database_url, tmp_path) -> None:
    missing = tmp_path / "nowhere" / "drop"
    keys = [raw_asset_key(CONTRACTS[n]) for n in ("siasn_pns", "target_iku")]
    defs = Definitions(
        assets=[raw_files],
        jobs=[define_asset_job("loads", selection=AssetSelection.assets(*keys))],
        executor=in_process_executor,
        resources={
            "warehouse": WarehouseResource(url=database_url),
            "source_drop": SourceDropResource(path=str(missing)),
        },
    )
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("loads").execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    assert not result.get_asset_materialization_events()
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = failure.event_specific_data.error.message
    assert f"the drop folder {missing} (IKU_SOURCES_DIR) does not exist" in message

    # a file where the folder should be fails the same way
    missing.parent.mkdir()
    shutil.copy(CONTRACTS_DIR / "target_iku.yml", missing)
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("loads").execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert (
        f"the drop folder {missing} (IKU_SOURCES_DIR) is not a folder"
        in failure.event_specific_data.error.message
    )
