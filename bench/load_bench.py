"""Benchmark: the project's loader against `psql \\copy` of the same files into text columns (the
limit: no typing, no validation, no audit) and against pandas `DataFrame.to_sql` (what a team
would otherwise write), on the delimited files of a demo drop folder.

    python bench/load_bench.py [--scale 1.0] [--url postgresql://...] [--workdir DIR]

Prints a table (rows/s, and the loader's ratio to each, next to the targets of issue 9) and
`measure()` returns it as a dict, for bench/refresh_bench.py. Each contender loads into a fresh
database of its own. `to_sql` is timed on a sample (whole files, the first ~200k rows) and its
rows/s extrapolated; the table says so. Workbooks and the SIMPEG database are loaded and timed
too, apart (psql cannot read them). Without --url: IKU_WAREHOUSE_URL or the embedded warehouse.
Asserts nothing: the figures are for reading.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from orchestration.warehouse import (
    drop_database,
    embedded,
    ensure_database,
    make_engine,
    parse_url,
)
from sources.contracts import Contract, load_contracts, normalize_header
from sources.drop_folder import files_for
from sources.load import load_files
from sources.readers import read_file

DEMO_AS_OF = date(2026, 10, 31)
TO_SQL_SAMPLE_ROWS = 200_000
TARGET_VS_COPY, AIM_VS_COPY, TARGET_VS_TO_SQL = 0.5, 0.7, 10.0


def _database(server: str) -> tuple[str, str]:
    """(admin url, url of a new database)."""
    base = server.rsplit("/", 1)[0]
    name = f"iku_loadbench_{uuid.uuid4().hex[:8]}"
    ensure_database(f"{base}/postgres", name)
    return f"{base}/postgres", f"{base}/{name}"


def _delimited(folder: Path) -> list[tuple[Contract, list[Path]]]:
    """Each contract's delimited files as the raw assets load them (the newest only for snapshots)."""
    out = []
    for contract in load_contracts().values():
        files = [p for p in files_for(contract, folder) if p.suffix.lower() in {".csv", ".txt", ".tsv"}]
        if contract.mode == "snapshot":
            files = files[-1:]
        if files:
            out.append((contract, files))
    return out


def _others(folder: Path) -> list[tuple[Contract, list[Path]]]:
    out = []
    for contract in load_contracts().values():
        files = [p for p in files_for(contract, folder) if p.suffix.lower() == ".xlsx"]
        if contract.mode == "snapshot":
            files = files[-1:]
        if files:
            out.append((contract, files))
    return out


def _shape(contract: Contract, path: Path):
    return read_file(path, {normalize_header(c.header) for c in contract.columns})


def _psql() -> str:
    found = shutil.which("psql")
    if found:
        return found
    from orchestration.warehouse import _pg_install

    return str(_pg_install() / "bin" / "psql")


def time_psql_copy(url: str, work: list[tuple[Contract, list[Path]]], tmp: Path) -> float:
    """One psql session: a text table per file, then `\\copy` of each file, header skipped."""
    ddl, script = [], []
    for contract, paths in work:
        for i, path in enumerate(paths):
            source = _shape(contract, path)
            table = f"t_{contract.raw_table}_{i}"
            cols = ", ".join(f"c{j} text" for j in range(len(source.header)))
            ddl.append(f"create table {table} ({cols});")
            delimiter = "E'\\t'" if source.delimiter == "\t" else f"'{source.delimiter}'"
            encoding = "WIN1252" if source.encoding == "cp1252" else "UTF8"
            skip = source.header_line  # psql's HEADER skips one line: title rows are not in the demo
            assert skip == 1, f"{path.name}: title rows above the header"
            script.append(
                f"\\copy {table} from '{path}' with (format csv, header, delimiter {delimiter}, "
                f"encoding '{encoding}')"
            )
    p = parse_url(url)
    env = {**os.environ, "PGPASSWORD": p.password or ""}
    args = [
        _psql(),
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        p.host,
        "-p",
        str(p.port),
        "-U",
        p.user,
        "-d",
        p.dbname,
    ]
    subprocess.run([*args, "-c", "\n".join(ddl)], check=True, env=env)
    (tmp / "copy.sql").write_text("\n".join(script) + "\n")
    t0 = time.perf_counter()
    subprocess.run([*args, "-f", str(tmp / "copy.sql")], check=True, env=env)
    return time.perf_counter() - t0


