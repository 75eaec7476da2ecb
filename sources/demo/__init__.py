"""The demo source generator: every source of a synthetic kabupaten, in its real format.

`generate(out_dir, seed, scale, as_of, defects, monthly_siasn)` writes the files a BKD would drop
for Gudang IKU. The same arguments always give the same bytes. With `defects` (rates per kind,
see `sources.demo.defects`), the files carry deliberate defects listed in `.defects.json`. With
`monthly_siasn`, the SIASN PNS export is written once per month end of the as-of year (entrants,
leavers of every pemberhentian kind, promotions and OPD moves as they happened) instead of once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sources.demo.attendance import write_attendance, write_calendar
from sources.demo.defects import Defect, inject_defects
from sources.demo.histories import write_histories
from sources.demo.population import build_employees, build_opds
from sources.demo.punches import write_punches
from sources.demo.registers import write_registers
from sources.demo.siasn import write_monthly_siasn_pns, write_siasn_pns
from sources.demo.simpeg_db import write_simpeg_db
from sources.demo.workbooks import write_external_scores, write_peta_jabatan, write_targets


@dataclass(frozen=True)
class DemoSummary:
    out_dir: Path
    as_of: date
    employees: int
    opds: int
    files: list[Path]
    defects: list[Defect]


def default_as_of(today: date | None = None) -> date:
    """The last day of the previous month: the date of the latest monthly SIASN export."""
    today = today or date.today()
    return today.replace(day=1) - timedelta(days=1)


def generate(
    out_dir: Path,
    seed: int = 2021,
    scale: float = 1.0,
    as_of: date | None = None,
    defects: dict[str, float] | None = None,
    monthly_siasn: bool = False,
) -> DemoSummary:
    as_of = as_of or default_as_of()
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    opds = build_opds(rng)
    employees, positions = build_employees(rng, opds, as_of, scale)
    files = [] if monthly_siasn else [write_siasn_pns(out_dir, employees, as_of)]
    files += write_histories(out_dir, employees, as_of, random.Random(seed + 1))
    if monthly_siasn:
        pemberhentian = next(p for p in files if p.name.startswith("riwayat_pemberhentian_"))
        files[:0] = write_monthly_siasn_pns(
            out_dir, employees, opds, as_of, pemberhentian, random.Random(seed + 8)
        )
    files.append(write_calendar(out_dir, range(as_of.year - 2, as_of.year + 1), as_of))
    files += write_attendance(out_dir, employees, as_of, random.Random(seed + 2))
    files.append(write_peta_jabatan(out_dir, positions, as_of))
    files.append(write_targets(out_dir, as_of))
    files.append(write_external_scores(out_dir, as_of))
    # registers and punches read the riwayat and attendance files above, to agree with them
    files += write_registers(out_dir, employees, opds, as_of, random.Random(seed + 3))
    files += write_punches(out_dir, employees, as_of, random.Random(seed + 4))
    injected = inject_defects(out_dir, files, as_of, defects, seed) if defects else []
    # the regional SIMPEG database (SQLite in the demo), read by the raw/simpeg_* assets
    files.append(write_simpeg_db(out_dir, employees, as_of, random.Random(seed + 7)))
    return DemoSummary(out_dir, as_of, len(employees), len(opds), files, injected)
