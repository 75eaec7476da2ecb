"""The incremental night equals a full rebuild: after a refresh, the next night's delivery
(`sources.demo.night`: one more attendance day, a SIASN export with 1 % promoted, new register
rows) is refreshed incrementally (only the changed files load, only the changed attendance
months rebuild); a full `dbt build --full-refresh` of the same warehouse then gives the same
published IKU and attendance facts, row for row."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from orchestration.warehouse import EmbeddedWarehouse, dbt_env, make_engine
from sources.demo import generate
from sources.demo.night import deliver_next_night
from tests.helpers import run_dbt

pytestmark = [pytest.mark.warehouse, pytest.mark.slow]

AS_OF = date(2025, 11, 30)
COMPARED = ["fct_iku", "fct_iku_evidence", "fct_presensi_harian", "mrt_rekap_presensi_bulanan"]


def _refresh(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "refresh"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    return done.stdout


def _digests(url: str, schema: str) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent digest of every compared table."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table: tuple(
                    conn.execute(
                        sa.text(
                            f"select count(*), md5(coalesce(string_agg(md5(t::text), '' order by "
                            f"md5(t::text)), '')) from {schema}.{table} t"
                        )
                    ).one()
                )
                for table in COMPARED
            }
    finally:
        engine.dispose()


def _warehouse_url(output: str) -> str:
    return next(ln for ln in output.splitlines() if ln.startswith("Warehouse: ")).split(" ", 1)[1].strip()


def test_incremental_night_equals_a_full_rebuild(tmp_path: Path, database_url: str) -> None:
    sources = tmp_path / "drop"
    generate(sources, seed=11, scale=0.05, as_of=AS_OF)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IKU_", "DAGSTER_"))}
    env |= {"IKU_HOME": str(tmp_path / "home"), "IKU_SOURCES_DIR": str(sources)}
    if os.environ.get("IKU_WAREHOUSE_URL"):
        env["IKU_WAREHOUSE_URL"] = database_url
    try:
        _refresh(env)
        night = deliver_next_night(sources, AS_OF)
        assert night.attendance_rows > 0 and night.employees_changed > 0 and night.register_rows_added
        output = _refresh(env)
        url = env.get("IKU_WAREHOUSE_URL") or _warehouse_url(output)
        if "IKU_WAREHOUSE_URL" not in env:  # the embedded warehouse: its password is not printed
            url = EmbeddedWarehouse(Path(env["IKU_HOME"])).url()
        engine = make_engine(url)
        with engine.connect() as conn:
            loaded = conn.execute(
                sa.text(
                    "select count(*) from audit.load_batches where outcome = 'loaded' and file_name = :f"
                ),
                {"f": night.files[0].name},
            ).scalar()
            newest_day = conn.execute(sa.text("select max(tanggal) from marts.fct_presensi_harian")).scalar()
        engine.dispose()
        assert loaded >= 1
        assert newest_day >= date(2025, 12, 1), "the night's attendance day was published"
        incremental = _digests(url, "marts")

        built = run_dbt(
            ["build", "--full-refresh", "--exclude-resource-type", "unit_test"],
            tmp_path / "target",
            env=dbt_env(url),
        )
        assert built.returncode == 0, built.stdout[-4000:]
        assert _digests(url, "marts_build") == incremental
    finally:
        if "IKU_WAREHOUSE_URL" not in env:
            EmbeddedWarehouse(Path(env["IKU_HOME"])).stop()
