"""The standard raw checks, generated from the source contracts instead of restated in YAML.

For every raw table (a file source's contract, sources/contracts/*.yml, or a SIMPEG table,
sources/simpeg/simpeg.yml), and under the names the checks have always had in schema `dq`:

- `<suite>_schema_and_required`: the required columns exist and are filled, every NIP column
  holds 18 digits (optionally: the table is not empty);
- `<suite>_key_unique`: no two rows share the contract's key. For a table the loader writes
  this is measured as rows of an older load of their file (plus, for a per-file source, the
  date rule that ties a key to its file), not by grouping every key: see `_key_rules`;
- `<suite>_nothing_quarantined`: no row of the current load was quarantined (file#line);
- `<suite>_volume_vs_previous_load`: the newest load holds 0.8 to 1.25 times the previous one;
- where the contract declares them (a column's `codes` and `link`, sources/contracts):
  `<suite>_codes_known` (every code is an accepted value: a BKN reference seed's codes, read
  from dbt_project/seeds, and/or the values the contract lists) and, per link,
  `<suite>_<column>_in_<source>` (every value is found in the linked source's column);
- where the suite's `standard:` section asks: `<suite>_dates_plausible` (its date rules) and
  `<suite>_nip_in_siasn`.

Invariants: every row-level rule of a table is one measure of ONE fetched row per table
(`profile_query`, with the current load's quarantine count and the table's columns): one
parallel hash aggregate over the table's few-valued columns, one per many-valued column (a NIP,
a key), SIASN membership as a hash left join of distinct NIPs, never a per-row subquery; GX
validates that row in memory. Each measure counts the unexpected rows and is paired with the
count of rows it checked, so stewards still get unexpected counts and percentages; sample keys
(NIPs, record keys, file#line, file names) come from set-based queries run only when a check
fails. Code and link checks are WARN: an unknown or unmatched value is reported to the steward
with its key and never blocks the night. The queries read the parent table, so a per-file source
may be a plain table or LIST-partitioned by `_source_file`. Raw checks run before dbt builds
the seeds, so nothing here reads schema `reference`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from orchestration.checks.gx_runner import CheckSpec, ExpectationSpec
from sources.contracts import Codes, Link, load_contracts

NIP_REGEX = "^[0-9]{18}$"
VOLUME_BAND = (0.8, 1.25)
LOADER_COLUMNS = frozenset({"_source_file", "_as_of_date", "_batch_id", "_source_line"})
PAST_NOTE = "(Dates after the export date are already quarantined where the contract marks them past.)"


@dataclass(frozen=True)
class Source:
    """What the generator needs of a raw table's contract."""

    name: str  # audit.load_batches.source
    raw_table: str
    mode: str  # snapshot / per_file / incremental
    simpeg: bool
    key: tuple[str, ...]
    required: tuple[str, ...]
    nips: tuple[str, ...]  # NIP columns
    required_nip: str | None  # the NIP column that identifies a row, if any
    columns: tuple[str, ...] = ()  # every loaded column
    hold_below_share: float | None = None  # the contract's hold rule, if any
    codes: tuple[tuple[str, Codes], ...] = ()  # (column, its accepted values)
    links: tuple[tuple[str, Link], ...] = ()  # (column, the source column its values name)


@cache
def sources_by_table() -> dict[str, Source]:
    from sources.simpeg import load_simpeg_config

    contracts = [(c, False) for c in load_contracts().values()]
    contracts += [(t.contract(), True) for t in load_simpeg_config().values()]
    out = {}
    for contract, simpeg in contracts:
        loaded = [c for c in contract.columns if c.loaded]
        nips = tuple(c.name for c in loaded if c.type == "nip")
        required = tuple(c.name for c in loaded if c.required)
        out[contract.raw_table] = Source(
            name=contract.name,
            raw_table=contract.raw_table,
            mode=contract.mode,
            simpeg=simpeg,
            key=tuple(contract.key),
            required=required,
            nips=nips,
            required_nip=next((n for n in nips if n in required), None),
            columns=tuple(c.name for c in loaded),
            hold_below_share=contract.hold_below_share,
            codes=tuple((c.name, c.codes) for c in loaded if c.codes),
            links=tuple((c.name, c.link) for c in loaded if c.link),
        )
    return out


def code_rule(column: str, codes: Codes) -> str:
    """SQL true on a row whose `column` is filled but not an accepted value."""
    if codes.any_case:
        return f"lower({column}) not in ({_lit(tuple(sorted({v.lower() for v in codes.accepted()})))})"
    return f"{column} not in ({_lit(codes.accepted())})"


