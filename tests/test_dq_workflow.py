"""Issue 5, the steward's side of the quality checks: results in schema dq routed to a unit,
acknowledgements that stop a failure from blocking until they expire, Data Docs, and nothing
personal in any of it."""

import json
import random
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from dagster import AssetCheckSeverity, AssetKey, DagsterInstance

from orchestration import cli
from orchestration.checks.data_docs import build_data_docs
from orchestration.checks.deliveries import checked_sources
from orchestration.checks.dq_store import clean_keys, evaluate, route, today_wit
from orchestration.checks.gx_checks import check_result
from orchestration.checks.gx_runner import CheckSpec, ExpectationSpec, load_suites, run_check
from orchestration.dbt_project import DBT_PROJECT, IkuDbtCliResource, dbt_executable
from orchestration.definitions import build_definitions
from orchestration.resources import SourceDropResource, WarehouseResource
from orchestration.warehouse import sqlalchemy_url
from sources.demo import generate
from sources.demo.defects import defect_rates
from sources.demo.population import build_employees, build_opds
from tests.conftest import DEMO_AS_OF

NIP = re.compile(r"^[0-9]{18}$")

# a check on a small table: one bad NIP, and a personal column whose values must not travel
NIP_CHECK = CheckSpec(
    name="test_siasn_nip_valid",
    asset=("raw", "siasn_pns"),
    severity="ERROR",
    description="Every NIP is 18 digits.",
    query="select * from raw.siasn_pns",
    expectations=(
        ExpectationSpec(
            "expect_column_values_to_match_regex", {"column": "nip_baru", "regex": "^[0-9]{18}$"}
        ),
        ExpectationSpec("expect_column_values_to_be_in_set", {"column": "nama", "value_set": ["x"]}),
    ),
    sample_keys="select nip_baru as key from raw.siasn_pns where nip_baru !~ '^[0-9]{18}$' order by 1",
)
NAMES = ["Yohanis Tobelo Lolaro", "Maria Ngongira"]


@pytest.fixture
def dq_env(engine, database_url, monkeypatch, tmp_path):
    """A tiny raw.siasn_pns with one invalid NIP, and `iku` pointed at this database."""
    monkeypatch.setenv("IKU_WAREHOUSE_URL", database_url)
    monkeypatch.setenv("IKU_HOME", str(tmp_path / "iku_home"))
    with engine.begin() as conn:
        conn.exec_driver_sql("create schema raw")
        conn.exec_driver_sql("create table raw.siasn_pns (nip_baru text, nama text, nik text)")
        conn.execute(
            sa.text("insert into raw.siasn_pns values (:nip, :nama, :nik)"),
            [
                {"nip": "198001012005011001", "nama": NAMES[0], "nik": "8203123456789012"},
                {"nip": "19800101200501", "nama": NAMES[1], "nik": "8203987654321098"},
            ],
        )
    return engine


def _dq(capsys, *args: str) -> str:
    assert cli.main(["dq", *args]) == 0
    return capsys.readouterr().out


