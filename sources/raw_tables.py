"""The raw tables: their DDL, their indexes, and the partitions of per-file sources.

Invariants:

- A `snapshot` source's raw table is a plain table; a `per_file` source's raw table is
  LIST-partitioned by `_source_file`, one partition per delivered file, so that a new version
  of a file replaces its partition whole: the load fills a table created in its own transaction
  (no WAL with `wal_level = minimal`), builds its indexes, and swaps it in (`swap_partition`).
  Readers see the parent table, as before; a partition holds exactly one load of one file.
- Each partition carries `CHECK (_source_file = <file>)`, so attaching it needs no scan.
- The indexes of a raw table are those of `raw_indexes`: the key and each NIP column. For a
  per-file source they are the partitions' own (the key's unique: the loader keeps the first
  row of a key within a file), built before the partition is attached.
- A per-file raw table from before partitioning is converted in place on its first load
  (`ensure_raw_table`): one partition per file, holding that file's last load.
- `ensure_raw_tables` creates every raw table, empty, so dbt can build before all sources arrive.
- A raw column whose contract changed its type (a yes/no field once loaded as text) is retyped
  in place on the next load (`ensure_raw_table`), its values typed by the loader's own SQL
  typing function, so an unchanged file (not loaded again) still reads as the contract says.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

import sqlalchemy as sa

from sources.batch import RAW_SCHEMA, RAW_TABLE_LOCK, ensure_audit, index_name, raw_table_lock_key
from sources.contracts import Column, Contract, load_contracts
from sources.values import SQL_SCHEMA, sql_parser

PARTITIONED_MODES = {"per_file"}
log = logging.getLogger(__name__)


def is_partitioned(contract: Contract) -> bool:
    return contract.mode in PARTITIONED_MODES


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def columns_ddl(contract: Contract) -> str:
    cols = ",\n    ".join(f"{c.name} {c.sql_type}" for c in contract.loaded_columns)
    return (
        "    _batch_id bigint not null,\n"
        "    _source_file text not null,\n"
        "    _source_line integer not null,\n"
        "    _as_of_date date,\n"
        f"    {cols}"
    )


def raw_table_ddl(contract: Contract) -> str:
    partitioned = " partition by list (_source_file)" if is_partitioned(contract) else ""
    return (
        f"create table if not exists {RAW_SCHEMA}.{contract.raw_table} (\n{columns_ddl(contract)}\n)"
        f"{partitioned}"
    )


def nip_columns(contract: Contract) -> list[str]:
    return [c.name for c in contract.loaded_columns if c.type == "nip" and c.name]


def raw_indexes(key: tuple[str, ...], nip_cols: list[str], partitioned: bool) -> list[tuple[list[str], bool]]:
    """(columns, unique) of each index a raw table has: its key, and each NIP column not leading
    the key. A partition's key index is unique (nulls not distinct: two empty key parts are one
    key, as the loader counts them); the partitioned parent has no index of its own (it would
    have to hold `_source_file`, doubling the key index), its readers use the partitions'."""
    wanted: list[tuple[list[str], bool]] = []
    if key:
        wanted.append((list(key), partitioned))
    wanted += [([c], False) for c in nip_cols if not key or key[0] != c]
    return wanted


def index_ddl(table: str, name: str, columns: list[str], unique: bool) -> str:
    """`table` schema-qualified; the index of a partition and of its parent are the same shape."""
    kind = "unique index" if unique else "index"
    nulls = " nulls not distinct" if unique else ""
    return f"create {kind} if not exists {name} on {table} ({', '.join(columns)}){nulls}"


def relkind(cur: Any, table: str) -> str | None:
    """'r' plain, 'p' partitioned, None: no such table (in schema raw)."""
    cur.execute(
        "select c.relkind::text from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relname = %s",
        (RAW_SCHEMA, table),
    )
    row = cur.fetchone()
    return row[0] if row else None


def partition_name(raw_table: str, file_name: str) -> str:
    """The partition holding a file's rows: readable, unique per file, within 63 characters."""
    stem = re.sub(r"[^a-z0-9]+", "_", file_name.lower().rsplit(".", 1)[0]).strip("_")
    if stem.startswith(raw_table + "_"):
        stem = stem[len(raw_table) + 1 :]
    digest = hashlib.sha1(file_name.encode()).hexdigest()[:8]
    room = 63 - len(raw_table) - len(digest) - 4 - 3  # 3: the suffix of its indexes (_i0)
    return f"{raw_table}__{stem[:room]}_{digest}"


