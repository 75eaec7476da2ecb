"""Per-file sources live in one partition per file (sources.raw_tables): a new version of a file
replaces its partition whole, indexed and checked; a raw table from before partitioning is
converted on its first load, keeping views, grants and each file's last load; under
`wal_level = minimal` the rows of a load are written without WAL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from sources.contracts import load_contracts
from sources.load import load_file, load_files
from sources.raw_tables import partition_name
from tests.helpers import query_rows

pytestmark = pytest.mark.warehouse
PRESENSI = load_contracts()["presensi_harian"]
HEADER = "NIP,TANGGAL,STATUS,JAM MASUK,JAM PULANG"
NIPS = ["196608011988031001", "197001012000031002", "198502022010012003"]


def _month(folder: Path, month: str, status: str = "H", days: int = 20) -> Path:
    path = folder / f"presensi_harian_{month}.csv"
    lines = [HEADER] + [f"{n},{month}-{d:02d},{status},07:25,16:01" for n in NIPS for d in range(1, days + 1)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _partitions(engine: sa.Engine) -> dict[str, str]:
    """file name -> partition of raw.presensi_harian."""
    return {
        r[1].split("'")[1]: r[0]
        for r in query_rows(
            engine,
            "select c.relname, pg_get_expr(c.relpartbound, c.oid) from pg_inherits i "
            "join pg_class c on c.oid = i.inhrelid where i.inhparent = 'raw.presensi_harian'::regclass",
        )
    }


def test_each_file_is_a_partition_replaced_whole(engine, tmp_path: Path) -> None:
    jan, feb = _month(tmp_path, "2025-01"), _month(tmp_path, "2025-02")
    results = load_files(engine, PRESENSI, [jan, feb])
    assert [r.rows_loaded for r in results] == [60, 60]
    assert query_rows(
        engine, "select relkind::text from pg_class where oid = 'raw.presensi_harian'::regclass"
    ) == [("p",)]
    parts = _partitions(engine)
    assert parts == {jan.name: partition_name("presensi_harian", jan.name), feb.name: parts[feb.name]}
    # each partition: its file's CHECK (attached without a scan) and the parent's indexes
    checks = query_rows(
        engine,
        "select pg_get_constraintdef(oid) from pg_constraint "
        "where conrelid = cast(:t as regclass) and contype = 'c'",
        t=f"raw.{parts[jan.name]}",
    )
    assert checks == [(f"CHECK ((_source_file = '{jan.name}'::text))",)]
    indexes = query_rows(
        engine,
        "select indexname, indexdef from pg_indexes where schemaname = 'raw' and tablename = :t",
        t=parts[jan.name],
    )
    assert len(indexes) == 1 and indexes[0][0] == f"{parts[jan.name]}_i0"
    assert "UNIQUE" in indexes[0][1] and indexes[0][1].endswith("(nip, tanggal) NULLS NOT DISTINCT")
    parent_indexes = query_rows(
        engine, "select count(*) from pg_indexes where schemaname = 'raw' and tablename = 'presensi_harian'"
    )
    assert parent_indexes == [(0,)]  # the partitions' own serve the parent's readers

    # a corrected January: its partition is replaced, February's is the same table as before
    jan = _month(tmp_path, "2025-01", status="S", days=10)
    feb_oid = query_rows(engine, "select cast(:t as regclass)::oid", t=f"raw.{parts[feb.name]}")
    again = load_file(engine, PRESENSI, jan)
    assert (again.outcome, again.rows_loaded) == ("loaded", 30)
    assert _partitions(engine) == parts
    assert query_rows(engine, "select cast(:t as regclass)::oid", t=f"raw.{parts[feb.name]}") == feb_oid
    assert query_rows(
        engine,
        "select _source_file, status_kode, count(*), count(distinct _batch_id) from raw.presensi_harian "
        "group by 1, 2 order by 1",
    ) == [(jan.name, "S", 30, 1), (feb.name, "H", 60, 1)]
    assert query_rows(
        engine, "select count(*) from pg_tables where tablename like 'presensi_harian__load%'"
    ) == [(0,)]


def test_a_repeated_key_in_a_file_keeps_the_first_row(engine, tmp_path: Path) -> None:
    path = tmp_path / "presensi_harian_2025-03.csv"
    lines = [
        HEADER,
        f"{NIPS[0]},2025-03-03,H,07:25,16:01",  # 2
        f"{NIPS[0]},03-03-2025,S,,",  # 3: the same key, written otherwise
        f"{NIPS[1]},2025-03-03,H,07:25,16:01",  # 4
        f"{NIPS[0]},2025-03-03,TK,,",  # 5: again
    ]
    path.write_text("\n".join(lines) + "\n")
    result = load_file(engine, PRESENSI, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    assert query_rows(engine, "select _source_line, status_kode from raw.presensi_harian order by 1") == [
        (2, "H"),
        (4, "H"),
    ]
    reason = "duplicate key: the same NIP, TANGGAL is at line 2"
    assert query_rows(
        engine, "select line_number, field, value, reason from audit.quarantine order by 1"
    ) == [
        (3, "NIP, TANGGAL", f"{NIPS[0]}|2025-03-03", reason),
        (5, "NIP, TANGGAL", f"{NIPS[0]}|2025-03-03", reason),
    ]


def test_a_table_from_before_partitioning_is_converted_on_its_first_load(engine, tmp_path: Path) -> None:
    jan, feb = _month(tmp_path, "2025-01"), _month(tmp_path, "2025-02")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "create schema raw; create table raw.presensi_harian (_batch_id bigint not null, "
                "_source_file text not null, _source_line integer not null, _as_of_date date, nip text, "
                "tanggal date, status_kode text, jam_masuk text, jam_pulang text); "
                "create index presensi_harian__nip_tanggal_idx on raw.presensi_harian (nip, tanggal); "
                # January loaded twice by two racing runs (batches 1 and 2), February once (3)
                "insert into raw.presensi_harian select b, 'presensi_harian_2025-01.csv', d + 1, null, "
                "'196608011988031001', date '2025-01-01' + d, case b when 1 then 'H' else 'S' end, "
                "null, null "
                "from generate_series(1, 2) b, generate_series(0, 9) d; "
                "insert into raw.presensi_harian select 3, 'presensi_harian_2025-02.csv', d + 1, null, "
                "'196608011988031001', date '2025-02-01' + d, 'H', null, null from generate_series(0, 4) d; "
                "create schema staging; create view staging.v_presensi as "
                "select nip, tanggal, status_kode from raw.presensi_harian; "
                "grant select on raw.presensi_harian to public"
            )
        )
    # a third month arrives: the table is converted first, then the month is its own partition
    mar = _month(tmp_path, "2025-03", days=5)
    assert load_file(engine, PRESENSI, mar).rows_loaded == 15
    assert set(_partitions(engine)) == {jan.name, feb.name, mar.name}
    assert query_rows(
        engine,
        "select _source_file, min(status_kode), count(*) from raw.presensi_harian group by 1 order by 1",
    ) == [(jan.name, "S", 10), (feb.name, "H", 5), (mar.name, "H", 15)]
    assert query_rows(engine, "select count(*) from staging.v_presensi") == [(30,)]
    granted = "select grantee, privilege_type from information_schema.role_table_grants "
    granted += "where table_schema = 'raw' and table_name = 'presensi_harian' and grantee = 'PUBLIC'"
    assert query_rows(engine, granted) == [("PUBLIC", "SELECT")]
    assert query_rows(engine, "select count(*) from pg_tables where tablename like '%legacy%'") == [(0,)]
    indexed = query_rows(
        engine,
        "select count(*) from pg_indexes where schemaname = 'raw' and tablename like 'presensi_harian__%' "
        "and indexdef like '%UNIQUE%(nip, tanggal)%'",
    )
    assert indexed == [(3,)]


def test_a_load_under_minimal_wal_writes_its_rows_without_wal(engine, tmp_path: Path) -> None:
    if query_rows(engine, "show wal_level") != [("minimal",)]:
        pytest.skip("the server logs every write (wal_level is not minimal)")
    load_file(engine, PRESENSI, _month(tmp_path, "2025-01", days=2))  # the table and its first partition
    # above wal_skip_threshold (2 MB), where a new table is synced at commit rather than logged
    nips = [f"197001012000{i:06d}" for i in range(1200)]
    # the WAL position is the server's: another session's writes (autovacuum, a database another
    # test dropped) can only add to it, so the least of three loads is the load's own
    measured = []
    for month in ("04", "06", "07"):
        path = tmp_path / f"presensi_harian_2025-{month}.csv"
        lines = [HEADER] + [f"{n},2025-{month}-{d:02d},H,07:25,16:01" for n in nips for d in range(1, 31)]
        path.write_text("\n".join(lines) + "\n")
        before = query_rows(engine, "select pg_current_wal_insert_lsn()::text")[0][0]
        assert load_file(engine, PRESENSI, path).rows_loaded == 36000
        written = query_rows(engine, "select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), :b)", b=before)[0][
            0
        ]
        heap = query_rows(engine, "select pg_relation_size(:t)", t=f"raw.{_partitions(engine)[path.name]}")[
            0
        ][0]
        measured.append((written, heap))
    written, heap = min(measured)
    # the rows themselves are synced, not logged (an index under 2 MB is logged whole at commit)
    assert heap > 2 << 20 and written < heap / 2, measured


def test_a_repeated_key_in_a_canonical_file_keeps_the_first_row(engine, tmp_path: Path) -> None:
    """Every line canonical: COPY types the file straight into its partition; the repeated key is
    found when the unique key index will not build, and quarantined as on the general path."""
    path = tmp_path / "presensi_harian_2025-05.csv"
    lines = [HEADER, f"{NIPS[0]},2025-05-05,H,07:25,16:01", f"{NIPS[1]},2025-05-05,H,,"]
    lines += [f"{NIPS[0]},2025-05-05,S,,", f"{NIPS[0]},2025-05-06,TK,,"]
    path.write_text("\r\n".join(lines) + "\r\n")
    result = load_file(engine, PRESENSI, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 3, 1)
    assert query_rows(
        engine,
        "select _source_line, nip, tanggal::text, status_kode, jam_pulang from raw.presensi_harian "
        "order by 1",
    ) == [
        (2, NIPS[0], "2025-05-05", "H", "16:01"),
        (3, NIPS[1], "2025-05-05", "H", None),
        (5, NIPS[0], "2025-05-06", "TK", None),
    ]
    assert query_rows(engine, "select line_number, value, reason from audit.quarantine") == [
        (4, f"{NIPS[0]}|2025-05-05", "duplicate key: the same NIP, TANGGAL is at line 2")
    ]
    # and the rows came by the canonical COPY: no stage was needed, the load table kept no default
    defaults = query_rows(
        engine,
        "select count(*) from pg_attrdef d join pg_class c on c.oid = d.adrelid "
        "where c.relname like 'presensi_harian__%'",
    )
    assert defaults == [(0,)]


def test_an_impossible_date_in_a_canonical_looking_file_is_quarantined(engine, tmp_path: Path) -> None:
    path = tmp_path / "presensi_harian_2025-02.csv"
    lines = [HEADER, f"{NIPS[0]},2025-02-27,H,07:25,16:01", f"{NIPS[0]},2025-02-30,H,07:25,16:01"]
    path.write_text("\n".join(lines) + "\n")
    result = load_file(engine, PRESENSI, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert query_rows(engine, "select line_number, field, reason from audit.quarantine") == [
        (3, "TANGGAL", "impossible date '2025-02-30': day is out of range for month")
    ]
