"""What commands print: plain values, tables safe for a terminal."""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal

from orchestration.exports import terminal_safe

MAX_COLUMN_WIDTH = 60


def plain(value: object) -> object:
    """A value as JSON and tables show it: whole Decimals as int, others as float; ISO dates."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def print_json(rows: list[dict], keys: list[str] | None = None) -> None:
    """`rows` (only `keys`, else every key) as a JSON list on stdout, values as `plain` shows them."""
    json.dump([{k: plain(r[k]) for k in (keys or r)} for r in rows], sys.stdout, indent=2, default=str)
    print()


def print_table(rows: list[dict], columns: list[str]) -> None:
    """Aligned columns (each at most MAX_COLUMN_WIDTH wide), control characters escaped."""
    text = [[("" if r[c] is None else terminal_safe(str(plain(r[c])))) for c in columns] for r in rows]
    widths = [max(len(c), *(len(t[i]) for t in text)) for i, c in enumerate(columns)]
    widths = [min(w, MAX_COLUMN_WIDTH) for w in widths]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for t in text:
        print("  ".join(v[:w].ljust(w) for v, w in zip(t, widths, strict=True)))