def create_load_table(cur: Any, raw_table: str, file_name: str, batch_id: int) -> str:
    """A table shaped as `raw_table`'s partitions (columns read from the catalog, so no lock is
    taken on the parent before the swap), created in the load's transaction; returns its name."""
    cur.execute(
        "select string_agg(format('%%I %%s%%s', attname, format_type(atttypid, atttypmod), "
        "case when attnotnull then ' not null' else '' end), ', ' order by attnum) "
        "from pg_attribute where attrelid = %s::regclass and attnum > 0 and not attisdropped",
        (f"{RAW_SCHEMA}.{raw_table}",),
    )
    columns = cur.fetchone()[0]
    name = f"{raw_table}__load_{batch_id}"
    cur.execute(
        f"create table {RAW_SCHEMA}.{name} ({columns}, "
        f"constraint {name}_file check (_source_file = {_lit(file_name)}))"
    )
    return name


def index_partition(cur: Any, name: str, key: tuple[str, ...], nip_cols: list[str]) -> None:
    """The indexes of `raw_indexes` on a partition, named `<name>_i<n>`."""
    for n, (columns, unique) in enumerate(raw_indexes(key, nip_cols, partitioned=True)):
        cur.execute(index_ddl(f"{RAW_SCHEMA}.{name}", f"{name}_i{n}", columns, unique))


def _partitions(cur: Any, raw_table: str) -> list[str]:
    cur.execute(
        "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid "
        "where i.inhparent = %s::regclass order by 1",
        (f"{RAW_SCHEMA}.{raw_table}",),
    )
    return [r[0] for r in cur.fetchall()]


def swap_partition(cur: Any, raw_table: str, file_name: str, name: str) -> None:
    """Replace the partition of `file_name` by the loaded table `name`, in the open transaction:
    the old one (if any) is detached and dropped, the new one attached (its CHECK spares the scan)
    and renamed to the file's partition name."""
    final = partition_name(raw_table, file_name)
    parent = f"{RAW_SCHEMA}.{raw_table}"
    cur.execute(
        "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid "
        "where i.inhparent = %s::regclass and pg_get_expr(c.relpartbound, c.oid) = %s",
        (parent, f"FOR VALUES IN ({_lit(file_name)})"),
    )
    old = [r[0] for r in cur.fetchall()]
    if old or relkind(cur, final):
        # the strongest lock first: two loads swapping in the same table queue here, never deadlock
        cur.execute(f"lock table {parent} in access exclusive mode")
    for table in old:
        cur.execute(f"alter table {parent} detach partition {RAW_SCHEMA}.{table}")
        cur.execute(f"drop table {RAW_SCHEMA}.{table}")
    if relkind(cur, final):  # a stray table of that name, not attached: not ours to keep
        cur.execute(f"drop table {RAW_SCHEMA}.{final}")
    bound = f"for values in ({_lit(file_name)})"
    cur.execute(f"alter table {parent} attach partition {RAW_SCHEMA}.{name} {bound}")
    cur.execute(f"alter table {RAW_SCHEMA}.{name} rename to {final}")
    for index in _index_names(cur, final):
        if index.startswith(name + "_i"):
            cur.execute(f"alter index {RAW_SCHEMA}.{index} rename to {final}{index[len(name) :]}")


def ensure_raw_table(engine: sa.Engine, contract: Contract) -> None:
    """The raw table, created (or, for a per-file source whose table predates partitioning,
    converted; or, for a column whose type the contract changed, retyped) under the table's
    lock: concurrent creators would collide."""
    with engine.begin() as conn:
        cur = conn.connection.cursor()
        kind = relkind(cur, contract.raw_table)
        if kind is not None and not (kind == "r" and is_partitioned(contract)) and not retyped(cur, contract):
            return
    ensure_audit(engine)  # the typing functions a retyped column is converted with
    with engine.begin() as conn:
        cur = conn.connection.cursor()
        cur.execute(
            "select pg_advisory_xact_lock(%s, hashtext(%s))",
            (RAW_TABLE_LOCK, raw_table_lock_key(contract.raw_table)),
        )
        kind = relkind(cur, contract.raw_table)
        if kind is None:
            cur.execute(raw_table_ddl(contract))
            return
        if kind == "r" and is_partitioned(contract):
            _partition_in_place(cur, contract)
        _retype(cur, contract)


