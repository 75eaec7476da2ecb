"""A steady run, part by part, against a real PostgreSQL: the refresh lock, transient errors told
from bad data, a crash's leftovers closed at the next start, dbt dying with its parent, old dbt
target folders pruned, and `publish` materialized alone changing nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from dagster import DagsterInstance, DagsterRunStatus, Definitions
from dagster._core.storage.dagster_run import DagsterRun

from orchestration.assets.publish import build_publish_asset, built_by, record_build
from orchestration.recovery import HOST_TAG, PID_TAG, fail_stale_runs, prune_dbt_targets, run_tags
from orchestration.resources import WarehouseResource
from orchestration.run_lock import RefreshBusy, RefreshLock, held
from orchestration.transient import is_transient

pytestmark = [pytest.mark.warehouse]


# --------------------------------------------------------------------------- the refresh lock


def test_second_refresh_is_refused_naming_the_first(database_url: str, engine) -> None:
    first = RefreshLock(database_url, "run-first")
    first.acquire(0)
    try:
        assert held(database_url) is first
        second = RefreshLock(database_url, "run-second")
        said: list[str] = []
        started = time.monotonic()
        with pytest.raises(RefreshBusy) as refused:
            second.acquire(1.5, say=said.append)
        assert time.monotonic() - started >= 1.5  # it waited first
        assert "run-first" in str(refused.value) and f"pid {os.getpid()}" in str(refused.value)
        assert said and "Waiting for the refresh lock: run run-first" in said[0]
    finally:
        first.release("succeeded")
    assert held(database_url) is None
    with engine.connect() as conn:
        outcomes = dict(conn.execute(sa.text("select run_id, outcome from audit.refresh_runs")).all())
    assert outcomes == {"run-first": "succeeded", "run-second": "refused"}


def test_second_refresh_waits_for_the_first(database_url: str, engine) -> None:
    first = RefreshLock(database_url, "run-a")
    first.acquire(0)
    threading.Timer(1.0, first.release, args=("succeeded",)).start()
    second = RefreshLock(database_url, "run-b")
    said: list[str] = []
    second.acquire(30, say=said.append)
    try:
        assert said and "run run-a" in said[0]
        with engine.connect() as conn:
            holder = conn.execute(sa.text("select run_id from audit.refresh_runs where outcome = 'running'"))
            assert holder.scalars().all() == ["run-b"]
    finally:
        second.release()


def test_lock_of_a_dead_process_is_gone_and_its_run_abandoned(database_url: str, engine) -> None:
    code = textwrap.dedent(
        f"""
        import os
        from orchestration.run_lock import RefreshLock
        RefreshLock({database_url!r}, "run-crashed").acquire(0)
        os._exit(9)  # dies holding the lock, without releasing it
        """
    )
    subprocess.run([sys.executable, "-c", code], check=False, timeout=120)
    lock = RefreshLock(database_url, "run-next")
    lock.acquire(5)  # PostgreSQL dropped the dead session's lock
    lock.release()
    with engine.connect() as conn:
        outcome = conn.execute(sa.text("select outcome from audit.refresh_runs where run_id = 'run-crashed'"))
        assert outcome.scalar() == "abandoned"


# --------------------------------------------------------------------------- transient vs bad data


def test_connection_errors_are_transient_and_bad_data_is_not(engine) -> None:
    refused = sa.create_engine("postgresql+psycopg2://postgres@127.0.0.1:9/none", pool_pre_ping=False)
    with pytest.raises(sa.exc.OperationalError) as lost:
        refused.connect()
    refused.dispose()
    assert is_transient(lost.value)

    with pytest.raises(sa.exc.DBAPIError) as bad, engine.connect() as conn:
        conn.execute(sa.text("select 'not a date'::date"))
    assert not is_transient(bad.value)
    with pytest.raises(sa.exc.DBAPIError) as missing, engine.connect() as conn:
        conn.execute(sa.text("select * from raw.no_such_table"))
    assert not is_transient(missing.value)


def test_a_terminated_backend_is_transient(database_url: str, engine) -> None:
    victim = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg2://"))
    with victim.connect() as conn:
        pid = conn.execute(sa.text("select pg_backend_pid()")).scalar()
        with engine.connect() as admin:
            admin.execute(sa.text("select pg_terminate_backend(:p)"), {"p": pid})
        with pytest.raises(sa.exc.DBAPIError) as lost:
            conn.execute(sa.text("select 1"))
    victim.dispose()
    assert is_transient(lost.value)


# --------------------------------------------------------------------------- crash leftovers


def test_stale_dagster_runs_are_marked_failed_live_ones_kept() -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with DagsterInstance.ephemeral() as instance:
        stale = DagsterRun(
            job_name="nightly_refresh",
            run_id=str(uuid.uuid4()),
            status=DagsterRunStatus.STARTED,
            tags={**run_tags(), PID_TAG: str(dead.pid)},
        )
        alive = DagsterRun(
            job_name="nightly_refresh",
            run_id=str(uuid.uuid4()),
            status=DagsterRunStatus.STARTED,
            tags=run_tags(),  # this very process
        )
        elsewhere = DagsterRun(
            job_name="nightly_refresh",
            run_id=str(uuid.uuid4()),
            status=DagsterRunStatus.STARTED,
            tags={HOST_TAG: "another-host", PID_TAG: str(dead.pid)},
        )
        for run in (stale, alive, elsewhere):
            instance.add_run(run)
        assert fail_stale_runs(instance, own_run_id="me") == [stale.run_id]
        status = {r: instance.get_run_by_id(r).status for r in (stale.run_id, alive.run_id, elsewhere.run_id)}
    assert status == {
        stale.run_id: DagsterRunStatus.FAILURE,
        alive.run_id: DagsterRunStatus.STARTED,
        elsewhere.run_id: DagsterRunStatus.STARTED,  # its process cannot be seen from here
    }


def test_dbt_child_dies_with_its_parent(tmp_path: Path) -> None:
    """The wrapper dagster-dbt runs makes the child die when the refresh is killed (SIGKILL),
    even when the refresh was started with SIGTERM ignored (inherited across fork and exec: in
    the full test session it was, and the child lived on)."""
    from orchestration.dbt_project import CHILD

    pid_file = tmp_path / "child.pid"
    parent_code = textwrap.dedent(
        f"""
        import os, signal, subprocess, sys, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        env = {{**os.environ, "IKU_DBT": "/bin/sleep", "IKU_PYTHON": sys.executable,
                "IKU_DBT_PARENT": str(os.getpid())}}
        child = subprocess.Popen([{str(CHILD)!r}, "120"], env=env)
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(120)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code])
    deadline = time.monotonic() + 60
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    child = int(pid_file.read_text())
    time.sleep(1.0)  # let the wrapper exec sleep
    assert Path(f"/proc/{child}/cmdline").read_bytes().startswith(b"/bin/sleep")
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.1)
    assert not _alive(child), "the dbt child outlived the killed refresh"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_old_dbt_targets_are_pruned_newest_kept(tmp_path: Path) -> None:
    old = time.time() - 7200
    folders = []
    for i in range(6):
        folder = tmp_path / f"iku_dbt_assets-{i:07x}-{uuid.uuid4().hex[:7]}"
        folder.mkdir()
        (folder / "run_results.json").write_text("{}")
        os.utime(folder / "run_results.json", (old + i, old + i))
        os.utime(folder, (old + i, old + i))
        folders.append(folder)
    (tmp_path / "manifest.json").write_text("{}")
    removed = prune_dbt_targets(tmp_path, keep=3)
    assert sorted(removed) == sorted(folders[:3])
    assert all(f.exists() for f in folders[3:]) and (tmp_path / "manifest.json").exists()
    fresh = tmp_path / f"iku_dbt_assets-aaaaaaa-{uuid.uuid4().hex[:7]}"
    fresh.mkdir()  # younger than the minimum age: kept even beyond `keep`
    assert sorted(prune_dbt_targets(tmp_path, keep=0)) == sorted(folders[3:])
    assert fresh.exists()


