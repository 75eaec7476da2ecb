"""Issue 5, item 1: the expectation suites (orchestration/checks/suites/*.yml) on real data.

Every check passes on clean demo data; every kind of deliberate demo defect is reported by a
check (quarantined rows by `raw_<source>_nothing_quarantined`, flagged rows by the specific
check, with the defect's NIP among the sample keys); files the readers cope with (Latin-1,
title rows) pass every check; a doctored fct_iku fails the IKU checks. The checks run through
`gx_runner.run_suite`, suite by suite (no Dagster); sample keys are run here as dq_store runs them.
"""

from __future__ import annotations

import csv
import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from orchestration.checks.gx_runner import (
    SUITES_DIR,
    CheckOutcome,
    CheckSpec,
    load_suites,
    run_check,
    run_suite,
)
from orchestration.settings import REPO_ROOT
from orchestration.warehouse import dbt_env, drop_database, ensure_database, make_engine, sqlalchemy_url
from sources.contracts import load_contracts
from sources.demo import generate
from sources.demo.defects import DEFECT_KINDS, FLAGGED, QUARANTINED, Defect, defect_rates
from sources.drop_folder import files_for
from sources.load import load_file
from sources.raw_tables import ensure_raw_tables
from sources.simpeg import load_simpeg_config
from tests.conftest import DEMO_AS_OF
from tests.helpers import load_demo, run_dbt

pytestmark = [pytest.mark.warehouse, pytest.mark.slow]

SEEDS = REPO_ROOT / "dbt_project" / "seeds"
NIP = re.compile(r"^[0-9]{18}$")
# the check that must flag each loaded-but-wrong defect, by the file it is in
FLAGGING_CHECK = {
    ("nip_birth_mismatch", "siasn_pns"): "raw_siasn_pns_nip_matches_birth_date",
    ("unknown_code", "siasn_pns"): "raw_siasn_pns_codes_known",
    ("unknown_code", "riwayat_hukdis"): "raw_riwayat_hukdis_codes_known",
    ("two_opds", "riwayat_jabatan"): "raw_riwayat_jabatan_one_current_opd",
}


def _new_database(server_url: str, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    ensure_database(server_url, name)
    return server_url.rsplit("/", 1)[0] + "/" + name


def _keys(engine: sa.Engine, spec: CheckSpec) -> list[str]:
    """The check's sample keys, the way dq_store runs them (at most 20)."""
    assert spec.sample_keys, f"{spec.name} has no sample_keys"
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"select key from ({spec.sample_keys}) as s limit 20")).scalars()
        return [str(k) for k in rows]


def _run(specs, url: str) -> dict[str, CheckOutcome]:
    """The checks suite by suite, as the Dagster multi-asset checks run them."""
    by_suite: dict[str, list[CheckSpec]] = {}
    for spec in specs:
        by_suite.setdefault(spec.suite, []).append(spec)
    outcomes = {}
    for suite_specs in by_suite.values():
        outcomes.update(run_suite(suite_specs, url))
    return outcomes


def _describe(outcomes: dict[str, CheckOutcome]) -> list[str]:
    return [f"{n} [{o.spec.severity}]: {o.observed_summary}" for n, o in outcomes.items() if not o.success]


def _source_of(file_name: str) -> str:
    return next(c.name for c in load_contracts().values() if c.matches(Path(file_name)))


# --------------------------------------------------------------------------- the suites as files


def _every_source() -> set[str]:
    return {c.raw_table for c in load_contracts().values()} | {
        t.raw_table for t in load_simpeg_config().values()
    }


def test_every_raw_source_has_a_suite_and_names_are_unique() -> None:
    specs = load_suites()
    names = [s.name for s in specs]
    assert len(names) == len(set(names))
    checked = {s.asset[1] for s in specs if s.asset[0] == "raw"}
    assert checked == _every_source()
    for table in _every_source():
        mine = {s.name for s in specs if s.asset == ("raw", table)}
        source = next(
            iter(
                [c.name for c in load_contracts().values() if c.raw_table == table]
                + [t.name for t in load_simpeg_config().values() if t.raw_table == table]
            )
        )
        assert f"raw_{source}_nothing_quarantined" in mine
        assert f"raw_{source}_volume_vs_previous_load" in mine
        assert any("schema" in n for n in mine)
    for spec in specs:
        assert spec.severity in {"ERROR", "WARN"} and spec.description
        assert spec.query.lower().startswith("select"), f"{spec.name}: GX takes a SELECT only"
        if spec.asset[0] == "raw" and spec.severity == "ERROR":
            # raw checks run before dbt builds the seeds: they may not read schema `reference`
            assert spec.asset[1] == "siasn_pns", f"{spec.name}: only SIASN PNS blocks the night"
        if spec.asset[0] == "raw":
            for sql in (spec.query, spec.sample_keys or ""):
                assert "reference." not in sql, f"{spec.name}: raw checks run before the seeds"


