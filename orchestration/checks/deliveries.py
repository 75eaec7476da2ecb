"""When each source last arrived, and whether it is late for its cadence (the freshness checks).

A source's **latest delivery** is the newest of its loads recorded in `audit.load_batches`
(outcome `loaded`, or `unchanged`: read again, nothing new in it), dated by what the data says:

1. the as-of date in the file name (`siasn_pns_2025-12-31.csv`, the batch's `as_of_date`), or
   for a SIMPEG table the extraction's as-of date (the day it was read, `sources.clock`);
2. else the last day of the month a file name names (`presensi_harian_2025-12.csv`: 2025-12-31);
3. else the day (WIT) its newest load finished: the day that content arrived (an identical file
   delivered again records no batch, so it does not make its source look fresh).

Per file the newest batch counts (a file delivered again under its name replaces the earlier
version), and the source's latest delivery is the newest of its files.

A source is **late** when today (`sources.clock.today()`, IKU_TODAY) lies after the delivery
date plus one period of its cadence plus the grace days (sources.contracts.Cadence.due_by), and
**never delivered** when no load of it was ever recorded.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

import sqlalchemy as sa

from sources.contracts import Contract, load_contracts

AUDIT_TABLE = "audit.load_batches"
_MONTH_IN_NAME = re.compile(r"(?<!\d)(\d{4})[-_](\d{2})(?![-_]?\d)")

LATEST_FILES_SQL = f"""
select distinct on (source, file_name) source, file_name, as_of_date,
       (finished_at at time zone 'Asia/Jayapura')::date as finished_on
from {AUDIT_TABLE}
where outcome in ('loaded', 'unchanged')
order by source, file_name, batch_id desc
"""


@cache
def checked_sources() -> tuple[Contract, ...]:
    """Every source whose freshness is checked: the file contracts and the SIMPEG tables."""
    from sources.simpeg import load_simpeg_config

    return (*load_contracts().values(), *(t.contract() for t in load_simpeg_config().values()))


def source_of_table(raw_table: str) -> str | None:
    """The source (audit.load_batches.source) that loads a raw table, if any."""
    return next((s.name for s in checked_sources() if s.raw_table == raw_table), None)


def month_end(file_name: str) -> date | None:
    """The last day of the month a file name names (`_2025-12`), if it names one."""
    m = _MONTH_IN_NAME.search(file_name.rsplit(".", 1)[0])
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Delivery:
    """The newest delivery of a source: its date, its file, and where that date came from."""

    on: date
    file_name: str
    dated_by: str  # "as-of date" / "month in the file name" / "load date"


def latest_deliveries(engine: sa.Engine) -> dict[str, Delivery]:
    """Each source's latest delivery (sources never loaded are absent)."""
    with engine.connect() as conn:
        if conn.execute(sa.text(f"select to_regclass('{AUDIT_TABLE}')")).scalar() is None:
            return {}
        rows = conn.execute(sa.text(LATEST_FILES_SQL)).all()
    latest: dict[str, Delivery] = {}
    for r in rows:
        if r.as_of_date is not None:
            delivery = Delivery(r.as_of_date, r.file_name, "as-of date")
        elif (end := month_end(r.file_name)) is not None:
            delivery = Delivery(end, r.file_name, "month in the file name")
        else:
            delivery = Delivery(r.finished_on, r.file_name, "load date")
        if r.source not in latest or delivery.on > latest[r.source].on:
            latest[r.source] = delivery
    return latest


@dataclass(frozen=True)
class Freshness:
    """A source judged against its cadence on one day: `fresh`, `late` or `never`."""

    source: Contract
    status: str
    delivery: Delivery | None
    due_by: date | None

    @property
    def fresh(self) -> bool:
        return self.status == "fresh"

    @property
    def message(self) -> str:
        """One line for stewards: Indonesian first (what `iku dq` and the alerts show), English after."""
        cadence, d = self.source.cadence, self.delivery
        assert cadence is not None
        if d is None:
            return (
                f"belum pernah dikirim, seharusnya {cadence.label} (not delivered: no delivery of "
                f"{self.source.name} was ever loaded)"
            )
        last = f"last: {d.file_name}, dated by its {d.dated_by}"
        if self.status == "late":
            return (
                f"terlambat: tidak ada kiriman sejak {d.on}, seharusnya {cadence.label} (late: not "
                f"delivered since {d.on}, due by {self.due_by}; {last})"
            )
        return f"delivered {d.on}, next due by {self.due_by} ({cadence.label}; {last})"


def judge(source: Contract, delivery: Delivery | None, today: date) -> Freshness:
    """Whether `source` is fresh on `today`, given its latest delivery."""
    if source.cadence is None:
        raise ValueError(f"{source.name}: no cadence")
    if delivery is None:
        return Freshness(source, "never", None, None)
    due = source.cadence.due_by(delivery.on)
    return Freshness(source, "late" if today > due else "fresh", delivery, due)


def delivered_sources(engine: sa.Engine) -> set[str]:
    """The sources with at least one load recorded (loaded or unchanged)."""
    return set(latest_deliveries(engine))
