"""Shared fixtures: a real PostgreSQL for the whole session, a fresh database per test.

Without IKU_WAREHOUSE_URL the session starts the embedded warehouse in a temporary IKU_HOME
(the fresh-machine default); with it, every test database is created on that server (CI runs
the warehouse tests a second time against the machine's PostgreSQL 15 this way).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from orchestration.settings import quiet_third_parties
from orchestration.warehouse import (
    EmbeddedWarehouse,
    drop_database,
    ensure_database,
    make_engine,
    parse_url,
)

quiet_third_parties()

DEMO_AS_OF = date(2025, 12, 31)


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Admin URL of the session's PostgreSQL server."""
    external = os.environ.get("IKU_WAREHOUSE_URL")
    if external:
        yield external
        return
    home = tmp_path_factory.mktemp("iku_home")
    os.environ["IKU_HOME"] = str(home)
    warehouse = EmbeddedWarehouse(home)
    url = warehouse.start()
    yield _with_database(url, "postgres")
    warehouse.stop()


@pytest.fixture
def database_url(server_url: str) -> Iterator[str]:
    """A new, empty database on the session's server, dropped after the test."""
    name = f"iku_test_{uuid.uuid4().hex[:10]}"
    ensure_database(server_url, name)
    yield _with_database(server_url, name)
    drop_database(server_url, name)


@pytest.fixture
def engine(database_url: str):
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Clean demo sources, small scale, fixed as-of date (shared, read-only)."""
    from sources.demo import generate

    out = tmp_path_factory.mktemp("demo")
    generate(out, seed=7, scale=0.2, as_of=DEMO_AS_OF)
    return out


@pytest.fixture
def dbt_env_for(monkeypatch: pytest.MonkeyPatch):
    """Point dbt's profile (IKU_PG_*) at a database for this test."""

    def apply(url: str) -> None:
        p = parse_url(url)
        for key, value in {
            "IKU_PG_HOST": p.host,
            "IKU_PG_PORT": str(p.port),
            "IKU_PG_USER": p.user,
            "IKU_PG_PASSWORD": p.password,
            "IKU_PG_DBNAME": p.dbname,
        }.items():
            monkeypatch.setenv(key, value)

    return apply