def test_no_expectation_reads_a_restricted_column() -> None:
    restricted = {c.name for c in load_contracts()["siasn_pns"].loaded_columns if c.restricted}
    assert "tanggal_lahir" in restricted
    for spec in load_suites():
        for e in spec.expectations:
            cols = {e.kwargs.get(k) for k in ("column", "column_A", "column_B")} | set(
                e.kwargs.get("column_list") or []
            )
            assert not (cols & restricted), f"{spec.name}: {e.type} on {cols & restricted}"


def _seed_codes(reference: str) -> set[str]:
    seed, column = reference.split(".")
    with (SEEDS / f"{seed}.csv").open(encoding="utf-8", newline="") as fh:
        return {r[column] for r in csv.DictReader(fh)}


def test_code_checks_are_generated_from_the_contracts_and_seeds() -> None:
    """One definition of every code: a column's accepted values are declared in its contract
    (sources/contracts, `codes`: a BKN reference seed's column and/or listed values) and the
    codes_known checks are generated from them, seeds read from the CSV files (raw checks run
    before dbt builds the seeds, so they read the files, not schema `reference`); no suite file
    restates a code list or declares one."""
    for path in sorted(SUITES_DIR.glob("raw_*.yml")):
        data = yaml.safe_load(path.read_text())
        assert "codes" not in (data.get("standard") or {}), f"{path.name}: codes belong in the contract"
        for check in data.get("checks") or []:
            assert not check["name"].endswith("_codes_known"), f"{path.name} restates a code list"
            assert not any("reference" in e for e in check["expectations"]), f"{path.name}: {check['name']}"
    found = 0
    for contract in load_contracts().values():
        coded = [c for c in contract.loaded_columns if c.codes]
        if not coded:
            continue
        spec = next(s for s in load_suites() if s.name == f"raw_{contract.raw_table}_codes_known")
        assert spec.severity == "WARN"
        for col in coded:
            found += 1
            codes = col.codes
            expected = (_seed_codes(codes.reference) - {""} if codes.reference else set()) | set(codes.values)
            column = f"lower({col.name})" if codes.any_case else col.name
            expected = {v.lower() for v in expected} if codes.any_case else expected
            in_sql = re.search(rf"{re.escape(column)} not in \(([^)]*)\)", spec.query)
            assert in_sql, f"{spec.name}: no measure of {column}"
            assert set(re.findall(r"'([^']*)'", in_sql.group(1))) == expected, f"{spec.name} {column}"
            assert f"{column} not in" in (spec.sample_keys or ""), f"{spec.name}: sample keys of {column}"
    assert found >= 20


def test_no_check_runs_a_subquery_per_row() -> None:
    """Membership and consistency are set operations (joins, windows, aggregates): no
    `exists (...)` and no subquery correlated on an outer alias, in any check or sample key."""
    for spec in load_suites():
        for sql in (spec.query, spec.sample_keys or "", *(e.query or "" for e in spec.expectations)):
            flat = " ".join(sql.lower().split())
            assert "exists (" not in flat, f"{spec.name}: {flat[:120]}"
            assert not re.search(r"where \w+\.\w+ = \w+\.\w+\)", flat), f"{spec.name}: correlated subquery"


def test_standard_checks_are_generated_from_the_contracts() -> None:
    """Required columns, NIP columns and keys come from the contracts; a suite file restates none."""
    from orchestration.checks.standard import sources_by_table

    for table, source in sources_by_table().items():
        specs = {s.name: s for s in load_suites() if s.asset == ("raw", table)}
        schema = specs[f"raw_{table}_schema_and_required"]
        assert schema.generated and schema.fetch
        columns = next(e for e in schema.expectations if e.type == "expect_table_columns_to_match_set")
        assert columns.kwargs["column_set"] == list(source.required)
        measured = {e.kwargs["column"] for e in schema.expectations if e.measure}
        assert {f"missing__{c}" for c in source.required} | {f"bad_nip__{n}" for n in source.nips} == measured
        key = specs.get(f"raw_{table}_key_unique")
        if key is None:
            continue
        measured = {e.kwargs["column"] for e in key.expectations}
        if source.simpeg or (source.mode == "per_file" and len(measured) == 1):
            # rows merged by key (SIMPEG), or files no rule ties the key to: the key is grouped
            assert measured == {"rows_sharing_a_key"}
            assert f"group by {', '.join(source.key)}" in key.query
        else:  # written by the loader: one load per file, and for a per-file source its file rule
            assert "rows_of_an_older_batch" in measured and "newest_batch" in key.query
            assert f"group by {', '.join(source.key)}" not in key.query


