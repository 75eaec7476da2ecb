"""Shared fixtures: a real PostgreSQL for the whole session, a fresh database per test, and the
small demo warehouse built ONCE per session and cloned per test.

Without IKU_WAREHOUSE_URL the session starts the embedded warehouse in a temporary IKU_HOME
(the fresh-machine default); with it, every test database is created on that server (CI runs
the warehouse tests a second time against the machine's PostgreSQL 15 this way).

The demo warehouse (clean demo sources, scale 0.2, as of 2025-12-31) exists as two template
databases on the session's server, made on first use and dropped at the end of the session:

- ``loaded``: every demo source loaded into ``raw`` / ``audit`` (``helpers.load_demo``);
- ``built``:  the same, then one ``dbt build`` (seeds, snapshot, models, every data test).

A test never touches a template: it gets a clone (``CREATE DATABASE … TEMPLATE …``, about a
second) that it may change at will. Templates refuse connections once made, so nothing can
hold them open while they are cloned. Only tests ABOUT ``dbt build`` or the whole job run
dbt themselves; everything that reads built marts takes ``built_demo_url``.

Every test that uses a demo-warehouse fixture is marked ``warehouse`` and ``slow`` here (its
first use builds the templates): ``pytest -m "not slow"`` never pays for the build.

A session killed before its teardown leaves ``iku_tmpl_*`` databases on an external server;
they refuse connections: ``alter database … with is_template false`` before dropping them.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from orchestration.settings import quiet_third_parties
from orchestration.warehouse import (
    EmbeddedWarehouse,
    dbt_env,
    drop_database,
    ensure_database,
    make_engine,
    parse_url,
    sqlalchemy_url,
)

quiet_third_parties()

DEMO_AS_OF = date(2025, 12, 31)
DEMO_SEED, DEMO_SCALE = 7, 0.2
# fixtures that need the demo warehouse templates: a test using one is warehouse and slow
DEMO_WAREHOUSE_FIXTURES = {"demo_build", "built_demo_url", "built_demo_module_url", "loaded_demo_url"}


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.hookimpl(tryfirst=True)  # before -m selects on the markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DEMO_WAREHOUSE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.warehouse)
            item.add_marker(pytest.mark.slow)


# --------------------------------------------------------------------------- server and databases


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Admin URL of the session's PostgreSQL server."""
    external = os.environ.get("IKU_WAREHOUSE_URL")
    home = tmp_path_factory.mktemp("iku_home")
    if external:
        os.environ["IKU_HOME"] = str(home)  # what the run writes beside the warehouse (reports)
        yield external
        return
    if os.geteuid() == 0:
        home.chmod(0o711)  # see _postgres_may_pass_basetemp
    os.environ["IKU_HOME"] = str(home)
    warehouse = EmbeddedWarehouse(home)
    warehouse.start()
    yield warehouse.admin_url()  # the superuser: the tests make and drop databases
    warehouse.stop()


@pytest.fixture(scope="session", autouse=True)
def _postgres_may_pass_basetemp(tmp_path_factory: pytest.TempPathFactory) -> None:
    """As root the embedded server runs as iku_postgres, which must pass through the folders
    above IKU_HOME (else its files go to /var/lib/gudang-iku). pytest makes its temporary
    folders 0700: the suite lets iku_postgres pass (not list) its own, as an operator does."""
    if os.geteuid() == 0:
        tmp_path_factory.getbasetemp().chmod(0o711)


@pytest.fixture(autouse=True)
def _postgres_may_pass_tmp_path(request: pytest.FixtureRequest) -> None:
    if os.geteuid() == 0 and "tmp_path" in request.fixturenames:
        request.getfixturevalue("tmp_path").chmod(0o711)


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
    generate(out, seed=DEMO_SEED, scale=DEMO_SCALE, as_of=DEMO_AS_OF)
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


# --------------------------------------------------------------------------- templates and clones


def _admin(server_url: str) -> sa.Engine:
    return sa.create_engine(sqlalchemy_url(server_url), isolation_level="AUTOCOMMIT")


