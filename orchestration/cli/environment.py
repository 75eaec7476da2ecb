"""What commands need before their work: Dagster's home, the drop folder, a reachable warehouse.

Each failure here is a `CliError` with its own exit code (docs/cli.md), its message naming the
warehouse only masked."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from orchestration import settings
from orchestration.cli.errors import EXIT_SOURCES, EXIT_WAREHOUSE, CliError
from orchestration.dagster_storage import ensure_storage_schema, write_instance_yaml
from orchestration.warehouse import dbt_env, ensure_warehouse, is_external, make_engine, parse_url
from sources.redact import mask_url, redact


def prepare_environment() -> None:
    """DAGSTER_HOME and its dagster.yaml: with IKU_WAREHOUSE_URL, Dagster's storage in that
    PostgreSQL, reading the password from IKU_PG_PASSWORD (set here, for Dagster's processes)."""
    settings.quiet_third_parties()
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    external = os.environ.get("IKU_WAREHOUSE_URL")
    if external:
        os.environ.update(dbt_env(external))
    write_instance_yaml(home, parse_url(external) if external else None)


def drop_folder() -> Path | None:
    """IKU_SOURCES_DIR, which must be a folder; None when unset."""
    folder = settings.sources_dir_configured()
    if folder is not None and not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise CliError(f"the drop folder {folder} (IKU_SOURCES_DIR) {what}", EXIT_SOURCES)
    return folder


def ensure_sources(folder: Path | None) -> Path:
    """The drop folder (`drop_folder()`), else demo sources, generated the first time."""
    if folder is not None:
        print(f"Sources: {folder} (IKU_SOURCES_DIR)")
        return folder
    from sources.demo import generate

    folder = settings.demo_sources_dir()
    if not folder.exists() or not any(folder.iterdir()):
        summary = generate(folder, scale=float(os.environ.get("IKU_DEMO_SCALE", "1.0")))
        print(
            f"No sources configured (IKU_SOURCES_DIR is unset): generated demo sources in {folder} "
            f"({summary.employees} ASN in {summary.opds} perangkat daerah, as of {summary.as_of})."
        )
    else:
        print(f"No sources configured (IKU_SOURCES_DIR is unset): using demo sources in {folder}.")
    return folder


def warehouse_url() -> str:
    """The URL of a running warehouse that accepts a connection: IKU_WAREHOUSE_URL (checked
    once here, so an unreachable one is one line, not a traceback later), or the embedded one,
    started (its start waits until it accepts connections)."""
    url = ensure_warehouse()
    if is_external():
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
        except sa.exc.DBAPIError as exc:
            lines = str(exc.orig or exc).strip().splitlines()
            reason = lines[0] if lines else type(exc).__name__
            raise CliError(
                f"cannot connect to the warehouse {mask_url(url)}: {redact(reason)}", EXIT_WAREHOUSE
            ) from None
        finally:
            engine.dispose()
    return url


def start() -> tuple[Path, str]:
    """What `refresh`, `ui` and `serve` need first: Dagster's home (and its storage schema in an
    external warehouse), the sources and a running warehouse."""
    prepare_environment()
    configured = drop_folder()  # before anything slow: a missing one stops at once
    url = warehouse_url()
    if is_external():
        ensure_storage_schema(url)
    folder = ensure_sources(configured)
    os.environ.update(dbt_env(url))
    return folder, url
