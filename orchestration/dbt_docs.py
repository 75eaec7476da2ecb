"""The dbt docs site of the published marts: generated after each publish, served on 127.0.0.1.

Invariant: ``$IKU_HOME/docs/dbt/`` holds the site of the marts analysts read (schema ``marts``),
replaced whole or not at all. ``generate`` runs ``dbt docs generate`` with the var
``marts_schema`` set to ``marts``, so that the site names the published relations and its
catalog (column types, row counts) is read from them, not from the candidate ``marts_build``;
it writes to a new folder and swaps it in, so a half-written site is never served.

Nothing reaches the internet: ``dbt docs generate`` only queries the warehouse, and the page
loads ``manifest.json`` and ``catalog.json`` from its own folder. Its only outside request, dbt's
usage tracking, is switched on only when the manifest says ``send_anonymous_usage_stats``, which
this project switches off (dbt_project.yml). ``static_index.html`` is the same site in one file,
to open without a server.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from orchestration.dbt_project import DBT_PROJECT, dbt_executable
from orchestration.settings import DBT_PROFILES_DIR, DBT_PROJECT_DIR, iku_home

PUBLISHED_VARS = "{marts_schema: marts}"  # dbt_project.yml: the marts' schema, marts_build by default
# what analysts read (schemas marts and reference) is compiled and read into the catalog; the
# other models keep their descriptions and lineage on the site (compiling all: ~1.5 s more)
SELECT = ("marts", "resource_type:seed")
SITE_FILES = ("index.html", "static_index.html", "manifest.json", "catalog.json")
DEFAULT_PORT = 8580


class DbtDocsError(RuntimeError):
    """`dbt docs generate` failed; the previous site is kept."""


@dataclass(frozen=True)
class DocsSite:
    folder: Path
    seconds: float  # the time `dbt docs generate` took

    @property
    def index(self) -> Path:
        return self.folder / "index.html"


def docs_dir() -> Path:
    """Where the site lives: ``$IKU_HOME/docs/dbt``."""
    return iku_home() / "docs" / "dbt"


def docs_target_path() -> Path:
    """dbt's own target folder for the docs: kept across nights, so dbt re-parses only what changed
    (the vars differ from the nightly build's, so it cannot share that folder's parse). The docs
    are compiled (the marts' compiled SQL is on the site): `--no-compile` would save about 2.5 s
    but leave the site to a manifest.json from an earlier run, which it does not rewrite."""
    return DBT_PROJECT.target_path / "docs"


def generate(
    folder: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    target_path: Path | None = None,
) -> DocsSite:
    """Generate the site of the published marts into `folder` (default ``docs_dir()``).

    dbt connects with the IKU_PG_* variables of `env` (default: this process's environment, which
    ``WarehouseResource.export_dbt_env`` sets). Raises DbtDocsError when dbt fails."""
    folder = (folder or docs_dir()).resolve()
    target = (target_path or docs_target_path()).resolve()
    target.mkdir(parents=True, exist_ok=True)
    command = [
        dbt_executable(),
        "docs",
        "generate",
        "--static",
        "--select",
        *SELECT,
        "--vars",
        PUBLISHED_VARS,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROFILES_DIR),
        "--target-path",
        str(target),
    ]
    began = time.monotonic()
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {}), "DBT_LOG_PATH": str(target)},
        check=False,
    )
    seconds = time.monotonic() - began
    if result.returncode != 0:
        raise DbtDocsError(f"dbt docs generate failed (exit {result.returncode}):\n{result.stdout[-3000:]}")
    _replace(folder, [target / name for name in SITE_FILES])
    return DocsSite(folder, round(seconds, 2))


def _replace(folder: Path, files: list[Path]) -> None:
    """Put `files` in `folder`, replacing what it held: written beside it, then renamed in."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    fresh, old = folder.with_name(folder.name + ".new"), folder.with_name(folder.name + ".old")
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    fresh.mkdir()
    for path in files:
        shutil.copy2(path, fresh / path.name)
    if folder.exists():
        folder.rename(old)
    fresh.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def make_server(folder: Path | None = None, port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1:`port` (0: any free port) serving `folder` (default
    ``docs_dir()``); the caller runs ``serve_forever()`` and closes it."""
    folder = (folder or docs_dir()).resolve()
    if not (folder / "index.html").is_file():
        raise FileNotFoundError(f"no dbt docs site in {folder}: run iku refresh first")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve(folder: Path | None = None, port: int = DEFAULT_PORT) -> None:
    """Serve the site on http://127.0.0.1:`port`/ until interrupted (Ctrl-C)."""
    with make_server(folder, port) as server:
        print(f"dbt docs of the published marts: http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