def clone_database(server_url: str, template: str, prefix: str = "iku_clone") -> str:
    """A new database copied from `template` on the same server; its URL.

    CREATE DATABASE … TEMPLATE fails while any session is connected to the template: leftover
    backends (a pooled connection not yet closed by its client) are terminated and the copy is
    retried for a few seconds."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = _admin(server_url)
    deadline = time.monotonic() + 15
    try:
        with admin.connect() as conn:
            while True:
                conn.execute(
                    sa.text(
                        "select pg_terminate_backend(pid) from pg_stat_activity "
                        "where datname = :t and pid <> pg_backend_pid()"
                    ),
                    {"t": template},
                )
                try:
                    conn.execute(sa.text(f'create database "{name}" template "{template}"'))
                    break
                except sa.exc.OperationalError as exc:
                    if "being accessed by other users" not in str(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
    finally:
        admin.dispose()
    return _with_database(server_url, name)


def _freeze_as_template(server_url: str, name: str) -> None:
    """No connection can reach the database from now on: it is only cloned."""
    admin = _admin(server_url)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'alter database "{name}" with is_template true allow_connections false'))
            conn.execute(
                sa.text(
                    "select pg_terminate_backend(pid) from pg_stat_activity "
                    "where datname = :n and pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
    finally:
        admin.dispose()


def _drop_template(server_url: str, name: str) -> None:
    admin = _admin(server_url)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'alter database "{name}" with is_template false allow_connections true'))
    finally:
        admin.dispose()
    drop_database(server_url, name)


@dataclass(frozen=True)
class DemoBuild:
    """The session's one `dbt build` of the demo: the template it made, dbt's output, the
    target folder (its manifest stays valid; later dbt runs of the session overwrite its
    run_results.json) and the seconds the load and the build took."""

    template: str
    result: subprocess.CompletedProcess
    target_path: Path
    load_seconds: float
    build_seconds: float

    @property
    def ok(self) -> bool:
        return self.result.returncode == 0

    def failure(self) -> str:
        return f"the session's dbt build of the demo failed:\n{self.result.stdout[-4000:]}"


@pytest.fixture(scope="session")
def dbt_target_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One dbt target folder for the session: dbt parses the project once and every later
    invocation reuses the partial parse (the profile's database may differ, its keys do not)."""
    return tmp_path_factory.mktemp("dbt_target")


@pytest.fixture(scope="session")
def loaded_demo_template(server_url: str, demo_dir: Path) -> Iterator[tuple[str, float]]:
    """Template database with every demo source loaded, not built; (name, seconds to load)."""
    from tests.helpers import load_demo

    name = f"iku_tmpl_loaded_{uuid.uuid4().hex[:8]}"
    ensure_database(server_url, name)
    started = time.monotonic()
    engine = make_engine(_with_database(server_url, name))
    try:
        load_demo(engine, demo_dir)
    finally:
        engine.dispose()
    seconds = time.monotonic() - started
    _freeze_as_template(server_url, name)
    yield name, seconds
    _drop_template(server_url, name)


@pytest.fixture(scope="session")
def demo_build(server_url: str, loaded_demo_template: tuple[str, float], dbt_target_path: Path):
    """The demo loaded and built by one `dbt build`, kept as a template (see DemoBuild).

    Never fails by itself: a test about the build asserts on `.result`; the clone fixtures
    error with dbt's output when the build failed."""
    from tests.helpers import run_dbt

    loaded, load_seconds = loaded_demo_template
    url = clone_database(server_url, loaded, prefix="iku_tmpl_built")
    name = url.rsplit("/", 1)[1]
    started = time.monotonic()
    result = run_dbt(["build"], dbt_target_path, env=dbt_env(url))
    build_seconds = time.monotonic() - started
    _freeze_as_template(server_url, name)
    yield DemoBuild(name, result, dbt_target_path, load_seconds, build_seconds)
    _drop_template(server_url, name)


@pytest.fixture(scope="session")
def demo_clones(server_url: str) -> Iterator[Callable[[str], str]]:
    """clone(template) → URL of a new copy on the session's server; the copies left are
    dropped at the end of the session (the clone fixtures drop theirs after each test)."""
    made: list[str] = []

    def clone(template: str) -> str:
        url = clone_database(server_url, template)
        made.append(url.rsplit("/", 1)[1])
        return url

    yield clone
    for name in made:
        drop_database(server_url, name)


def _built_template(demo_build: DemoBuild) -> str:
    if not demo_build.ok:
        pytest.fail(demo_build.failure(), pytrace=False)
    return demo_build.template


@pytest.fixture
def built_demo_url(server_url: str, demo_build: DemoBuild, demo_clones) -> Iterator[str]:
    """A private copy of the built demo warehouse (raw, audit, reference, staging,
    intermediate, marts_build as `dbt build` left them; `marts` is not published). Change it
    at will: it is dropped after the test."""
    url = demo_clones(_built_template(demo_build))
    yield url
    drop_database(server_url, url.rsplit("/", 1)[1])


@pytest.fixture(scope="module")
def built_demo_module_url(server_url: str, demo_build: DemoBuild, demo_clones) -> Iterator[str]:
    """One copy of the built demo warehouse shared by the tests of a module: for modules whose
    tests only read it, or each put back what they change."""
    url = demo_clones(_built_template(demo_build))
    yield url
    drop_database(server_url, url.rsplit("/", 1)[1])


@pytest.fixture
def loaded_demo_url(server_url: str, loaded_demo_template: tuple[str, float], demo_clones) -> Iterator[str]:
    """A private copy of the demo warehouse loaded but not built: for tests that run dbt
    themselves (other vars, other selections, data changed before the build)."""
    url = demo_clones(loaded_demo_template[0])
    yield url
    drop_database(server_url, url.rsplit("/", 1)[1])
