"""Source contracts: what each source delivers, in which format, and where it lands in `raw`.

A contract is a YAML file in this folder (one per source). Stewards read them; the loader
and the readers obey them. See docs/sources.md.

Besides its type, a column may declare what its values mean to the rules that match on them,
once, here: `codes` (the accepted values: a BKN reference seed's column, a list, or both) and
`link` (the column of another source its values must be found in). The quality checks are
generated from these declarations (orchestration/checks/standard.py) and docs/sources.md
lists them; `doc` and `pppk` are notes for stewards (what the column holds, and what a PPPK
row carries in it).
"""

from __future__ import annotations

import calendar
import csv
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CONTRACTS_DIR = Path(__file__).parent
SEEDS_DIR = CONTRACTS_DIR.parents[1] / "dbt_project" / "seeds"
COLUMN_TYPES = {"text", "nip", "date", "timestamp", "integer", "decimal", "boolean"}
SQL_TYPES = {
    "text": "text",
    "nip": "text",
    "date": "date",
    "timestamp": "timestamp",  # without time zone: the machine's local time (WIT), as delivered
    "integer": "integer",
    "decimal": "numeric",
    "boolean": "boolean",  # a yes/no field: sources.values.parse_boolean
}
_COLUMN_KEYS = {
    "header",
    "name",
    "type",
    "required",
    "personal",
    "restricted",
    "past",
    "codes",
    "link",
    "doc",
    "pppk",
}


def normalize_header(header: str) -> str:
    """Fold case, underscores and runs of white space, so 'Nip_Baru ' matches 'NIP BARU'."""
    return re.sub(r"[\s_]+", " ", header.replace("\ufeff", "")).strip().upper()


@cache
def seed_rows(seed: str) -> tuple[dict[str, str], ...]:
    """The rows of a reference seed (dbt_project/seeds/<seed>.csv): the one definition of every
    BKN code. Read from the file, since raw checks run before dbt builds the seeds."""
    path = SEEDS_DIR / f"{seed}.csv"
    if not path.exists():
        raise ValueError(f"no reference seed {seed!r} ({path})")
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


@dataclass(frozen=True)
class Codes:
    """The accepted values of a coded column: the values of a reference seed's column
    (`reference: <seed>.<column>`), values listed in the contract (`values`), or both (the seed's
    plus the listed ones, e.g. eselon 99 for non-eselon). With `any_case` the comparison
    ignores case (the staging model folds it: upper() or lower()). An empty value is not a code:
    whether it is allowed is the column's `required`."""

    reference: str | None = None
    values: tuple[str, ...] = ()
    any_case: bool = False

    @classmethod
    def parse(cls, raw: Any, where: str) -> Codes:
        if isinstance(raw, str):
            raw = {"reference": raw}
        elif isinstance(raw, list):
            raw = {"values": raw}
        if not isinstance(raw, dict) or set(raw) - {"reference", "values", "any_case"}:
            raise ValueError(f"{where}: codes is a seed column, a list, or {{reference, values, any_case}}")
        codes = cls(
            raw.get("reference"), tuple(str(v) for v in raw.get("values") or ()), bool(raw.get("any_case"))
        )
        if not codes.reference and not codes.values:
            raise ValueError(f"{where}: codes needs a reference or values")
        if codes.reference:
            seed, _, column = codes.reference.partition(".")
            rows = seed_rows(seed)
            if not column or (rows and column not in rows[0]):
                raise ValueError(f"{where}: codes reference {codes.reference!r} is not <seed>.<column>")
        return codes

    def seed_values(self) -> tuple[str, ...]:
        if not self.reference:
            return ()
        seed, _, column = self.reference.partition(".")
        return tuple(sorted({r[column] for r in seed_rows(seed) if r[column] != ""}))

    def accepted(self) -> tuple[str, ...]:
        """Every accepted value, sorted."""
        return tuple(sorted(set(self.seed_values()) | set(self.values)))

    def names(self) -> dict[str, str]:
        """The seed's name of each of its codes, where a name column sits beside the code
        column (`<x>_nama` or `<x>_name` beside `<x>_id`, `<x>_kode` or `<x>_code`) and gives
        one name per code; else nothing."""
        if not self.reference:
            return {}
        seed, _, column = self.reference.partition(".")
        rows = seed_rows(seed)
        stem = re.sub(r"_(id|kode|code)$", "", column)
        name = next((n for n in (f"{stem}_nama", f"{stem}_name") if rows and n in rows[0]), None)
        if stem == column or name is None:
            return {}
        names: dict[str, set[str]] = {}
        for r in rows:
            names.setdefault(r[column], set()).add(r[name])
        if any(len(n) > 1 for n in names.values()):
            return {}
        return {code: next(iter(n)) for code, n in names.items()}


