"""The session's demo warehouse fixtures (tests/conftest.py): one load and one `dbt build` per
session, kept as templates nobody can connect to; every test gets its own clone, and what one
clone changes no other clone sees."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orchestration.warehouse import make_engine
from tests.conftest import DemoBuild


def _scalar(url: str, sql: str) -> object:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()
    finally:
        engine.dispose()


def _tables(url: str, schema: str) -> int:
    return _scalar(url, f"select count(*) from information_schema.tables where table_schema = '{schema}'")


def test_the_build_ran_once_and_the_template_refuses_connections(
    demo_build: DemoBuild, server_url: str, built_demo_url: str
) -> None:
    assert demo_build.ok, demo_build.failure()
    assert (demo_build.target_path / "manifest.json").is_file()
    print(f"\ndemo load {demo_build.load_seconds:.1f} s, dbt build {demo_build.build_seconds:.1f} s")
    template_url = server_url.rsplit("/", 1)[0] + "/" + demo_build.template
    with pytest.raises(sa.exc.OperationalError, match="not currently accepting connections"):
        _scalar(template_url, "select 1")
    assert _scalar(built_demo_url, "select count(*) from marts_build.fct_iku") > 0
    assert _scalar(built_demo_url, "select count(*) from raw.siasn_pns") > 0


def test_clones_are_independent(built_demo_url: str, demo_clones, demo_build: DemoBuild) -> None:
    before = _scalar(built_demo_url, "select count(*) from marts_build.fct_iku")
    engine = make_engine(built_demo_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("delete from marts_build.fct_iku where indicator_code = 'BKD-1.3'")
    engine.dispose()
    other = demo_clones(demo_build.template)
    assert _scalar(other, "select count(*) from marts_build.fct_iku") == before
    assert _scalar(built_demo_url, "select count(*) from marts_build.fct_iku") < before


def test_loaded_clone_has_raw_data_and_nothing_built(loaded_demo_url: str) -> None:
    assert _scalar(loaded_demo_url, "select count(*) from raw.siasn_pns") > 0
    assert _scalar(loaded_demo_url, "select count(*) from audit.load_batches where outcome = 'loaded'") > 0
    assert _tables(loaded_demo_url, "marts_build") == 0 and _tables(loaded_demo_url, "staging") == 0


def test_demo_fixtures_mark_their_tests_slow(
    request: pytest.FixtureRequest, built_demo_module_url: str
) -> None:
    assert request.node.get_closest_marker("slow") and request.node.get_closest_marker("warehouse")
    assert _tables(built_demo_module_url, "marts_build") > 0
