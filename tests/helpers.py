"""Helpers shared by the warehouse tests."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from orchestration.settings import REPO_ROOT

ACTIVE_KEDUDUKAN = {"01", "03", "15", "71", "73", "101"}


def run_dbt(
    args: list[str], target_path: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    dbt = Path(sys.executable).parent / "dbt"
    return subprocess.run(
        [
            str(dbt),
            *args,
            "--project-dir",
            str(REPO_ROOT),
            "--profiles-dir",
            str(REPO_ROOT),
            "--target-path",
            str(target_path),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {}), "DBT_LOG_PATH": str(target_path)},
    )


def bkd_1_3_by_hand(siasn_csv: Path, min_tingkat: int = 20) -> tuple[int, int]:
    """BKD-1.3 numerator and denominator straight from the SIASN export, in plain Python."""
    numerator = denominator = 0
    with siasn_csv.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="|"):
            if row["KEDUDUKAN HUKUM ID"] not in ACTIVE_KEDUDUKAN:
                continue
            denominator += 1
            if int(row["TINGKAT PENDIDIKAN ID"]) >= min_tingkat:
                numerator += 1
    return numerator, denominator


def load_demo(engine, folder: Path) -> list:
    """Load every demo source into the warehouse, as the raw assets do: each contract's files
    (the newest only for snapshots) and the SIMPEG tables of the demo SQLite database."""
    from sources.contracts import load_contracts
    from sources.drop_folder import files_for
    from sources.load import load_file
    from sources.raw_tables import ensure_raw_tables
    from sources.simpeg import DEMO_DB_NAME, extract_all, load_simpeg_config, simpeg_engine

    ensure_raw_tables(engine)
    results = []
    for contract in load_contracts().values():
        files = files_for(contract, folder)
        for path in files[-1:] if contract.mode == "snapshot" else files:
            results.append(load_file(engine, contract, path))
    simpeg = simpeg_engine(f"sqlite:///{folder / DEMO_DB_NAME}")
    results += extract_all(engine, simpeg, list(load_simpeg_config().values()))
    simpeg.dispose()
    return results


def agency_figure(engine, code: str, period_id: str, schema: str = "marts_build"):
    """The agency-wide row of fct_iku for an indicator and period."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "select numerator, denominator, value, target, capaian, status, null_reason "
                f"from {schema}.fct_iku "
                "where indicator_code = :c and period_id = :p and scope = 'agency'"
            ),
            {"c": code, "p": period_id},
        ).one()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query_rows(engine, sql: str, **params) -> list[tuple]:
    """The rows of a query, as tuples."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def chromium_or_skip() -> None:
    """Headless Chromium, or skip the test: except in CI, where .ci/run installs Debian's
    chromium and its absence is a failure."""
    import pytest

    from orchestration.report.browser import BrowserError, find_chromium

    try:
        find_chromium()
    except BrowserError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
