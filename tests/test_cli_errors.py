"""`iku` as a user runs it (the installed console script) when something is wrong: one short
line on stderr, no traceback, a documented exit code (docs/cli.md), and never a password. None
of these needs a warehouse: the unreachable one is a closed port."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.cli import EXIT_FAILED, EXIT_SOURCES, EXIT_USAGE, EXIT_WAREHOUSE

IKU = Path(sys.executable).parent / "iku"
SECRET = "pw_s3cret_V4lue"
UNREACHABLE = f"postgresql://iku:{SECRET}@127.0.0.1:1/iku"  # nothing listens on port 1
UNPARSEABLE = f"postgresql://iku:{SECRET}@x:y@127.0.0.1:54x9/iku"  # an unquoted @, a bad port


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """No IKU_* or DAGSTER_* of the caller: a fresh IKU_HOME."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("IKU_", "DAGSTER_", "PG"))}
    return {**clean, "IKU_HOME": str(tmp_path / "home")}


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(IKU), *args], env=env, capture_output=True, text=True, timeout=120)


def _assert_short_error(run: subprocess.CompletedProcess, code: int, *words: str) -> str:
    shown = run.stdout + run.stderr
    assert run.returncode == code, shown
    assert "Traceback" not in shown and SECRET not in shown, shown
    lines = run.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2 and all(len(line) < 300 for line in lines), run.stderr
    for word in words:
        assert word in run.stderr, run.stderr
    return run.stderr


@pytest.mark.parametrize("command", [["show", "--year", "2025"], ["dq"], ["refresh"], ["env"]])
def test_unparseable_warehouse_url(env, command) -> None:
    run = _run({**env, "IKU_WAREHOUSE_URL": UNPARSEABLE}, *command)
    err = _assert_short_error(run, EXIT_WAREHOUSE, "not a valid URL", "***")
    assert err.startswith(f"iku {command[0]}: ")


@pytest.mark.parametrize(
    "command",
    [["show", "--year", "2025"], ["report", "--year", "2025"], ["dq"], ["refresh"], ["reader", "list"]],
)
def test_unreachable_warehouse(env, command) -> None:
    run = _run({**env, "IKU_WAREHOUSE_URL": UNREACHABLE}, *command)
    _assert_short_error(run, EXIT_WAREHOUSE, "cannot connect to the warehouse", "postgresql://iku:***@")
    assert "generated demo sources" not in run.stdout  # it stopped before anything slow


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["demo", "--as-of", "2026-13-45"], ["--as-of", "2026-13-45"]),
        (["dq", "ack", "c", "--note", "n", "--expires", "2026-02-30"], ["--expires"]),
        (["show", "--year", "20x5"], ["--year", "20x5"]),
        (["show", "--year", "1850"], ["--year", "out of range"]),
        (["show", "--year", "99999"], ["out of range"]),
    ],
)
def test_bad_date_or_year(env, args, words) -> None:
    _assert_short_error(_run({**env, "IKU_WAREHOUSE_URL": UNREACHABLE}, *args), EXIT_USAGE, *words)


def test_missing_drop_folder(env, tmp_path) -> None:
    missing = tmp_path / "no-such-drop"
    run = _run({**env, "IKU_SOURCES_DIR": str(missing), "IKU_WAREHOUSE_URL": UNREACHABLE}, "refresh")
    _assert_short_error(run, EXIT_SOURCES, str(missing), "does not exist")
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("x")
    run = _run({**env, "IKU_SOURCES_DIR": str(not_a_folder)}, "refresh")
    _assert_short_error(run, EXIT_SOURCES, "is not a folder")


def test_unexpected_error_is_one_line_unless_debugging(env, tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    run = _run(env, "demo", "--out", str(blocker / "sub"), "--scale", "0.01")
    _assert_short_error(run, EXIT_FAILED, "unexpected error", "IKU_DEBUG=1")
    run = _run({**env, "IKU_DEBUG": "1"}, "demo", "--out", str(blocker / "sub"), "--scale", "0.01")
    assert run.returncode == EXIT_FAILED and "Traceback" in run.stderr


def test_version_and_help_with_defaults(env) -> None:
    run = _run(env, "--version")
    assert run.returncode == 0 and run.stdout.strip() == f"iku {importlib.metadata.version('gudang-iku')}"
    run = _run(env, "--help")
    assert run.returncode == 0 and "exit codes" in run.stdout
    for command in ("refresh", "show", "demo", "dq", "warehouse", "env", "reader", "ui"):
        assert command in run.stdout
    run = _run(env, "show", "--help")
    assert run.returncode == 0 and "(default: table)" in run.stdout and "examples:" in run.stdout
    run = _run(env, "refresh", "--help")
    assert "(default: WARNING)" in run.stdout and "iku refresh --wait 0" in run.stdout


def test_docs_without_a_site(env) -> None:
    run = _run(env, "docs", "--port", "0")
    _assert_short_error(run, EXIT_FAILED, "no dbt docs site", "iku refresh")