def time_to_sql(url: str, work: list[tuple[Contract, list[Path]]]) -> tuple[int, float]:
    """pandas as a team would write it: read_csv as text, to_sql appending (whole files, until
    the sample has TO_SQL_SAMPLE_ROWS rows). Returns (rows, seconds)."""
    import pandas as pd

    engine = make_engine(url)
    rows, seconds = 0, 0.0
    try:
        for contract, paths in sorted(work, key=lambda w: -len(w[1])):
            for path in paths:
                if rows >= TO_SQL_SAMPLE_ROWS:
                    return rows, seconds
                source = _shape(contract, path)
                t0 = time.perf_counter()
                frame = pd.read_csv(
                    path, sep=source.delimiter, dtype=str, encoding=source.encoding, keep_default_na=False
                )
                frame.to_sql(
                    f"p_{contract.raw_table}", engine, if_exists="append", index=False, chunksize=10_000
                )
                seconds += time.perf_counter() - t0
                rows += len(frame)
        return rows, seconds
    finally:
        engine.dispose()


def time_loader(url: str, work: list[tuple[Contract, list[Path]]]) -> tuple[int, int, float, dict]:
    """The project's loader, as the raw assets run it. Returns (rows read, rows quarantined,
    seconds, seconds per source)."""
    engine = make_engine(url)
    read = quarantined = 0
    per_source = {}
    try:
        t0 = time.perf_counter()
        for contract, paths in work:
            t1 = time.perf_counter()
            for result in load_files(engine, contract, paths):
                assert result.reconciles, result
                read += result.rows_read
                quarantined += result.rows_quarantined
            per_source[contract.name] = round(time.perf_counter() - t1, 2)
        return read, quarantined, time.perf_counter() - t0, per_source
    finally:
        engine.dispose()


