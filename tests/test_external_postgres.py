"""The same code against an external PostgreSQL server (the machine's PostgreSQL 15).

Runs on 127.0.0.1:5432 (or IKU_EXTERNAL_TEST_URL); skipped with a reason where none runs.
.ci/run also runs every warehouse test a second time with IKU_WAREHOUSE_URL set to it.
"""

import os
import uuid

import pytest
import sqlalchemy as sa

from orchestration.warehouse import dbt_env, drop_database, ensure_database, make_engine
from tests.conftest import DEMO_AS_OF
from tests.helpers import agency_figure, bkd_1_3_by_hand, load_demo, run_dbt

pytestmark = [pytest.mark.warehouse, pytest.mark.slow]
ADMIN_URL = os.environ.get("IKU_EXTERNAL_TEST_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def external_url():
    engine = make_engine(ADMIN_URL)
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("show server_version_num")).scalar()
    except sa.exc.OperationalError as exc:
        pytest.skip(f"no external PostgreSQL at {ADMIN_URL}: {exc.orig}")
    finally:
        engine.dispose()
    name = f"iku_ext_{uuid.uuid4().hex[:8]}"
    ensure_database(ADMIN_URL, name)
    yield ADMIN_URL.rsplit("/", 1)[0] + "/" + name, int(version)
    drop_database(ADMIN_URL, name)


def test_load_and_dbt_build_on_external_server(external_url, demo_dir, tmp_path) -> None:
    url, version = external_url
    assert version >= 140000
    engine = make_engine(url)
    results = load_demo(engine, demo_dir)
    assert all(r.rows_read == r.rows_loaded + r.rows_quarantined for r in results)

    build = run_dbt(["build"], tmp_path / "target", env=dbt_env(url))
    assert build.returncode == 0, build.stdout[-3000:]
    row = agency_figure(engine, "BKD-1.3", str(DEMO_AS_OF.year))
    engine.dispose()
    assert (row.numerator, row.denominator) == bkd_1_3_by_hand(next(demo_dir.glob("siasn_pns_*.csv")))
