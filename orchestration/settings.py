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
- ``IKU_DROP_SENSOR``: ``off`` leaves the drop-folder sensor ``refresh_on_delivery`` stopped;
  default on. ``IKU_DROP_SENSOR_SECONDS``: how often it looks (default 60).
  ``IKU_DROP_SETTLE_SECONDS``: how long a file must be left unchanged before it counts as
  delivered (default 30), so a file still being copied starts nothing.
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
    return not _off("IKU_NIGHTLY_SCHEDULE")


def _off(name: str) -> bool:
    """The variable says off (off, 0, false, no); unset is on."""
    return os.environ.get(name, "on").strip().lower() in {"off", "0", "false", "no"}


def _seconds(name: str, default: int) -> int:
    """A whole number of seconds (>= 0) from the environment; a wrong value is refused, naming it."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = int(value)
    except ValueError:
        seconds = -1
    if seconds < 0:
        raise ValueError(f"{name}={value!r}: expected a whole number of seconds (0 or more)")
    return seconds


def drop_sensor_on() -> bool:
    """Whether the drop-folder sensor is on by default (IKU_DROP_SENSOR, default on). Like the
    schedule, it only ticks under a Dagster daemon (`iku serve`, `iku ui`)."""
    return not _off("IKU_DROP_SENSOR")


def drop_sensor_seconds() -> int:
    """The drop-folder sensor's minimum interval between ticks (IKU_DROP_SENSOR_SECONDS, default 60)."""
    return _seconds("IKU_DROP_SENSOR_SECONDS", 60)


def drop_settle_seconds() -> int:
    """How long a delivered file must be unchanged before the sensor counts it (IKU_DROP_SETTLE_SECONDS,
    default 30): a file still being copied starts nothing."""
    return _seconds("IKU_DROP_SETTLE_SECONDS", 30)


def quiet_third_parties() -> None:
    """Nothing reaches the internet at run time: switch off every tool's usage analytics."""
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
