"""The same code against an external PostgreSQL server (the machine's PostgreSQL 15).

Runs on 127.0.0.1:5432 (or IKU_EXTERNAL_TEST_URL); skipped with a reason where none runs.
.ci/run also runs the warehouse tests a second time with IKU_WAREHOUSE_URL set to it: the
session's demo warehouse is then built on that server, and this test checks that build instead
of loading and building the demo a second time.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from orchestration.warehouse import dbt_env, drop_database, ensure_database, make_engine, parse_url
from tests.conftest import DEMO_AS_OF
from tests.helpers import agency_figure, bkd_1_3_by_hand, load_demo, run_dbt

pytestmark = [pytest.mark.warehouse, pytest.mark.slow]
ADMIN_URL = os.environ.get("IKU_EXTERNAL_TEST_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _server_version(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("show server_version_num")).scalar())
    finally:
        engine.dispose()


def _same_server(a: str, b: str) -> bool:
    pa, pb = parse_url(a), parse_url(b)
    return (pa.host, pa.port) == (pb.host, pb.port)


@pytest.fixture
def external_build(request: pytest.FixtureRequest, demo_dir: Path, dbt_target_path: Path) -> Iterator[tuple]:
    """(URL of a built demo database on the external server, server version, dbt's output)."""
    try:
        version = _server_version(ADMIN_URL)
    except sa.exc.OperationalError as exc:
        pytest.skip(f"no external PostgreSQL at {ADMIN_URL}: {exc.orig}")
    session_server = os.environ.get("IKU_WAREHOUSE_URL")
    if session_server and _same_server(session_server, ADMIN_URL):
        # the session's demo build ran on this very server: check a copy of it
        build = request.getfixturevalue("demo_build")
        yield request.getfixturevalue("demo_clones")(build.template), version, build.result
        return
    name = f"iku_ext_{uuid.uuid4().hex[:8]}"
    ensure_database(ADMIN_URL, name)
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    engine = make_engine(url)
    try:
        load_demo(engine, demo_dir)
    finally:
        engine.dispose()
    yield url, version, run_dbt(["build"], dbt_target_path, env=dbt_env(url))
    drop_database(ADMIN_URL, name)


def test_load_and_dbt_build_on_external_server(external_build, demo_dir: Path) -> None:
    url, version, build = external_build
    assert version >= 140000
    assert build.returncode == 0, build.stdout[-3000:]
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            batches = conn.execute(
                sa.text("select rows_read, rows_loaded, rows_quarantined from audit.load_batches")
            ).all()
        row = agency_figure(engine, "BKD-1.3", str(DEMO_AS_OF.year))
    finally:
        engine.dispose()
    assert batches and all(b.rows_read == b.rows_loaded + b.rows_quarantined for b in batches)
    assert (row.numerator, row.denominator) == bkd_1_3_by_hand(next(demo_dir.glob("siasn_pns_*.csv")))
