"""A failed nightly refresh is told: the failure sensor records it in dq.run_alerts, e-mails it to
a real (local) SMTP server and posts it to a real (local) HTTP endpoint, once per run; a channel
that fails is recorded as failed and never breaks the sensor; `iku dq` shows it."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa
from dagster import DagsterEventType, DagsterInstance, build_run_status_sensor_context

from orchestration import cli
from orchestration.dbt_project import DBT_PROJECT, IkuDbtCliResource, dbt_executable
from orchestration.definitions import build_definitions
from orchestration.resources import SimpegResource, SourceDropResource, WarehouseResource

pytestmark = [pytest.mark.warehouse]

SENSOR = "alert_on_failed_refresh"
SMTP_PASSWORD = "Sandi-SMTP-rahasia-9431"
WEBHOOK_TOKEN = "tok3n-webhook-rahasia-5521"


# --------------------------------------------------------------------------- local SMTP and HTTP


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Enough SMTP for smtplib: EHLO/HELO, AUTH PLAIN/LOGIN accepted, MAIL, RCPT, DATA, QUIT."""

    def _say(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self._say("220 localhost test SMTP")
        envelope: dict = {"rcpt": []}
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self._say("250-localhost")
                self._say("250 AUTH PLAIN LOGIN")
            elif verb == "HELO":
                self._say("250 localhost")
            elif verb == "AUTH":
                self.server.auth.append(command)  # type: ignore[attr-defined]
                self._say("235 2.7.0 Authentication successful")
            elif verb == "MAIL":
                envelope = {"from": command, "rcpt": []}
                self._say("250 OK")
            elif verb == "RCPT":
                envelope["rcpt"].append(command)
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                envelope["data"] = b"".join(data)
                self.server.messages.append(envelope)  # type: ignore[attr-defined]
                self._say("250 OK queued")
            elif verb == "QUIT":
                self._say("221 Bye")
                return
            else:
                self._say("250 OK")


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def smtp_server() -> Iterator[_SmtpServer]:
    server = _SmtpServer(("127.0.0.1", 0), _SmtpHandler)
    server.messages, server.auth = [], []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


class _WebhookHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # http.server's name
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        self.server.posts.append((self.path, self.headers, body))  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture
def webhook_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _WebhookHandler)
    server.posts = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


# --------------------------------------------------------------------------- a real failed run


def _defs(database_url: str, drop: Path):
    """The real code location; SIMPEG points at a database file that cannot be opened, so its
    extract steps fail at once (and dbt, publish and the rest never start)."""
    return build_definitions(
        {
            "warehouse": WarehouseResource(url=database_url),
            "source_drop": SourceDropResource(path=str(drop)),
            "simpeg": SimpegResource(url=f"sqlite:///{drop / 'no_such_folder' / 'simpeg.sqlite'}"),
            "dbt": IkuDbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
        }
    )


@pytest.fixture
def failed_run(database_url: str, tmp_path: Path):
    drop = tmp_path / "drop"
    drop.mkdir()
    defs = _defs(database_url, drop)
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("nightly_refresh").execute_in_process(
            instance=instance, raise_on_error=False
        )
        assert not result.success
        yield defs, instance, result


def _evaluate(defs, instance, result, database_url: str) -> None:
    """One evaluation of the failure sensor for the failed run, as the daemon would."""
    with build_run_status_sensor_context(
        sensor_name=SENSOR,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"warehouse": WarehouseResource(url=database_url)},
    ) as context:
        defs.get_sensor_def(SENSOR)(context)


def _alerts(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text("select * from dq.run_alerts")).mappings()]


# --------------------------------------------------------------------------- tests