# --------------------------------------------------------------------------- publish alone


def _marts_fingerprint(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.text(
                    "select c.relname, c.oid, n.nspname, "
                    "(select md5(string_agg(t::text, '|' order by t::text)) from marts.fct_iku t) "
                    "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                    "where n.nspname in ('marts', 'marts_build') and c.relkind = 'r' order by 1, 3"
                )
            )
        ]


def _schemas(engine, marts: str, build: str) -> None:
    with engine.begin() as conn:
        for schema, value in (("marts", marts), ("marts_build", build)):
            conn.exec_driver_sql(f"create schema {schema}")
            conn.exec_driver_sql(f"create table {schema}.fct_iku (iku_id int, value text)")
            conn.execute(sa.text(f"insert into {schema}.fct_iku values (1, :v)"), {"v": value})


def test_publish_alone_changes_nothing_and_says_why(database_url: str, engine) -> None:
    from dagster import AssetKey

    _schemas(engine, marts="published", build="stale build")
    record_build(engine, "an-earlier-run")  # marts_build was built, but not by the run below
    before = _marts_fingerprint(engine)
    publish = build_publish_asset([AssetKey(["marts", "fct_iku"])])
    defs = Definitions(assets=[publish], resources={"warehouse": WarehouseResource(url=database_url)})
    job = defs.resolve_implicit_global_asset_job_def()

    with DagsterInstance.ephemeral() as instance:
        alone = job.execute_in_process(instance=instance, asset_selection=[AssetKey(["publish", "marts"])])
        assert alone.success
        assert not alone.get_asset_materialization_events()  # nothing published, nothing recorded
        said = [
            e.message for e in instance.all_logs(alone.run_id) if e.message and "not publishing" in e.message
        ]
    assert said and "built by run an-earlier-run, not by this run" in said[0]
    assert _marts_fingerprint(engine) == before

    # the run that built marts_build publishes it, and the record goes with the swap
    run_id = str(uuid.uuid4())
    record_build(engine, run_id)
    with DagsterInstance.ephemeral() as instance:
        own = job.execute_in_process(
            instance=instance, asset_selection=[AssetKey(["publish", "marts"])], run_id=run_id
        )
    assert own.success and own.get_asset_materialization_events()
    with engine.connect() as conn:
        assert conn.execute(sa.text("select value from marts.fct_iku")).scalar() == "stale build"
    assert built_by(engine) is None  # marts_build now holds the old marts: not publishable