# --------------------------------------------------------------------------- clean demo data


@pytest.fixture(scope="module")
def clean_built(server_url: str, tmp_path_factory: pytest.TempPathFactory):
    """Clean demo sources loaded and built by dbt into a database of this module."""
    out = tmp_path_factory.mktemp("dq_clean_demo")
    generate(out, seed=7, scale=0.1, as_of=DEMO_AS_OF)
    url = _new_database(server_url, "iku_dq")
    engine = make_engine(url)
    load_demo(engine, out)
    # seeds, snapshot and models only: dbt's own tests are test_dbt_build.py's business
    build = run_dbt(
        ["build", "--resource-type", "seed", "--resource-type", "snapshot", "--resource-type", "model"],
        tmp_path_factory.mktemp("dq_dbt_target"),
        env=dbt_env(url),
    )
    assert build.returncode == 0, build.stdout[-3000:]
    with engine.begin() as conn:
        conn.exec_driver_sql("create table audit.fct_iku_clean as select * from marts_build.fct_iku")
    yield engine, url
    engine.dispose()
    drop_database(server_url, url.rsplit("/", 1)[1])


@pytest.fixture
def fct_iku(clean_built):
    """The module's built fct_iku, put back as built after the test doctors it."""
    engine, url = clean_built
    yield engine, url
    with engine.begin() as conn:
        conn.exec_driver_sql("truncate marts_build.fct_iku")
        conn.exec_driver_sql("insert into marts_build.fct_iku select * from audit.fct_iku_clean")


def test_every_check_passes_on_clean_demo_data(clean_built) -> None:
    engine, url = clean_built
    outcomes = _run(load_suites(), url)
    assert not _describe(outcomes)
    for spec in load_suites():
        if spec.sample_keys:
            assert _keys(engine, spec) == [], f"{spec.name}: sample keys on clean data"


def test_a_load_out_of_the_volume_band_is_reported(clean_built) -> None:
    """Twice the rows of the previous load is out of the band; the band holds again without it."""
    engine, url = clean_built
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "insert into audit.load_batches (source, raw_table, file_name, file_sha256, file_bytes, "
            "rows_read, rows_loaded, rows_quarantined, outcome) "
            "select source, raw_table, file_name, 'again', file_bytes, rows_loaded * 2 + rows_quarantined, "
            "rows_loaded * 2, rows_quarantined, 'loaded' from audit.load_batches where source = 'siasn_pns'"
        )
    try:
        spec = next(s for s in load_suites() if s.name == "raw_siasn_pns_volume_vs_previous_load")
        assert not run_check(spec, sqlalchemy_url(url)).success  # twice the rows: out of band
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("delete from audit.load_batches where file_sha256 = 'again'")
    assert run_check(spec, sqlalchemy_url(url)).success


# --------------------------------------------------------------------------- the IKU checks


def _iku(name: str) -> CheckSpec:
    return next(s for s in load_suites() if s.name == name)


def test_an_impossible_bkd_1_3_value_fails_the_iku_checks(fct_iku) -> None:
    engine, url = fct_iku
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "update marts_build.fct_iku set value = 140 where indicator_code = 'BKD-1.3' and scope = 'agency'"
        )
    for name in ("fct_iku_persen_in_range", "fct_iku_shared_figures_equal"):
        spec = _iku(name)
        outcome = run_check(spec, sqlalchemy_url(url))
        assert not outcome.success and spec.severity == "ERROR", name
    assert "BKD-1.3" in _keys(engine, _iku("fct_iku_value_range_by_unit"))
    assert {"BKD-1.3", "PSDA-3"} <= set(_keys(engine, _iku("fct_iku_shared_figures_equal")))


def test_a_missing_indicator_fails_the_iku_checks(fct_iku) -> None:
    engine, url = fct_iku
    with engine.begin() as conn:
        conn.exec_driver_sql("delete from marts_build.fct_iku where indicator_code = 'PSDA-3'")
    for name in ("fct_iku_every_catalog_code_present", "fct_iku_shared_figures_equal"):
        assert not run_check(_iku(name), sqlalchemy_url(url)).success, name
    assert _keys(engine, _iku("fct_iku_every_catalog_code_present")) == ["PSDA-3"]


