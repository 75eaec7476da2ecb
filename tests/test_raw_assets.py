"""The file sources' multi-assets `raw_files` and `raw_presensi` (the attendance sources,
partitioned by month): one asset per contract, the sources of each loaded together in one step;
a source that fails is named, with its file, after the others loaded; a lost connection retries
only the load it broke."""

from __future__ import annotations

import io
import logging
import shutil
import time
from pathlib import Path
from queue import SimpleQueue

import pytest
import sqlalchemy as sa
from dagster import AssetSelection, DagsterInstance, Definitions, define_asset_job, in_process_executor
from dagster._core.execution.api import create_execution_plan
from dagster._loggers import default_loggers

from orchestration.assets.raw import (
    FILES_STEP,
    PRESENSI_STEP,
    _Lines,
    _with_retries,
    raw_asset_key,
    raw_file_assets,
    raw_files,
    raw_presensi,
)
from orchestration.definitions import defs
from orchestration.partitions import ATTENDANCE_MONTHS, ATTENDANCE_SOURCES
from orchestration.progress import Progress, progress_logger, stages_by_step
from orchestration.resources import SourceDropResource, WarehouseResource
from sources.contracts import load_contracts


def test_every_contract_is_an_asset_of_the_load_step_and_its_checks_follow_it() -> None:
    contracts = load_contracts().values()
    assert {raw_asset_key(c) for c in contracts} == {key for a in raw_file_assets for key in a.keys}
    assert {raw_asset_key(c) for c in contracts if c.name in ATTENDANCE_SOURCES} == set(raw_presensi.keys)
    assert raw_presensi.partitions_def == ATTENDANCE_MONTHS and raw_files.partitions_def is None
    specs = {key: spec for a in raw_file_assets for key, spec in a.specs_by_key.items()}
    assert all(specs[raw_asset_key(c)].group_name == "raw" for c in contracts)
    stages = stages_by_step([*(defs.assets or []), *(defs.asset_checks or [])])
    assert stages[FILES_STEP] == stages[PRESENSI_STEP] == "load"
    plan = create_execution_plan(defs.resolve_job_def("nightly_refresh"))
    for contract in contracts:  # the GX suite of each source runs after its load
        step = plan.get_step_by_key(f"gx_raw_{contract.raw_table}")
        load_step = PRESENSI_STEP if contract.name in ATTENDANCE_SOURCES else FILES_STEP
        assert step.get_execution_dependency_keys() == {load_step}


def _run(database_url: str, drop: Path, names: list[str], out: io.StringIO):
    keys = [raw_asset_key(load_contracts()[n]) for n in names]
    job_defs = Definitions(
        assets=[raw_files],
        jobs=[define_asset_job("loads", selection=AssetSelection.assets(*keys))],
        executor=in_process_executor,
        resources={
            "warehouse": WarehouseResource(url=database_url),
            "source_drop": SourceDropResource(path=str(drop)),
        },
    )
    progress = Progress(stages=stages_by_step([raw_files]), total_steps=1, out=out)
    job = job_defs.resolve_job_def("loads")
    job = job.with_logger_defs({**default_loggers(), "progress": progress_logger(progress)})
    with DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(
            instance=instance, raise_on_error=False, run_config={"loggers": {"progress": {"config": {}}}}
        )


@pytest.mark.warehouse
def test_a_failed_source_is_named_after_the_others_loaded(database_url, engine, demo_dir, tmp_path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    for pattern in ("siasn_pns_*.csv", "riwayat_hukdis_*.csv"):
        shutil.copy(next(demo_dir.glob(pattern)), drop)
    (drop / "kalender_libur_2026-01-31.csv").write_text("X|Y\n1|2\n", encoding="utf-8")
    (drop / "target_iku_2026-01-31.xlsx").write_bytes(b"not a workbook")
    out = io.StringIO()

    result = _run(database_url, drop, ["siasn_pns", "riwayat_hukdis", "kalender_libur", "target_iku"], out)

    assert not result.success
    loaded = {
        e.asset_key.path[-1]: e.event_specific_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    assert set(loaded) == {"siasn_pns", "riwayat_hukdis"}
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select count(*) from raw.siasn_pns")).scalar_one()
    assert rows > 0 and loaded["siasn_pns"]["rows_loaded"].value == rows
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = failure.event_specific_data.error.message
    assert "2 of 4 file source(s) failed" in message
    for name in ("kalender_libur: kalender_libur_2026-01-31.csv", "target_iku: target_iku_2026-01-31.xlsx"):
        assert name in message
    metadata = failure.event_specific_data.user_failure_data.metadata
    assert metadata["kalender_libur.file"].value == "kalender_libur_2026-01-31.csv"
    # the console heard of each source as it finished, within the one step
    lines = out.getvalue()
    assert f"{FILES_STEP}: siasn_pns: loaded, 1 file(s)" in lines
    assert f"{FILES_STEP}: target_iku: FAILED, target_iku_2026-01-31.xlsx" in lines


@pytest.mark.warehouse
def test_a_lost_connection_retries_that_load_alone_and_bad_data_never(engine) -> None:
    calls: list[int] = []
    queue: SimpleQueue = SimpleQueue()

    def load() -> int:
        calls.append(1)
        with engine.connect() as conn:
            if len(calls) == 1:  # the server ends this session: a transient error
                conn.execute(sa.text("select pg_terminate_backend(pg_backend_pid())"))
            return conn.execute(sa.text("select 42")).scalar_one()

    began = time.monotonic()
    assert _with_retries(_Lines("siasn_pns", queue), "load siasn_pns", load) == 42
    assert len(calls) == 2 and time.monotonic() - began >= 2.0  # the first backoff
    level, message = queue.get_nowait()
    assert level == logging.WARNING
    assert message.startswith("siasn_pns: load siasn_pns: the connection failed")
    assert "retry 1 of 4" in message

    def bad() -> None:
        calls.append(1)
        with engine.connect() as conn:
            conn.execute(sa.text("select 'not a date'::date"))

    calls.clear()
    with pytest.raises(sa.exc.DataError):
        _with_retries(_Lines("siasn_pns", queue), "load siasn_pns", bad)
    assert len(calls) == 1 and queue.empty()
