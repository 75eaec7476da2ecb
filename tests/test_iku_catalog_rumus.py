"""The catalog's `rumus` (the formula in Bahasa Indonesia for the leadership report): one per
indicator, free of technical names, and a shared figure worded as the code it shares."""

import csv
import re

from orchestration.settings import REPO_ROOT

CATALOG = REPO_ROOT / "dbt_project" / "seeds" / "iku_catalog.csv"
# a dbt var, table or column name (snake_case) or a `var ...` reference
TECHNICAL = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\bvar\b")


def _catalog() -> list[dict[str, str]]:
    with CATALOG.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_rumus_follows_formula_and_is_filled_for_every_indicator() -> None:
    rows = _catalog()
    header = list(rows[0])
    assert header.index("rumus") == header.index("formula") + 1
    assert [r["indicator_code"] for r in rows if not r["rumus"].strip()] == []


def test_rumus_names_no_var_or_table() -> None:
    found = {r["indicator_code"]: TECHNICAL.findall(r["rumus"]) for r in _catalog()}
    assert {code: names for code, names in found.items() if names} == {}


def test_a_shared_figure_has_the_rumus_of_the_code_it_shares() -> None:
    rows = _catalog()
    rumus = {r["indicator_code"]: r["rumus"] for r in rows}
    for r in rows:
        if r["same_figure_as"]:
            assert r["rumus"].startswith(rumus[r["same_figure_as"]]), r["indicator_code"]
            assert r["same_figure_as"] in r["rumus"], r["indicator_code"]
