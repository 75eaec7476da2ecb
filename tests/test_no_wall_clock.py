"""No date of the wall clock reaches a figure (issue 10): no dbt model or macro reads the
server's clock, so the day a refresh runs cannot change what it publishes. The one exception
is a bookkeeping column (when a month of an incremental model was built), never a figure.

The replay test (test_replay.py) builds with a later "today" (IKU_TODAY / var iku_today); the
PostgreSQL server's clock cannot be moved from a test, so this scan guards that side."""

import re

from orchestration.settings import REPO_ROOT

WALL_CLOCK = re.compile(
    r"\b(current_date|current_timestamp|current_time|localtimestamp|localtime|now\s*\(|clock_timestamp|"
    r"statement_timestamp|transaction_timestamp|timeofday|run_started_at|modules\.datetime|snapshot_get_time)",
    re.IGNORECASE,
)
# file: the lines allowed to name the clock (bookkeeping, not figures)
ALLOWED = {"macros/incremental_months.sql": {"built_at            timestamptz not null default now(),"}}


def test_no_model_or_macro_reads_the_wall_clock() -> None:
    found = []
    root = REPO_ROOT / "dbt_project"
    for path in sorted([*root.rglob("*.sql"), *root.rglob("*.yml")]):
        rel = path.relative_to(root).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("--", 1)[0]
            if WALL_CLOCK.search(code) and line.strip() not in ALLOWED.get(rel, set()):
                found.append(f"{rel}:{number}: {line.strip()}")
    assert not found, "wall-clock dates in dbt code:\n" + "\n".join(found)