@pytest.mark.warehouse
def test_failure_recorded_routed_then_acknowledged_until_expiry(dq_env, database_url, capsys) -> None:
    engine = dq_env
    outcome = run_check(NIP_CHECK, sqlalchemy_url(database_url))
    assert not outcome.success

    first = evaluate(engine, NIP_CHECK, outcome, "run-1")
    assert first.outcome == "failed" and first.blocking
    assert first.sample_keys == ("19800101200501",)
    result = check_result(first)
    assert not result.passed and result.severity == AssetCheckSeverity.ERROR
    with engine.connect() as conn:
        row = conn.execute(sa.text("select * from dq.check_results where run_id = 'run-1'")).mappings().one()
    # routed to the siasn_pns contract's steward and penanggung jawab
    assert (row["steward"], row["penanggung_jawab"]) == ("Bidang INKA", "Kasubid Pengadaan dan INKA")
    assert row["outcome"] == "failed" and row["severity"] == "ERROR" and row["unexpected_count"] == 3
    assert row["sample_keys"] == ["19800101200501"]
    stored = json.dumps([dict(row)], default=str)
    assert not any(n in stored for n in NAMES) and "8203" not in stored

    listed = _dq(capsys)
    assert "Bidang INKA" in listed and "BLOCKING" in listed and NIP_CHECK.name in listed

    # a steward acknowledges: the next evaluation reports it, without blocking
    expires = today_wit() + timedelta(days=7)
    out = _dq(capsys, "ack", NIP_CHECK.name, "--note", "SIASN correction requested", "--expires",
              expires.isoformat(), "--by", "Kasubid Pengadaan dan INKA")  # fmt: skip
    assert "Acknowledged" in out
    second = evaluate(engine, NIP_CHECK, run_check(NIP_CHECK, sqlalchemy_url(database_url)), "run-2")
    assert second.outcome == "acknowledged" and not second.blocking
    assert second.acknowledgement and second.acknowledgement.note == "SIASN correction requested"
    result = check_result(second)
    assert not result.passed and result.severity == AssetCheckSeverity.WARN  # visible, not blocking
    assert result.metadata["outcome"].value == "acknowledged"
    listed = _dq(capsys)
    assert "ACKNOWLEDGED" in listed and "SIASN correction requested" in listed and "BLOCKING" not in listed

    # after the expiry date it blocks again
    third = evaluate(engine, NIP_CHECK, outcome, "run-3", today=expires + timedelta(days=1))
    assert third.outcome == "failed" and third.blocking

    # an acknowledgement of other keys does not cover this failure; a revoked one neither
    with engine.begin() as conn:
        conn.exec_driver_sql("update dq.acknowledgements set revoked_at = now()")
    _dq(capsys, "ack", NIP_CHECK.name, "--note", "only that one", "--expires", expires.isoformat(),
        "--key", "199001012015011002")  # fmt: skip
    assert evaluate(engine, NIP_CHECK, outcome, "run-4").outcome == "failed"
    _dq(capsys, "ack", NIP_CHECK.name, "--note", "this one", "--expires", expires.isoformat(),
        "--key", "19800101200501")  # fmt: skip
    assert evaluate(engine, NIP_CHECK, outcome, "run-5").outcome == "acknowledged"

    assert cli.main(["dq", "ack", NIP_CHECK.name, "--note", "x", "--expires", "2001-01-01"]) == 2
    history = _dq(capsys, "history", "--check", NIP_CHECK.name)
    assert "run-5" in history and "run-1" in history

    # Data Docs of the latest results: GX pages and the stewards' page, nothing personal
    index = build_data_docs(engine)
    assert index.is_file() and (index.parent / "stewards.html").is_file()
    pages = "".join(p.read_text(errors="replace") for p in index.parent.rglob("*.html"))
    assert NIP_CHECK.name in pages and "19800101200501" in pages
    assert not any(n in pages for n in NAMES) and "8203" not in pages


def test_routing_defaults_and_indicator_codes() -> None:
    marts = CheckSpec("m", ("marts", "fct_iku"), "ERROR", "", "select 1", ())
    r = route(marts, [])[0]
    assert (r.steward, r.penanggung_jawab) == ("Bidang INKA", "Kabid INKA")
    routes = route(marts, ["BKD-1.3", "BKD-1.1"])
    assert {r.keys for r in routes} == {("BKD-1.3",), ("BKD-1.1",)}
    assert ("Badan", "Bidang INKA") in {(r.steward, r.penanggung_jawab) for r in routes}
    named = CheckSpec("n", ("raw", "siasn_pns"), "WARN", "", "select 1", (), steward="Sub Bagian Keuangan")
    r = route(named, ["1"])[0]
    assert (r.steward, r.penanggung_jawab) == ("Sub Bagian Keuangan", "Sub Bagian Keuangan")
    # sample keys are tokens: names (spaces) and NIK-length numbers never pass
    assert clean_keys(["198001012005011001", "Maria Ngongira", "8203123456789012", "DP-2025-001"]) == [
        "198001012005011001",
        "DP-2025-001",
    ]
    assert all(spec.asset for spec in load_suites())


# --------------------------------------------------------------------------- the whole job


def _run(database_url: str, drop: Path):
    defs = build_definitions(
        {
            "warehouse": WarehouseResource(url=database_url),
            "source_drop": SourceDropResource(path=str(drop)),
            "dbt": IkuDbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
        }
    )
    with DagsterInstance.ephemeral() as instance:
        return defs.resolve_job_def("nightly_refresh").execute_in_process(
            instance=instance, raise_on_error=False
        )