@dataclass(frozen=True)
class Link:
    """The column's values name a row of another source: each must be found in one of the
    `to` columns (`<contract>.<raw column>`). `where` (SQL on this source's row) limits the
    rows that must match; `about` says why, for stewards."""

    to: tuple[str, ...]
    where: str | None = None
    about: str | None = None

    @classmethod
    def parse(cls, raw: Any, where: str) -> Link:
        if isinstance(raw, str | list):
            raw = {"to": raw}
        if not isinstance(raw, dict) or "to" not in raw or set(raw) - {"to", "where", "about"}:
            raise ValueError(f"{where}: link is <contract>.<column>, or {{to, where, about}}")
        to = (raw["to"],) if isinstance(raw["to"], str) else tuple(raw["to"])
        if not to or any(t.count(".") != 1 for t in to):
            raise ValueError(f"{where}: link targets are <contract>.<column>: {to}")
        about = " ".join(str(raw["about"]).split()) if raw.get("about") else None
        return cls(to, raw.get("where"), about)

    def check_suffix(self, column: str) -> str:
        """The name of the check of this link, after the suite's: `<column>_in_<source>`."""
        return f"{column}_in_{'_or_'.join(t.partition('.')[0] for t in self.to)}"


# How often a source arrives: its period, and the Indonesian word stewards read in a freshness report.
CADENCES = {
    "daily": "harian",
    "weekly": "mingguan",
    "monthly": "bulanan",
    "quarterly": "triwulanan",
    "yearly": "tahunan",
}
_CADENCE_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


