"""What Dagster's run history costs a refresh: the same run on each storage iku configures.

A nightly refresh writes about 1,900 Dagster events. This runs one in-process job that writes
`--events` events (asset observations, one write each, as materializations and check results
are) on the instance iku writes for the embedded warehouse (the SQLite event log of
orchestration/dagster_storage.py) and for an external warehouse (dagster-postgres, schema
`dagster` of that database), and prints the seconds and the milliseconds per event of each.

    python bench/dagster_storage_bench.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

from dagster import AssetObservation, DagsterInstance, OpExecutionContext, job, op

from orchestration.dagster_storage import ensure_storage_schema, instance_yaml
from orchestration.warehouse import drop_database, ensure_database, parse_url


def _events_job(count: int):
    @op
    def write_events(context: OpExecutionContext) -> None:
        for i in range(count):
            context.log_event(AssetObservation(asset_key=["bench", f"asset_{i % 200}"], metadata={"i": i}))

    @job(name="storage_bench")
    def storage_bench() -> None:
        write_events()

    return storage_bench


def _time_run(home: Path, yaml: str, count: int) -> float:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(yaml)
    bench_job = _events_job(count)
    with DagsterInstance.from_config(str(home)) as instance:
        bench_job.execute_in_process(instance=instance)  # creates the tables: not timed
        began = time.perf_counter()
        result = bench_job.execute_in_process(instance=instance)
        seconds = time.perf_counter() - began
    assert result.success
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1900)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (a bench database is made)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="iku-storage-bench-") as tmp:
        sqlite = Path(tmp, "sqlite")
        figures = {"sqlite (embedded warehouse)": _time_run(sqlite, instance_yaml(sqlite), args.events)}
        if args.postgres:
            base, _, _ = args.postgres.rpartition("/")
            name = f"iku_storage_bench_{uuid.uuid4().hex[:8]}"
            url = f"{base}/{name}"
            ensure_database(args.postgres, name)
            try:
                ensure_storage_schema(url)
                parts = parse_url(url)
                if parts.password:
                    os.environ["IKU_PG_PASSWORD"] = parts.password
                yaml = instance_yaml(Path(tmp, "pg"), parts)
                figures["postgres (external warehouse)"] = _time_run(Path(tmp, "pg"), yaml, args.events)
            finally:
                drop_database(args.postgres, name)
    print(f"{args.events} Dagster events in one run:")
    for name, seconds in figures.items():
        print(f"  {name:<32} {seconds:6.2f} s  {1000 * seconds / args.events:6.2f} ms/event")


if __name__ == "__main__":
    main()
