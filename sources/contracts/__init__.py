"""Source contracts: what each source delivers, in which format, and where it lands in `raw`.

A contract is a YAML file in this folder (one per source). Stewards read them; the loader
and the readers obey them. See docs/sources.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

CONTRACTS_DIR = Path(__file__).parent
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


def normalize_header(header: str) -> str:
    """Fold case, underscores and runs of white space, so 'Nip_Baru ' matches 'NIP BARU'."""
    return re.sub(r"[\s_]+", " ", header.replace("\ufeff", "")).strip().upper()


@dataclass(frozen=True)
class Column:
    header: str
    name: str | None = None  # None: personal data that is never loaded
    type: str = "text"
    required: bool = False
    personal: bool = False  # never loaded (names, NIK, phone, address, ...)
    restricted: bool = False  # loaded for computation, kept out of marts and reports
    past: bool = False  # a date that cannot lie after the file's as-of date (birth, SK, attendance)

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

    @property
    def loaded_columns(self) -> list[Column]:
        return [c for c in self.columns if c.loaded]

    def column_by_header(self) -> dict[str, Column]:
        return {normalize_header(c.header): c for c in self.columns}

    def matches(self, path: Path) -> bool:
        return path.match(self.files)


def _parse(path: Path) -> Contract:
    data = yaml.safe_load(path.read_text())
    columns = []
    for raw in data["columns"]:
        col = Column(**raw)
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
    )


@cache
def load_contracts() -> dict[str, Contract]:
    """Every contract in this folder, by name."""
    contracts = {}
    for path in sorted(CONTRACTS_DIR.glob("*.yml")):
        contract = _parse(path)
        contracts[contract.name] = contract
    return contracts
