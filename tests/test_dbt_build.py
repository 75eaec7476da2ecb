"""`dbt build` (seeds, snapshot, models, every data test and unit test) on every demo source,
against a real PostgreSQL, and what the indicator table must guarantee."""

import csv
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from orchestration.settings import REPO_ROOT
from orchestration.warehouse import dbt_env, drop_database, ensure_database, make_engine
from tests.conftest import DEMO_AS_OF
from tests.helpers import agency_figure, bkd_1_3_by_hand, load_demo, run_dbt

pytestmark = [pytest.mark.warehouse, pytest.mark.slow]
CATALOG = REPO_ROOT / "dbt_project" / "seeds" / "iku_catalog.csv"
SHARED = [("BKD-1.3", "PSDA-3"), ("BKD-1.4", "MUT-4"), ("BKD-2.1", "PSDA-1")]
PERSONAL = {"nama", "nik", "tanggal_lahir", "alamat", "nomor_hp", "email", "tempat_lahir_nama"}


@pytest.fixture(scope="module")
def built(server_url: str, demo_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    name = f"iku_dbt_{uuid.uuid4().hex[:8]}"
    ensure_database(server_url, name)
    url = server_url.rsplit("/", 1)[0] + "/" + name
    engine = make_engine(url)
    load_demo(engine, demo_dir)
    target = tmp_path_factory.mktemp("dbt_target")
    result = run_dbt(["build"], target, env=dbt_env(url))
    yield engine, result, url, target
    engine.dispose()
    drop_database(server_url, name)


def _rows(engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def test_dbt_build_passes_with_every_test(built) -> None:
    _, result, _, _ = built
    assert result.returncode == 0, result.stdout[-4000:]
    assert "ERROR=0" in result.stdout
    assert "unit_test" in result.stdout or "unit test" in result.stdout.lower()


def test_bkd_1_3_equals_the_figure_computed_by_hand(built, demo_dir: Path) -> None:
    engine, _, _, _ = built
    row = agency_figure(engine, "BKD-1.3", str(DEMO_AS_OF.year))
    numerator, denominator = bkd_1_3_by_hand(next(demo_dir.glob("siasn_pns_*.csv")))
    assert (row.numerator, row.denominator) == (numerator, denominator)
    assert float(row.value) == pytest.approx(100 * numerator / denominator, abs=1e-4)


def test_every_catalog_code_is_present_for_every_year(built) -> None:
    engine, _, _, _ = built
    with CATALOG.open(encoding="utf-8") as fh:
        codes = {r["indicator_code"] for r in csv.DictReader(fh)}
    assert len(codes) == 51
    years = range(2021, DEMO_AS_OF.year + 1)
    found = {
        (r.indicator_code, r.period_year)
        for r in _rows(
            engine,
            "select indicator_code, period_year from marts_build.fct_iku "
            "where scope = 'agency' and period_type = 'year'",
        )
    }
    assert found == {(c, y) for c in codes for y in years}
    # a value, or a null with its reason
    missing = _rows(
        engine, "select iku_id from marts_build.fct_iku where value is null and null_reason is null"
    )
    assert missing == []


def test_shared_figures_agree(built) -> None:
    engine, _, _, _ = built
    for left, right in SHARED:
        a = _rows(
            engine,
            "select period_id, scope, opd_id, numerator, denominator, value from marts_build.fct_iku "
            "where indicator_code = :c order by 1, 2, 3",
            c=left,
        )
        b = _rows(
            engine,
            "select period_id, scope, opd_id, numerator, denominator, value from marts_build.fct_iku "
            "where indicator_code = :c order by 1, 2, 3",
            c=right,
        )
        assert a and a == b, (left, right)


def test_opd_breakdown_adds_up_and_evidence_recomputes_every_figure(built) -> None:
    engine, _, _, _ = built
    mismatched = _rows(
        engine,
        """
        with opd as (
            select indicator_code, period_id, sum(numerator) as n, sum(denominator) as d
            from marts_build.fct_iku where scope = 'opd' group by 1, 2
        )
        select a.indicator_code, a.period_id from marts_build.fct_iku as a
        inner join opd on a.indicator_code = opd.indicator_code and a.period_id = opd.period_id
        inner join reference.iku_catalog as c on a.indicator_code = c.indicator_code
        where a.scope = 'agency' and c.opd_breakdown
            and (a.numerator <> opd.n or a.denominator <> opd.d)
            and not exists (
                select 1 from marts_build.fct_iku_evidence as e
                where e.indicator_code = a.indicator_code and e.period_id = a.period_id
                    and e.opd_id is null
            )
        """,
    )
    assert mismatched == []
    recomputed = _rows(
        engine,
        """
        with sums as (
            select indicator_code, period_id, sum(numerator_amount) as n,
                coalesce(sum(denominator_amount), 0) as d
            from marts_build.fct_iku_evidence group by 1, 2
        )
        select f.indicator_code, f.period_id, f.numerator, s.n, f.denominator, s.d
        from marts_build.fct_iku as f
        inner join sums as s on f.indicator_code = s.indicator_code and f.period_id = s.period_id
        where f.scope = 'agency' and (f.numerator <> s.n or f.denominator <> s.d)
        """,
    )
    assert recomputed == []


BY_HAND = {
    # docs/indicators.md, "Three figures recomputed by hand": the same queries, on marts_build
    "BKD-2.2": """
        select count(*) filter (where ok), count(*) from (
            select v.nip, exists (
                select 1 from staging.stg_siasn__riwayat_diklat as k
                inner join reference.ref_diklat_kepemimpinan as r using (latihan_struktural_id)
                where k.nip = v.nip and r.kepemimpinan_level <= v.eselon_level
                    and k.tanggal_selesai <= date '2025-12-31'
            ) as ok
            from marts_build.dim_pegawai as v
            where v.is_current and v.is_active_service and v.eselon_level between 2 and 4
                and not v.is_pelaksana_tugas
        ) as officials""",
    "BKD-1.4": """
        select count(*) filter (where filled), count(*) from (
            select p.jabatan_id, exists (
                select 1 from marts_build.dim_pegawai as v
                where v.jabatan_id = p.jabatan_id and v.is_current and v.is_active_service
                    and not v.is_pelaksana_tugas
            ) as filled
            from staging.stg_steward__peta_jabatan as p where p.eselon_id is not null
        ) as positions""",
    "MUT-5": """
        with requests as (
            select tgl_usul, tgl_keputusan from staging.stg_simpeg__cuti
            union all
            select tgl_usul, tgl_keputusan from staging.stg_simpeg__mutasi
        )
        select count(*) filter (where tgl_keputusan - tgl_usul <= 14), count(*)
        from requests where tgl_usul between date '2025-01-01' and date '2025-12-31'""",
}


@pytest.mark.parametrize("code", sorted(BY_HAND))
def test_figures_recomputed_by_hand_from_the_sources(built, code: str) -> None:
    engine, _, _, _ = built
    numerator, denominator = _rows(engine, BY_HAND[code])[0]
    row = agency_figure(engine, code, "2025")
    assert denominator > 0
    assert (row.numerator, row.denominator) == (numerator, denominator)


def test_zero_denominators_give_a_null_with_its_reason(built) -> None:
    engine, _, _, _ = built
    rows = _rows(
        engine,
        "select value, null_reason from marts_build.fct_iku "
        "where unit_of_measure in ('persen', 'per 1000') and denominator = 0",
    )
    assert rows, "the demo has periods without data (e.g. quarters before a register begins)"
    assert all(r.value is None and "denominator is zero" in r.null_reason for r in rows)


def test_marts_hold_no_personal_data_and_carry_their_docs(built) -> None:
    engine, _, _, _ = built
    columns = {
        r.column_name
        for r in _rows(
            engine,
            "select column_name from information_schema.columns where table_schema = 'marts_build'",
        )
    }
    assert not columns & PERSONAL
    comment = _rows(engine, "select obj_description('marts_build.fct_iku'::regclass)")[0][0]
    assert comment and "IKU" in comment  # persist_docs reached PostgreSQL


def test_pendidikan_cutoff_is_a_var(built, demo_dir: Path) -> None:
    # last in this module: it rebuilds the indicator with another cutoff
    engine, _, url, target = built
    result = run_dbt(
        [
            "build",
            "-s",
            "int_iku_evidence__pendidikan_tinggi+",
            "--vars",
            "{pendidikan_tinggi_min_tingkat: 35}",
        ],
        target,
        env=dbt_env(url),
    )
    assert result.returncode == 0, result.stdout[-3000:]
    row = agency_figure(engine, "BKD-1.3", str(DEMO_AS_OF.year))
    expected = bkd_1_3_by_hand(next(demo_dir.glob("siasn_pns_*.csv")), min_tingkat=35)
    assert (row.numerator, row.denominator) == expected
