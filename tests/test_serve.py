"""`iku serve` (the Dagster UI and daemon as two children) and the instance it runs on: Dagster's
storage in the external warehouse's schema `dagster` (the password never in dagster.yaml), the
run queue (one at a time) and a daemon-launched run executing in one process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from dagster import DagsterInstance, DefaultScheduleStatus

from orchestration.dagster_storage import (
    EVENT_LOG_POOL,
    MARKER,
    PASSWORD_ENV,
    STORAGE_SCHEMA,
    ensure_storage_schema,
    write_instance_yaml,
)
from orchestration.warehouse import make_engine, parse_url
from tests.helpers import free_port

warehouse = pytest.mark.warehouse
STARTUP_SECONDS = 240  # two code locations load the definitions (dbt parse) on a busy 2-core machine


def _wait(what: str, condition: Callable[[], object], seconds: float, alive: subprocess.Popen) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert alive.poll() is None, f"iku serve exited ({alive.returncode}) while waiting for {what}"
        value = condition()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def _get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except (urllib.error.URLError, OSError):
        return None


def _graphql(port: int, query: str, variables: dict) -> dict:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


LAUNCH = """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename
  ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""


def _serve_env(tmp_path: Path, warehouse_url: str) -> dict[str, str]:
    drop = tmp_path / "drop"
    drop.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update(
        IKU_HOME=str(tmp_path / "home"),
        IKU_WAREHOUSE_URL=warehouse_url,
        IKU_SOURCES_DIR=str(drop),  # empty: no source to load, no SIMPEG database
        # nothing may fire if the test straddles 02:00 WIT; the default (on) is asserted below
        IKU_NIGHTLY_SCHEDULE="off",
        PYTHONUNBUFFERED="1",
    )
    return env


