"""`iku demo`: write demo sources (the same arguments give the same bytes), optionally with
deliberate defects."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration import settings
from orchestration.cli.arguments import add_command, iso_date
from orchestration.cli.errors import EXIT_OK, EXIT_USAGE

EXAMPLES = """
iku demo                                   # into IKU_SOURCES_DIR, else <IKU_HOME>/demo-sources
iku demo --out /tmp/drop --scale 0.2 --as-of 2025-12-31
iku demo --out /tmp/drop --monthly-siasn
iku demo --out /tmp/drop --defects --defect-rate 0.01
iku demo --out /tmp/drop --defect invalid_nip=0.02 --defect two_opds
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(subparsers, "demo", "write demo sources", EXAMPLES)
    p.add_argument(
        "--out", metavar="DIR", help="folder (default: IKU_SOURCES_DIR, else <IKU_HOME>/demo-sources)"
    )
    p.add_argument("--seed", type=int, default=2021, help="random seed: the same seed, the same files")
    p.add_argument("--scale", type=float, default=1.0, help="1.0 is about 5,500 ASN")
    p.add_argument(
        "--as-of",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="SIASN export date, YYYY-MM-DD (default: end of last month)",
    )
    p.add_argument(
        "--monthly-siasn",
        action="store_true",
        help="one SIASN export per month end of the as-of year (entrants, leavers, moves) instead of one",
    )
    p.add_argument("--defects", action="store_true", help="inject every kind of deliberate defect")
    p.add_argument(
        "--defect-rate",
        type=float,
        default=0.005,
        help="share of a file's rows spoiled per defect kind (at least one row)",
    )
    p.add_argument(
        "--defect",
        action="append",
        default=[],
        metavar="KIND[=RATE]",
        help="inject this kind (at RATE); repeatable. Kinds: invalid_nip, nip_birth_mismatch, "
        "duplicate_row, unknown_code, missing_mandatory, future_date, two_opds, latin1_file, "
        "excel_title_row",
    )
    p.set_defaults(func=cmd_demo)


def _defect_rates(args: argparse.Namespace) -> dict[str, float] | None:
    from sources.demo.defects import defect_rates

    if not args.defects and not args.defect:
        return None
    overrides = {}
    for item in args.defect:
        kind, _, rate = item.partition("=")
        overrides[kind.strip()] = float(rate) if rate else args.defect_rate
    return defect_rates(args.defect_rate if args.defects else 0.0, **overrides)


def cmd_demo(args: argparse.Namespace) -> int:
    from collections import Counter

    from sources.demo import generate

    out = Path(args.out) if args.out else settings.sources_dir()
    try:
        rates = _defect_rates(args)
    except ValueError as exc:
        print(f"iku demo: {exc}", file=sys.stderr)
        return EXIT_USAGE
    summary = generate(
        out,
        seed=args.seed,
        scale=args.scale,
        as_of=args.as_of,
        defects=rates,
        monthly_siasn=args.monthly_siasn,
    )
    print(
        f"Demo sources in {summary.out_dir}: {summary.employees} ASN, {summary.opds} perangkat "
        f"daerah, as of {summary.as_of}; {len(summary.files)} file(s)."
    )
    if summary.defects:
        counts = Counter((d.kind, d.outcome) for d in summary.defects)
        print(f"Deliberate defects: {len(summary.defects)}, listed in {out / '.defects.json'}")
        for (kind, outcome), n in sorted(counts.items()):
            print(f"  {kind:<20} {n:>5}  ({outcome})")
    return EXIT_OK