def _server(url: str) -> dict:
    """What the loader's figure depends on: the server version and whether it logs new tables
    (`wal_level = minimal` lets a load write its partition, or its truncated table, without WAL)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            version = conn.exec_driver_sql("show server_version").scalar()
            wal_level = conn.exec_driver_sql("show wal_level").scalar()
        return {
            "version": version,
            "wal_level": wal_level,
            "cpus": os.cpu_count(),
            "load": os.getloadavg()[0],
        }
    finally:
        engine.dispose()


def measure(scale: float, workdir: Path, url: str) -> dict:
    """Load throughput at `scale` (demo generated into `workdir` unless it already holds one),
    on the PostgreSQL server of `url` (databases of its own, dropped after)."""
    workdir.mkdir(parents=True, exist_ok=True)
    if not any(workdir.glob("presensi_harian_*.csv")):
        from sources.demo import generate

        generate(workdir, scale=scale, as_of=DEMO_AS_OF)
    work = _delimited(workdir)
    files = sum(len(p) for _, p in work)
    size = sum(p.stat().st_size for _, paths in work for p in paths)
    figures: dict = {"scale": scale, "files": files, "megabytes": round(size / 1e6, 1)}
    with tempfile.TemporaryDirectory() as tmp:
        admin, db = _database(url)
        try:
            figures["psql_copy_s"] = round(time_psql_copy(db, work, Path(tmp)), 2)
        finally:
            drop_database(admin, db.rsplit("/", 1)[1])
    admin, db = _database(url)
    try:
        figures["server"] = _server(db)
        read, quarantined, seconds, per_source = time_loader(db, work)
        extra_read, _, extra_s, _ = time_loader(db, _others(workdir))
    finally:
        drop_database(admin, db.rsplit("/", 1)[1])
    admin, db = _database(url)
    try:
        sample_rows, sample_s = time_to_sql(db, work)
    finally:
        drop_database(admin, db.rsplit("/", 1)[1])
    loader_rps = read / seconds
    copy_rps = read / figures["psql_copy_s"]
    to_sql_rps = sample_rows / sample_s
    figures.update(
        rows=read,
        rows_quarantined=quarantined,
        loader_s=round(seconds, 2),
        loader_rows_per_s=round(loader_rps),
        loader_s_by_source=per_source,
        psql_copy_rows_per_s=round(copy_rps),
        to_sql_sample_rows=sample_rows,
        to_sql_sample_s=round(sample_s, 2),
        to_sql_rows_per_s=round(to_sql_rps),
        to_sql_extrapolated_s=round(read / to_sql_rps, 1),
        ratio_vs_psql_copy=round(loader_rps / copy_rps, 3),
        ratio_vs_to_sql=round(loader_rps / to_sql_rps, 2),
        workbooks_rows=extra_read,
        workbooks_s=round(extra_s, 2),
        loader_peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        targets={
            "vs_psql_copy": TARGET_VS_COPY,
            "aim_vs_psql_copy": AIM_VS_COPY,
            "vs_to_sql": TARGET_VS_TO_SQL,
        },
    )
    return figures


def _verdict(value: float, target: float) -> str:
    if value >= target:
        return f"met (+{(value / target - 1) * 100:.0f}%)"
    return f"MISSED ({(1 - value / target) * 100:.0f}% short)"


def print_table(f: dict) -> None:
    print(
        f"\nLoad throughput, scale {f['scale']}: {f['files']} delimited files, {f['rows']:,} rows, "
        f"{f['megabytes']} MB ({f['rows_quarantined']:,} rows quarantined)"
    )
    rows = [
        ("psql \\copy into text (the limit)", f["psql_copy_s"], f["psql_copy_rows_per_s"]),
        ("gudang-iku loader", f["loader_s"], f["loader_rows_per_s"]),
        ("pandas to_sql (extrapolated*)", f["to_sql_extrapolated_s"], f["to_sql_rows_per_s"]),
    ]
    print(f"{'contender':<34}{'seconds':>10}{'rows/s':>14}")
    for name, seconds, rps in rows:
        print(f"{name:<34}{seconds:>10.2f}{rps:>14,}")
    print(
        f"* to_sql timed on {f['to_sql_sample_rows']:,} rows (whole files) in {f['to_sql_sample_s']} s; "
        "its rows/s is applied to all rows"
    )
    r1, r2 = f["ratio_vs_psql_copy"], f["ratio_vs_to_sql"]
    target = f"target >= {TARGET_VS_COPY} (aim {AIM_VS_COPY})"
    print(f"loader / psql copy = {r1:.2f}  {target}: {_verdict(r1, TARGET_VS_COPY)}")
    print(f"loader / to_sql    = {r2:.1f}  target >= {TARGET_VS_TO_SQL}: {_verdict(r2, TARGET_VS_TO_SQL)}")
    server = f["server"]
    print(
        f"server: PostgreSQL {server['version']}, wal_level {server['wal_level']}, "
        f"{server['cpus']} CPUs, load average {server['load']:.1f} at the start"
    )
    if r1 < TARGET_VS_COPY:
        slowest = sorted(f["loader_s_by_source"].items(), key=lambda kv: -kv[1])[:3]
        print(
            "why: the loader also types and checks every value, builds the key and NIP indexes and "
            "gathers statistics (psql \\copy does none of it); slowest sources "
            + ", ".join(f"{k} {v} s" for k, v in slowest)
            + (
                ""
                if server["wal_level"] == "minimal"
                else "; wal_level is not minimal: every row is also logged"
            )
        )
    print(f"workbooks (not in the ratios): {f['workbooks_rows']:,} rows in {f['workbooks_s']} s")
    print(f"loader peak RSS (this process) {f['loader_peak_rss_mb']} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--url", help="admin URL of a PostgreSQL server (default: IKU_WAREHOUSE_URL)")
    parser.add_argument("--workdir", type=Path, help="demo folder (generated there if empty)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    url = args.url or os.environ.get("IKU_WAREHOUSE_URL")
    if not url:  # the embedded warehouse's superuser: the bench makes and drops databases
        embedded().start()
        url = embedded().admin_url()
    with tempfile.TemporaryDirectory() as tmp:
        figures = measure(args.scale, args.workdir or Path(tmp) / "demo", url)
    print_table(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