def _add_months(day: date, months: int) -> date:
    """The same day `months` later, the month's last day where it is shorter (31 Jan + 1 = 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Cadence:
    """How often a source is delivered (`every`) and how many days late a delivery may be
    before its source counts as late (`grace_days`). In a contract: `cadence: monthly` or
    `cadence: {every: monthly, grace_days: 15, about: why}`. See docs/sources.md, "Freshness"."""

    every: str
    grace_days: int = 0
    about: str | None = None  # why this cadence, for stewards

    @classmethod
    def parse(cls, raw: Any, where: str) -> Cadence:
        if isinstance(raw, str):
            raw = {"every": raw}
        if not isinstance(raw, dict) or "every" not in raw or set(raw) - {"every", "grace_days", "about"}:
            raise ValueError(
                f"{where}: cadence is one of {sorted(CADENCES)}, or {{every, grace_days, about}}"
            )
        every, grace = str(raw["every"]), raw.get("grace_days", 0)
        if every not in CADENCES:
            raise ValueError(f"{where}: cadence {every!r} is not one of {sorted(CADENCES)}")
        if isinstance(grace, bool) or not isinstance(grace, int) or grace < 0:
            raise ValueError(
                f"{where}: cadence grace_days must be a whole number of days >= 0, got {grace!r}"
            )
        return cls(every, grace, " ".join(str(raw["about"]).split()) if raw.get("about") else None)

    @property
    def label(self) -> str:
        """The Indonesian word: bulanan, tahunan, harian, ..."""
        return CADENCES[self.every]

    def due_by(self, delivered: date) -> date:
        """The last day the next delivery may arrive after one dated `delivered`: one period
        later, plus the grace days."""
        if self.every in _CADENCE_MONTHS:
            following = _add_months(delivered, _CADENCE_MONTHS[self.every])
        else:
            following = delivered + timedelta(days=1 if self.every == "daily" else 7)
        return following + timedelta(days=self.grace_days)

    def describe(self) -> str:
        grace = f", {self.grace_days} day(s) of grace" if self.grace_days else ""
        return f"{self.every} ({self.label}){grace}"


@dataclass(frozen=True)
class Column:
    header: str
    name: str | None = None  # None: personal data that is never loaded
    type: str = "text"
    required: bool = False
    personal: bool = False  # never loaded (names, NIK, phone, address, ...)
    restricted: bool = False  # loaded for computation, kept out of marts and reports
    past: bool = False  # a date that cannot lie after the file's as-of date (birth, SK, attendance)
    codes: Codes | None = None  # the accepted values of a coded column
    link: Link | None = None  # the column of another source each value must be found in
    doc: str | None = None  # a note for stewards: what the column holds
    pppk: str | None = None  # what a PPPK row carries in it, where that differs

    @property
    def loaded(self) -> bool:
        return not self.personal

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]


@dataclass(frozen=True)
class Contract:
    name: str
    description: str
    steward: str
    penanggung_jawab: str
    format: str
    files: str
    mode: str
    raw_table: str
    key: tuple[str, ...]
    columns: tuple[Column, ...] = field(default_factory=tuple)
    # every file's name must carry its as-of date (an export kept by date, see load.py)
    as_of_required: bool = False
    # hold (load nothing of) a file with fewer rows than this share of the previous export's
    hold_below_share: float | None = None
    # how often it arrives: the freshness check (orchestration/checks/freshness.py) reads it
    cadence: Cadence | None = None

    @property
    def loaded_columns(self) -> list[Column]:
        return [c for c in self.columns if c.loaded]

    def column_by_header(self) -> dict[str, Column]:
        return {normalize_header(c.header): c for c in self.columns}

    def column(self, name: str) -> Column:
        """The loaded column of that raw name."""
        return next(c for c in self.loaded_columns if c.name == name)

    def matches(self, path: Path) -> bool:
        return path.match(self.files)


def _parse(path: Path) -> Contract:
    data = yaml.safe_load(path.read_text())
    columns = []
    for raw in data["columns"]:
        where = f"{path.name}: column {raw.get('header')!r}"
        if set(raw) - _COLUMN_KEYS:
            raise ValueError(f"{where}: unknown keys {sorted(set(raw) - _COLUMN_KEYS)}")
        notes = {k: " ".join(str(raw[k]).split()) for k in ("doc", "pppk") if raw.get(k)}
        col = Column(
            **{k: v for k, v in raw.items() if k not in {"codes", "link", "doc", "pppk"}},
            codes=Codes.parse(raw["codes"], where) if "codes" in raw else None,
            link=Link.parse(raw["link"], where) if "link" in raw else None,
            **notes,
        )
        if (col.codes or col.link) and (col.personal or col.type != "text"):
            raise ValueError(f"{where}: codes and links are for loaded text columns")
        if col.loaded and not col.name:
            raise ValueError(f"{path.name}: column {col.header!r} is loaded but has no name")
        if col.type not in COLUMN_TYPES:
            raise ValueError(f"{path.name}: column {col.header!r} has unknown type {col.type!r}")
        if col.past and col.type != "date":
            raise ValueError(f"{path.name}: column {col.header!r} is 'past' but not a date")
        if col.personal and col.required:
            raise ValueError(f"{path.name}: personal column {col.header!r} cannot be required")
        columns.append(col)
    names = {c.name for c in columns if c.loaded}
    missing_keys = set(data.get("key", [])) - names
    if missing_keys:
        raise ValueError(f"{path.name}: key columns {sorted(missing_keys)} are not loaded columns")
    return Contract(
        name=data["name"],
        description=" ".join(str(data.get("description", "")).split()),
        steward=data["steward"],
        penanggung_jawab=data.get("penanggung_jawab", data["steward"]),
        format=data["format"],
        files=data["files"],
        mode=data["mode"],
        raw_table=data["raw_table"],
        key=tuple(data.get("key", [])),
        columns=tuple(columns),
        as_of_required=bool(data.get("as_of_required", False)),
        hold_below_share=data.get("hold_below_share_of_previous"),
        cadence=Cadence.parse(data["cadence"], path.name) if "cadence" in data else _no_cadence(path.name),
    )


def _no_cadence(where: str) -> Cadence:
    raise ValueError(f"{where}: no cadence: say how often the source arrives (cadence: monthly, ...)")


def _check_links(contracts: dict[str, Contract]) -> None:
    """Every link names a loaded column of another contract."""
    for contract in contracts.values():
        for col in contract.loaded_columns:
            for target in col.link.to if col.link else ():
                source, _, column = target.partition(".")
                other = contracts.get(source)
                if other is None or column not in {c.name for c in other.loaded_columns}:
                    raise ValueError(f"{contract.name}.{col.name}: link to {target!r}: no such loaded column")


@cache
def load_contracts() -> dict[str, Contract]:
    """Every contract in this folder, by name."""
    contracts = {}
    for path in sorted(CONTRACTS_DIR.glob("*.yml")):
        contract = _parse(path)
        contracts[contract.name] = contract
    _check_links(contracts)
    return contracts


def links_to(contract: Contract) -> list[tuple[Contract, Column, Link]]:
    """The links of other contracts that point at this one: (their contract, column, link)."""
    return [
        (other, col, col.link)
        for other in load_contracts().values()
        for col in other.loaded_columns
        if col.link and any(t.partition(".")[0] == contract.name for t in col.link.to)
    ]
