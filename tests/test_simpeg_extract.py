"""Extraction from a SIMPEG database into a real PostgreSQL, against SQLite and the machine's
MariaDB: full first extract, incremental runs that move only changed rows, quarantine, full
refresh, failures that keep the previous raw data, the demo database and the Dagster asset."""

import hashlib
import os
import random
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from sources.demo.population import build_employees, build_opds
from sources.demo.simpeg_db import SIMPEG_METADATA, write_simpeg_db
from sources.simpeg import (
    DEMO_DB_NAME,
    ExtractError,
    extract_all,
    extract_table,
    load_simpeg_config,
    parse_config,
    simpeg_engine,
)
from sources.simpeg.config import CONFIG_PATH
from sources.simpeg.source import to_cell

MARIADB_URL = os.environ.get("IKU_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
TABLES = load_simpeg_config()
CUTI = TABLES["simpeg_cuti"]
JENIS_CUTI = TABLES["simpeg_ref_jenis_cuti"]
NIP = "196608011988031001"
AS_OF = date(2025, 12, 31)
warehouse = pytest.mark.warehouse


def _mariadb() -> Iterator[sa.Engine]:
    admin = sa.create_engine(MARIADB_URL, connect_args={"connect_timeout": 3})
    try:
        with admin.connect():
            pass
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.skip(f"no MariaDB reachable at {MARIADB_URL} (set IKU_TEST_MARIADB_URL): {exc.orig}")
    name = f"iku_simpeg_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"create database {name} character set utf8mb4")
    engine = sa.create_engine(sa.make_url(MARIADB_URL).set(database=name))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"drop database if exists {name}")
        admin.dispose()


