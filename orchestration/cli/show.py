"""`iku show`: the published IKU of a year (`marts.fct_iku`) as a table, CSV or JSON."""

from __future__ import annotations

import argparse
import sys

from orchestration.cli.arguments import add_command, year_number
from orchestration.cli.environment import warehouse_url
from orchestration.cli.errors import EXIT_FAILED, EXIT_OK
from orchestration.cli.output import plain, print_json, print_table
from orchestration.warehouse import make_engine

EXAMPLES = """
iku show --year 2025                           # every scope, yearly rows
iku show --year 2025 --scope agency --period quarter
iku show --year 2025 --format csv > iku_2025.csv
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(subparsers, "show", "print the published IKU of a year", EXAMPLES)
    p.add_argument("--year", type=year_number, required=True, help="the year of the periods shown")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table", help="output format")
    p.add_argument(
        "--scope", choices=["agency", "opd", "all"], default="all", help="whole agency, per OPD, or both"
    )
    p.add_argument(
        "--period", choices=["year", "quarter", "month", "all"], default="year", help="the periods' length"
    )
    p.set_defaults(func=cmd_show)


SHOW_COLUMNS = [
    "indicator_code",
    "indicator_name",
    "period_id",
    "period_type",
    "period_year",
    "reference_date",
    "scope",
    "opd_id",
    "opd_nama",
    "numerator",
    "denominator",
    "value",
    "unit_of_measure",
    "value_kategori",
    "target",
    "capaian",
    "status",
    "null_reason",
    "source_batch_ids",
]


def fetch_iku(url: str, year: int | None, scope: str, period: str = "year") -> list[dict]:
    import sqlalchemy as sa

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            exists = conn.execute(sa.text("select to_regclass('marts.fct_iku')")).scalar()
            if not exists:
                return []
            if year is None:
                year = conn.execute(sa.text("select max(period_year) from marts.fct_iku")).scalar()
            query = (
                f"select {', '.join(SHOW_COLUMNS)} from marts.fct_iku where period_year = :y"
                + ("" if scope == "all" else " and scope = :scope")
                + ("" if period == "all" else " and period_type = :period")
                + " order by indicator_code, period_start, period_type desc, scope, opd_nama nulls first"
            )
            params = {"y": year, "scope": scope, "period": period}
            rows = conn.execute(sa.text(query), params).mappings().all()
            return [dict(r) for r in rows]
    finally:
        engine.dispose()


def cmd_show(args: argparse.Namespace) -> int:
    url = warehouse_url()
    rows = fetch_iku(url, args.year, args.scope, args.period)
    if not rows:
        print(f"No published IKU values for {args.year}.", file=sys.stderr)
        return EXIT_FAILED
    if args.format == "json":
        print_json(rows)
    elif args.format == "csv":
        from orchestration.exports import write_csv  # every text cell safe to open (OWASP)

        write_csv(sys.stdout, [{k: plain(v) for k, v in r.items()} for r in rows], SHOW_COLUMNS)
    else:
        print_table(
            rows,
            [
                "indicator_code",
                "period_id",
                "scope",
                "opd_nama",
                "numerator",
                "denominator",
                "value",
                "unit_of_measure",
                "target",
                "capaian",
                "status",
                "null_reason",
            ],
        )
    return EXIT_OK