# --------------------------------------------------------------------------- progress


def test_progress_prints_every_step_with_n_of_m_and_sums_stages(tmp_path: Path) -> None:
    import io
    import json

    from dagster import DagsterEventType

    from orchestration.progress import Progress, write_timings

    out = io.StringIO()
    progress = Progress(stages={"raw_files": "load", "gx_raw_siasn_pns": "checks"}, total_steps=2, out=out)
    progress.on_event(DagsterEventType.STEP_START, "raw_files")
    time.sleep(0.05)
    progress.note("raw_files", "siasn_pns loaded")  # one source of the step done
    progress.on_event(DagsterEventType.STEP_SUCCESS, "raw_files")
    progress.on_event(DagsterEventType.STEP_START, "gx_raw_siasn_pns")
    progress.on_event(DagsterEventType.STEP_FAILURE, "gx_raw_siasn_pns")
    lines = out.getvalue().splitlines()
    assert [ln.split("] ", 1)[1].split(" (")[0] for ln in lines] == [
        "start  load      raw_files",
        "       load      raw_files: siasn_pns loaded",
        "done   load      raw_files",
        "start  checks    gx_raw_siasn_pns",
        "FAILED checks    gx_raw_siasn_pns",
    ]
    assert lines[0].startswith("[  1/2 ") and lines[-1].startswith("[  2/2 ")
    assert progress.seconds["load"] >= 0.05 and "checks" in progress.seconds

    path = write_timings(tmp_path, {"load": 1.0, "total": 2.0, "run_id": "r", "rows_loaded": 3})
    assert json.loads(path.read_text())["rows_loaded"] == 3
