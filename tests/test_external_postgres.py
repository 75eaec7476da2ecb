"""The same code against an external PostgreSQL server (the machine's PostgreSQL 15).

Runs on 127.0.0.1:5432 (or IKU_EXTERNAL_TEST_URL); skipped with a reason where none runs.
.ci/run also runs every warehouse test a second time with IKU_WAREHOUSE_URL set to it.
"""

import os
import uuid

import pytest
import sqlalchemy as sa

from orchestration.warehouse import drop_database, ensure_database, make_engine
from sources.contracts import load_contracts
from sources.load import load_file
from tests.helpers import bkd_1_3_by_hand, run_dbt

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


def test_load_and_dbt_build_on_external_server(external_url, demo_dir, dbt_env_for, tmp_path) -> None:
    url, version = external_url
    assert version >= 140000
    engine = make_engine(url)
    siasn = next(demo_dir.glob("siasn_pns_*.csv"))
    result = load_file(engine, load_contracts()["siasn_pns"], siasn)
    assert result.rows_read == result.rows_loaded + result.rows_quarantined

    dbt_env_for(url)
    build = run_dbt(["build"], tmp_path / "target")
    assert build.returncode == 0, build.stdout[-3000:]
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "select numerator, denominator from marts_build.fct_iku "
                "where indicator_code = 'BKD-1.3' and scope = 'agency'"
            )
        ).one()
    engine.dispose()
    assert tuple(row) == bkd_1_3_by_hand(siasn)
