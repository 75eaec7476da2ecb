"""What the IKU report shows, read from the published warehouse in a few set-based queries.

Invariant: every figure of the report comes from the published marts (`marts.fct_iku`, what
analysts and BI tools read too), the catalog and the quality results (`dq.check_results`), and
no figure depends on the day the report is written: the report of a year shows the same numbers
whenever it is produced from the same published data. Nothing personal is read: fct_iku holds
counts and values per indicator, period and OPD only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from orchestration.assets.publish import MARTS_SCHEMA
from orchestration.catalog import read_catalog
from orchestration.checks.dq_store import has_dq, latest_results

# the years the annual trend chart covers at most: the Renstra 2021-2026 of the agency runs six
RENSTRA_YEARS = 6
MARTS_CHECKS_ASSET = f"{MARTS_SCHEMA}/fct_iku"


class ReportError(Exception):
    """The report cannot be written (nothing published, no such period): a one-line reason."""


@dataclass(frozen=True)
class Figure:
    period_id: str
    value: Decimal | None
    target: Decimal | None
    capaian: Decimal | None
    status: str
    value_kategori: str | None
    null_reason: str | None
    numerator: Decimal | None
    denominator: Decimal | None
    is_complete: bool
    reference_date: date | None


@dataclass(frozen=True)
class OpdFigure:
    opd_id: str
    opd_nama: str
    figure: Figure


@dataclass(frozen=True)
class QualityState:
    """The latest outcome of the checks on an indicator's inputs (its sources) and on fct_iku."""

    passed: int = 0
    failed: tuple[str, ...] = ()
    acknowledged: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass
class Indicator:
    code: str
    level: str  # badan | unit
    unit_kerja: str
    sasaran: str
    name: str
    sumber_data: str
    penanggung_jawab: str
    kind: str
    satuan: str
    direction: str
    rumus: str
    current: Figure | None = None
    trend: list[Figure] = field(default_factory=list)
    by_opd: list[OpdFigure] = field(default_factory=list)
    quality: QualityState = field(default_factory=QualityState)


@dataclass
class Report:
    year: int
    quarter: int | None
    period_id: str
    trend_periods: list[str]
    agency: list[Indicator]
    units: dict[str, list[Indicator]]
    published_at: datetime | None
    publish_run_id: str | None
    has_quality_results: bool

    @property
    def indicators(self) -> list[Indicator]:
        return [*self.agency, *(i for unit in self.units.values() for i in unit)]

    @property
    def is_provisional(self) -> bool:
        return any(i.current is not None and not i.current.is_complete for i in self.indicators)


def period_id(year: int, quarter: int | None) -> str:
    return f"{year}-Q{quarter}" if quarter else str(year)


FIGURE_COLUMNS = """
    indicator_code, period_id, period_year, period_quarter, scope, opd_id, opd_nama,
    numerator, denominator, value, value_kategori, target, capaian, status, null_reason,
    is_period_complete, reference_date, source_batch_ids
"""


def _is_published(conn: sa.Connection) -> bool:
    return conn.execute(sa.text(f"select to_regclass('{MARTS_SCHEMA}.fct_iku')")).scalar() is not None


def _figure(row: Any) -> Figure:
    return Figure(
        period_id=row.period_id,
        value=row.value,
        target=row.target,
        capaian=row.capaian,
        status=row.status,
        value_kategori=row.value_kategori,
        null_reason=row.null_reason,
        numerator=row.numerator,
        denominator=row.denominator,
        is_complete=row.is_period_complete,
        reference_date=row.reference_date,
    )


def _trend_periods(conn: sa.Connection, year: int, quarter: int | None) -> list[str]:
    """Annual report: the years of the Renstra up to `year` that fct_iku holds. Quarterly
    report: the quarters of the year up to `quarter`."""
    if quarter:
        return [period_id(year, q) for q in range(1, quarter + 1)]
    years = conn.execute(
        sa.text(
            f"select distinct period_year from {MARTS_SCHEMA}.fct_iku "
            "where period_type = 'year' and period_year between :y0 and :y order by 1"
        ),
        {"y0": year - RENSTRA_YEARS + 1, "y": year},
    ).scalars()
    return [str(y) for y in years]


