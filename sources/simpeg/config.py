"""The SIMPEG mapping (`simpeg.yml`): which tables of a regional SIMPEG database are extracted,
where they land in schema `raw`, and how each source column maps to a warehouse column.

The mapping reuses the file contracts' column model (`sources.contracts.Column`): a column's
`header` is the source column name, so database rows are typed and rejected exactly like rows
of a delivered file. A steward whose SIMPEG names things differently points
`IKU_SIMPEG_CONFIG` at an edited copy of the file instead of changing the code.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from sources.contracts import COLUMN_TYPES, Cadence, Column, Contract, load_contracts, normalize_header

CONFIG_PATH = Path(__file__).with_name("simpeg.yml")
CONFIG_ENV = "IKU_SIMPEG_CONFIG"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_COLUMN_KEYS = {"source", "name", "type", "required", "personal", "restricted"}


def config_path() -> Path:
    """The mapping in use: `IKU_SIMPEG_CONFIG` when set, else the one shipped with the code."""
    value = os.environ.get(CONFIG_ENV)
    return Path(value).expanduser().resolve() if value else CONFIG_PATH


def _column(origin: str, table: str, raw: dict) -> Column:
    unknown = set(raw) - _COLUMN_KEYS
    if unknown or "source" not in raw:
        raise ValueError(f"{origin}: table {table}: a column needs 'source'; unknown keys {sorted(unknown)}")
    col = Column(
        header=str(raw["source"]),
        name=raw.get("name"),
        type=raw.get("type", "text"),
        required=bool(raw.get("required", False)),
        personal=bool(raw.get("personal", False)),
        restricted=bool(raw.get("restricted", False)),
    )
    where = f"{origin}: table {table}: column {col.header!r}"
    if col.personal:
        if col.name or col.required:
            raise ValueError(f"{where} is personal: it has no warehouse name and cannot be required")
        return col
    if not col.name or not _IDENTIFIER.match(col.name):
        raise ValueError(f"{where} needs a warehouse name in lower_snake_case, got {col.name!r}")
    if col.type not in COLUMN_TYPES:
        raise ValueError(f"{where} has unknown type {col.type!r} (one of {sorted(COLUMN_TYPES)})")
    return col


def parse_table(origin: str, defaults: dict, raw: dict) -> TableConfig:
    """One entry of `tables:`, checked so that a mistake fails at load time, not mid-extraction."""
    name = raw.get("name", "?")
    for required in ("name", "source_table", "raw_table", "key", "columns"):
        if not raw.get(required):
            raise ValueError(f"{origin}: table {name}: {required!r} is missing")
    for ident in (raw["name"], raw["raw_table"]):
        if not _IDENTIFIER.match(ident):
            raise ValueError(f"{origin}: table {name}: {ident!r} is not a lower_snake_case identifier")
    columns = tuple(_column(origin, name, c) for c in raw["columns"])
    loaded = [c for c in columns if c.loaded]
    for what, values in (
        ("warehouse name", [c.name for c in loaded]),
        ("source column", [normalize_header(c.header) for c in columns]),
    ):
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise ValueError(f"{origin}: table {name}: {what}(s) {duplicates} appear twice")
    by_name = {c.name: c for c in loaded}
    key = tuple(raw["key"])
    for k in key:
        if k not in by_name or not by_name[k].required:
            raise ValueError(f"{origin}: table {name}: key column {k!r} must be a loaded, required column")
    watermark = raw.get("watermark")
    if watermark:
        personal = {normalize_header(c.header) for c in columns if c.personal}
        if normalize_header(watermark) in personal:
            raise ValueError(f"{origin}: table {name}: the watermark {watermark!r} is a personal column")
    return TableConfig(
        name=raw["name"],
        description=" ".join(str(raw.get("description", "")).split()),
        steward=raw.get("steward", defaults["steward"]),
        penanggung_jawab=raw.get("penanggung_jawab", defaults.get("penanggung_jawab", defaults["steward"])),
        source_table=raw["source_table"],
        source_schema=raw.get("source_schema"),
        raw_table=raw["raw_table"],
        key=key,
        watermark=watermark or None,
        columns=columns,
        cadence=Cadence.parse(raw["cadence"], f"{origin}: table {name}")
        if "cadence" in raw
        else defaults["cadence"],
    )


def parse_config(data: dict, origin: str = "simpeg.yml") -> dict[str, TableConfig]:
    """Every table of a parsed mapping file, by name; raw tables may not collide with contracts."""
    if not isinstance(data, dict) or not data.get("tables"):
        raise ValueError(f"{origin}: expected a mapping with 'steward' and a list of 'tables'")
    defaults: dict = {"steward": data.get("steward", "Bidang INKA")}
    # every table is extracted each night: late after a day and its grace without an extraction
    defaults["cadence"] = Cadence.parse(data.get("cadence", {"every": "daily", "grace_days": 1}), origin)
    if data.get("penanggung_jawab"):
        defaults["penanggung_jawab"] = data["penanggung_jawab"]
    tables: dict[str, TableConfig] = {}
    taken = {c.raw_table: f"contract {c.name}" for c in load_contracts().values()}
    for raw in data["tables"]:
        table = parse_table(origin, defaults, raw)
        if table.name in tables:
            raise ValueError(f"{origin}: table name {table.name!r} appears twice")
        if table.raw_table in taken:
            used_by = taken[table.raw_table]
            raise ValueError(f"{origin}: raw table {table.raw_table!r} is already used by {used_by}")
        taken[table.raw_table] = f"table {table.name}"
        tables[table.name] = table
    return tables


@cache
def _load(path: Path) -> dict[str, TableConfig]:
    return parse_config(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)


def load_simpeg_config(path: Path | None = None) -> dict[str, TableConfig]:
    """The SIMPEG tables to extract, by name (`simpeg_kgb`, ...), from `path` or `config_path()`."""
    return _load((path or config_path()).resolve())


@dataclass(frozen=True)
class TableConfig:
    """One extracted table: where it comes from, where it lands, how to tell what changed."""

    name: str  # the source name in audit.load_batches, e.g. simpeg_kgb
    description: str
    steward: str
    penanggung_jawab: str
    source_table: str
    source_schema: str | None
    raw_table: str
    key: tuple[str, ...]  # warehouse names
    watermark: str | None  # a source column that grows whenever a row changes (updated_at)
    columns: tuple[Column, ...]
    cadence: Cadence | None = None  # how often it is extracted (the freshness check)

    @property
    def label(self) -> str:
        """How the table appears as `file_name` in the audit and `_source_file` in raw."""
        table = f"{self.source_schema}.{self.source_table}" if self.source_schema else self.source_table
        return f"simpeg:{table}"

    @property
    def loaded_columns(self) -> list[Column]:
        return [c for c in self.columns if c.loaded]

    @property
    def key_columns(self) -> list[Column]:
        by_name = {c.name: c for c in self.loaded_columns}
        return [by_name[k] for k in self.key]

    @property
    def personal_columns(self) -> list[str]:
        return [c.header for c in self.columns if c.personal]

    def contract(self) -> Contract:
        """The table seen as a file contract, so `map_header`, `conform` and `raw_table_ddl` apply."""
        return Contract(
            name=self.name,
            description=self.description,
            steward=self.steward,
            penanggung_jawab=self.penanggung_jawab,
            format="database",
            files=self.label,
            mode="incremental" if self.watermark else "snapshot",
            raw_table=self.raw_table,
            key=self.key,
            columns=self.columns,
            cadence=self.cadence,
        )
