"""The main job as a user runs it: `iku refresh` in a fresh IKU_HOME, with a psql client reading
the warehouse while it runs. Refreshing again gives the same published rows: test_dagster_job
(the job) and test_run_refresh (`iku refresh` ten times in a row)."""

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from orchestration.passwords import kept_passwords
from orchestration.warehouse import EmbeddedWarehouse, _pg_bin, make_engine, make_url, parse_url
from sources.contracts import load_contracts
from sources.simpeg import load_simpeg_config

pytestmark = [pytest.mark.warehouse, pytest.mark.slow]


def _iku(*args: str) -> list[str]:
    return [sys.executable, "-m", "orchestration.cli", *args]


@pytest.fixture
def cli_env(tmp_path: Path, database_url: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IKU_", "DAGSTER_"))}
    env["IKU_HOME"] = str(tmp_path / "iku_home")
    env["IKU_DEMO_SCALE"] = "0.1"  # the README command uses the full 5,500 ASN; tests a tenth
    if os.environ.get("IKU_WAREHOUSE_URL"):
        env["IKU_WAREHOUSE_URL"] = database_url
    yield env
    if "IKU_WAREHOUSE_URL" not in env:
        EmbeddedWarehouse(Path(env["IKU_HOME"])).stop()


def _assert_every_source_loaded_and_reconciled(url: str) -> None:
    """`iku demo` then `iku refresh` loads every source; the audit reconciles for every batch."""
    engine = make_engine(url)
    with engine.connect() as conn:
        batches = conn.execute(
            sa.text(
                "select source, outcome, rows_read, rows_loaded, rows_quarantined from audit.load_batches"
            )
        ).all()
    engine.dispose()
    loaded = {b.source for b in batches if b.outcome == "loaded"}
    expected = set(load_contracts()) | set(load_simpeg_config())  # every file source and SIMPEG table
    assert expected <= loaded, expected - loaded
    assert all(b.rows_read == b.rows_loaded + b.rows_quarantined for b in batches if b.outcome == "loaded")
    assert sum(b.rows_quarantined for b in batches) == 0, "clean demo data quarantines nothing"


def test_refresh_is_queryable_while_running_and_shows_every_code(cli_env, tmp_path) -> None:
    proc = subprocess.Popen(
        _iku("refresh"), env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url, seen_while_running, lines = None, 0, []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Warehouse: "):
            assert ":***@" in line or "IKU_WAREHOUSE_URL" in cli_env  # printed masked
            url = cli_env.get("IKU_WAREHOUSE_URL") or EmbeddedWarehouse(Path(cli_env["IKU_HOME"])).url()
            engine = make_engine(url)
            deadline = time.monotonic() + 30
            while proc.poll() is None and time.monotonic() < deadline and seen_while_running < 3:
                with engine.connect() as conn:  # a second client, as psql in another terminal
                    conn.execute(sa.text("select count(*) from pg_stat_activity"))
                seen_while_running += 1
                time.sleep(0.2)
            engine.dispose()
    proc.wait()
    output = "".join(lines)
    assert proc.returncode == 0, output[-4000:]
    assert "generated demo sources" in output
    assert "BKD-1.3" in output and "Published" in output
    assert url and seen_while_running >= 1
    _assert_every_source_loaded_and_reconciled(url)

    year = next(ln for ln in output.splitlines() if ln.startswith("IKU, whole agency, "))[-5:-1]
    shown = subprocess.run(
        _iku("show", "--year", year, "--format", "json"),
        env=cli_env,
        capture_output=True,
        text=True,
        check=True,
    )
    first = json.loads(shown.stdout)
    assert len({r["indicator_code"] for r in first}) == 51  # every code of the catalog
    assert all(r["period_type"] == "year" for r in first)
    agency = [r for r in first if r["scope"] == "agency"]
    assert len(agency) == 51
    assert all(r["value"] is not None or r["null_reason"] for r in agency)

    csv_out = subprocess.run(
        _iku("show", "--year", year, "--format", "csv"),
        env=cli_env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert csv_out.stdout.splitlines()[0].startswith("indicator_code,indicator_name")

    # an analyst's login: reads the published IKU, nothing of the pipeline's own schemas
    analyst, analyst_password = "analis_bappeda", "kata-sandi $(rahasia) 'x'"
    added = subprocess.run(
        _iku("reader", "add", analyst, "--password-stdin"),
        env=cli_env,
        input=analyst_password + "\n",
        capture_output=True,
        text=True,
    )
    assert added.returncode == 0, added.stderr
    assert analyst_password not in added.stdout + added.stderr  # typed, so never echoed back
    where = parse_url(url)
    analyst_url = make_url(analyst, analyst_password, where.port, where.dbname, host=where.host)
    reader = make_engine(analyst_url)
    try:
        with reader.connect() as conn:
            assert conn.execute(sa.text("select count(*) from marts.fct_iku")).scalar() > 0
            assert conn.execute(sa.text("select count(*) from fct_iku")).scalar() > 0  # marts on its path
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                conn.execute(sa.text("select count(*) from raw.siasn_pns"))
    finally:
        reader.dispose()
    listed = subprocess.run(_iku("reader", "list"), env=cli_env, capture_output=True, text=True, check=True)
    assert analyst in listed.stdout.split()
    subprocess.run(_iku("reader", "remove", analyst), env=cli_env, capture_output=True, text=True, check=True)

    # psql by hand: `iku env` gives everything but the password, which libpq reads from PGPASSFILE
    exported = subprocess.run(_iku("env"), env=cli_env, capture_output=True, text=True, check=True)
    by_hand = {
        line.split("=", 1)[0].removeprefix("export "): shlex.split(line.split("=", 1)[1])[0]
        for line in exported.stdout.splitlines()
        if line.startswith("export ")
    }
    assert "IKU_PG_PASSWORD" not in by_hand and "PGPASSWORD" not in by_hand
    if "IKU_WAREHOUSE_URL" not in cli_env:
        psql = subprocess.run(
            [_pg_bin("psql"), "-w", "-Atc", "select count(*) > 0 from marts.fct_iku"],
            env={"PATH": "/usr/bin:/bin", **{k: v for k, v in by_hand.items() if k.startswith("PG")}},
            capture_output=True,
            text=True,
        )
        assert psql.stdout.strip() == "t", psql.stderr

        # no command printed a password of the warehouse
        secrets = kept_passwords(Path(cli_env["IKU_HOME"]))
        assert len(secrets) == 2
        for printed in (output, shown.stdout, csv_out.stdout, added.stdout, listed.stdout, exported.stdout):
            assert not any(secret in printed for secret in secrets)
        # nor did any log or artifact keep one: Dagster's run history, dbt's target, Data Docs
        home = Path(cli_env["IKU_HOME"])
        for path in home.rglob("*"):
            if path.is_file() and home / "secrets" not in path.parents and "pgdata" not in path.parts:
                data = path.read_bytes()
                assert not any(secret.encode() in data for secret in secrets), path