# how pg_catalog.format_type names each contract SQL type
_CATALOG_TYPES = {"timestamp": "timestamp without time zone"}


def retyped(cur: Any, contract: Contract) -> list[Column]:
    """The raw table's loaded columns whose type is not (any longer) the contract's."""
    cur.execute(
        "select attname::text, format_type(atttypid, atttypmod) from pg_attribute "
        "where attrelid = %s::regclass and attnum > 0 and not attisdropped",
        (f"{RAW_SCHEMA}.{contract.raw_table}",),
    )
    existing = dict(cur.fetchall())
    return [
        c
        for c in contract.loaded_columns
        if c.name in existing and existing[c.name] != _CATALOG_TYPES.get(c.sql_type, c.sql_type)
    ]


def _retype(cur: Any, contract: Contract) -> None:
    """Bring the raw columns to the contract's types, each value typed by the loader's SQL typing
    function (the value it would load today; one it refuses becomes empty, and is logged). The
    views reading the table (dbt's staging views, and views on them) are dropped first:
    PostgreSQL cannot retype a column a view reads, and the refresh's dbt build re-creates them."""
    columns = retyped(cur, contract)
    if not columns:
        return
    table = f"{RAW_SCHEMA}.{contract.raw_table}"
    cur.execute(
        "select distinct format('%%I.%%I', n.nspname, v.relname) from pg_depend d "
        "join pg_rewrite r on r.oid = d.objid join pg_class v on v.oid = r.ev_class "
        "join pg_namespace n on n.oid = v.relnamespace "
        "where d.classid = 'pg_rewrite'::regclass and d.refobjid = %s::regclass and v.oid <> d.refobjid",
        (table,),
    )
    for (view,) in cur.fetchall():
        log.warning("%s: view %s dropped to retype the table (dbt re-creates it)", table, view)
        cur.execute(f"drop view if exists {view} cascade")
    for c in columns:
        typed = f"({sql_parser(c.type)}({c.name}::text))"
        cur.execute(
            f"select count(*) from {table} where {c.name} is not null and {typed}.error is not null "
            f"and {SQL_SCHEMA}.iku_strip({c.name}::text) <> ''"
        )
        refused = cur.fetchone()[0]
        cur.execute(
            f"alter table {table} alter column {c.name} type {c.sql_type} using {typed}.value::{c.sql_type}"
        )
        log.warning(
            "%s.%s retyped to %s as the contract says; %d value(s) it refuses are now empty "
            "(they are quarantined when the file is delivered again)",
            table,
            c.name,
            c.sql_type,
            refused,
        )


def _partition_in_place(cur: Any, contract: Contract) -> None:
    """Convert a plain per-file raw table into a partitioned one, in one transaction: one
    partition per file holding that file's last load (earlier loads left by a race are dropped),
    indexes rebuilt, grants kept, and the views reading the table re-pointed to the new one."""
    table, parent = contract.raw_table, f"{RAW_SCHEMA}.{contract.raw_table}"
    legacy = f"{table}__legacy"
    cur.execute(f"lock table {parent} in access exclusive mode")
    cur.execute(
        "select distinct v.oid::regclass::text, pg_get_viewdef(v.oid) "
        "from pg_depend d join pg_rewrite r on r.oid = d.objid join pg_class v on v.oid = r.ev_class "
        "where d.refobjid = %s::regclass and d.classid = 'pg_rewrite'::regclass and v.oid <> d.refobjid "
        "and v.relkind = 'v'",
        (parent,),
    )
    views = cur.fetchall()
    cur.execute(
        "select privilege_type, case when grantee = 0 then 'public' else grantee::regrole::text end, "
        "is_grantable from (select (aclexplode(relacl)).* from pg_class where oid = %s::regclass) a "
        "where grantee <> (select relowner from pg_class where oid = %s::regclass)",
        (parent, parent),
    )
    grants = cur.fetchall()
    cur.execute(f"alter table {parent} rename to {legacy}")
    for index in _index_names(cur, legacy):
        cur.execute(f"drop index {RAW_SCHEMA}.{index}")
    cur.execute(raw_table_ddl(contract))
    cur.execute(
        f"select _source_file, max(_batch_id) from {RAW_SCHEMA}.{legacy} group by _source_file order by 1"
    )
    for file_name, _ in cur.fetchall():
        name = partition_name(table, file_name)
        cur.execute(
            f"create table {RAW_SCHEMA}.{name} partition of {parent} for values in ({_lit(file_name)})"
        )
    names = ", ".join(
        ["_batch_id", "_source_file", "_source_line", "_as_of_date"]
        + [c.name for c in contract.loaded_columns if c.name]
    )
    cur.execute(
        f"insert into {parent} ({names}) select {names} from {RAW_SCHEMA}.{legacy} l join ("
        f"select _source_file, max(_batch_id) as b from {RAW_SCHEMA}.{legacy} group by 1"
        ") last using (_source_file) where last.b = l._batch_id"
    )
    for view, definition in views:
        cur.execute(f"create or replace view {view} as {definition}")
    for privilege, grantee, grantable in grants:
        option = " with grant option" if grantable else ""
        cur.execute(f"grant {privilege} on {parent} to {grantee}{option}")
    cur.execute(f"drop table {RAW_SCHEMA}.{legacy}")


