"""`iku report`: the IKU report for leadership, in Bahasa Indonesia (HTML, XLSX or PDF)."""

from __future__ import annotations

import argparse
from pathlib import Path

from orchestration.cli.arguments import add_command, year_number
from orchestration.cli.environment import warehouse_url
from orchestration.cli.errors import EXIT_OK, CliError
from orchestration.warehouse import make_engine

EXAMPLES = """
iku report --year 2025                          # $IKU_HOME/reports/laporan-iku-2025.html
iku report --year 2025 --format xlsx            # the same tables for the LKjIP, with charts
iku report --year 2026 --quarter 3 --format pdf --out tw3.pdf   # A4, through headless Chromium
"""


def quarter_number(text: str) -> int:
    if text not in {"1", "2", "3", "4"}:
        raise argparse.ArgumentTypeError(f"not a quarter 1-4: {text!r}")
    return int(text)


def register(subparsers: argparse._SubParsersAction) -> None:
    from orchestration.report import FORMATS

    p = add_command(
        subparsers,
        "report",
        "write the IKU report (Bahasa Indonesia) of a year or a quarter",
        EXAMPLES,
        description=(
            "The LKjIP table of the agency's IKU, then each unit's, then per indicator its trend chart, "
            "breakdown by OPD, penanggung jawab, sumber data, rumus and the quality of its inputs; "
            "from the published marts."
        ),
    )
    p.add_argument("--year", type=year_number, required=True, help="the report's year")
    p.add_argument(
        "--quarter", type=quarter_number, help="a quarter (1-4) of the year instead of the whole year"
    )
    p.add_argument(
        "--format", choices=FORMATS, default="html", help="html (one file, offline), xlsx or pdf (A4)"
    )
    p.add_argument(
        "--out",
        type=Path,
        help="the file to write (default: $IKU_HOME/reports/laporan-iku-YEAR[-twQ].FORMAT)",
    )
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from orchestration.report import ReportError, write_report
    from orchestration.report.browser import BrowserError

    engine = make_engine(warehouse_url())
    try:
        path = write_report(engine, args.year, args.quarter, args.format, args.out)
    except (ReportError, BrowserError) as exc:
        raise CliError(str(exc)) from None
    finally:
        engine.dispose()
    print(path)
    return EXIT_OK