def test_an_opd_breakdown_that_does_not_add_up_fails(fct_iku) -> None:
    engine, url = fct_iku
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "update marts_build.fct_iku set numerator = numerator + 1 "
            "where indicator_code = 'BKD-1.4' and scope = 'opd' "
            "and opd_id = (select min(opd_id) from marts_build.fct_iku "
            "              where indicator_code = 'BKD-1.4' and scope = 'opd')"
        )
    assert not run_check(_iku("fct_iku_agency_equals_opd_sum"), sqlalchemy_url(url)).success
    assert _keys(engine, _iku("fct_iku_agency_equals_opd_sum")) == ["BKD-1.4"]


def test_a_jump_from_the_previous_period_is_reported(fct_iku) -> None:
    engine, url = fct_iku
    spec = _iku("fct_iku_change_within_band")
    assert spec.severity == "WARN"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "update marts_build.fct_iku set value = greatest(value - 30, 0) "
            "where indicator_code = 'BKD-1.3' and scope = 'agency' and period_id = '2024'"
        )
    assert not run_check(spec, sqlalchemy_url(url)).success


# --------------------------------------------------------------------------- each defect kind


def _load_for(engine: sa.Engine, folder: Path, sources: set[str]) -> None:
    """Load SIASN PNS and the sources the defects touch (as the raw assets do)."""
    ensure_raw_tables(engine)
    for contract in load_contracts().values():
        if contract.name not in sources | {"siasn_pns"}:
            continue
        files = files_for(contract, folder)
        for path in files[-1:] if contract.mode == "snapshot" else files:
            load_file(engine, contract, path)


@pytest.fixture
def defect_load(server_url: str, tmp_path: Path):
    """generate → load into a fresh database → (defects, engine, url, checks of the touched sources)."""
    urls = []

    def make(kind: str):
        out = tmp_path / kind
        summary = generate(
            out, seed=11, scale=0.1, as_of=DEMO_AS_OF, defects=defect_rates(0.0, **{kind: 0.004})
        )
        defects = [d for d in summary.defects if d.kind == kind]
        assert defects
        sources = {_source_of(d.file) for d in defects}
        url = _new_database(server_url, "iku_dqd")
        urls.append(url)
        engine = make_engine(url)
        _load_for(engine, out, sources)
        tables = {load_contracts()[s].raw_table for s in sources | {"siasn_pns"}}
        specs = [s for s in load_suites() if s.asset[0] == "raw" and s.asset[1] in tables]
        return defects, engine, url, specs

    yield make
    for url in urls:
        drop_database(server_url, url.rsplit("/", 1)[1])


def _assert_reported(kind: str, defects: list[Defect], engine, outcomes: dict[str, CheckOutcome]) -> None:
    by_name = {o.spec.name: o.spec for o in outcomes.values()}
    for d in defects:
        source = _source_of(d.file)
        if d.outcome == QUARANTINED:
            name = f"raw_{source}_nothing_quarantined"
            assert not outcomes[name].success, f"{d}: {name} passed"
            assert by_name[name].severity == "WARN"
            keys = _keys(engine, by_name[name])
            assert f"{d.file}#{d.line}" in keys or len(keys) == 20, (d, keys)
        else:
            assert d.outcome == FLAGGED
            name = FLAGGING_CHECK[(kind, source)]
            assert not outcomes[name].success, f"{d}: {name} passed"
            assert NIP.match(d.nip)
            assert d.nip in _keys(engine, by_name[name]), (d, name)


@pytest.mark.parametrize("kind", sorted(DEFECT_KINDS))
def test_each_defect_kind_is_reported_by_a_check(kind: str, defect_load) -> None:
    defects, engine, url, specs = defect_load(kind)
    outcomes = _run(specs, url)
    if DEFECT_KINDS[kind] in {QUARANTINED, FLAGGED}:
        _assert_reported(kind, defects, engine, outcomes)
        if DEFECT_KINDS[kind] == FLAGGED:
            # loaded rows a steward must fix: reported, never blocking the night
            blocking = [n for n, o in outcomes.items() if not o.success and o.spec.severity == "ERROR"]
            assert not blocking, blocking
    else:  # the readers cope: nothing to report
        assert not _describe(outcomes), kind
    engine.dispose()
