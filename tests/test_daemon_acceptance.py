"""Issue 13, acceptance under a running daemon: one real `dagster-daemon` on a fresh warehouse (its
Dagster storage in that PostgreSQL, the run queue, runs launched in a process of their own) and a
tiny demo drop folder (`iku demo --scale 0.004`).

(a) the nightly schedule, evaluated for a given time (02:00 WIT on 15 January 2026), gives a run
    that goes through the instance's queue; the daemon launches it and it publishes;
(b) a new file in the drop folder starts one run, and only one: the drop-folder sensor ticks at
    least twice more after requesting it and requests nothing else;
(c) that file cannot be loaded, so that run fails: the failure sensor sends one e-mail to a local
    SMTP server and one POST to a local HTTP endpoint, and `iku dq` shows the failed run.

The daemon is always stopped (SIGTERM to its process group, then SIGKILL) in a finally.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter, build_schedule_context
from dagster._core.scheduler.instigation import InstigatorType, TickStatus

from orchestration.dagster_storage import PASSWORD_ENV, ensure_storage_schema, write_instance_yaml
from orchestration.drop_sensor import FILES_TAG, SENSOR_NAME
from orchestration.settings import REPO_ROOT
from orchestration.warehouse import dbt_env, make_engine, parse_url
from tests.test_run_alerts import smtp_server, webhook_server  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.warehouse, pytest.mark.slow]

TINY_SCALE = "0.004"
STARTUP_SECONDS = 240  # the daemon loads the code location (dbt manifest) on a busy 2-core machine
RUN_SECONDS = 1200  # the whole nightly refresh of the tiny demo, launched in its own process
ALERT_SENSOR = "alert_on_failed_refresh"
SCHEDULE = "nightly_refresh_schedule"
SCHEDULED_AT = datetime(2026, 1, 15, 2, 0, tzinfo=ZoneInfo("Asia/Jayapura"))
BROKEN = "siasn_pns_2026-01-31.csv"  # the newest SIASN export: loaded, and it cannot be parsed
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


class Daemon:
    """`dagster-daemon run` on the workspace, in a process group of its own, its output in a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [_bin("dagster-daemon"), "run", "-w", str(REPO_ROOT / "workspace.yaml")],
            cwd=REPO_ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def wait_for(self, what: str, condition: Callable[[], object], seconds: float) -> object:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (
                f"dagster-daemon exited ({self.process.returncode}) while waiting for {what}:\n{self.tail()}"
            )
            value = condition()
            if value:
                return value
            time.sleep(1)
        raise AssertionError(f"timed out after {seconds:g} s waiting for {what}; daemon log:\n{self.tail()}")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _ticks(instance: DagsterInstance, name: str, kind: InstigatorType) -> list:
    """The instigator's ticks, oldest first (none before the daemon first evaluated it)."""
    for state in instance.all_instigator_state(instigator_type=kind):
        if state.instigator_name == name:
            return list(reversed(instance.get_ticks(state.instigator_origin_id, state.selector_id)))
    return []


def _finished(instance: DagsterInstance, run_id: str):
    run = instance.get_run_by_id(run_id)
    return run if run is not None and run.status in FINISHED else None


def _events(instance: DagsterInstance, run_id: str) -> list[str]:
    return [e.dagster_event.event_type_value for e in instance.all_logs(run_id) if e.dagster_event]


def _failure_text(instance: DagsterInstance, run_id: str) -> str:
    return "\n".join(
        (e.user_message or "")[:500]
        for e in instance.all_logs(run_id)
        if e.level >= 40  # errors only
    )


