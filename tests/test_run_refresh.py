"""`iku refresh` as an operator runs it, on a tiny demo (`iku demo --scale 0.004`, about 60 ASN)
and the embedded warehouse (as root, where PostgreSQL runs as the system user iku_postgres):
ten refreshes in a row all exit 0; two at once run one at a time; a refresh killed mid-load and
mid-dbt leaves nothing behind and the rerun ends with the data of a clean run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from orchestration.warehouse import EmbeddedWarehouse, make_engine
from sources.contracts import load_contracts

pytestmark = [pytest.mark.warehouse, pytest.mark.slow]

TINY_SCALE = "0.004"
STEADY_RUNS = int(os.environ.get("IKU_STEADY_RUNS", "10"))


def _iku(*args: str) -> list[str]:
    return [sys.executable, "-m", "orchestration.cli", *args]


class Home:
    """An IKU_HOME of its own with a tiny demo drop folder and its embedded warehouse."""

    def __init__(self, root: Path, demo: Path):
        self.root = root
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("IKU_", "DAGSTER_"))}
        self.env.update({"IKU_HOME": str(root), "IKU_SOURCES_DIR": str(demo)})

    def run(self, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
        return subprocess.run(_iku(*args), env=self.env, capture_output=True, text=True, timeout=timeout)

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            _iku(*args), env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def url(self) -> str:
        return EmbeddedWarehouse(self.root).url()

    def query(self, sql: str) -> list[tuple]:
        engine = make_engine(self.url())
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(sa.text(sql))]
        finally:
            engine.dispose()

    def published(self) -> list[dict]:
        """Every published row of fct_iku (batch ids aside: they differ between warehouses)."""
        year = self.query("select max(period_year) from marts.fct_iku")[0][0]
        shown = self.run("show", "--year", str(year), "--scope", "all", "--period", "all", "--format", "json")
        assert shown.returncode == 0, shown.stderr
        return [{k: v for k, v in r.items() if k != "source_batch_ids"} for r in json.loads(shown.stdout)]

    def raw_counts(self) -> dict[str, int]:
        tables = self.query(
            "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
        )
        return {t: self.query(f'select count(*) from raw."{t}"')[0][0] for (t,) in tables}

    def stop(self) -> None:
        EmbeddedWarehouse(self.root).stop()


@pytest.fixture(scope="module")
def tiny_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny_demo")
    made = subprocess.run(
        _iku("demo", "--scale", TINY_SCALE, "--out", str(out)), capture_output=True, text=True, check=True
    )
    assert "ASN" in made.stdout
    return out


@pytest.fixture
def home(tmp_path: Path, tiny_demo: Path) -> Iterator[Home]:
    if os.environ.get("IKU_WAREHOUSE_URL"):
        pytest.skip("about the embedded warehouse")
    h = Home(tmp_path / "home", tiny_demo)
    yield h
    h.stop()


def _assert_nothing_left(home: Home) -> None:
    assert home.query("select count(*) from audit.load_batches where outcome = 'running'") == [(0,)]
    assert home.query("select count(*) from audit.refresh_runs where outcome in ('running', 'waiting')") == [
        (0,)
    ]
    twice = [  # a delivered file loads once (SIMPEG tables without a watermark reload by design)
        (source, sha)
        for source, sha in home.query(
            "select source, file_sha256 from audit.load_batches where outcome = 'loaded' "
            "group by 1, 2 having count(*) > 1"
        )
        if source in load_contracts()
    ]
    assert twice == [], "a file loaded twice"
    duplicated = home.query("select count(*) - count(distinct (nip, tanggal)) from raw.presensi_harian")
    assert duplicated == [(0,)]


def test_ten_refreshes_in_a_row_all_exit_0(home: Home) -> None:
    """As root the chown of the live data folder used to race PostgreSQL: 3 of 5 exited 1."""
    for i in range(STEADY_RUNS):
        done = home.run("refresh")
        which = f"refresh {i + 1} of {STEADY_RUNS}"
        assert done.returncode == 0, f"{which}:\n{done.stdout[-3000:]}\n{done.stderr}"
        assert "Refresh succeeded" in done.stdout
        assert "start  load" in done.stdout and "done   publish" in done.stdout  # progress, N of M
        timings = json.loads((home.root / "last_refresh_timings.json").read_text())
        assert timings["run_id"] in done.stdout and timings["total"] > 0
        assert {"load", "dbt_build", "checks", "publish", "data_docs"} <= set(timings)
    _assert_nothing_left(home)
    nightly = Path(__file__).parent.parent / "target" / "nightly"  # one kept folder: dbt parses what changed
    assert (nightly / "run_results.json").is_file() and (nightly / "partial_parse.msgpack").is_file()


def test_two_refreshes_at_once_run_one_at_a_time(home: Home) -> None:
    first = home.start("refresh")
    lines = []
    for line in first.stdout:
        lines.append(line)
        if line.startswith("Run "):  # the lock is held from here on
            break
    run_id = lines[-1].split()[1].rstrip(":")

    refused = home.run("refresh", "--wait", "0")
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert f"another refresh is running on this warehouse: run {run_id}" in refused.stderr
    assert f"pid {first.pid}" in refused.stderr

    waiting = home.start("refresh", "--wait", "1800")
    rest = first.stdout.read()
    assert first.wait() == 0, "".join(lines) + rest
    second = waiting.stdout.read()
    assert waiting.wait() == 0, second
    assert f"Waiting for the refresh lock: run {run_id}" in second
    _assert_nothing_left(home)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _run_until(home: Home, marker: str) -> subprocess.Popen:
    proc = home.start("refresh")
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if marker in line:
            return proc
    raise AssertionError(f"never saw {marker!r}:\n{''.join(seen)[-3000:]}")


def test_killed_refresh_leaves_nothing_behind(home: Home, tmp_path: Path, tiny_demo: Path) -> None:
    # killed while loading the attendance files
    loading = _run_until(home, "start  load      raw_files")
    loading.send_signal(signal.SIGKILL)
    loading.wait()

    # killed while dbt builds: its dbt child dies with it
    building = _run_until(home, " START ")
    dbt = [pid for pid in _children(building.pid) if _alive(pid)]
    assert dbt, "dbt runs as a child of the refresh"
    building.send_signal(signal.SIGKILL)
    building.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in dbt):
        time.sleep(0.2)
    assert not any(_alive(p) for p in dbt), "the dbt child outlived its refresh"

    rerun = home.run("refresh")
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr
    _assert_nothing_left(home)
    assert home.query("select count(*) from audit.refresh_runs where outcome = 'abandoned'") == [(2,)]
    stale = subprocess.run(
        [
            sys.executable,
            "-c",
            "from dagster import DagsterInstance, DagsterRunStatus as S, RunsFilter;"
            "i = DagsterInstance.get();"
            "print(len(i.get_runs(RunsFilter(statuses=[S.STARTED, S.STARTING]))))",
        ],
        env={**home.env, "DAGSTER_HOME": str(home.root / "dagster")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert stale.stdout.strip() == "0", "a killed run is still STARTED"

    clean = Home(tmp_path / "clean", tiny_demo)
    try:
        done = clean.run("refresh")
        assert done.returncode == 0, done.stdout[-3000:]
        assert home.published() == clean.published()
        assert home.raw_counts() == clean.raw_counts()
    finally:
        clean.stop()
