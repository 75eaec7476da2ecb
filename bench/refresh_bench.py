"""Benchmark of the nightly refresh: prints a table of figures against their targets and writes
it as JSON under bench/results/. Asserts nothing; the figures decide.

    python bench/refresh_bench.py [--scales 0.25,1,4] [--url postgresql://...] [--no-load]

For each scale it generates the demo (fixed as-of date, so runs compare), then runs the README's
refresh command (`iku refresh`) in a fresh IKU_HOME, as a separate process, and reads back:

- the refresh's wall time and its stages (`$IKU_HOME/last_refresh_timings.json`, written by
  `iku refresh`), and dbt's own node timings by layer (the run's `run_results.json`);
- peak memory, sampled every 0.2 s from /proc: the proportional set size (PSS) summed over the
  refresh's process tree (Python: iku, Dagster, dbt) and, separately, over the PostgreSQL
  server processes;
- the incremental night (`sources.demo.night`: one more day of attendance, a SIASN export
  with 1 % of employees changed, new register rows) as a ratio of the full refresh, measured
  after a night with nothing new (the second night of an installation rebuilds the
  attendance grid once: the first publish leaves no previous build in marts_build);
- at the first scale >= 1, the loader against `psql \\copy` and pandas `to_sql`
  (bench/load_bench.py).

Then once, the fixed overhead: a refresh of a 20-employee drop folder.

Without --url each refresh runs on its own embedded warehouse (the README's default); with it,
on that server (each scale in a database of its own, dropped afterwards).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(BENCH_DIR))

from sources.demo import generate  # noqa: E402
from sources.demo.night import deliver_next_night  # noqa: E402

AS_OF = date(2026, 10, 31)
# the stages `iku refresh` times (orchestration.progress), in the order they run
STAGES = ["startup", "load", "dbt_build", "checks", "publish", "report", "dbt_docs", "data_docs", "other"]
FULL_SCALE_EMPLOYEES = 5500
SMALL_EMPLOYEES = 20

# (figure, target, comparison) — the targets on this 2-core machine.
TARGETS = {
    "full_refresh_scale_1_s": (90.0, "<="),
    "scale_4_over_scale_1": (4.5, "<="),
    "incremental_over_full": (0.15, "<="),
    "small_refresh_s": (30.0, "<="),
    "loader_over_psql_copy": (0.5, ">="),
    "loader_over_to_sql": (10.0, ">="),
    "peak_python_mb_scale_4": (1024.0, "<"),
    "checks_share_of_refresh": (0.25, "<="),
}


# --------------------------------------------------------------------------- memory


def _children(ppid_of: dict[int, int], root: int) -> set[int]:
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in ppid_of.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return tree


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (ppid, command name) of every process."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        out[int(entry.name)] = (ppid, name)
    return out


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


@dataclass
class MemorySampler:
    """Peak PSS of a process tree and of the PostgreSQL server processes, sampled in a thread."""

    root: int
    interval: float = 0.2
    peak_python_kb: int = 0
    peak_postgres_kb: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            procs = _processes()
            tree = _children({pid: ppid for pid, (ppid, _) in procs.items()}, self.root)
            python = sum(_pss_kb(pid) for pid in tree if procs.get(pid, (0, ""))[1] != "postgres")
            server = sum(_pss_kb(pid) for pid, (_, name) in procs.items() if name == "postgres")
            self.peak_python_kb = max(self.peak_python_kb, python)
            self.peak_postgres_kb = max(self.peak_postgres_kb, server)
            self._stop.wait(self.interval)


# --------------------------------------------------------------------------- one refresh


def _iku() -> str:
    beside = Path(sys.executable).parent / "iku"
    return str(beside) if beside.exists() else "iku"


def _dbt_layers(since: float) -> dict[str, float]:
    """Seconds of dbt node execution by layer, from the newest `dbt build`'s run_results.json
    written since `since` (summed over threads: a share of dbt's work, not of its wall time).
    The refresh's `dbt docs generate` writes one too, later, in its own target folder: not it."""
    candidates = [p for p in (REPO_ROOT / "target").rglob("run_results.json") if p.stat().st_mtime >= since]
    builds = [json.loads(p.read_text()) for p in sorted(candidates, key=lambda p: p.stat().st_mtime)]
    builds = [b for b in builds if b.get("args", {}).get("which") == "build"]
    if not builds:
        return {}
    results = builds[-1]["results"]
    layers: dict[str, float] = {}
    for r in results:
        kind, _, name = r["unique_id"].split(".", 2)
        if kind in {"test", "unit_test"}:
            layer = "tests"
        elif kind in {"seed", "snapshot"}:
            layer = kind + "s"
        else:
            prefix = name.split("_", 1)[0]
            layer = {"stg": "staging", "int": "intermediate"}.get(prefix, "marts")
        layers[layer] = layers.get(layer, 0.0) + float(r.get("execution_time") or 0.0)
    return {k: round(v, 2) for k, v in sorted(layers.items())}


def run_refresh(home: Path, sources: Path, url: str | None) -> dict:
    """`iku refresh` in a process of its own; its wall time, stages, dbt layers and memory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IKU_", "DAGSTER_HOME"))}
    env |= {"IKU_HOME": str(home), "IKU_SOURCES_DIR": str(sources)}
    if url:
        env["IKU_WAREHOUSE_URL"] = url
    started = time.time()
    t0 = time.perf_counter()
    with open(home / "refresh.log", "w") as log:
        proc = subprocess.Popen([_iku(), "refresh"], cwd=REPO_ROOT, env=env, stdout=log, stderr=log)
        sampler = MemorySampler(proc.pid).start()
        code = proc.wait()
        sampler.stop()
    wall = time.perf_counter() - t0
    timings_file = home / "last_refresh_timings.json"
    timings = json.loads(timings_file.read_text()) if timings_file.exists() else {}
    return {
        "exit_code": code,
        "wall_s": round(wall, 1),
        "stages_s": {k: timings[k] for k in STAGES if k in timings},
        "published": timings.get("published"),
        "rows_loaded": timings.get("rows_loaded"),
        "dbt_node_s_by_layer": _dbt_layers(started),
        "peak_python_mb": round(sampler.peak_python_kb / 1024),
        "peak_postgres_mb": round(sampler.peak_postgres_kb / 1024),
        "log": str(home / "refresh.log"),
    }


def _database_url(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def _stop_embedded(home: Path) -> None:
    from orchestration.warehouse import EmbeddedWarehouse

    EmbeddedWarehouse(home).stop()


def bench_scale(scale: float, workdir: Path, url: str | None, night: bool) -> dict:
    from orchestration.warehouse import drop_database, ensure_database

    sources = workdir / f"demo-{scale:g}"
    home = workdir / f"home-{scale:g}"
    home.mkdir(parents=True)
    t0 = time.perf_counter()
    summary = generate(sources, scale=scale, as_of=AS_OF)
    print(f"scale {scale:g}: {summary.employees} ASN, demo written in {time.perf_counter() - t0:.1f} s")
    db_url = None
    if url:
        db_url = _database_url(url, f"iku_bench_{str(scale).replace('.', '_')}")
        drop_database(_database_url(url, "postgres"), db_url.rsplit("/", 1)[1])
        ensure_database(_database_url(url, "postgres"), db_url.rsplit("/", 1)[1])
    try:
        full = run_refresh(home, sources, db_url)
        print(f"  full refresh: {full['wall_s']} s (exit {full['exit_code']}) {full['stages_s']}")
        out = {"scale": scale, "employees": summary.employees, "full": full}
        if night:
            # The first publish renames marts_build to marts and leaves no marts_build: the
            # next build makes the attendance grid from scratch, once in an installation's
            # life. Every later night finds the build before the published one there (publish
            # swaps the two schemas) and rebuilds only the months that changed. A night with
            # nothing delivered gets past that first one, and is a figure of its own.
            quiet = run_refresh(home, sources, db_url)
            print(f"  night with nothing new (after the first publish): {quiet['wall_s']} s")
            out["quiet_night"] = quiet
            delivery = deliver_next_night(sources, AS_OF)
            incremental = run_refresh(home, sources, db_url)
            incremental["delivery"] = {
                "attendance_rows": delivery.attendance_rows,
                "employees_changed": delivery.employees_changed,
                "register_rows_added": delivery.register_rows_added,
            }
            print(f"  incremental night: {incremental['wall_s']} s (exit {incremental['exit_code']})")
            out["incremental"] = incremental
        return out
    finally:
        if db_url:
            drop_database(_database_url(url, "postgres"), db_url.rsplit("/", 1)[1])
        else:
            _stop_embedded(home)


def measure_load(load_bench, scale: float, workdir: Path, url: str | None) -> dict:
    """bench/load_bench.py on `url`, or on an embedded warehouse of its own (the default)."""
    if url:
        return load_bench.measure(scale, workdir / "load", url)
    from orchestration.warehouse import EmbeddedWarehouse

    server = EmbeddedWarehouse(workdir / "home-load")
    try:
        server.start()
        return load_bench.measure(scale, workdir / "load", server.admin_url())
    finally:
        server.stop()


# --------------------------------------------------------------------------- the table


def _verdict(name: str, value: float | None) -> dict:
    target, op = TARGETS[name]
    if value is None:
        return {
            "figure": name,
            "value": None,
            "target": f"{op} {target:g}",
            "met": None,
            "by": "not measured",
        }
    met = value <= target if op == "<=" else value >= target if op == ">=" else value < target
    by = value / target if target else 0.0
    return {
        "figure": name,
        "value": round(value, 3),
        "target": f"{op} {target:g}",
        "met": met,
        "by": f"{by:.2f} x target",
    }


def _checks_seconds(run: dict) -> float | None:
    """GX checks plus dbt tests, in seconds of wall time (dbt tests as their share of dbt's
    node time applied to dbt's wall time)."""
    stages = run["stages_s"]
    layers = run["dbt_node_s_by_layer"]
    if "checks" not in stages or "dbt_build" not in stages or not layers:
        return None
    share = layers.get("tests", 0.0) / (sum(layers.values()) or 1.0)
    return stages["checks"] + share * stages["dbt_build"]


def summarise(result: dict) -> list[dict]:
    by_scale = {r["scale"]: r for r in result["scales"]}
    one, four = by_scale.get(1.0), by_scale.get(4.0)
    rows = []
    rows.append(_verdict("full_refresh_scale_1_s", one["full"]["wall_s"] if one else None))
    rows.append(
        _verdict(
            "scale_4_over_scale_1", four["full"]["wall_s"] / one["full"]["wall_s"] if one and four else None
        )
    )
    base = one or (result["scales"][-1] if result["scales"] else None)
    incr = base.get("incremental") if base else None
    rows.append(_verdict("incremental_over_full", incr["wall_s"] / base["full"]["wall_s"] if incr else None))
    small = result.get("small")
    rows.append(_verdict("small_refresh_s", small["wall_s"] if small else None))
    load = result.get("load") or {}
    rows.append(_verdict("loader_over_psql_copy", load.get("ratio_vs_psql_copy")))
    rows.append(_verdict("loader_over_to_sql", load.get("ratio_vs_to_sql")))
    rows.append(_verdict("peak_python_mb_scale_4", four["full"]["peak_python_mb"] if four else None))
    if base:
        checks = _checks_seconds(base["full"])
        rows.append(_verdict("checks_share_of_refresh", checks / base["full"]["wall_s"] if checks else None))
    return rows


def stage_ratios(result: dict) -> dict[str, float]:
    """Scale-4 / scale-1 per stage: a stage above 4.5 grows faster than its data."""
    by_scale = {r["scale"]: r for r in result["scales"]}
    if 1.0 not in by_scale or 4.0 not in by_scale:
        return {}
    one, four = by_scale[1.0]["full"], by_scale[4.0]["full"]
    ratios = {}
    for stage, seconds in one["stages_s"].items():
        if stage in four["stages_s"] and seconds:
            ratios[stage] = round(four["stages_s"][stage] / seconds, 2)
    for layer, seconds in one["dbt_node_s_by_layer"].items():
        if layer in four["dbt_node_s_by_layer"] and seconds:
            ratios[f"dbt:{layer}"] = round(four["dbt_node_s_by_layer"][layer] / seconds, 2)
    return ratios


def print_table(result: dict) -> None:
    print("\nRefresh by scale (seconds; memory: peak PSS in MB)")
    stages = [s for s in STAGES if any(s in r["full"]["stages_s"] for r in result["scales"])]
    head = ["scale", "ASN", "refresh", *stages, "quiet night", "night", "python MB", "postgres MB", "exit"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in result["scales"]:
        full = r["full"]
        night = r.get("incremental", {}).get("wall_s", "-")
        quiet = r.get("quiet_night", {}).get("wall_s", "-")
        cells = [
            f"{r['scale']:g}",
            str(r["employees"]),
            str(full["wall_s"]),
            *(str(full["stages_s"].get(s, "-")) for s in stages),
            str(quiet),
            str(night),
            str(full["peak_python_mb"]),
            str(full["peak_postgres_mb"]),
            str(full["exit_code"]),
        ]
        print("| " + " | ".join(cells) + " |")
    ratios = result.get("stage_ratios") or {}
    if ratios:
        print("\nScale 4 / scale 1 by stage (data x 4; above 4.5 grows faster than the data):")
        print("  " + ", ".join(f"{k} {v}" for k, v in ratios.items()))
    print("\nTargets")
    print("| figure | value | target | met | by |")
    print("|---|---|---|---|---|")
    for row in result["targets"]:
        met = "-" if row["met"] is None else ("met" if row["met"] else "MISSED")
        print(f"| {row['figure']} | {row['value']} | {row['target']} | {met} | {row['by']} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scales", default="0.25,1,4", help="demo scales, comma-separated (default 0.25,1,4)"
    )
    parser.add_argument("--url", help="an external PostgreSQL server (default: embedded per scale)")
    parser.add_argument("--no-load", action="store_true", help="skip the loader comparison")
    parser.add_argument("--no-night", action="store_true", help="skip the incremental night")
    parser.add_argument("--no-small", action="store_true", help="skip the 20-employee refresh")
    parser.add_argument("--workdir", type=Path, help="keep demos and IKU homes here (default: a temp dir)")
    args = parser.parse_args()
    scales = [float(s) for s in args.scales.split(",") if s]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="iku-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    result: dict = {
        "started": datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "as_of": AS_OF.isoformat(),
        "scales": [],
    }
    for scale in scales:
        result["scales"].append(bench_scale(scale, workdir, args.url, night=not args.no_night))
    if not args.no_small:
        home = workdir / "home-small"
        home.mkdir()
        sources = workdir / "demo-small"
        generate(sources, scale=SMALL_EMPLOYEES / FULL_SCALE_EMPLOYEES, as_of=AS_OF)
        url = _database_url(args.url, "iku_bench_small") if args.url else None
        if url:
            from orchestration.warehouse import drop_database, ensure_database

            drop_database(_database_url(args.url, "postgres"), "iku_bench_small")
            ensure_database(_database_url(args.url, "postgres"), "iku_bench_small")
        result["small"] = run_refresh(home, sources, url)
        if not url:
            _stop_embedded(home)
        print(f"small refresh ({SMALL_EMPLOYEES} ASN): {result['small']['wall_s']} s")
    if not args.no_load:
        import load_bench

        load_scale = next((s for s in scales if s >= 1), scales[-1])
        result["load"] = measure_load(load_bench, load_scale, workdir, args.url)
    result["stage_ratios"] = stage_ratios(result)
    result["targets"] = summarise(result)
    out = BENCH_DIR / "results" / f"refresh-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print_table(result)
    print(f"\nWritten: {out.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
