"""Monthly partitions of the attendance sources, and the job that recomputes one month.

The daily attendance files (presensi_harian) and the machines' punch files (presensi_mesin)
each name the month they hold (`presensi_harian_2025-03.csv`, `presensi_mesin_FP01_2025-03.csv`).
Their raw assets are partitioned by that month; every other asset is not.

Invariants:
- a run without a partition (the nightly refresh) loads every delivered month, as it always did;
- a run of the job `presensi_month_refresh` for month M loads the attendance files of M alone,
  again even when their checksum is unchanged, and builds the marts: the month-incremental
  models (macros/incremental_months.sql) rebuild M only, so the rows of other months stay
  byte-identical, and every other mart is rebuilt from inputs the run did not change;
- which months exist is a matter of the file names only; the partition list the UI offers runs
  to the current month, which changes no figure.
"""

from pathlib import Path

from dagster import MonthlyPartitionsDefinition

from orchestration.checks.deliveries import month_end

ATTENDANCE_SOURCES = ("presensi_harian", "presensi_mesin")
MONTHLY_JOB = "presensi_month_refresh"
MONTH_FORMAT = "%Y-%m"

ATTENDANCE_MONTHS = MonthlyPartitionsDefinition(
    start_date="2019-01",
    fmt=MONTH_FORMAT,
    timezone="Asia/Jayapura",
    end_offset=1,  # the month in progress too: a file may come before the month ends
)


def month_of_file(path: Path | str) -> str | None:
    """The month ('YYYY-MM') a file's name gives, if it gives one."""
    end = month_end(Path(path).name)
    return end.strftime(MONTH_FORMAT) if end else None
