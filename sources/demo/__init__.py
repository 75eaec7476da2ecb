"""The demo source generator: every source of a synthetic kabupaten, in its real format.

`generate(out_dir, seed, scale, as_of)` writes the files a BKD would drop for Gudang IKU.
The same arguments always give the same bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sources.demo.population import build_employees, build_opds
from sources.demo.siasn import write_siasn_pns


@dataclass(frozen=True)
class DemoSummary:
    out_dir: Path
    as_of: date
    employees: int
    opds: int
    files: list[Path]


def default_as_of(today: date | None = None) -> date:
    """The last day of the previous month: the date of the latest monthly SIASN snapshot."""
    today = today or date.today()
    return today.replace(day=1) - timedelta(days=1)


def generate(out_dir: Path, seed: int = 2021, scale: float = 1.0, as_of: date | None = None) -> DemoSummary:
    as_of = as_of or default_as_of()
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    opds = build_opds(rng)
    employees = build_employees(rng, opds, as_of, scale)
    files = [write_siasn_pns(out_dir, employees, as_of)]
    return DemoSummary(out_dir, as_of, len(employees), len(opds), files)
