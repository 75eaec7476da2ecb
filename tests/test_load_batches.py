"""The audited batch (sources.batch): every batch reconciles whatever its outcome, a crashed load
is closed at the next start but a running one never, concurrent loads of one file leave one copy,
and each load leaves its raw table indexed and analyzed."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from sources.batch import Batch, close_stale_batches, ensure_audit, index_name
from sources.contracts import load_contracts
from sources.load import load_file
from sources.readers import SourceFileError
from tests.helpers import query_rows

pytestmark = pytest.mark.warehouse
PRESENSI = load_contracts()["presensi_harian"]
SIASN = load_contracts()["siasn_pns"]
NIPS = ["196608011988031001", "197001012000031002", "198502022010012003"]


def _month_file(folder: Path, days: int = 20) -> Path:
    path = folder / "presensi_harian_2025-03.csv"
    lines = ["NIP,TANGGAL,STATUS,JAM MASUK,JAM PULANG"]
    lines += [f"{nip},2025-03-{d:02d},H,07:25,16:01" for nip in NIPS for d in range(1, days + 1)]
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def test_a_failed_batch_reconciles_and_the_check_enforces_it(engine, tmp_path: Path) -> None:
    broken = tmp_path / "siasn_pns_2026-01-31.csv"
    broken.write_text("PNS ID|NAMA\nx|y\n", encoding="utf-8")
    with pytest.raises(SourceFileError):
        load_file(engine, SIASN, broken)
    loaded = load_file(engine, PRESENSI, _month_file(tmp_path))
    assert loaded.outcome == "loaded" and loaded.reconciles
    batches = query_rows(
        engine,
        "select outcome, rows_read, rows_loaded, rows_quarantined, rows_failed from audit.load_batches "
        "order by batch_id",
    )
    assert batches == [("failed", 0, 0, 0, 0), ("loaded", 60, 60, 0, 0)]
    with pytest.raises(sa.exc.IntegrityError, match="load_batches_reconciles"), engine.begin() as conn:
        conn.execute(sa.text("update audit.load_batches set rows_loaded = 59 where outcome = 'loaded'"))


def test_an_existing_warehouse_gets_the_check(engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "create schema audit; create table audit.load_batches (batch_id bigserial primary key, "
                "source text not null, raw_table text not null, file_name text not null, "
                "file_sha256 text not null, file_bytes bigint not null, as_of_date date, rows_read bigint, "
                "rows_loaded bigint, rows_quarantined bigint, started_at timestamptz not null default now(), "
                "finished_at timestamptz, outcome text not null default 'running', message text, "
                "run_id text); "
                "insert into audit.load_batches (source, raw_table, file_name, file_sha256, file_bytes, "
                "rows_read, rows_loaded, rows_quarantined, outcome) values "
                "('a', 'raw.a', 'a.csv', 'x', 1, 40, 0, 0, 'failed'), "
                "('a', 'raw.a', 'a.csv', 'y', 1, 5, 4, 1, 'loaded')"
            )
        )
    ensure_audit(engine)
    assert query_rows(engine, "select rows_read, rows_failed from audit.load_batches order by batch_id") == [
        (40, 40),
        (5, 0),
    ]
    assert query_rows(
        engine,
        "select convalidated from pg_constraint where conname = 'load_batches_reconciles'",
    ) == [(True,)]


def test_stale_batches_are_closed_but_running_ones_are_not(engine) -> None:
    alive = Batch(engine, "presensi_harian", "presensi_harian", "alive.csv").open()
    crashed = Batch(engine, "presensi_harian", "presensi_harian", "crashed.csv").open()
    crashed.rows_read = 0
    # the process dies: its connection, and with it the batch's lock, is gone
    crashed._raw.driver_connection.close()
    try:
        assert close_stale_batches(engine) == 1
        assert close_stale_batches(engine) == 0
        rows = dict(
            (r[0], r[1:])
            for r in query_rows(
                engine,
                "select file_name, outcome, rows_read, rows_loaded, rows_quarantined, rows_failed "
                "from audit.load_batches",
            )
        )
        assert rows["alive.csv"] == ("running", None, None, None, 0)
        assert rows["crashed.csv"] == ("failed", 0, 0, 0, 0)
    finally:
        alive.fail("test over")
        alive.close()
    crashed.close()  # on a dead connection: records nothing more, raises nothing
    assert query_rows(engine, "select count(*) from audit.load_batches where outcome = 'running'") == [(0,)]


def test_concurrent_loads_of_one_file_leave_one_copy(engine, tmp_path: Path) -> None:
    path = _month_file(tmp_path, days=28)
    results, errors = [], []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        try:
            results.append(load_file(engine, PRESENSI, path))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(r.outcome for r in results) == ["loaded", "unchanged"]
    assert query_rows(engine, "select count(*), count(distinct (nip, tanggal)) from raw.presensi_harian") == [
        (84, 84)
    ]
    assert query_rows(engine, "select count(*) from audit.load_batches where outcome = 'loaded'") == [(1,)]


def test_a_load_leaves_key_and_nip_indexes_and_statistics(engine, demo_dir: Path) -> None:
    load_file(engine, SIASN, next(demo_dir.glob("siasn_pns_*.csv")))
    load_file(engine, load_contracts()["riwayat_jabatan"], next(demo_dir.glob("riwayat_jabatan_*.csv")))
    indexes = {
        r[0]: r[1]
        for r in query_rows(engine, "select indexname, indexdef from pg_indexes where schemaname = 'raw'")
    }
    # the key (nip_baru) of siasn_pns on its export's partition (every export is kept, one
    # partition each: the key is unique within an export), and the key (id) and the NIP of
    # riwayat_jabatan
    (partition_index,) = [d for n, d in indexes.items() if n.startswith("siasn_pns__")]
    assert partition_index.startswith("CREATE UNIQUE INDEX") and "(nip_baru)" in partition_index
    assert indexes[index_name("riwayat_jabatan", ["id"])].endswith("(id)")
    assert indexes[index_name("riwayat_jabatan", ["nip_baru"])].endswith("(nip_baru)")
    assert len(indexes) == 3
    analyzed = query_rows(
        engine,
        "select relname from pg_stat_user_tables where schemaname = 'raw' and last_analyze is not null",
    )
    analyzed_tables = {r[0] for r in analyzed}
    assert "riwayat_jabatan" in analyzed_tables
    # the partitioned table or its export's partition, as the server version records it
    assert any(t == "siasn_pns" or t.startswith("siasn_pns__") for t in analyzed_tables)