def _quality(engine: sa.Engine, batches_by_code: dict[str, set[int]]) -> tuple[dict[str, QualityState], bool]:
    """Per indicator, the latest outcome of the checks of the sources its figure was computed
    from (`source_batch_ids` -> audit.load_batches.source -> checks of `raw/<source>`) and of
    the checks on fct_iku itself (a failure there counts for the codes among its sample keys,
    or for every code when it names none)."""
    if not has_dq(engine):
        return {}, False
    every_batch = sorted({b for batches in batches_by_code.values() for b in batches})
    with engine.connect() as conn:
        source_of = dict(
            conn.execute(
                sa.text("select batch_id, source from audit.load_batches where batch_id = any(:ids)"),
                {"ids": every_batch},
            ).all()
        )
    by_asset: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for result in latest_results(engine):
        by_asset[result["asset_key"]].append(result)

    states = {}
    for code, batches in batches_by_code.items():
        sources = sorted({source_of[b] for b in batches if b in source_of})
        passed, failed, acknowledged = 0, [], []
        relevant = [r for s in sources for r in by_asset.get(f"raw/{s}", [])]
        relevant += [
            r
            for r in by_asset.get(MARTS_CHECKS_ASSET, [])
            if r["outcome"] == "passed" or not r["sample_keys"] or code in r["sample_keys"]
        ]
        for result in relevant:
            if result["outcome"] == "passed":
                passed += 1
            elif result["outcome"] == "acknowledged":
                acknowledged.append(result["check_name"])
            else:
                failed.append(result["check_name"])
        states[code] = QualityState(
            passed, tuple(sorted(set(failed))), tuple(sorted(set(acknowledged))), tuple(sources)
        )
    return states, True


def read_report(engine: sa.Engine, year: int, quarter: int | None = None) -> Report:
    """The report of `year` (or of its quarter `quarter`) from the published marts."""
    wanted = period_id(year, quarter)
    with engine.connect() as conn:
        if not _is_published(conn):
            raise ReportError("nothing is published yet: run `iku refresh` first")
        trend = _trend_periods(conn, year, quarter)
        rows = conn.execute(
            sa.text(
                f"select {FIGURE_COLUMNS} from {MARTS_SCHEMA}.fct_iku "
                "where period_id = any(:periods) order by indicator_code, period_id, opd_nama"
            ),
            {"periods": sorted({*trend, wanted})},
        ).all()
        published = (
            conn.execute(
                sa.text("select published_at, run_id from audit.publish_log order by publish_id desc limit 1")
            ).first()
            if conn.execute(sa.text("select to_regclass('audit.publish_log')")).scalar()
            else None
        )
    if not any(r.period_id == wanted for r in rows):
        raise ReportError(f"no published IKU for period {wanted}")

    current: dict[str, Figure] = {}
    series: dict[str, dict[str, Figure]] = defaultdict(dict)
    by_opd: dict[str, list[OpdFigure]] = defaultdict(list)
    batches: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if row.scope == "agency":
            figure = series[row.indicator_code][row.period_id] = _figure(row)
            if row.period_id == wanted:
                current[row.indicator_code] = figure
                batches[row.indicator_code] |= {int(b) for b in (row.source_batch_ids or "").split(",") if b}
        elif row.period_id == wanted:
            by_opd[row.indicator_code].append(OpdFigure(row.opd_id, row.opd_nama, _figure(row)))
    quality, has_quality = _quality(engine, {code: batches.get(code, set()) for code in current})

    agency: list[Indicator] = []
    units: dict[str, list[Indicator]] = {}
    for entry in read_catalog():
        code = entry["indicator_code"]
        indicator = Indicator(
            code=code,
            level=entry["level"],
            unit_kerja=entry["unit_kerja"],
            sasaran=entry["sasaran"],
            name=entry["indicator_name"],
            sumber_data=entry["sumber_data"],
            penanggung_jawab=entry["penanggung_jawab"],
            kind=entry["kind"],
            satuan=entry["unit_of_measure"],
            direction=entry["direction"],
            rumus=entry.get("rumus") or entry["formula"],
            current=current.get(code),
            trend=[series[code][p] for p in trend if p in series[code]],
            by_opd=by_opd.get(code, []),
            quality=quality.get(code, QualityState()),
        )
        if indicator.level == "badan":
            agency.append(indicator)
        else:
            units.setdefault(indicator.unit_kerja, []).append(indicator)
    return Report(
        year=year,
        quarter=quarter,
        period_id=wanted,
        trend_periods=trend,
        agency=agency,
        units=units,
        published_at=published.published_at if published else None,
        publish_run_id=published.run_id if published else None,
        has_quality_results=has_quality,
    )


def latest_year(engine: sa.Engine) -> int | None:
    """The newest year fct_iku holds (the data decides, not the clock)."""
    with engine.connect() as conn:
        if not _is_published(conn):
            return None
        return conn.execute(
            sa.text(f"select max(period_year) from {MARTS_SCHEMA}.fct_iku where period_type = 'year'")
        ).scalar()
