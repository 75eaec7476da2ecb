"""Apply a contract to the rows a reader yields: map headers, type values, reject bad rows.

Each data row ends as exactly one of: an accepted row (values in contract column order), or
a `Rejection` naming the file, line, field and reason. Nothing is dropped silently.

Two forms of the same rules: `typing_sql` is what the loader runs, set-based in PostgreSQL over
a stage of text cells (the typing functions of `sources.values.SQL_FUNCTIONS`); `conform` is the
row-by-row Python form, kept for tools that read sheets without a database (the demo generator)
and held to the same results by the tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sources.contracts import Column, Contract, normalize_header
from sources.readers import SourceFile, SourceFileError
from sources.values import PARSERS, SHAPES, canonical_sql, sql_parser

WITHHELD = "<withheld: personal data>"
CACHED_TYPES = {"nip", "date"}


@dataclass(frozen=True)
class Rejection:
    line: int
    field: str
    value: str | None
    reason: str


@dataclass
class Mapping:
    positions: list[int | None]  # per loaded contract column, its cell index in the file
    columns: list[Column]
    unknown_headers: list[str]
    width: int


def map_header(contract: Contract, source: SourceFile) -> Mapping:
    by_header = contract.column_by_header()
    index: dict[str, int] = {}
    unknown = []
    for i, cell in enumerate(source.header):
        key = normalize_header(cell)
        if key in by_header:
            if key in index:
                raise SourceFileError(source.path, f"column {cell!r} appears twice in the header")
            index[key] = i
        elif key:
            unknown.append(cell.strip())
    columns = contract.loaded_columns
    missing = [c.header for c in columns if c.required and normalize_header(c.header) not in index]
    if missing:
        raise SourceFileError(
            source.path, f"required column(s) missing from the header: {', '.join(missing)}"
        )
    positions = [index.get(normalize_header(c.header)) for c in columns]
    return Mapping(positions, columns, unknown, len(source.header))


def _shown(column: Column, value: str) -> str:
    return WITHHELD if column.restricted else value


def conform(
    contract: Contract, source: SourceFile, mapping: Mapping, as_of: date | None = None
) -> Iterator[tuple[int, list[str | None]] | Rejection]:
    """Yield (line, values) for good rows and a Rejection for each bad one.

    With `as_of` (the delivery's date), dates of `past` columns after it are rejected: a birth
    date, an SK or an attendance day cannot lie after the export that reports it.
    """
    latest = as_of.isoformat() if as_of else None
    # NIPs and dates repeat (an employee on every attendance day): parse each distinct text once.
    parsers = [
        lru_cache(maxsize=1 << 16)(PARSERS[c.type]) if c.type in CACHED_TYPES else PARSERS[c.type]
        for c in mapping.columns
    ]
    key_index = [i for i, c in enumerate(mapping.columns) if c.name in contract.key]
    seen: dict[tuple, int] = {}
    for line, cells in source.rows:
        if len(cells) != mapping.width:
            yield Rejection(
                line,
                "(row)",
                None,
                f"expected {mapping.width} fields, found {len(cells)} (a stray delimiter or quote?)",
            )
            continue
        values: list[str | None] = []
        rejection = None
        for column, pos, parse in zip(mapping.columns, mapping.positions, parsers, strict=True):
            raw = cells[pos] if pos is not None else ""
            if not raw.strip():
                if column.required:
                    rejection = Rejection(line, column.header, "", "mandatory field is empty")
                    break
                values.append(None)
                continue
            try:
                value = parse(raw)
            except ValueError as exc:
                reason = str(exc) if not column.restricted else f"invalid {column.type}"
                rejection = Rejection(line, column.header, _shown(column, raw), reason)
                break
            if latest and column.past and value > latest:
                reason = f"date {value} is after the delivery's as-of date {latest}"
                if column.restricted:
                    reason = f"date is after the delivery's as-of date {latest}"
                rejection = Rejection(line, column.header, _shown(column, raw), reason)
                break
            values.append(value)
        if rejection:
            yield rejection
            continue
        if key_index:
            key = tuple(values[i] for i in key_index)
            if key in seen:
                names = ", ".join(mapping.columns[i].header for i in key_index)
                yield Rejection(
                    line,
                    names,
                    "|".join(str(k) for k in key),
                    f"duplicate key: the same {names} is at line {seen[key]}",
                )
                continue
            seen[key] = line
        yield line, values


# --------------------------------------------------------------------------- set-based, in SQL


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class TypingSql:
    """Statements that type a stage `(_line, _nf, c1 .. c<width>)` of text cells into the raw
    table and its rejections into audit.quarantine. Run `prepare` in order, then `load`, which
    returns one row: (rows read, rows loaded, rows quarantined)."""

    prepare: list[str]
    load: str


def typing_sql(
    contract: Contract,
    mapping: Mapping,
    *,
    stage: str,
    target: str,
    batch_id: int,
    file_name: str,
    meta: dict[str, str],
    as_of: date | None = None,
    numbered_from: int | None = None,
    key: tuple[str, ...] | None = None,
    blank_rows: bool | None = None,
) -> TypingSql:
    """The rules of `conform`, set-based: a wrong field count, then each column in contract order
    (mandatory and empty, not of its type, a `past` date after `as_of`), the first failure
    naming the row's rejection; then, among good rows, the second and later rows of a key
    (the first occurrence wins). Each distinct text of a typed column is parsed once.

    `meta` maps the raw table's extra columns to SQL expressions (`_batch_id` and the like);
    With `numbered_from`, the stage is a file copied as it is: cells only, in file order, the
    first at that line, and rows whose cells are all blank (blank lines) are not rows. Without
    it the stage is numbered (`_line`, `_nf`); `blank_rows` then says whether it may still hold
    blank rows (the rows of a file copied as it is that `canonical_sql` set apart).
    """
    strip = "audit.iku_strip"
    width = mapping.width
    key = contract.key if key is None else key
    latest = as_of.isoformat() if as_of else None
    present = [
        (i, column, f"s.c{pos + 1}")
        for i, (column, pos) in enumerate(zip(mapping.columns, mapping.positions, strict=True))
        if pos is not None
    ]
    prepare = []
    for kind in sorted({c.type for _, c, _ in present if c.type != "text"}):
        cells = [cell.removeprefix("s.") for _, c, cell in present if c.type == kind]
        where = "" if numbered_from is not None else f" where _nf = {width}"
        union = " union all ".join(f"select {cell} as v from {stage}{where}" for cell in cells)
        sql_type = next(c.sql_type for _, c, _ in present if c.type == kind)
        # each distinct text once: stripped, typed (blank: no value, no error) or refused
        prepare += [
            f"create temp table _iku_map_{kind} on commit drop as "
            f"select d.v, d.s, p.value, p.value::{sql_type} as typed, p.error, "
            f"hashtextextended(coalesce(p.value, ''), 0) as h "
            f"from (select v, {strip}(v) as s from (select distinct v from ({union}) u) u) d "
            f"left join lateral {sql_parser(kind)}(d.v) p on d.s <> ''",
            f"analyze _iku_map_{kind}",
        ]
    joins, branches, values, texts, hashes, filled = [], [], {}, {}, {}, []
    for i, column, cell in present:
        header = _lit(column.header)
        shown = _lit(WITHHELD) if column.restricted else cell
        if column.type == "text":  # text is only stripped: inline, no lookup
            stripped = f"{strip}({cell})"
            values[i] = texts[i] = f"nullif({stripped}, '')"
            hashes[i] = f"hashtextextended(coalesce({stripped}, ''), 0)"
        else:
            m = f"m{i}"
            joins.append(f"left join _iku_map_{column.type} {m} on {m}.v = {cell}")
            stripped = f"{m}.s"
            values[i], texts[i], hashes[i] = f"{m}.typed", f"{m}.value", f"{m}.h"
        filled.append(f"{stripped} <> ''")
        if column.required:
            branches.append(
                f"when coalesce({stripped}, '') = '' then array[{header}, '', 'mandatory field is empty']"
            )
        if column.type == "text":
            continue
        reason = _lit(f"invalid {column.type}") if column.restricted else f"{m}.error"
        branches.append(f"when {m}.error is not null then array[{header}, {shown}, {reason}]")
        if latest and column.past:
            after = _lit(f" is after the delivery's as-of date {latest}")
            reason = (
                _lit(f"date is after the delivery's as-of date {latest}")
                if column.restricted
                else (f"'date ' || {m}.value || {after}")
            )
            branches.append(f"when {m}.typed > date {_lit(latest)} then array[{header}, {shown}, {reason}]")
    if blank_rows is None:
        blank_rows = numbered_from is not None
    if blank_rows:  # a row whose cells are all blank is not a row (mapped cells tested first)
        mapped = {pos for pos in mapping.positions if pos is not None}
        filled += [f"{strip}(s.c{p + 1}) <> ''" for p in range(width) if p not in mapped]
        row_filter = " or ".join(filled) or "true"
    else:
        row_filter = "true"
    fields = f"'expected {width} fields, found ' || s._nf || ' (a stray delimiter or quote?)'"
    error_case = (
        "("
        + "\n".join([f"case when s._nf <> {width} then array['(row)', null, {fields}]", *branches, "end"])
        + ")"
    )
    names = [c.name for c in mapping.columns]
    # a column the file lacks is null, typed: the CTE below would otherwise make it text
    select_values = [
        f"{values.get(i, f'null::{mapping.columns[i].sql_type}')} as v{i}" for i in range(len(names))
    ]
    key_index = [names.index(k) for k in key]
    key_names = _lit(", ".join(mapping.columns[i].header for i in key_index))
    if key_index:
        if all(mapping.columns[i].required for i in key_index):  # never null: the typed values
            key_cols, select_keys = [f"v{i}" for i in key_index], []
            key_text = "concat_ws('|', " + ", ".join(f"t.v{i}::text" for i in key_index) + ")"
        else:  # one text array, where two empty (null) parts are equal, as in Python
            key_cols = ["_key"]
            select_keys = ["array[" + ", ".join(texts.get(i, "null::text") for i in key_index) + "] as _key"]
            key_text = "array_to_string(t._key, '|', 'None')"
        # a 64-bit hash of the key, sorted, finds the few keys that may repeat (cheaper than
        # grouping every key)
        mixed = " # ".join(f"({hashes.get(i, '0')} << {n})" for n, i in enumerate(key_index))
        select_keys.append(f"{mixed} as _h")
        group = ", ".join(key_cols)
        firsts = (
            "\n), f as (\n"
            f"    select {group}, min(_line) as _first from t where _err is null and _h in ("
            "select _h from (select _h, lag(_h) over (order by _h) as _prev from t where _err is null) h "
            f"where _h = _prev) group by {group} having count(*) > 1"
        )
        join_firsts = (
            "left join f on " + " and ".join(f"f.{k} = t.{k}" for k in key_cols) + " and t._err is null"
        )
        first = "f._first"
    else:
        select_keys, key_text, firsts, join_firsts, first = [], "null", "", "", "null::integer"
    if numbered_from is None:
        rows = stage
    else:
        # A COPY into a new temporary table appends the rows in file order, and its sequential
        # scan reads them in that order (no synchronized or parallel scans of temporary tables):
        # row_number() over the scan is the line (cheaper than numbering each row during COPY).
        rows = (
            f"(select s0.*, {width} as _nf, (row_number() over () + {numbered_from - 1})::integer as _line "
            f"from {stage} s0)"
        )
    # each stage row is typed once (t); good rows go to the raw table, the others to quarantine
    load = f"""
with t as materialized (
    select s._line, {error_case} as _err, {", ".join([*select_values, *select_keys])}
    from {rows} s {" ".join(joins)}
    where {row_filter}{firsts}
), q as (
    insert into audit.quarantine (batch_id, source, file_name, line_number, field, value, reason)
    select {batch_id}, {_lit(contract.name)}, {_lit(file_name)}, _line, coalesce(_err[1], {key_names}),
           case when _err is null then {key_text} else _err[2] end,
           coalesce(_err[3], 'duplicate key: the same ' || {key_names} || ' is at line ' || {first})
    from t {join_firsts}
    where _err is not null or _line <> {first}
    returning 1
), ins as (
    insert into {target} ({", ".join([*meta, *names])})
    select {", ".join([*meta.values(), *(f"t.v{i}" for i in range(len(names)))])}
    from t {join_firsts}
    where _err is null and ({first} is null or _line = {first})
    returning 1
)
select (select count(*) from t), (select count(*) from ins), (select count(*) from q)
"""
    return TypingSql(prepare, load)


@dataclass
class CanonicalSql:
    """`insert` moves every row of the stage whose cells are all canonical (sources.values
    .canonical_sql) straight into the raw table, typed (its row count is the rows it loaded);
    `rest` then sets the other rows apart in the temporary table `rest_table` (`_line`, `_nf`,
    cells), for `typing_sql`. None when the contract has no mandatory column (a row of blank
    cells would pass as canonical): every row then goes through `typing_sql`."""

    insert: str
    rest: str
    rest_table: str = "_iku_rest"


def canonical_load_sql(
    mapping: Mapping,
    *,
    stage: str,
    target: str,
    meta: dict[str, str],
    as_of: date | None = None,
    numbered_from: int | None = None,
) -> CanonicalSql | None:
    """Rows whose every cell is already canonical are loaded by one INSERT ... SELECT with no
    typing function and no lookup table (the rules cannot reject them and give them the values
    the parsers would); the others are left to `typing_sql`, which finds the reason of each
    rejection. A row is canonical when it has the header's field count, each mandatory cell is
    canonical, and each optional cell is canonical or blank as COPY leaves it (null)."""
    width = mapping.width
    present = [(column, pos) for column, pos in zip(mapping.columns, mapping.positions, strict=True)]
    if not any(c.required for c, pos in present if pos is not None):
        return None
    if any(c.required for c, pos in present if pos is None):
        return None  # map_header refuses such a file; nothing canonical about it anyway
    latest = as_of.isoformat() if as_of else None
    tests, values, joins = [], [], []
    for i, (column, pos) in enumerate(present):
        if pos is None:
            values.append("null")
            continue
        cell = f"s.c{pos + 1}"
        canon = canonical_sql(column.type, cell, f"k{i}", column.sql_type, latest if column.past else None)
        if canon.join:
            joins.append(canon.join)
        tests.append(canon.ok if column.required else f"({cell} is null or {canon.ok})")
        values.append(canon.value)
    if numbered_from is None:  # a numbered stage: line and field count are columns
        rows, tests = stage, [f"s._nf = {width}", *tests]
        nf = "s._nf"
    else:  # copied as it is: the line is the row's place in the scan (see typing_sql)
        line = f"(row_number() over () + {numbered_from - 1})::integer"
        rows = f"(select s0.*, {line} as _line from {stage} s0)"
        nf = str(width)
    canonical = " and ".join(tests)
    cells = ", ".join(f"s.c{p}" for p in range(1, width + 1))
    source = f"from {rows} s {' '.join(joins)}"
    names = [c.name for c in mapping.columns]
    insert = (
        f"insert into {target} ({', '.join([*meta, *names])})\n"
        f"select {', '.join([*meta.values(), *values])}\n{source}\nwhere {canonical}"
    )
    rest = (
        f"create temp table _iku_rest on commit drop as select s._line, {nf} as _nf, {cells}\n"
        f"{source}\nwhere not coalesce({canonical}, false)"
    )
    return CanonicalSql(insert, rest)


def dedupe_sql(
    contract: Contract, mapping: Mapping, *, target: str, batch_id: int, file_name: str, key: tuple[str, ...]
) -> str:
    """Among the rows of `file_name` in `target` (all typed and good), the second and later
    rows of a key go to audit.quarantine and out of the table: the first occurrence (lowest
    line) wins. Two empty (null) key parts are equal, as in Python. Returns one row: how many."""
    by_name = {c.name: c for c in mapping.columns}
    key_names = _lit(", ".join(by_name[k].header for k in key))
    parts = "array[" + ", ".join(f"t.{k}::text" for k in key) + "]"
    in_file = f"t._source_file = {_lit(file_name)}"
    first = "min(t._source_line) over (partition by k._k)"
    reason = f"'duplicate key: the same ' || {key_names} || ' is at line ' || _first"
    return f"""
with k as (
    select {parts} as _k from {target} t where {in_file} group by 1 having count(*) > 1
), d as (
    select t.ctid as _ctid, t._source_line as _line, k._k, {first} as _first
    from {target} t join k on k._k = {parts}
    where {in_file}
), q as (
    insert into audit.quarantine (batch_id, source, file_name, line_number, field, value, reason)
    select {batch_id}, {_lit(contract.name)}, {_lit(file_name)}, _line, {key_names},
           array_to_string(_k, '|', 'None'), {reason}
    from d where _line <> _first
    returning 1
), gone as (
    delete from {target} t using d where t.ctid = d._ctid and d._line <> d._first returning 1
)
select (select count(*) from q), (select count(*) from gone)
"""


def canonical_file(mapping: Mapping, shapes: set[bytes] | None, delimiter: str) -> list[str] | None:
    """The raw columns, in the file's field order, when every line of a delimited file (given by
    its shapes, sources.readers.delimited.line_shapes) is canonical for the contract, so COPY can
    type it into the raw table as it is; None otherwise. Every field must be a loaded column of
    a type with a shape (sources.values.SHAPES): a field that is not loaded has no place to go
    but the stage, which alone may see personal data. A mandatory cell must be canonical, an
    optional one canonical or empty; no line may be blank."""
    if shapes is None or b"" in shapes:
        return None
    by_position = {
        pos: column for column, pos in zip(mapping.columns, mapping.positions, strict=True) if pos is not None
    }
    if sorted(by_position) != list(range(mapping.width)) or not any(c.required for c in mapping.columns):
        return None
    d = re.escape(delimiter)
    fields = []
    for pos in range(mapping.width):
        column = by_position[pos]
        if column.type not in SHAPES:
            return None
        shape = SHAPES[column.type].replace("{d}", d)
        fields.append(shape if column.required else f"(?:{shape})?")
    line = re.compile(d.join(fields).encode())
    if not all(line.fullmatch(shape) for shape in shapes):
        return None
    return [by_position[pos].name for pos in range(mapping.width)]
