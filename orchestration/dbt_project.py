"""The dbt project as Dagster sees it, with its manifest kept up to date."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from orchestration.settings import DBT_PROFILES_DIR, DBT_PROJECT_DIR, quiet_third_parties

quiet_third_parties()

CHILD = Path(__file__).with_name("dbt_child.py")
DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROFILES_DIR)


def _newest_source_mtime(root: Path) -> float:
    files = [root / "dbt_project.yml", root / "profiles.yml"]
    files += [p for p in (root / "dbt_project").rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in files if p.exists())


def ensure_manifest() -> Path:
    """Run `dbt parse` when the manifest is missing or older than any file of the project."""
    manifest = DBT_PROJECT.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(DBT_PROJECT_DIR):
        from dagster._utils import run_with_concurrent_update_guard

        run_with_concurrent_update_guard(manifest, _parse)
    return manifest


class IkuDbtCliResource(DbtCliResource):
    """dagster-dbt's resource, minus two fixed costs of every invocation on the reference
    machine: a `dbt --version` process (2-3 s; when the dbt it runs is the one installed beside
    this Python, its version is that of the dbt-core package imported here), and loading the
    project, profile and adapter into this process (2-4 s), which dagster-dbt needs only to
    fetch column metadata or row counts, features this project does not use."""

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(real_dbt()).parent == Path(sys.executable).parent:
            from dbt.version import __version__

            return version.parse(__version__)
        return DbtCliResource._cli_version.func(self)


def _parse() -> None:
    dbt = IkuDbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable())
    dbt.cli(["parse", "--quiet"], target_path=DBT_PROJECT.target_path).wait()


def real_dbt() -> str:
    """The dbt installed beside this Python, so cron and the UI need no activated virtualenv."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_executable() -> str:
    """What dagster-dbt runs: on Linux, dbt behind orchestration/dbt_child.py, which makes it die
    with the process that started it; elsewhere dbt itself."""
    dbt = real_dbt()
    if not sys.platform.startswith("linux") or not CHILD.exists():
        return dbt
    os.environ["IKU_DBT"] = dbt
    os.environ["IKU_PYTHON"] = sys.executable
    os.environ["IKU_DBT_PARENT"] = str(os.getpid())
    return str(CHILD)