def test_a_failed_refresh_is_mailed_posted_and_recorded_once(
    failed_run, database_url, engine, smtp_server, webhook_server, monkeypatch, capsys
) -> None:
    defs, instance, result = failed_run
    smtp_port, http_port = smtp_server.server_address[1], webhook_server.server_address[1]
    webhook_url = (
        f"http://hook:{WEBHOOK_TOKEN}@127.0.0.1:{http_port}/hooks/{WEBHOOK_TOKEN}?key={WEBHOOK_TOKEN}"
    )
    for name, value in {
        "IKU_SMTP_HOST": "127.0.0.1",
        "IKU_SMTP_PORT": str(smtp_port),
        "IKU_SMTP_USER": "gudang-iku",
        "IKU_SMTP_PASSWORD": SMTP_PASSWORD,
        "IKU_ALERT_FROM": "gudang-iku@bkd.example.go.id",
        "IKU_ALERT_TO": "inka@bkd.example.go.id, kabid@bkd.example.go.id",
        "IKU_ALERT_WEBHOOK_URL": webhook_url,
    }.items():
        monkeypatch.setenv(name, value)
    run_id = result.dagster_run.run_id
    failed_steps = {e.step_key for e in result.get_step_failure_events()}
    assert any(s.startswith("raw__simpeg_") for s in failed_steps)

    _evaluate(defs, instance, result, database_url)

    # one e-mail, in Bahasa Indonesia, to both recipients, with the run and the failed steps
    assert len(smtp_server.messages) == 1
    sent = smtp_server.messages[0]
    assert len(sent["rcpt"]) == 2
    message = email.message_from_bytes(sent["data"], policy=email.policy.default)
    assert message["Subject"] == f"[Gudang IKU] Pembaruan malam gagal: run {run_id}"
    text = message.get_content()
    assert "Langkah gagal" in text and all(step in text for step in failed_steps)
    assert "nilai terakhir yang baik" in text and "iku dq" in text and "Dagster UI" in text
    assert "Traceback" not in text
    assert smtp_server.auth  # logged in with the configured user

    # one webhook POST with the JSON
    assert len(webhook_server.posts) == 1
    path, headers, raw = webhook_server.posts[0]
    assert headers["Content-Type"].startswith("application/json")
    assert path == f"/hooks/{WEBHOOK_TOKEN}?key={WEBHOOK_TOKEN}"
    assert headers["Authorization"].startswith("Basic ")  # the URL's user:password, not in the URL
    posted = json.loads(raw)
    assert posted["run_id"] == run_id and posted["job"] == "nightly_refresh"
    assert set(posted["steps"]) == failed_steps and posted["failed_at"]
    assert "simpeg" in posted["message"].lower() and "\n" not in posted["message"]

    # one row: the run, its steps, the one-line reason, both channels sent
    (row,) = _alerts(engine)
    assert row["run_id"] == run_id and row["job_name"] == "nightly_refresh"
    assert set(row["failed_steps"]) == failed_steps
    assert row["message"] == posted["message"]
    assert (row["email"], row["webhook"]) == ("sent", "sent")

    # the sensor evaluated again for the same failure sends nothing more
    _evaluate(defs, instance, result, database_url)
    assert len(smtp_server.messages) == 1 and len(webhook_server.posts) == 1
    assert len(_alerts(engine)) == 1

    # iku dq shows it above the quality failures
    monkeypatch.setenv("IKU_WAREHOUSE_URL", database_url)
    capsys.readouterr()
    assert cli.main(["dq"]) == 0
    out = capsys.readouterr().out
    assert "RUN FAILED" in out and run_id in out and "email sent; webhook sent" in out
    assert cli.main(["dq", "alerts", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [a["run_id"] for a in listed] == [run_id]

    # no secret anywhere: e-mail, webhook, table, CLI, the run's logs
    logs = " ".join(e.user_message or "" for e in instance.all_logs(run_id))  # the run's event log
    everything = " ".join(
        [sent["data"].decode(), raw.decode(), json.dumps(row, default=str), out, json.dumps(listed), logs]
    )
    assert SMTP_PASSWORD not in everything and WEBHOOK_TOKEN not in everything


def test_a_channel_that_fails_is_recorded_and_the_sensor_does_not_raise(
    failed_run, database_url, engine, monkeypatch, capsys
) -> None:
    defs, instance, result = failed_run
    monkeypatch.setenv("IKU_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("IKU_SMTP_PORT", str(_closed_port()))
    monkeypatch.setenv("IKU_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("IKU_ALERT_FROM", "gudang-iku@bkd.example.go.id")
    monkeypatch.setenv("IKU_ALERT_TO", "inka@bkd.example.go.id")
    monkeypatch.delenv("IKU_ALERT_WEBHOOK_URL", raising=False)

    _evaluate(defs, instance, result, database_url)  # does not raise

    (row,) = _alerts(engine)
    assert row["run_id"] == result.dagster_run.run_id
    assert row["email"] == "failed" and "refused" in row["email_detail"].lower()
    assert row["webhook"] == "not configured" and row["webhook_detail"] is None
    assert SMTP_PASSWORD not in json.dumps(row, default=str)

    monkeypatch.setenv("IKU_WAREHOUSE_URL", database_url)
    capsys.readouterr()
    assert cli.main(["dq"]) == 0
    out = capsys.readouterr().out
    assert "email failed" in out and "webhook not configured" in out


def test_iku_refresh_that_fails_alerts_without_the_daemon(
    database_url, engine, webhook_server, monkeypatch, capsys, tmp_path
) -> None:
    """A refresh started by cron (no Dagster daemon, so no sensor) alerts by itself; the sensor,
    when it later sees the same run, sends nothing more."""
    drop = tmp_path / "drop"
    drop.mkdir()
    http_port = webhook_server.server_address[1]
    for name, value in {
        "IKU_WAREHOUSE_URL": database_url,
        "IKU_SOURCES_DIR": str(drop),
        "IKU_SIMPEG_URL": f"sqlite:///{drop / 'no_such_folder' / 'simpeg.sqlite'}",
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "IKU_ALERT_WEBHOOK_URL": f"http://127.0.0.1:{http_port}/hooks/{WEBHOOK_TOKEN}",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("IKU_SMTP_HOST", raising=False)

    assert cli.main(["refresh"]) != 0
    out = capsys.readouterr().out
    (row,) = _alerts(engine)
    assert (row["email"], row["webhook"]) == ("not configured", "sent")
    assert len(webhook_server.posts) == 1
    assert json.loads(webhook_server.posts[0][2])["run_id"] == row["run_id"]
    assert (
        f"run alert of {row['run_id']}: e-mail not configured; webhook http://127.0.0.1:{http_port}/… sent"
        in out
    )
    assert WEBHOOK_TOKEN not in out

    with DagsterInstance.get() as instance:
        run = instance.get_run_by_id(row["run_id"])
        (failure,) = instance.get_records_for_run(run.run_id, of_type=DagsterEventType.RUN_FAILURE).records
        with build_run_status_sensor_context(
            sensor_name=SENSOR,
            dagster_event=failure.event_log_entry.dagster_event,
            dagster_instance=instance,
            dagster_run=run,
            resources={"warehouse": WarehouseResource(url=database_url)},
        ) as context:
            defs = _defs(database_url, drop)
            defs.get_sensor_def(SENSOR)(context)
    assert len(webhook_server.posts) == 1 and len(_alerts(engine)) == 1
