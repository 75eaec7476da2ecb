"""Benchmark: load every demo source (files and the SIMPEG database) into a fresh database;
print rows/s and peak memory.

    python bench/load_bench.py [--scale 1.0] [--url postgresql://...]

Without --url it uses IKU_WAREHOUSE_URL or the embedded warehouse. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from orchestration.warehouse import drop_database, ensure_database, ensure_warehouse, make_engine
from sources.contracts import load_contracts
from sources.demo import generate
from sources.drop_folder import files_for
from sources.load import load_file
from sources.simpeg import DEMO_DB_NAME, extract_all, load_simpeg_config, simpeg_engine


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--url")
    args = parser.parse_args()
    server = args.url or ensure_warehouse()
    admin = server.rsplit("/", 1)[0] + "/postgres"
    name = f"iku_bench_{uuid.uuid4().hex[:6]}"
    ensure_database(admin, name)
    engine = make_engine(server.rsplit("/", 1)[0] + "/" + name)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            summary = generate(Path(tmp), scale=args.scale, as_of=date(2026, 10, 31))
            elapsed = time.perf_counter() - t0
            print(f"generated {len(summary.files)} files for {summary.employees} ASN in {elapsed:.1f} s")
            total_rows = total_bytes = 0
            t0 = time.perf_counter()
            for contract in load_contracts().values():
                files = files_for(contract, Path(tmp))
                if contract.mode == "snapshot":
                    files = files[-1:]
                t1 = time.perf_counter()
                rows = size = 0
                for path in files:
                    result = load_file(engine, contract, path)
                    rows += result.rows_read
                    size += path.stat().st_size
                dt = time.perf_counter() - t1
                total_rows += rows
                total_bytes += size
                print(
                    f"{contract.name:<24} {len(files):>3} file(s) {rows:>10,} rows {size / 1e6:8.1f} MB "
                    f"{dt:7.2f} s {rows / dt if dt else 0:>10,.0f} rows/s"
                )
            t1 = time.perf_counter()
            simpeg = simpeg_engine(f"sqlite:///{Path(tmp) / DEMO_DB_NAME}")
            extracted = extract_all(engine, simpeg, list(load_simpeg_config().values()))
            simpeg.dispose()
            rows = sum(r.rows_read for r in extracted)
            total_rows += rows
            dt = time.perf_counter() - t1
            print(f"{'simpeg (4 tables)':<24}   1 database {rows:>10,} rows {'':>11} {dt:7.2f} s")
            dt = time.perf_counter() - t0
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"TOTAL {total_rows:,} rows, {total_bytes / 1e6:.1f} MB in {dt:.1f} s: "
                f"{total_rows / dt:,.0f} rows/s; peak RSS {peak:.0f} MB"
            )
    finally:
        engine.dispose()
        drop_database(admin, name)


if __name__ == "__main__":
    main()