def test_the_night_runs_itself_under_a_daemon(
    database_url: str,
    tmp_path: Path,
    smtp_server,  # noqa: F811
    webhook_server,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = time.monotonic()
    phases: dict[str, float] = {}

    # a tiny demo drop folder, a fresh warehouse, Dagster's storage in it (as `iku serve` has it)
    drop = tmp_path / "drop"
    subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "demo", "--scale", TINY_SCALE, "--out", str(drop)],
        check=True,
        capture_output=True,
        text=True,
    )
    dagster_home = tmp_path / "home" / "dagster"
    dagster_home.mkdir(parents=True)
    write_instance_yaml(dagster_home, parse_url(database_url))
    ensure_storage_schema(database_url)
    password = dbt_env(database_url)[PASSWORD_ENV]
    monkeypatch.setenv(PASSWORD_ENV, password)  # this process reads the same storage
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IKU_", "DAGSTER_"))}
    env.update(
        dbt_env(database_url),
        IKU_HOME=str(tmp_path / "home"),
        DAGSTER_HOME=str(dagster_home),
        IKU_WAREHOUSE_URL=database_url,
        IKU_SOURCES_DIR=str(drop),
        IKU_NIGHTLY_SCHEDULE="off",  # (a) evaluates it for a given time; the daemon must not fire it
        IKU_DROP_SENSOR_SECONDS="2",
        IKU_DROP_SETTLE_SECONDS="1",
        IKU_SMTP_HOST="127.0.0.1",
        IKU_SMTP_PORT=str(smtp_server.server_address[1]),
        IKU_ALERT_FROM="gudang-iku@bkd.example.go.id",
        IKU_ALERT_TO="inka@bkd.example.go.id",
        IKU_ALERT_WEBHOOK_URL=f"http://127.0.0.1:{webhook_server.server_address[1]}/hooks/iku",
        DAGSTER_DISABLE_TELEMETRY="1",
        PYTHONUNBUFFERED="1",
    )
    engine = make_engine(database_url)
    daemon = Daemon(env, tmp_path / "daemon.log")
    try:
        with DagsterInstance.from_config(str(dagster_home)) as instance:
            # the drop sensor's first tick: the baseline (the delivered demo files start nothing)
            baseline = daemon.wait_for(
                "the drop-folder sensor's first tick",
                lambda: _ticks(instance, SENSOR_NAME, InstigatorType.SENSOR),
                STARTUP_SECONDS,
            )
            assert "baseline" in (baseline[0].skip_reason or ""), baseline[0]
            phases["daemon up, baseline"] = time.monotonic() - started

            # (a) the schedule evaluated for 02:00 WIT on a given night; its run through the queue
            t = time.monotonic()
            from orchestration.definitions import nightly_schedule

            with build_schedule_context(instance=instance, scheduled_execution_time=SCHEDULED_AT) as context:
                [request] = nightly_schedule.evaluate_tick(context).run_requests
            tags = {
                **request.tags,
                "dagster/schedule_name": SCHEDULE,
                "dagster/scheduled_execution_time": SCHEDULED_AT.isoformat(),
            }
            nightly_id = str(uuid.uuid4())
            launched = subprocess.run(
                [
                    _bin("dagster"),
                    *("job", "launch", "-w", str(REPO_ROOT / "workspace.yaml"), "-j", "nightly_refresh"),
                    *("--tags", json.dumps(tags), "--run-id", nightly_id),
                ],
                cwd=REPO_ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=STARTUP_SECONDS,
            )
            assert launched.returncode == 0, launched.stdout + launched.stderr
            run = daemon.wait_for("the scheduled run", lambda: _finished(instance, nightly_id), RUN_SECONDS)
            assert run.status == DagsterRunStatus.SUCCESS, _failure_text(instance, nightly_id)
            assert run.tags["dagster/schedule_name"] == SCHEDULE
            types = _events(instance, nightly_id)
            assert "PIPELINE_ENQUEUED" in types and "PIPELINE_STARTING" in types  # the queue, then the daemon
            with engine.connect() as conn:
                assert conn.execute(sa.text("select count(*) from marts.fct_iku")).scalar() > 0
                published = conn.execute(
                    sa.text("select count(*) from audit.publish_log where run_id = :r"), {"r": nightly_id}
                ).scalar()
            assert published >= 1, "the scheduled run is not in audit.publish_log"
            phases["(a) scheduled run published"] = time.monotonic() - t

            # (b) a new file in the drop folder: one run, and only one
            t = time.monotonic()
            ticks_before = len(_ticks(instance, SENSOR_NAME, InstigatorType.SENSOR))
            (drop / BROKEN).write_text("PNS ID|NAMA\nx|y\n", encoding="utf-8")

            def sensor_runs() -> list:
                return instance.get_runs(filters=RunsFilter(tags={"dagster/sensor_name": SENSOR_NAME}))

            [delivered] = daemon.wait_for("the run the new file starts", sensor_runs, STARTUP_SECONDS)
            requested_at = len(_ticks(instance, SENSOR_NAME, InstigatorType.SENSOR))
            daemon.wait_for(
                "two more ticks of the drop-folder sensor",
                lambda: len(_ticks(instance, SENSOR_NAME, InstigatorType.SENSOR)) >= requested_at + 2,
                STARTUP_SECONDS,
            )
            assert len(sensor_runs()) == 1
            assert (delivered.job_name, delivered.tags[FILES_TAG]) == ("nightly_refresh", BROKEN)
            after = _ticks(instance, SENSOR_NAME, InstigatorType.SENSOR)[ticks_before:]
            assert [tk.status for tk in after].count(TickStatus.SUCCESS) == 1, after
            assert not [tk for tk in after if tk.status == TickStatus.FAILURE], after
            phases["(b) one run for the new file"] = time.monotonic() - t

            # (c) that run fails to load the file: one e-mail, one POST, and `iku dq` shows it
            t = time.monotonic()
            failed = daemon.wait_for(
                "the delivered file's run to end", lambda: _finished(instance, delivered.run_id), RUN_SECONDS
            )
            assert failed.status == DagsterRunStatus.FAILURE
            assert BROKEN in _failure_text(instance, delivered.run_id)

            def alerted() -> dict | None:
                with engine.connect() as conn:
                    try:
                        row = (
                            conn.execute(
                                sa.text("select * from dq.run_alerts where run_id = :r"),
                                {"r": delivered.run_id},
                            )
                            .mappings()
                            .first()
                        )
                    except sa.exc.ProgrammingError:  # the table comes with the first alert
                        return None
                return dict(row) if row and "pending" not in (row["email"], row["webhook"]) else None

            row = daemon.wait_for("the failure alert", alerted, STARTUP_SECONDS)
            assert (row["email"], row["webhook"]) == ("sent", "sent"), row
            alert_ticks = len(_ticks(instance, ALERT_SENSOR, InstigatorType.SENSOR))
            daemon.wait_for(
                "one more tick of the failure sensor",
                lambda: len(_ticks(instance, ALERT_SENSOR, InstigatorType.SENSOR)) > alert_ticks,
                STARTUP_SECONDS,
            )
            assert len(smtp_server.messages) == 1 and len(webhook_server.posts) == 1
            assert delivered.run_id in smtp_server.messages[0]["data"].decode()
            assert json.loads(webhook_server.posts[0][2])["run_id"] == delivered.run_id
            with engine.connect() as conn:
                assert conn.execute(sa.text("select count(*) from dq.run_alerts")).scalar() == 1

            dq = subprocess.run(
                [_bin("iku"), "dq"], env=env, capture_output=True, text=True, timeout=STARTUP_SECONDS
            )
            assert dq.returncode == 0, dq.stdout + dq.stderr
            assert "RUN FAILED" in dq.stdout and delivered.run_id in dq.stdout, dq.stdout
            phases["(c) failed run alerted once"] = time.monotonic() - t
    finally:
        daemon.stop()
        engine.dispose()
    phases["total"] = time.monotonic() - started
    print("daemon acceptance:", ", ".join(f"{k} {v:.0f} s" for k, v in phases.items()))
