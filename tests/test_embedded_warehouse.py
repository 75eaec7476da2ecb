"""The embedded warehouse: started, used by a second client, restarted on the same port, stopped;
its commands never print a password (the security of its doors: test_security)."""

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from orchestration.passwords import kept_passwords
from orchestration.warehouse import EmbeddedWarehouse, make_engine
from sources.redact import mask_url


def test_embedded_start_use_stop(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("IKU_EMBEDDED_PORT", "55432")
    warehouse = EmbeddedWarehouse(tmp_path / "home")
    try:
        url = warehouse.start()
        assert mask_url(url).startswith("postgresql://iku_pipeline:***@127.0.0.1:")  # not the superuser
        port = warehouse.port()
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("create table t (x int); insert into t values (42)"))
            # the settings file is in force: tables filled in the transaction that creates them skip WAL
            assert conn.execute(sa.text("show wal_level")).scalar() == "minimal"
            assert conn.execute(sa.text("show timezone")).scalar() == "Asia/Jayapura"
        engine.dispose()

        # a second process (as psql or a BI tool would) reads the same data over TCP
        code = (
            "import sqlalchemy as sa, sys;"
            "e = sa.create_engine(sys.argv[1].replace('postgresql://', 'postgresql+psycopg2://'));"
            "print(e.connect().execute(sa.text('select x from t')).scalar())"
        )
        out = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "42"

        assert warehouse.stop() is True
        assert warehouse.is_running() is False
        assert warehouse.stop() is False

        # restart: same port, data kept
        assert EmbeddedWarehouse(tmp_path / "home").start() == url  # same port, same password
        assert warehouse.port() == port
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("select x from t")).scalar() == 42
        engine.dispose()
    finally:
        warehouse.stop()


def test_cli_warehouse_commands(tmp_path: Path) -> None:
    env = {
        "IKU_HOME": str(tmp_path / "home"),
        "IKU_EMBEDDED_PORT": "55532",
        "PATH": "/usr/bin:/bin",
    }
    iku = [sys.executable, "-m", "orchestration.cli", "warehouse"]
    try:
        started = subprocess.run([*iku, "start"], env=env, capture_output=True, text=True, check=True)
        url = started.stdout.strip()
        assert url.endswith("/iku") and ":***@" in url  # printed masked
        printed = subprocess.run([*iku, "url"], env=env, capture_output=True, text=True, check=True)
        assert printed.stdout.strip() == url
        status = subprocess.run([*iku, "status"], env=env, capture_output=True, text=True)
        assert status.returncode == 0 and status.stdout.startswith("running")
    finally:
        stopped = subprocess.run([*iku, "stop"], env=env, capture_output=True, text=True)
    assert stopped.stdout.strip() == "stopped"
    secrets = kept_passwords(tmp_path / "home")
    assert len(secrets) == 2
    for output in (started, printed, status, stopped):
        assert not any(s in output.stdout + output.stderr for s in secrets)