@pytest.fixture(params=["sqlite", "mariadb"])
def simpeg(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty SIMPEG database with the demo schema (tb_kgb, tb_cuti, tb_mutasi, ref_jenis_cuti)."""
    if request.param == "sqlite":
        engine = sa.create_engine(f"sqlite:///{tmp_path / DEMO_DB_NAME}")
        SIMPEG_METADATA.create_all(engine)
        yield engine
        engine.dispose()
        return
    for engine in _mariadb():
        SIMPEG_METADATA.create_all(engine)
        yield engine


def _cuti(id_cuti: int, updated_at: str, **changes: object) -> dict[str, object]:
    row = {
        "id_cuti": id_cuti,
        "nip": NIP,
        "kd_jenis_cuti": "01",
        "tgl_usul": "2025-01-02",
        "tgl_mulai": "2025-01-13",
        "tgl_selesai": "2025-01-15",
        "lama_hari": 3,
        "tgl_keputusan": "2025-01-06",
        "status_usulan": "disetujui",
        "no_sk": f"851/{id_cuti:05d}/BKDSDA/2025",
        "alamat_cuti": "Jl. Rahasia No. 7, Tobelo",
        "updated_at": updated_at,
    }
    return {**row, **changes}


def _insert(simpeg: sa.Engine, table: str, rows: list[dict[str, object]]) -> None:
    """Plain SQL with text values, as a PHP application writes them (MariaDB in its lenient
    mode, so that an impossible date can be stored like legacy SIMPEGs store them)."""
    columns = list(rows[0])
    sql = f"insert into {table} ({', '.join(columns)}) values ({', '.join(':' + c for c in columns)})"
    with simpeg.begin() as conn:
        if conn.dialect.name == "mysql":
            conn.exec_driver_sql("set session sql_mode = 'ALLOW_INVALID_DATES'")
        conn.execute(sa.text(sql), rows)


def _execute(simpeg: sa.Engine, sql: str, **params: object) -> None:
    with simpeg.begin() as conn:
        conn.execute(sa.text(sql), params)


def _scalar(engine: sa.Engine, sql: str, **params: object):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def _source_rows(simpeg: sa.Engine) -> list[tuple[str, ...]]:
    with simpeg.connect() as conn:
        rows = conn.execute(
            sa.text("select id_cuti, status_usulan, tgl_keputusan, updated_at from tb_cuti order by id_cuti")
        ).all()
    return [tuple(to_cell(v) for v in r) for r in rows]


def _raw_rows(engine: sa.Engine) -> list[tuple[str, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "select id_cuti, status_usulan, coalesce(tgl_keputusan::text, ''), updated_at "
                "from raw.simpeg_cuti order by id_cuti::int"
            )
        ).all()
    return [tuple(r) for r in rows]


def _counts(result) -> tuple[int, int, int]:
    return result.rows_read, result.rows_loaded, result.rows_quarantined


@warehouse
def test_full_then_incremental_moves_only_changed_rows(engine, simpeg) -> None:
    _insert(simpeg, "tb_cuti", [_cuti(i, f"2025-01-0{i} 10:00:00") for i in range(1, 6)])

    first = extract_table(engine, simpeg, CUTI)
    assert (first.outcome, first.mode, _counts(first)) == ("loaded", "full", (5, 5, 0))
    assert first.watermark == "2025-01-05 10:00:00"
    assert _raw_rows(engine) == _source_rows(simpeg)
    with engine.connect() as conn:
        batch = conn.execute(
            sa.text(
                "select file_name, file_sha256, rows_read, rows_loaded, rows_quarantined "
                "from audit.load_batches where batch_id = :b"
            ),
            {"b": first.batch_id},
        ).one()
        columns = set(
            conn.execute(
                sa.text(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'raw' and table_name = 'simpeg_cuti'"
                )
            ).scalars()
        )
        leaked = conn.execute(
            sa.text("select count(*) from raw.simpeg_cuti r where r::text like '%Rahasia%'")
        )
    assert batch.file_name == "simpeg:tb_cuti" and len(batch.file_sha256) == 64
    assert batch.rows_read == batch.rows_loaded + batch.rows_quarantined == 5
    assert {"id_cuti", "nip", "tgl_keputusan", "updated_at"} <= columns and "alamat_cuti" not in columns
    assert leaked.scalar() == 0

    # SIMPEG decides two requests and records a new one
    _execute(
        simpeg,
        "update tb_cuti set status_usulan = 'ditolak', no_sk = null, updated_at = :u where id_cuti in (1, 3)",
        u="2025-02-01 09:00:00",
    )
    _insert(
        simpeg, "tb_cuti", [_cuti(6, "2025-02-01 09:00:00", tgl_keputusan=None, status_usulan="diajukan")]
    )
    second = extract_table(engine, simpeg, CUTI)
    assert (second.outcome, second.mode, _counts(second)) == ("loaded", "incremental", (3, 3, 0))
    assert second.rows_unchanged == 1  # row 5, re-read at the old watermark
    assert second.watermark == "2025-02-01 09:00:00"
    assert _raw_rows(engine) == _source_rows(simpeg)

    third = extract_table(engine, simpeg, CUTI)
    assert (third.outcome, _counts(third)) == ("unchanged", (0, 0, 0))
    outcome = _scalar(
        engine,
        "select outcome from audit.load_batches where batch_id = :b and rows_read = 0",
        b=third.batch_id,
    )
    assert outcome == "unchanged"

    # a row committed late with the same timestamp as the watermark is not missed
    _insert(simpeg, "tb_cuti", [_cuti(7, "2025-02-01 09:00:00")])
    fourth = extract_table(engine, simpeg, CUTI)
    assert _counts(fourth) == (1, 1, 0) and fourth.rows_unchanged == 3
    assert _raw_rows(engine) == _source_rows(simpeg)
    assert (
        _scalar(
            engine,
            "select count(*) from audit.load_batches where rows_read <> rows_loaded + rows_quarantined",
        )
        == 0
    )


@warehouse
def test_bad_rows_are_quarantined_with_field_reason_and_key(engine, simpeg) -> None:
    _insert(
        simpeg,
        "tb_cuti",
        [
            _cuti(1, "2025-01-01 10:00:00"),
            _cuti(2, "2025-01-01 10:00:00", nip="19660801198803100"),  # 17 digits
            _cuti(3, "2025-01-01 10:00:00", tgl_keputusan="2025-02-30"),
            _cuti(4, "2025-01-02 10:00:00"),
        ],
    )
    result = extract_table(engine, simpeg, CUTI)
    assert _counts(result) == (4, 2, 2)
    with engine.connect() as conn:
        quarantined = conn.execute(
            sa.text(
                "select file_name, line_number, field, value, reason "
                "from audit.quarantine order by line_number"
            )
        ).all()
    assert [(q.file_name, q.line_number, q.field) for q in quarantined] == [
        ("simpeg:tb_cuti", 2, "nip"),
        ("simpeg:tb_cuti", 3, "tgl_keputusan"),
    ]
    assert "18 digits" in quarantined[0].reason and "[id_cuti=2]" in quarantined[0].reason
    assert "impossible date" in quarantined[1].reason and "[id_cuti=3]" in quarantined[1].reason

    # the steward corrects the NIP in SIMPEG: the row arrives; a good row turned bad leaves raw
    _execute(
        simpeg, "update tb_cuti set nip = :n, updated_at = '2025-03-01 08:00:00' where id_cuti = 2", n=NIP
    )
    _execute(
        simpeg, "update tb_cuti set nip = '1.96608E+17', updated_at = '2025-03-01 08:00:00' where id_cuti = 1"
    )
    fixed = extract_table(engine, simpeg, CUTI)
    assert _counts(fixed) == (2, 1, 1) and fixed.rows_removed == 1
    assert _scalar(engine, "select string_agg(id_cuti, ',' order by id_cuti) from raw.simpeg_cuti") == "2,4"


@warehouse
def test_full_refresh_removes_rows_deleted_in_simpeg(engine, simpeg, monkeypatch) -> None:
    _insert(simpeg, "tb_cuti", [_cuti(i, "2025-01-01 10:00:00") for i in range(1, 4)])
    extract_table(engine, simpeg, CUTI)
    _execute(simpeg, "delete from tb_cuti where id_cuti = 2")

    blind = extract_table(engine, simpeg, CUTI)  # a watermark does not see deletes
    assert blind.outcome == "unchanged"
    assert _scalar(engine, "select count(*) from raw.simpeg_cuti") == 3

    monkeypatch.setenv("IKU_SIMPEG_FULL_REFRESH", "1")
    full = extract_table(engine, simpeg, CUTI)
    assert (full.mode, _counts(full), full.rows_removed) == ("full", (2, 2, 0), 1)
    assert "no longer in SIMPEG" in full.message
    assert _raw_rows(engine) == _source_rows(simpeg)

    monkeypatch.delenv("IKU_SIMPEG_FULL_REFRESH")
    assert extract_table(engine, simpeg, CUTI).outcome == "unchanged"


@warehouse
def test_missing_column_fails_clearly_and_keeps_raw_data(engine, simpeg) -> None:
    _insert(simpeg, "tb_cuti", [_cuti(i, "2025-01-01 10:00:00") for i in range(1, 3)])
    extract_table(engine, simpeg, CUTI)
    before = _raw_rows(engine)
    _execute(simpeg, "alter table tb_cuti rename column status_usulan to status")

    with pytest.raises(ExtractError, match=r"tb_cuti.*status_usulan"):
        extract_table(engine, simpeg, CUTI)
    assert _raw_rows(engine) == before
    with engine.connect() as conn:
        outcome, message = conn.execute(
            sa.text("select outcome, message from audit.load_batches order by batch_id desc limit 1")
        ).one()
        watermark = conn.execute(sa.text("select watermark from audit.extract_watermarks")).scalar()
    assert outcome == "failed" and "status_usulan" in message and "tb_cuti" in message
    assert watermark == "2025-01-01 10:00:00"


@warehouse
def test_a_failure_inside_the_transaction_rolls_everything_back(engine, simpeg, monkeypatch) -> None:
    _insert(simpeg, "tb_cuti", [_cuti(1, "2025-01-01 10:00:00")])
    extract_table(engine, simpeg, CUTI)
    _insert(simpeg, "tb_cuti", [_cuti(2, "2025-02-01 10:00:00", nip="123")])

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("sources.simpeg.extract._merge", boom)
    with pytest.raises(ExtractError, match="tb_cuti: extraction failed: disk full"):
        extract_table(engine, simpeg, CUTI)
    assert _scalar(engine, "select count(*) from raw.simpeg_cuti") == 1
    assert _scalar(engine, "select count(*) from audit.quarantine") == 0
    assert _scalar(engine, "select watermark from audit.extract_watermarks") == "2025-01-01 10:00:00"


@warehouse
def test_reference_table_without_watermark_is_reloaded_in_full(engine, simpeg) -> None:
    _insert(
        simpeg,
        "ref_jenis_cuti",
        [
            {"kd_jenis_cuti": "01", "nama_jenis_cuti": "Cuti Tahunan"},
            {"kd_jenis_cuti": "03", "nama_jenis_cuti": ""},
        ],
    )
    first = extract_table(engine, simpeg, JENIS_CUTI)
    assert (first.mode, _counts(first)) == ("full", (2, 1, 1))  # the empty, required name is quarantined
    _execute(simpeg, "update ref_jenis_cuti set nama_jenis_cuti = 'Cuti Sakit' where kd_jenis_cuti = '03'")
    second = extract_table(engine, simpeg, JENIS_CUTI)
    assert (second.outcome, _counts(second)) == ("loaded", (2, 2, 0))
    assert _scalar(engine, "select count(*) from audit.extract_watermarks") == 0


@warehouse
def test_duplicate_keys_and_mapping_changes(engine, tmp_path: Path) -> None:
    """Duplicates (here: a mapping keyed on a non-unique column) are quarantined set-based; a
    column dropped from the mapping leaves the raw table at the next (full) extract."""
    simpeg = sa.create_engine(f"sqlite:///{tmp_path / 'dup.sqlite'}")
    SIMPEG_METADATA.create_all(simpeg)
    _insert(simpeg, "ref_jenis_cuti", [{"kd_jenis_cuti": k, "nama_jenis_cuti": "Cuti"} for k in ("01", "02")])
    data = yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))
    entry = next(t for t in data["tables"] if t["name"] == "simpeg_ref_jenis_cuti")
    entry |= {"name": "by_name", "raw_table": "simpeg_by_name", "key": ["nama_jenis_cuti"]}
    by_name = parse_config({**data, "tables": [entry]})["by_name"]
    result = extract_table(engine, simpeg, by_name)
    assert _counts(result) == (2, 1, 1)
    with engine.connect() as conn:
        field, reason = conn.execute(
            sa.text("select field, reason from audit.quarantine where batch_id = :b"), {"b": result.batch_id}
        ).one()
    assert field == "nama_jenis_cuti" and reason == "duplicate key: the same nama_jenis_cuti is at line 1"

    _insert(simpeg, "tb_cuti", [_cuti(1, "2025-01-01 10:00:00")])
    extract_table(engine, simpeg, CUTI)
    narrower = replace(CUTI, columns=tuple(c for c in CUTI.columns if c.header != "no_sk"))
    changed = extract_table(engine, simpeg, narrower)
    assert changed.mode == "full" and "changed to follow" in changed.message
    assert "no_sk" in changed.columns_not_mapped
    columns = _scalar(
        engine,
        "select string_agg(column_name, ',') from information_schema.columns "
        "where table_schema = 'raw' and table_name = 'simpeg_cuti'",
    )
    assert "no_sk" not in columns.split(",")
    simpeg.dispose()


def _population(scale: float):
    rng = random.Random(11)
    employees, _ = build_employees(rng, build_opds(rng), AS_OF, scale)
    return employees


def test_demo_database_is_deterministic_and_plausible(tmp_path: Path) -> None:
    employees = _population(0.1)
    paths = [write_simpeg_db(tmp_path / d, employees, AS_OF, random.Random(5)) for d in ("a", "b")]
    assert paths[0].name == DEMO_DB_NAME
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
    assert len(digests) == 1
    engine = simpeg_engine(f"sqlite:///{paths[0]}")
    with engine.connect() as conn:
        counts = {
            t: conn.execute(sa.text(f"select count(*) from {t}")).scalar()
            for t in ("tb_kgb", "tb_cuti", "tb_mutasi", "ref_jenis_cuti")
        }
        latest = max(
            conn.execute(sa.text(f"select max(updated_at) from {t}")).scalar()
            for t in ("tb_kgb", "tb_cuti", "tb_mutasi")
        )
        pending = conn.execute(sa.text("select count(*) from tb_cuti where tgl_keputusan is null")).scalar()
        kinds = set(conn.execute(sa.text("select distinct jenis_mutasi from tb_mutasi")).scalars())
        first_kgb = conn.execute(sa.text("select min(tmt_kgb) from tb_kgb")).scalar()
    engine.dispose()
    assert counts["ref_jenis_cuti"] == 6
    assert counts["tb_kgb"] > len(employees) and counts["tb_cuti"] > len(employees) // 2
    assert 10 <= counts["tb_mutasi"] <= 40
    assert latest[:10] <= AS_OF.isoformat() and first_kgb >= "2019-01-01"
    assert 0 < pending < counts["tb_cuti"] * 0.05
    assert kinds == {"Mutasi Antar OPD", "Pindah Masuk", "Pindah Keluar"}


@warehouse
def test_demo_database_extracts_cleanly(engine, tmp_path: Path) -> None:
    path = write_simpeg_db(tmp_path, _population(0.1), AS_OF, random.Random(5))
    simpeg = simpeg_engine(f"sqlite:///{path}")
    results = extract_all(engine, simpeg, list(TABLES.values()))
    with simpeg.connect() as conn:
        expected = {
            t.name: conn.execute(sa.text(f"select count(*) from {t.source_table}")).scalar()
            for t in TABLES.values()
        }
    simpeg.dispose()
    assert {r.source: (r.rows_read, r.rows_loaded, r.rows_quarantined) for r in results} == {
        name: (n, n, 0) for name, n in expected.items()
    }


@warehouse
def test_dagster_asset_materializes_and_tolerates_no_database(database_url, tmp_path: Path) -> None:
    from dagster import AssetKey, DagsterInstance, materialize

    from orchestration.assets.simpeg import NO_DATABASE, simpeg_assets
    from orchestration.resources import SimpegResource, SourceDropResource, WarehouseResource

    drop = tmp_path / "drop"
    drop.mkdir()
    cuti = [a for a in simpeg_assets if AssetKey(["raw", "simpeg_cuti"]) in a.keys]

    def run():
        resources = {
            "warehouse": WarehouseResource(url=database_url),
            "source_drop": SourceDropResource(path=str(drop)),
            "simpeg": SimpegResource(),
        }
        with DagsterInstance.ephemeral() as instance:
            result = materialize(cuti, resources=resources, instance=instance)
            assert result.success
            return result.get_asset_materialization_events()[0].materialization.metadata

    assert run()["outcome"].value == NO_DATABASE
    write_simpeg_db(drop, _population(0.05), AS_OF, random.Random(5))
    metadata = run()
    assert metadata["outcome"].value == "loaded" and metadata["rows_loaded"].value > 0
    assert metadata["rows_quarantined"].value == 0 and metadata["watermark"].value.startswith("2025-")


def test_resource_chooses_url_then_demo_file_then_nothing(tmp_path: Path) -> None:
    from orchestration.resources import SimpegResource

    assert SimpegResource().connection_url(tmp_path) is None
    (tmp_path / DEMO_DB_NAME).touch()
    assert SimpegResource().connection_url(tmp_path) == f"sqlite:///{tmp_path / DEMO_DB_NAME}"
    assert (
        SimpegResource(url="mysql+pymysql://r@h/simpeg").connection_url(tmp_path)
        == "mysql+pymysql://r@h/simpeg"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"columns": [{"source": "kd_jenis_cuti", "personal": True, "required": True}]}, "personal"),
        ({"key": ["nama_jenis_cuti"]}, "must be a loaded, required column"),
        ({"raw_table": "siasn_pns"}, "already used by contract siasn_pns"),
        ({"columns": [{"source": "tgl", "name": "tgl", "type": "money"}]}, "unknown type"),
        ({"watermark": "alamat", "columns": [{"source": "alamat", "personal": True}]}, "personal"),
    ],
)
def test_configuration_mistakes_fail_at_load_time(change: dict, message: str) -> None:
    table = {
        "name": "simpeg_x",
        "source_table": "ref_x",
        "raw_table": "simpeg_x",
        "key": ["kd"],
        "columns": [
            {"source": "kd", "name": "kd", "required": True},
            {"source": "nama_jenis_cuti", "name": "nama_jenis_cuti"},
        ],
    }
    for key, value in change.items():
        table[key] = table[key] + value if key == "columns" else value
    with pytest.raises(ValueError, match=message):
        parse_config({"steward": "Bidang INKA", "tables": [table]})


def test_shipped_configuration_never_loads_personal_columns() -> None:
    assert set(TABLES) == {"simpeg_kgb", "simpeg_cuti", "simpeg_mutasi", "simpeg_ref_jenis_cuti"}
    assert CUTI.personal_columns == ["alamat_cuti"]
    assert all(t.watermark == "updated_at" for t in TABLES.values() if t.name != "simpeg_ref_jenis_cuti")
    assert JENIS_CUTI.watermark is None
