"""`dbt build` (models, seeds and every test) against a real PostgreSQL."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from sources.contracts import load_contracts
from sources.load import load_file
from tests.helpers import bkd_1_3_by_hand, run_dbt

pytestmark = [pytest.mark.warehouse, pytest.mark.slow]


def test_dbt_build_computes_bkd_1_3(engine, database_url, demo_dir: Path, dbt_env_for, tmp_path) -> None:
    siasn = next(demo_dir.glob("siasn_pns_*.csv"))
    load_file(engine, load_contracts()["siasn_pns"], siasn)
    dbt_env_for(database_url)

    result = run_dbt(["build"], tmp_path / "target")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "ERROR=0" in result.stdout

    with engine.connect() as conn:
        agency = conn.execute(
            sa.text(
                "select period_year, numerator, denominator, value, opd_id "
                "from marts_build.fct_iku where indicator_code = 'BKD-1.3' and scope = 'agency'"
            )
        ).one()
        opd_sum = conn.execute(
            sa.text(
                "select sum(numerator), sum(denominator) from marts_build.fct_iku "
                "where indicator_code = 'BKD-1.3' and scope = 'opd'"
            )
        ).one()
        comment = conn.execute(sa.text("select obj_description('marts_build.fct_iku'::regclass)")).scalar()

    numerator, denominator = bkd_1_3_by_hand(siasn)
    assert agency.period_year == 2025 and agency.opd_id is None
    assert (agency.numerator, agency.denominator) == (numerator, denominator)
    assert float(agency.value) == pytest.approx(100 * numerator / denominator, abs=1e-4)
    assert tuple(opd_sum) == (numerator, denominator)  # the OPD breakdown adds up
    assert comment and "IKU" in comment  # persist_docs reached PostgreSQL


def test_pendidikan_cutoff_is_a_var(engine, database_url, demo_dir: Path, dbt_env_for, tmp_path) -> None:
    siasn = next(demo_dir.glob("siasn_pns_*.csv"))
    load_file(engine, load_contracts()["siasn_pns"], siasn)
    dbt_env_for(database_url)
    result = run_dbt(
        ["build", "--vars", "{pendidikan_tinggi_min_tingkat: 35}"],
        tmp_path / "target",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "select numerator, denominator from marts_build.fct_iku "
                "where indicator_code = 'BKD-1.3' and scope = 'agency'"
            )
        ).one()
    assert tuple(row) == bkd_1_3_by_hand(siasn, min_tingkat=35)