def linked_values(link: Link) -> tuple[str, str]:
    """Relations of the values the link's columns hold (one column `linked`, each value once,
    so a join keeps the grouped rows' counts) and of whether any linked source holds a row
    (one row, column `delivered`): before the linked source is first delivered there is
    nothing to match (its own checks say it is empty), and every value would be reported."""
    contracts = load_contracts()
    selects, tables = [], []
    for target in link.to:
        source, _, column = target.partition(".")
        table = f"raw.{contracts[source].raw_table}"
        selects.append(f"select {column} as linked from {table}")
        tables.append(f"select 1 from {table}")
    values = f"(select distinct linked from ({selects[0]}) as v)" if len(selects) == 1 else None
    delivered = f"(select count(*) > 0 as delivered from ({' union all '.join(tables)} limit 1) as d)"
    return values or f"({' union '.join(selects)})", delivered


# --------------------------------------------------------------------------- SQL pieces


def _lit(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def key_expression(columns: tuple[str, ...], alias: str = "") -> str:
    """A row's key as one token: the column, or the columns joined by '/' (spaces as '_')."""
    p = f"{alias}." if alias else ""
    if len(columns) == 1:
        return f"{p}{columns[0]}::text"
    parts = [f"replace(coalesce({p}{c}::text, '-'), ' ', '_')" for c in columns]
    return f"concat_ws('/', {', '.join(parts)})"


def record_key(source: Source) -> str:
    """What a steward looks a row up by: its NIP where every row has one, else its key."""
    return source.required_nip or key_expression(source.key)


def _columns_in(condition: str, source: Source) -> tuple[str, ...]:
    """The raw table's columns a SQL condition reads (its loaded and loader columns)."""
    words = set(re.findall(r"[a-z_][a-z0-9_]*", re.sub(r"'[^']*'", "", condition.lower())))
    return tuple(sorted(words & (set(source.columns) | LOADER_COLUMNS)))


def _table(source: Source) -> str:
    return f"raw.{source.raw_table}"


@dataclass(frozen=True)
class Rule:
    """One row-level rule of a table: `bad` is true on an unexpected row (null: not checked),
    `checked` is true on a row the rule applies to. `columns`: what the rule reads when it is
    costly (a regex, a code list, a date rule, SIASN membership, a key): it is then evaluated
    once per distinct value of those columns, weighted by their row count (`n`), not once per
    row. `alone`: those columns take many distinct values (NIPs, keys): they are grouped on
    their own rather than with the table's other few-valued columns."""

    measure: str
    bad: str
    checked: str
    columns: tuple[str, ...] = ()
    alone: bool = False
    join: str | None = None  # for an `alone` rule: a left join onto its grouped rows `t`


def _sums(rules: list[Rule]) -> list[str]:
    """Over grouped rows (`n` rows each): the rows each rule flags and the rows it checked."""
    out = []
    for r in rules:
        out.append(f"coalesce(sum(n) filter (where {r.bad}), 0)::bigint as {r.measure}")
        if r.checked != "true":
            out.append(f"coalesce(sum(n) filter (where {r.checked}), 0)::bigint as checked__{r.measure}")
    return out


def profile_query(source: Source, rules: list[Rule]) -> str:
    """One row: `row_count`, and per rule the rows it flags and the rows it checked.

    One scan per group of columns, each a plain (parallel) hash aggregate: the table's
    few-valued columns (codes, file and day, batch, ...) are grouped together with the cheap
    null tests counted alongside; each set of many-valued columns (a NIP, a key) is grouped on
    its own. The rules then run on those few grouped rows; SIASN membership (and a link) is a
    hash left join of the distinct NIPs (linked values); the newest batch (of each file, for a
    per-file source) is a window over the grouped rows. Each group yields one row; the rows are
    cross-joined."""
    table = _table(source)
    rules = list({r.measure: r for r in rules}.values())  # a rule two checks read is measured once
    cheap = [r for r in rules if not r.columns]
    narrow = [r for r in rules if r.columns and not r.alone]
    cols = sorted({c for r in narrow for c in r.columns})
    inner = [*cols, "count(*) as n"]
    for i, r in enumerate(cheap):
        inner.append(f"count(*) filter (where {r.bad}) as b{i}")
        if r.checked != "true":
            inner.append(f"count(*) filter (where {r.checked}) as c{i}")
    if "_batch_id" in cols:
        by_file = "partition by _source_file" if source.mode == "per_file" else ""
        inner.append(f"max(_batch_id) over ({by_file}) as newest_batch")
    outer = ["coalesce(sum(n), 0)::bigint as row_count"]
    for i, r in enumerate(cheap):
        outer.append(f"coalesce(sum(b{i}), 0)::bigint as {r.measure}")
        if r.checked != "true":
            outer.append(f"coalesce(sum(c{i}), 0)::bigint as checked__{r.measure}")
    outer += _sums(narrow)
    group = f" group by {', '.join(cols)}" if cols else ""
    parts = [f"select {', '.join(outer)} from (select {', '.join(inner)} from {table}{group}) as t"]
    alone: dict[tuple[str, ...], list[Rule]] = {}
    for r in rules:
        if r.alone:
            alone.setdefault(r.columns, []).append(r)
    for columns, members in alone.items():
        frm = f"(select {', '.join(columns)}, count(*) as n from {table} group by {', '.join(columns)}) as t"
        for join in dict.fromkeys(r.join for r in members if r.join):
            frm += f" {join}"
        parts.append(f"select {', '.join(_sums(members))} from {frm}")
    return "select *\nfrom " + "\n  cross join ".join(f"({p}) as m{i}" for i, p in enumerate(parts))


def _of(rule: Rule) -> str:
    return "row_count" if rule.checked == "true" else f"checked__{rule.measure}"


def _measure(rule: Rule) -> ExpectationSpec:
    return ExpectationSpec(
        "expect_column_max_to_be_between",
        {"column": rule.measure, "max_value": 0},
        measure=True,
        of=_of(rule),
    )


def _sample(source: Source, condition: str, key: str | None = None, distinct: bool = False) -> str:
    what = "distinct " if distinct else ""
    key = key or record_key(source)
    return f"select {what}{key} as key from {_table(source)} as t where {condition} limit 20"


# --------------------------------------------------------------------------- the checks


def standard_checks(
    asset: tuple[str, ...],
    options: dict[str, Any],
    suite: str,
    steward: str | None = None,
    penanggung_jawab: str | None = None,
) -> list[CheckSpec]:
    """The standard checks of one raw table, by its contract (required columns, NIP columns, key,
    and the `codes` and `link` of its columns) and the suite's `standard:` options: `severity`
    (of schema_and_required; default WARN), `not_empty`, `key_unique` (default true),
    `nip_in_siasn`, `dates` ({about: text, rules: {name: SQL condition true on a plausible row}})."""
    source = sources_by_table()[asset[-1]]
    if "codes" in options:
        raise ValueError(f"{suite}.yml: codes are declared in the source contract (a column's `codes`)")
    unknown = set(options) - {"severity", "not_empty", "key_unique", "nip_in_siasn", "dates"}
    if unknown:
        raise ValueError(f"{suite}.yml: unknown standard options {sorted(unknown)}")
    common = {"asset": asset, "suite": suite, "steward": steward, "penanggung_jawab": penanggung_jawab}
    table = _table(source)

    required = [Rule(f"missing__{c}", f"{c} is null", "true") for c in source.required]
    nips = [
        Rule(f"bad_nip__{n}", f"{n} !~ '{NIP_REGEX}'", f"{n} is not null", (n,), alone=True)
        for n in source.nips
    ]
    code_rules = [
        Rule(f"unknown__{c}", code_rule(c, codes), f"{c} is not null", (c,)) for c, codes in source.codes
    ]
    links = [(c, link, *linked_values(link)) for c, link in source.links]
    link_rules = [
        Rule(
            f"unlinked__{c}",
            f"{_applies(c, link)} and d{i}.delivered and l{i}.linked is null",
            f"{_applies(c, link)} and d{i}.delivered",
            (c, *(w for w in _columns_in(link.where or "", source) if w != c)),
            alone=True,
            join=f"cross join {delivered} as d{i} left join {relation} as l{i} on l{i}.linked = t.{c}",
        )
        for i, (c, link, relation, delivered) in enumerate(links)
    ]
    dates = options.get("dates") or {}
    date_rules = [
        Rule(f"implausible__{n}", f"not ({cond})", f"({cond}) is not null", _columns_in(cond, source))
        for n, cond in (dates.get("rules") or {}).items()
    ]
    in_siasn = bool(options.get("nip_in_siasn"))
    siasn_option = options.get("nip_in_siasn") if isinstance(options.get("nip_in_siasn"), dict) else {}
    if set(siasn_option) - {"where", "about"}:
        raise ValueError(f"{suite}.yml: nip_in_siasn takes only where and about")
    nip = source.required_nip or (source.nips[0] if source.nips else None)
    if in_siasn and not nip:
        raise ValueError(f"{suite}.yml: nip_in_siasn on a table without a NIP column")
    applies = f"{nip} is not null" + (f" and ({siasn_option['where']})" if "where" in siasn_option else "")
    siasn_rules = (
        [
            Rule(
                f"not_in_siasn__{nip}",
                f"{applies} and s.siasn_nip is null",
                applies,
                (nip, *(c for c in _columns_in(siasn_option.get("where", ""), source) if c != nip)),
                alone=True,
                join=(
                    "left join (select distinct nip_baru as siasn_nip from raw.siasn_pns"
                    f" where nip_baru is not null) as s on s.siasn_nip = t.{nip}"
                ),
            )
        ]
        if in_siasn
        else []
    )
    key = _key_rules(source, options.get("key_unique", True), {r.measure: r for r in date_rules}, suite)
    rules = required + nips + code_rules + link_rules + date_rules + siasn_rules + key
    quarantined = current_quarantine(source)
    # the suite's one fetched row: the profile, the current load's quarantined rows, and the
    # table's columns (no row of them: `left join ... on false`) for the columns expectation
    profile = (
        f"select * from ({profile_query(source, rules)}) as p\n"
        "  cross join (select count(*) as quarantined_rows from audit.quarantine q\n"
        f"    where {quarantined}) as q\n"
        f"  left join (select * from {table} limit 0) as c on false"
    )
    clash = {r.measure for r in rules} & set(source.columns)
    if clash:
        raise ValueError(f"{suite}.yml: columns named like a measure: {sorted(clash)}")

    def spec(name: str, severity: str, description: str, query: str, expectations, **kw) -> CheckSpec:
        return CheckSpec(
            name=f"{suite}_{name}",
            severity=severity,
            description=" ".join(description.split()),
            query=query,
            expectations=tuple(expectations),
            fetch=True,
            generated=True,
            **common,
            **kw,
        )

    checks = []
    not_empty = bool(options.get("not_empty"))
    columns = ExpectationSpec(
        "expect_table_columns_to_match_set",
        {"column_set": list(source.required), "exact_match": False},
    )
    rows = [ExpectationSpec("expect_column_max_to_be_between", {"column": "row_count", "min_value": 1})]
    flagged = [r.bad for r in required + nips]
    checks.append(
        spec(
            "schema_and_required",
            str(options.get("severity", "WARN")).upper(),
            "The required columns exist and are filled"
            + (", the table is not empty" if not_empty else "")
            + (f", and every {', '.join(source.nips)} is 18 digits." if source.nips else "."),
            profile,
            [columns, *(rows if not_empty else []), *(_measure(r) for r in required + nips)],
            sample_keys=_sample(source, " or ".join(flagged)) if flagged else None,
        )
    )
    if key:
        checks.append(_key_unique(source, key, profile, spec))
    checks.append(
        spec(
            "nothing_quarantined",
            "WARN",
            "No row of the current load was quarantined (audit.quarantine). Quarantined rows are "
            "not in the warehouse: fix them in the source and deliver again. Sample keys are file#line.",
            profile,
            [
                ExpectationSpec(
                    "expect_column_max_to_be_between",
                    {"column": "quarantined_rows", "max_value": 0},
                    measure=True,
                )
            ],
            sample_keys=f"select q.file_name || '#' || q.line_number as key from audit.quarantine q "
            f"where {quarantined} order by q.batch_id, q.line_number limit 20",
        )
    )
    checks.append(_volume(source, spec))
    if source.hold_below_share is not None:
        checks.append(_delivery_held(source, spec))
    if code_rules:
        checks.append(
            spec(
                "codes_known",
                "WARN",
                f"Every code ({', '.join(c for c, _ in source.codes)}) is one of the values its source "
                "contract accepts (a BKN reference seed's codes and/or the values the contract lists; "
                "docs/sources.md): an unknown code matches no rule and would be read as none. Empty "
                "codes are not checked here.",
                profile,
                [_measure(r) for r in code_rules],
                sample_keys=_sample(source, " or ".join(r.bad for r in code_rules)),
            )
        )
    for (column, link, relation, delivered), rule in zip(links, link_rules, strict=True):
        targets = " or ".join(link.to)
        checks.append(
            spec(
                link.check_suffix(column),
                "WARN",
                f"Every {column} is found in {targets}"
                + (f" ({link.about.rstrip('.')})" if link.about else "")
                + ": a value found nowhere matches no rule and silently counts as none. Not checked "
                "while the linked source holds no row (its own checks report it empty).",
                profile,
                [_measure(rule)],
                sample_keys=f"select distinct {record_key(source)} as key from {table} as t "
                f"cross join {delivered} as d left join {relation} as l on l.linked = t.{column} "
                f"where {_applies(column, link)} and d.delivered and l.linked is null limit 20",
            )
        )
    if date_rules:
        checks.append(
            spec(
                "dates_plausible",
                "WARN",
                f"Dates are plausible: {dates['about'].rstrip('.')}. {PAST_NOTE}",
                profile,
                [_measure(r) for r in date_rules],
                sample_keys=_sample(source, " or ".join(r.bad for r in date_rules)),
            )
        )
    if in_siasn:
        checks.append(
            spec(
                "nip_in_siasn",
                "WARN",
                "Every NIP belongs to an employee of the current SIASN PNS snapshot"
                + (f" ({siasn_option['about'].rstrip('.')})." if "about" in siasn_option else "."),
                profile,
                [_measure(r) for r in siasn_rules],
                sample_keys=f"select distinct t.{nip} as key from (select {nip} from {table} "
                f"where {applies}) as t left join raw.siasn_pns as s on s.nip_baru = t.{nip} "
                "where s.nip_baru is null limit 20",
            )
        )
    return checks


def _applies(column: str, link: Link) -> str:
    """SQL true on a row whose `column` must be found in the linked source."""
    return f"{column} is not null" + (f" and ({link.where})" if link.where else "")


def _key_rules(source: Source, option: Any, date_rules: dict[str, Rule], suite: str) -> list[Rule]:
    """What `<suite>_key_unique` measures (none when `key_unique: false`).

    A table the loader writes from files holds, per file, the rows of ONE batch (a snapshot
    source: one batch in all; the loader empties the table, or replaces the file's rows (its
    partition), in the transaction that copies it in), and the loader quarantines a key repeated
    within a file. So its key is unique unless a file's rows are there twice (two batches of one
    file: two loads raced), or, for a per-file source, one key lies in two files: where a date
    rule ties the key to its file (`key_unique: {file_rule: <dates rule>}`, e.g. each attendance
    day lies in its file's month), that rule's failures are the only other way. Both are
    measured on a few grouped rows instead of grouping millions of keys. Elsewhere (SIMPEG
    tables, merged by key from several extracts; a per-file source without a file rule) the key
    itself is grouped."""
    if option is False:
        return []
    file_rule = option.get("file_rule") if isinstance(option, dict) else None
    if isinstance(option, dict) and set(option) - {"file_rule"}:
        raise ValueError(f"{suite}.yml: key_unique takes only file_rule")
    if file_rule and f"implausible__{file_rule}" not in date_rules:
        raise ValueError(f"{suite}.yml: key_unique.file_rule {file_rule!r} is not a dates rule")
    if not source.simpeg and (source.mode == "snapshot" or (source.mode == "per_file" and file_rule)):
        per_file = source.mode == "per_file"
        batches = Rule(
            "rows_of_an_older_batch",
            "_batch_id <> newest_batch",
            "true",
            ("_source_file", "_batch_id") if per_file else ("_batch_id",),
        )
        return [batches, date_rules[f"implausible__{file_rule}"]] if per_file else [batches]
    return [Rule("rows_sharing_a_key", "n > 1", "true", source.key, alone=True)]


def _key_unique(source: Source, rules: list[Rule], profile: str, spec) -> CheckSpec:
    key, table = ", ".join(source.key), _table(source)
    if rules[0].measure == "rows_sharing_a_key":
        description = f"No two rows share the key ({key})."
        sample = f"select {key_expression(source.key)} as key from {table} group by {key} having count(*) > 1"
    elif len(rules) == 1:  # a snapshot source
        description = (
            f"No two rows share the key ({key}): the table holds the rows of one load (the newest "
            "file: the loader empties the table in the transaction that copies the file in), and the "
            "loader quarantines a key repeated within the file. Measured as rows of any other load, "
            "not by grouping every key. Sample keys: the files of the older loads."
        )
        sample = (
            f"select _source_file as key from (select _source_file, _batch_id from {table} "
            f"group by _source_file, _batch_id) as b where _batch_id < (select max(_batch_id) from {table})"
        )
    else:  # a per-file source whose date rule ties each key to its file
        rule = rules[1].measure.split("__", 1)[1]
        description = (
            f"No two rows share the key ({key}): each file's rows come from one load (the loader "
            "replaces the file's rows, its partition, in the transaction that copies it again), the loader "
            "quarantines a key repeated within a file, and a key can lie in only one file unless it "
            f"breaks the date rule {rule}. Measured as rows of an older load of their file plus the "
            f"rows breaking {rule}, not by grouping every key. Sample keys: the files loaded twice, "
            "then rows outside their file."
        )
        sample = (
            "select _source_file as key from (select _source_file, _batch_id from "
            f"{table} group by _source_file, _batch_id) as b group by _source_file having count(*) > 1 "
            f"union all ({_sample(source, rules[1].bad)})"
        )
    return spec("key_unique", "WARN", description, profile, [_measure(r) for r in rules], sample_keys=sample)


def current_quarantine(source: Source) -> str:
    """The quarantine rows of the current load, from the small audit tables only: the newest
    loaded batch (per file for per-file sources); for SIMPEG tables, whose incremental extracts
    keep older batches' rows, every batch still in the (small) table as well."""
    loaded = f"from audit.load_batches where source = '{source.name}' and outcome = 'loaded'"
    if source.simpeg:
        current = f"select distinct _batch_id from {_table(source)} union select max(batch_id) {loaded}"
    elif source.mode == "per_file":
        current = f"select max(batch_id) {loaded} group by file_name"
    else:
        current = f"select max(batch_id) {loaded}"
    return f"q.source = '{source.name}' and q.batch_id in ({current})"


def _delivery_held(source: Source, spec) -> CheckSpec:
    """A delivered file the loader held (the contract's hold rule) and no later load of the same
    file replaced: the steward must deliver it complete."""
    held = (
        "select file_name, message from (select distinct on (file_name) file_name, outcome, message "
        f"from audit.load_batches where source = '{source.name}' and outcome in ('loaded', 'held') "
        "order by file_name, batch_id desc) as newest where outcome = 'held'"
    )
    return spec(
        "delivery_held",
        "WARN",
        f"No delivered file is held: the loader holds a file with fewer rows than "
        f"{source.hold_below_share:.0%} of the previous export's (a cut-off export), loads nothing of "
        "it, and keeps the earlier exports in force. Deliver the complete file under the same name. "
        "Sample keys: the held files.",
        f"select count(*) as held_files from ({held}) as h",
        [ExpectationSpec("expect_column_max_to_be_between", {"column": "held_files", "max_value": 0})],
        sample_keys=f"select file_name as key from ({held}) as h order by 1 limit 20",
    )


def _volume(source: Source, spec) -> CheckSpec:
    low, high = VOLUME_BAND
    loaded = f"from audit.load_batches where source = '{source.name}' and outcome = 'loaded'"
    band = "The band is the min_value / max_value below."
    if source.mode == "per_file":
        description = (
            f"Each file delivered again holds {low} to {high} times the rows of its previous delivery "
            "(one file per period: a new file has nothing to compare with and passes)."
        )
        query = (
            "select * from (with loads as (select file_name, rows_loaded, row_number() over "
            f"(partition by file_name order by batch_id desc) as n {loaded}) "
            "select cur.file_name, cur.rows_loaded::numeric / nullif(prev.rows_loaded, 0) as "
            "ratio_to_previous_load from loads cur left join loads prev on prev.file_name = cur.file_name "
            "and prev.n = 2 where cur.n = 1) as volume"
        )
    else:
        full = " and message not like 'incremental%'" if source.simpeg else ""
        description = (
            f"The newest full extract holds {low} to {high} times the rows of the previous full extract "
            "(incremental extracts only carry changes and are not compared)."
            if source.simpeg
            else f"The newest load holds {low} to {high} times the rows of the previous load (passes on "
            "the first load)."
        )
        query = (
            "select * from (with loads as (select rows_loaded, row_number() over (order by batch_id desc) "
            f"as n {loaded}{full}) select cur.rows_loaded::numeric / nullif(prev.rows_loaded, 0) as "
            "ratio_to_previous_load from loads cur left join loads prev on prev.n = 2 "
            "where cur.n = 1) as volume"
        )
    return spec(
        "volume_vs_previous_load",
        "WARN",
        f"{description} {band}",
        query,
        [
            ExpectationSpec(
                "expect_column_values_to_be_between",
                {"column": "ratio_to_previous_load", "min_value": low, "max_value": high},
            )
        ],
    )
