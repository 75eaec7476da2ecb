"""Where Gudang IKU keeps its local state, and where things are in the repository.

Every setting comes from the environment, so the nightly job, the Dagster UI and the tests
all read the same values:

- ``IKU_HOME``: local folder for the embedded warehouse, Dagster's instance, demo sources and
  quality reports (default ``.iku`` under the working directory).
- ``IKU_WAREHOUSE_URL``: an external PostgreSQL; unset, the embedded one is used.
- ``IKU_SOURCES_DIR``: the drop folder where stewards deliver source files; unset, demo
  sources are generated under ``<IKU_HOME>/demo-sources``.
- ``DAGSTER_HOME``: Dagster's instance folder (default ``<IKU_HOME>/dagster``).
- ``IKU_NIGHTLY_SCHEDULE``: ``off`` leaves the 02:00 schedule stopped until someone starts it in
  the UI (a deployment that runs ``iku refresh`` from cron instead); default on.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT  # dbt_project.yml sits at the root; its paths point into dbt_project/
DBT_PROFILES_DIR = REPO_ROOT


def iku_home() -> Path:
    return Path(os.environ.get("IKU_HOME", ".iku")).expanduser().resolve()


def sources_dir_configured() -> Path | None:
    value = os.environ.get("IKU_SOURCES_DIR")
    return Path(value).expanduser().resolve() if value else None


def demo_sources_dir() -> Path:
    return iku_home() / "demo-sources"


def sources_dir() -> Path:
    """The drop folder in use: the configured one, else the demo folder."""
    return sources_dir_configured() or demo_sources_dir()


def dagster_home() -> Path:
    value = os.environ.get("DAGSTER_HOME")
    return Path(value).expanduser().resolve() if value else iku_home() / "dagster"


def nightly_schedule_on() -> bool:
    """Whether the nightly schedule is on by default (IKU_NIGHTLY_SCHEDULE, default on). It only
    ticks under a Dagster daemon (`iku serve`, `iku ui`), never in tests or `iku refresh`."""
    return os.environ.get("IKU_NIGHTLY_SCHEDULE", "on").strip().lower() not in {"off", "0", "false", "no"}


def quiet_third_parties() -> None:
    """Nothing reaches the internet at run time: switch off every tool's usage analytics."""
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
