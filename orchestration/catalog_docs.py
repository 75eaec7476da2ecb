"""The IKU catalog's formulas as a dbt docs block, generated from the catalog seed.

Invariant: an indicator's formula is written once, in ``dbt_project/seeds/iku_catalog.csv``.
This module renders the catalog into the docs block ``iku_catalog_formulas`` (a markdown table:
code, indicator, unit, better, formula, and rumus, the same in formal Bahasa Indonesia) in
``dbt_project/seeds/iku_catalog_formulas.md``, which the descriptions of the seed
``iku_catalog`` and of ``fct_iku`` use, so that ``dbt docs`` shows each code's formula.
``tests/test_dbt_docs.py`` fails when the file is not what the csv renders to.

    python -m orchestration.catalog_docs           # rewrite the docs file
    python -m orchestration.catalog_docs --check   # exit 1 when it is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.catalog import CATALOG_CSV, read_catalog

DOCS_FILE = CATALOG_CSV.with_name("iku_catalog_formulas.md")
BLOCK = "iku_catalog_formulas"
COLUMNS = ("indicator_code", "indicator_name", "unit_of_measure", "direction", "formula", "rumus")
HEADER = ("code", "indicator", "unit", "better", "formula", "rumus (Bahasa Indonesia)")


class CatalogDocsError(ValueError):
    """The catalog holds text a docs block cannot carry."""


def _cell(text: str, code: str) -> str:
    if "{%" in text or "%}" in text or "{{" in text or "}}" in text:
        raise CatalogDocsError(f"{code}: Jinja delimiters in the catalog cannot go into a dbt docs block")
    return " ".join(text.split()).replace("|", "\\|")


def render(catalog_csv: Path = CATALOG_CSV) -> str:
    """The docs file the catalog renders to."""
    rows = read_catalog(catalog_csv)
    lines = [
        f"<!-- Generated from {catalog_csv.name} by `python -m orchestration.catalog_docs`: do not edit. -->",
        "",
        f"{{% docs {BLOCK} %}}",
        f"The {len(rows)} codes of the IKU catalog with their formulas "
        f"(seed `iku_catalog`, table `reference.iku_catalog`):",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
    ]
    for row in rows:
        code = row["indicator_code"]
        lines.append("| " + " | ".join(_cell(row[c] or "", code) for c in COLUMNS) + " |")
    lines += ["{% enddocs %}", ""]
    return "\n".join(lines)


def is_current(catalog_csv: Path = CATALOG_CSV, docs_file: Path = DOCS_FILE) -> bool:
    return docs_file.is_file() and docs_file.read_text(encoding="utf-8") == render(catalog_csv)


def write(catalog_csv: Path = CATALOG_CSV, docs_file: Path = DOCS_FILE) -> Path:
    docs_file.write_text(render(catalog_csv), encoding="utf-8")
    return docs_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.catalog_docs", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when the docs file is out of date")
    args = parser.parse_args(argv)
    if args.check:
        if is_current():
            return 0
        print(f"{DOCS_FILE} is out of date: run python -m orchestration.catalog_docs", file=sys.stderr)
        return 1
    print(write())
    return 0


if __name__ == "__main__":
    sys.exit(main())
