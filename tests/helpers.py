"""Helpers shared by the warehouse tests."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from orchestration.settings import REPO_ROOT

ACTIVE_KEDUDUKAN = {"01", "03", "15", "71", "73", "101"}


def run_dbt(args: list[str], target_path: Path) -> subprocess.CompletedProcess:
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
        env={**os.environ, "DBT_LOG_PATH": str(target_path)},
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