def _personal_values(seed: int, scale: float) -> set[str]:
    """The demo employees' names (lower case: the SIASN file writes them in capitals) and NIKs."""
    rng = random.Random(seed)  # the same draws as sources.demo.generate
    employees, _ = build_employees(rng, build_opds(rng), DEMO_AS_OF, scale)
    return {e.nama.lower() for e in employees} | {e.nik for e in employees}


@pytest.mark.warehouse
@pytest.mark.slow
def test_refresh_with_defects_reports_them_and_leaks_nothing(
    engine, database_url, demo_dir, tmp_path, monkeypatch, capfd
) -> None:
    monkeypatch.setenv("IKU_HOME", str(tmp_path / "iku_home"))
    clean = tmp_path / "clean"
    shutil.copytree(demo_dir, clean)
    first = _run(database_url, clean)
    assert first.success
    with engine.connect() as conn:
        published = conn.execute(sa.text("select * from marts.fct_iku order by iku_id")).all()
    assert published

    defective = tmp_path / "defective"
    generate(defective, seed=7, scale=0.2, as_of=DEMO_AS_OF, defects=defect_rates(0.005))
    second = _run(database_url, defective)
    # source defects warn (routed to the stewards) and do not hold back the night's IKU; a
    # blocking failure keeping marts is tested in test_dagster_job
    warned = [e for e in second.get_asset_check_evaluations() if not e.passed]
    assert warned and all(e.severity.value == "WARN" for e in warned), "the defects are reported, as WARN"
    assert AssetKey(["publish", "marts"]) in {e.asset_key for e in second.get_asset_materialization_events()}
    with engine.connect() as conn:
        results = (
            conn.execute(sa.text("select * from dq.check_results where run_id = :r"), {"r": second.run_id})
            .mappings()
            .all()
        )
        dump = "\n".join(
            conn.execute(
                sa.text(
                    "select row_to_json(t)::text from dq.check_results t union all "
                    "select row_to_json(a)::text from dq.acknowledgements a"
                )
            ).scalars()
        )
    gx_names = {s.name for s in load_suites()}
    # the raw checks ran (the fct_iku ones only when dbt built the candidate marts)
    assert {s.name for s in load_suites() if s.asset[0] == "raw"} <= {r["check_name"] for r in results}
    assert {r["check_name"] for r in results if r["suite"] not in ("dbt", "freshness")} <= gx_names
    # every raw source's freshness is judged beside them (issue 13)
    assert {f"raw_{s.raw_table}_fresh" for s in checked_sources()} <= {r["check_name"] for r in results}
    # the build's dbt tests are recorded beside them (issue 12), each on a dbt asset
    dbt_rows = [r for r in results if r["suite"] == "dbt"]
    assert dbt_rows and not {r["check_name"] for r in dbt_rows} & gx_names
    assert all(r["check_name"].startswith("checks_") and r["asset_key"].count("/") == 1 for r in dbt_rows)
    assert all(r["steward"] and r["penanggung_jawab"] for r in results)
    assert any(r["outcome"] == "failed" for r in results), "the defects fail some GX check"
    for r in results:
        assert all(clean_keys([k]) == [k] for k in r["sample_keys"]) and len(r["sample_keys"]) <= 20

    docs = build_data_docs(engine).parent
    pages = "\n".join(
        p.read_text(errors="replace")
        for p in docs.rglob("*")
        if p.is_file() and p.suffix in {".html", ".json", ".js"}
    )
    assert "stewards.html" in {p.name for p in docs.iterdir()}
    logs = "\n".join(capfd.readouterr())

    personal = _personal_values(seed=7, scale=0.2)
    siasn = next(defective.glob("siasn_pns*.csv")).read_text(encoding="utf-8", errors="replace").lower()
    assert sum(v in siasn for v in personal) >= 0.9 * len(personal), "the people of the SIASN file"
    for where, text in {"dq tables": dump, "Data Docs": pages, "logs": logs}.items():
        text = text.lower()
        leaked = sorted(v for v in personal if v in text)
        assert not leaked, f"{where} holds personal data: {leaked[:5]}"