def _index_names(cur: Any, table: str) -> list[str]:
    cur.execute(
        "select indexname from pg_indexes where schemaname = %s and tablename = %s", (RAW_SCHEMA, table)
    )
    return [r[0] for r in cur.fetchall()]


def index_and_analyze(cur: Any, raw_table: str, key: tuple[str, ...], nip_cols: list[str]) -> None:
    """The indexes of `raw_indexes` on the raw table, then fresh statistics: the quality checks
    join on them. Runs in a transaction of its own under the whole table's lock (never inside a
    load: two loads each holding rows and each waiting to build an index would deadlock). On a
    partitioned table the partitions already hold their indexes (built by their loads); the
    parent's statistics are gathered alone where the server can (PostgreSQL 18: ANALYZE ONLY;
    autovacuum analyzes the new partitions), else the partitions never analyzed are."""
    cur.execute(
        "select pg_advisory_xact_lock(%s, hashtext(%s))", (RAW_TABLE_LOCK, raw_table_lock_key(raw_table))
    )
    partitioned = relkind(cur, raw_table) == "p"
    if partitioned:  # each load indexed its partition; this covers partitions made otherwise
        for partition in _partitions(cur, raw_table):
            index_partition(cur, partition, key, nip_cols)
    else:
        for columns, unique in raw_indexes(key, nip_cols, partitioned):
            name = index_name(raw_table, columns)
            cur.execute(index_ddl(f"{RAW_SCHEMA}.{raw_table}", name, columns, unique))
    cur.execute("show server_version_num")
    if not partitioned or int(cur.fetchone()[0]) >= 180000:
        cur.execute(f"analyze{' only' if partitioned else ''} {RAW_SCHEMA}.{raw_table}")
        return
    # before PostgreSQL 18 ANALYZE of the parent analyzes every partition again, every night:
    # only the partitions never analyzed are (the parent keeps no statistics of its own)
    cur.execute(
        "select relname from pg_stat_user_tables where schemaname = %s and relid in "
        "(select inhrelid from pg_inherits where inhparent = %s::regclass) "
        "and last_analyze is null and last_autoanalyze is null",
        (RAW_SCHEMA, f"{RAW_SCHEMA}.{raw_table}"),
    )
    for (partition,) in cur.fetchall():
        cur.execute(f"analyze {RAW_SCHEMA}.{partition}")


def ensure_raw_tables(engine: sa.Engine) -> list[str]:
    """Create the audit schema, every contract's raw table and every SIMPEG raw table that does
    not exist yet."""
    from sources.simpeg import ensure_raw_table as ensure_simpeg_table
    from sources.simpeg import load_simpeg_config

    ensure_audit(engine)
    contracts = load_contracts().values()
    for contract in contracts:
        ensure_raw_table(engine, contract)
    tables = load_simpeg_config().values()
    for table in tables:
        ensure_simpeg_table(engine, table)
    return [c.raw_table for c in contracts] + [t.raw_table for t in tables]