def _serve(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "serve", *args],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, log


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie has exited; only its parent (iku serve) can reap it
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _end(process: subprocess.Popen) -> None:
    """After a failed assertion: stop iku serve (which stops its children), else kill it."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_nightly_schedule_is_on_by_default() -> None:
    """It ticks only under a daemon (`iku serve`, `iku ui`): tests and `iku refresh` never fire it."""
    from orchestration.definitions import nightly_schedule

    assert os.environ.get("IKU_NIGHTLY_SCHEDULE") is None
    assert nightly_schedule.default_status == DefaultScheduleStatus.RUNNING
    assert (nightly_schedule.cron_schedule, nightly_schedule.execution_timezone) == (
        "0 2 * * *",
        "Asia/Jayapura",
    )


@warehouse
def test_dagster_storage_in_the_warehouse_reads_the_password_from_the_environment(
    server_url: str, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    role, password = f"iku_dagster_{uuid.uuid4().hex[:8]}", f"Pw-{uuid.uuid4().hex}"
    admin = make_engine(database_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"create role {role} login password '{password}'")
        conn.exec_driver_sql(f"grant create on database {parse_url(database_url).dbname} to {role}")
    url = re.sub(r"//[^@]*@", f"//{role}:{password}@", database_url)
    home = tmp_path / "dagster"
    home.mkdir()
    try:
        write_instance_yaml(home, parse_url(url))
        text = (home / "dagster.yaml").read_text()
        assert text.startswith(MARKER) and password not in text and f"env: {PASSWORD_ENV}" in text
        assert "max_concurrent_runs: 1" in text
        ensure_storage_schema(url)
        monkeypatch.setenv(PASSWORD_ENV, password)
        with DagsterInstance.from_config(str(home)) as instance:
            assert instance.get_runs() == []
            assert not instance.nux_enabled  # no "join the community" dialog (its form loads a captcha)
            # the event log keeps its connections in a pool, not one new connection per event
            assert type(instance.event_log_storage).__name__ == "IkuPostgresEventLogStorage"
            assert instance.event_log_storage._engine.pool.size() == EVENT_LOG_POOL
            assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
            assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 1
        with admin.connect() as conn:
            tables = set(
                conn.execute(
                    sa.text("select tablename from pg_tables where schemaname = :s"), {"s": STORAGE_SCHEMA}
                ).scalars()
            )
            public = conn.execute(sa.text("select count(*) from pg_tables where schemaname = 'public'"))
            assert public.scalar() == 0
        assert {"runs", "event_logs", "jobs", "job_ticks", "daemon_heartbeats"} <= tables
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"drop schema if exists {STORAGE_SCHEMA} cascade")
            conn.exec_driver_sql(f"revoke all on database {parse_url(database_url).dbname} from {role}")
            conn.exec_driver_sql(f"drop role {role}")
        admin.dispose()


@warehouse
@pytest.mark.slow
def test_serve_runs_ui_and_daemon_launches_queued_runs_in_process_and_stops_on_sigterm(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = _serve_env(tmp_path, database_url)
    process, log = _serve(tmp_path, env, "--port", str(port))
    engine = make_engine(database_url)
    try:
        _wait(
            "the webserver",
            lambda: _get(f"http://127.0.0.1:{port}/server_info") == 200,
            STARTUP_SECONDS,
            process,
        )

        def heartbeats() -> set[str]:
            try:
                with engine.connect() as conn:
                    rows = conn.execute(
                        sa.text(f"select daemon_type from {STORAGE_SCHEMA}.daemon_heartbeats")
                    )
                    return set(rows.scalars())
            except sa.exc.ProgrammingError:  # the table is made by the daemon's first heartbeat
                return set()

        beating = _wait("the daemon's heartbeat", heartbeats, STARTUP_SECONDS, process)
        assert {"SCHEDULER", "QUEUED_RUN_COORDINATOR", "SENSOR"} <= beating
        pids = {
            m[1]: int(m[2]) for m in re.finditer(r"(dagster-\w+): started \(pid (\d+)\)", log.read_text())
        }
        assert set(pids) == {"dagster-webserver", "dagster-daemon"}
        instance_yaml = (tmp_path / "home" / "dagster" / "dagster.yaml").read_text()
        password = parse_url(database_url).password  # the embedded server's has one; PG15's may not
        assert "class: PostgresRunStorage" in instance_yaml and "max_concurrent_runs: 1" in instance_yaml
        assert "class: IkuPostgresEventLogStorage" in instance_yaml
        assert not password or password not in instance_yaml

        # a run launched from the UI: queued, started by the daemon, executed in one process
        selector = {
            "repositoryLocationName": "gudang_iku",
            "repositoryName": "__repository__",
            "jobName": "nightly_refresh",
            "assetSelection": [{"path": ["raw", "simpeg_cuti"]}],
            "assetCheckSelection": [],
        }
        launched = _graphql(port, LAUNCH, {"p": {"selector": selector, "runConfigData": {}}})["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["run"]["runId"]

        def finished() -> str | None:
            with engine.connect() as conn:
                status = conn.execute(
                    sa.text(f"select status from {STORAGE_SCHEMA}.runs where run_id = :r"), {"r": run_id}
                ).scalar()
            return status if status in {"SUCCESS", "FAILURE", "CANCELED"} else None

        assert _wait("the launched run", finished, STARTUP_SECONDS, process) == "SUCCESS"
        with engine.connect() as conn:
            events = conn.execute(
                sa.text(
                    f"select dagster_event_type, event from {STORAGE_SCHEMA}.event_logs "
                    "where run_id = :r order by id"
                ),
                {"r": run_id},
            ).all()
        types = [t for t, _ in events]
        assert "PIPELINE_ENQUEUED" in types and "PIPELINE_STARTING" in types  # the queue, then the daemon
        messages = [json.loads(e).get("user_message", "") for _, e in events]
        assert any(m.startswith("Executing steps in process") for m in messages)
        assert not any("multiprocess" in m for m in messages)
        assert types.count("STEP_SUCCESS") == 1

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert not any(_alive(pid) for pid in pids.values())
        output = log.read_text()
        assert "dagster-webserver: stopped" in output and "dagster-daemon: stopped" in output
    finally:
        _end(process)
        engine.dispose()


@warehouse
def test_serve_exits_non_zero_when_a_child_dies(database_url: str, tmp_path: Path) -> None:
    """A dagster.yaml of the operator's own (left alone by iku) that Dagster refuses: both children
    fail at start; iku serve says which one exited first and exits 1."""
    env = _serve_env(tmp_path, database_url)
    dagster_home = tmp_path / "home" / "dagster"
    dagster_home.mkdir(parents=True)
    (dagster_home / "dagster.yaml").write_text("run_queue:\n  max_concurrent_runs: not-a-number\n")
    process, log = _serve(tmp_path, env, "--port", str(free_port()))
    try:
        assert process.wait(timeout=120) == 1
    finally:
        _end(process)
    output = log.read_text()
    assert re.search(r"iku serve: dagster-(webserver|daemon) exited with code [1-9]", output), output
    assert "stopped" in output
