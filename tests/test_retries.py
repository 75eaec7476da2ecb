"""Retries: a SIMPEG extraction whose connections are refused (a TCP proxy in front of the machine's
MariaDB that resets the first N connections) succeeds after retries with backoff, each retry in
the run's log; a data error fails at once; retries run out when the source stays unreachable."""

from __future__ import annotations

import contextlib
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from dagster import AssetKey, DagsterEventType, DagsterInstance, materialize

from orchestration.assets.simpeg import simpeg_assets
from orchestration.resources import SimpegResource, SourceDropResource, WarehouseResource
from orchestration.transient import backoff_seconds, is_transient
from orchestration.warehouse import make_engine
from sources.demo.simpeg_db import SIMPEG_METADATA
from tests.test_simpeg_extract import MARIADB_URL, _cuti, _insert, _mariadb

warehouse = pytest.mark.warehouse
CUTI = AssetKey(["raw", "simpeg_cuti"])


class FlakyProxy:
    """127.0.0.1:<port> → `target`: resets (RST) the first `refuse` connections, then relays."""

    def __init__(self, target: tuple[str, int], refuse: int) -> None:
        self.target, self.refuse = target, refuse
        self.accepted = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            if self.accepted <= self.refuse:
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                client.close()  # a reset, as a restarting server or a dropped link gives
                continue
            upstream = socket.create_connection(self.target, timeout=5)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while not self._stop.is_set() and (data := source.recv(65536)):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()


@pytest.fixture
def mariadb() -> Iterator[sa.Engine]:
    """A SIMPEG database on the machine's MariaDB with the demo schema and three leave requests."""
    for engine in _mariadb():
        SIMPEG_METADATA.create_all(engine)
        _insert(engine, "tb_cuti", [_cuti(i, f"2025-01-0{i} 10:00:00") for i in (1, 2, 3)])
        yield engine


def _through(proxy: FlakyProxy, mariadb: sa.Engine) -> str:
    url = mariadb.url.set(host="127.0.0.1", port=proxy.port)
    return url.render_as_string(hide_password=False)


def _materialize(database_url: str, simpeg_url: str, drop: Path):
    resources = {
        "warehouse": WarehouseResource(url=database_url),
        "source_drop": SourceDropResource(path=str(drop)),
        "simpeg": SimpegResource(url=simpeg_url),
    }
    cuti = [a for a in simpeg_assets if CUTI in a.keys]
    with DagsterInstance.ephemeral() as instance:
        began = time.monotonic()
        result = materialize(cuti, resources=resources, instance=instance, raise_on_error=False)
        seconds = time.monotonic() - began
        logs = instance.all_logs(result.run_id)
    retried = [e for e in logs if e.dagster_event_type == DagsterEventType.STEP_UP_FOR_RETRY]
    messages = [e.user_message for e in logs if e.dagster_event is None]
    return result, retried, messages, seconds


def _batches(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    sa.text(
                        "select outcome from audit.load_batches where file_name = 'simpeg:tb_cuti' "
                        "order by batch_id"
                    )
                ).scalars()
            )
    finally:
        engine.dispose()


@warehouse
def test_refused_connections_are_retried_with_backoff_then_succeed(
    database_url: str, mariadb: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IKU_RETRIES", "3")
    monkeypatch.setenv("IKU_RETRY_BASE_SECONDS", "0.5")
    proxy = FlakyProxy((mariadb.url.host or "127.0.0.1", mariadb.url.port or 3306), refuse=2)
    try:
        result, retried, messages, seconds = _materialize(database_url, _through(proxy, mariadb), tmp_path)
    finally:
        proxy.close()

    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["outcome"].value == "loaded" and metadata["rows_loaded"].value == 3
    assert len(retried) == 2 and proxy.accepted >= 3
    warnings = [m for m in messages if "the connection failed" in m]
    assert len(warnings) == 2
    assert "retry 1 of 3 in 0.5 s" in warnings[0] and "retry 2 of 3 in 1 s" in warnings[1]
    # the driver's own words: a reset during the connect or while reading the server's greeting
    assert all(re.search(r"OperationalError: \((2003|2013), .*MySQL server", m) for m in warnings)
    assert seconds >= 1.5  # the backoff was waited: 0.5 s, then 1 s
    outcomes = _batches(database_url)
    assert outcomes == ["failed", "failed", "loaded"]


@warehouse
def test_a_data_error_fails_at_once(
    database_url: str, mariadb: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IKU_RETRY_BASE_SECONDS", "0.5")
    with mariadb.begin() as conn:
        conn.exec_driver_sql("alter table tb_cuti drop column status_usulan")  # SIMPEG changed its schema
    proxy = FlakyProxy((mariadb.url.host or "127.0.0.1", mariadb.url.port or 3306), refuse=0)
    try:
        result, retried, messages, _ = _materialize(database_url, _through(proxy, mariadb), tmp_path)
    finally:
        proxy.close()

    assert not result.success and retried == []
    assert not any("the connection failed" in m for m in messages)
    failure = result.get_step_failure_events()[0].step_failure_data.error
    assert "status_usulan" in failure.message
    assert len(_batches(database_url)) == 1  # one attempt


@warehouse
def test_retries_run_out_when_simpeg_stays_unreachable(
    database_url: str, mariadb: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IKU_RETRIES", "2")
    monkeypatch.setenv("IKU_RETRY_BASE_SECONDS", "0.2")
    proxy = FlakyProxy((mariadb.url.host or "127.0.0.1", mariadb.url.port or 3306), refuse=1000)
    try:
        result, retried, messages, _ = _materialize(database_url, _through(proxy, mariadb), tmp_path)
    finally:
        proxy.close()

    assert not result.success and len(retried) == 2
    assert any("no retry left of 2" in m for m in messages)
    assert len(_batches(database_url)) == 3  # the first attempt and two retries, each recorded


@warehouse
def test_connection_errors_are_transient_and_data_errors_are_not(
    database_url: str, mariadb: sa.Engine
) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    refused = sa.create_engine(
        f"mysql+pymysql://root@127.0.0.1:{port}/x", connect_args={"connect_timeout": 2}
    )
    with pytest.raises(sa.exc.OperationalError) as mysql_refused:
        refused.connect()
    assert is_transient(mysql_refused.value)

    denied = sa.create_engine(sa.make_url(MARIADB_URL).set(username="iku_nobody", password="wrong"))
    with pytest.raises(sa.exc.OperationalError) as access_denied:
        denied.connect()
    assert not is_transient(access_denied.value)

    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("create table t (k int primary key)")
            conn.exec_driver_sql("insert into t values (1)")
        with pytest.raises(sa.exc.IntegrityError) as duplicate, engine.begin() as conn:
            conn.exec_driver_sql("insert into t values (1)")
        with pytest.raises(sa.exc.DataError) as bad_value, engine.begin() as conn:
            conn.exec_driver_sql("select 'dua'::int")
    finally:
        engine.dispose()
    assert not is_transient(duplicate.value) and not is_transient(bad_value.value)


def test_backoff_doubles_from_the_configured_base(monkeypatch: pytest.MonkeyPatch) -> None:
    assert [backoff_seconds(a) for a in range(4)] == [2, 4, 8, 16]
    monkeypatch.setenv("IKU_RETRY_BASE_SECONDS", "5")
    assert [backoff_seconds(a) for a in range(5)] == [5, 10, 20, 40, 60]
