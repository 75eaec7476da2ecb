"""The embedded warehouse opened to the network on purpose (IKU_LISTEN), for BI tools.

A client on another address reaches it only as a reader login, only with its password
(SCRAM: the password never crosses the wire; the wheel's PostgreSQL has no SSL, see
docs/security.md); the superuser and the pipeline, with their right passwords, are refused from there.
The other address is real: a /32 of the benchmark range (198.18.0.0/15) added to the loopback
interface for the test (needs root and iproute2; skipped otherwise), so connections to it come
from it, as from another machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psycopg2
import pytest

from orchestration import access
from orchestration.passwords import password
from orchestration.warehouse import (
    EMBEDDED_DATABASE,
    PIPELINE_ROLE,
    SUPERUSER,
    EmbeddedWarehouse,
    WarehouseError,
    make_engine,
    network,
)

ADDRESS = "198.18.7.1"


def test_closed_by_default_and_refuses_a_bad_address(monkeypatch) -> None:
    monkeypatch.delenv("IKU_LISTEN", raising=False)
    assert not network().is_open
    monkeypatch.setenv("IKU_LISTEN", "0.0.0.0")
    assert network().listen == ("0.0.0.0",) and network().allow_from == ("samenet",)
    monkeypatch.setenv("IKU_ALLOW_FROM", "10.0.0.0/8 trust")
    with pytest.raises(WarehouseError, match="not an address"):
        network()


@pytest.fixture
def other_address():
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("adding an address to the loopback interface needs root and iproute2")
    added = subprocess.run(
        ["ip", "addr", "add", f"{ADDRESS}/32", "dev", "lo"], capture_output=True, text=True
    )
    if added.returncode != 0 and "File exists" not in added.stderr:
        pytest.skip(f"cannot add {ADDRESS} to lo: {added.stderr.strip()}")
    yield ADDRESS
    subprocess.run(["ip", "addr", "del", f"{ADDRESS}/32", "dev", "lo"], capture_output=True)


def _connect(port: int, user: str, secret: str):
    return psycopg2.connect(
        host=ADDRESS, port=port, dbname=EMBEDDED_DATABASE, user=user, password=secret, connect_timeout=10
    )


@pytest.mark.warehouse
def test_network_lets_in_readers_only(tmp_path: Path, monkeypatch, other_address) -> None:
    monkeypatch.setenv("IKU_EMBEDDED_PORT", "55472")
    monkeypatch.setenv("IKU_LISTEN", other_address)
    monkeypatch.setenv("IKU_ALLOW_FROM", f"{other_address}/32")
    home = tmp_path / "home"
    warehouse = EmbeddedWarehouse(home)
    try:
        warehouse.start()
        port = warehouse.port()
        admin = make_engine(warehouse.admin_url(EMBEDDED_DATABASE))
        access.add_reader(admin, "metabase", "a reader's own password")
        admin.dispose()

        with _connect(port, "metabase", "a reader's own password") as conn, conn.cursor() as cur:
            cur.execute("select inet_client_addr()::text, current_setting('transaction_read_only')")
            client, read_only = cur.fetchone()
            assert client.startswith(other_address)  # it came from the other address
            assert read_only == "on"
        conn.close()

        with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
            _connect(port, "metabase", "a wrong password")
        for role in (SUPERUSER, PIPELINE_ROLE):
            with pytest.raises(psycopg2.OperationalError, match=r"no pg_hba\.conf entry"):
                _connect(port, role, password(home, role))

        hba = (warehouse.pgdata / "pg_hba.conf").read_text()
        assert "trust" not in hba.replace("# ", "")
    finally:
        warehouse.stop()
