"""Every published figure is a function of the delivered data only (issue 10).

A year of monthly SIASN exports (entrants, leavers of every pemberhentian kind, promotions, OPD
moves) is delivered two ways into two warehouses, each built by dbt:

- month by month: each month's SIASN export and attendance file, then a build, twelve times;
  then a full build;
- all at once: every file, in reverse order, then one build; then built again with the clock a
  year later (IKU_TODAY and the dbt var iku_today).

`fct_iku` and `fct_iku_evidence` are identical in all three (their lineage columns, batch ids,
aside: the batches are numbered in the order files arrived). A build after each monthly delivery
builds what keeps state from one build to the next, the incremental models (and what they are
made of): every other model is rebuilt whole from its inputs by the final build, which the test
checks is so. A cut-off SIASN export is held
(nothing of it loaded, the steward's check fails) and its complete version, delivered again under
the same name, gives the figures of a clean run.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from orchestration.checks.dq_store import sample_keys
from orchestration.checks.gx_runner import CheckOutcome, run_suite, suites
from orchestration.warehouse import dbt_env, drop_database, ensure_database, make_engine
from sources.contracts import load_contracts
from sources.drop_folder import files_for
from sources.load import load_file
from sources.raw_tables import ensure_raw_tables
from sources.simpeg import DEMO_DB_NAME, extract_all, load_simpeg_config, simpeg_engine
from tests.conftest import _with_database
from tests.helpers import run_dbt

pytestmark = [pytest.mark.warehouse, pytest.mark.slow]

AS_OF = date(2025, 12, 31)
FIGURES = ["marts_build.fct_iku", "marts_build.fct_iku_evidence"]
# the models that keep state between builds, and what they are made of, without tests
BUILD_STATEFUL = [
    "build",
    "-s",
    "+config.materialized:incremental",
    "--exclude-resource-type",
    "test",
    "unit_test",
]
# a build of the figures without their tests
BUILD_FIGURES = [
    "build",
    "-s",
    "+fct_iku",
    "+fct_iku_evidence",
    "--exclude-resource-type",
    "test",
    "unit_test",
]
LINEAGE = {"source_batch_ids", "load_batch_id"}
HELD = "raw_siasn_pns_delivery_held"
LAGGING = "raw_siasn_pns_lists_no_pemberhentian"


def _held_check(url: str) -> CheckOutcome:
    return run_suite([s for s in suites()["raw_siasn_pns"] if s.name == HELD], url)[HELD]


@pytest.fixture(scope="module")
def monthly_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sources.demo import generate

    out = tmp_path_factory.mktemp("monthly")
    generate(out, seed=11, scale=0.1, as_of=AS_OF, monthly_siasn=True)
    return out


def _warehouse_factory(server_url: str, scope: str):
    made: list[str] = []

    def make(name: str) -> sa.Engine:
        full = f"iku_replay_{scope}_{name}_{os.getpid()}"
        ensure_database(server_url, full)
        made.append(full)
        return make_engine(_with_database(server_url, full))

    return make, made


@pytest.fixture
def warehouses(server_url: str):
    """New empty databases on the session's server, dropped after the test."""
    make, made = _warehouse_factory(server_url, "t")
    yield make
    for name in made:
        drop_database(server_url, name)


@pytest.fixture(scope="module")
def at_once(server_url: str, monthly_demo: Path, tmp_path_factory: pytest.TempPathFactory):
    """The year delivered all at once (files in reverse order) and built: the warehouse and its
    figures."""
    make, made = _warehouse_factory(server_url, "m")
    engine = make("at_once")
    ensure_raw_tables(engine)
    _extract_simpeg(engine, monthly_demo)
    _load(engine, list(reversed(_every_file(monthly_demo))))
    _build(engine, tmp_path_factory.mktemp("at_once"), ["build"])
    yield engine, {t: _figures(engine, t) for t in FIGURES}
    engine.dispose()
    for name in made:
        drop_database(server_url, name)


def _load(engine: sa.Engine, paths: list[Path]) -> list:
    contracts = load_contracts().values()
    results = []
    for path in paths:
        contract = next(c for c in contracts if c.matches(path))
        results.append(load_file(engine, contract, path))
    return results


def _extract_simpeg(engine: sa.Engine, folder: Path) -> None:
    simpeg = simpeg_engine(f"sqlite:///{folder / DEMO_DB_NAME}")
    try:
        extract_all(engine, simpeg, list(load_simpeg_config().values()))
    finally:
        simpeg.dispose()


def _every_file(folder: Path) -> list[Path]:
    return [p for c in load_contracts().values() for p in files_for(c, folder)]


def _build(engine: sa.Engine, target: Path, args: list[str], env: dict[str, str] | None = None) -> None:
    url = engine.url.render_as_string(hide_password=False)
    result = run_dbt(args, target, env={**dbt_env(url), **(env or {})})
    assert result.returncode == 0, result.stdout[-4000:]


def _figures(engine: sa.Engine, table: str) -> Counter:
    """The table's rows without its lineage columns, as a multiset."""
    with engine.connect() as conn:
        result = conn.exec_driver_sql(f"select * from {table}")
        keep = [i for i, c in enumerate(result.keys()) if c not in LINEAGE]
        return Counter(tuple(row[i] for i in keep) for row in result)


def _listed_after_pemberhentian(folder: Path) -> list[str]:
    """From the files themselves: NIPs of the newest export whose pemberhentian took effect by
    its as-of date."""
    newest = files_for(load_contracts()["siasn_pns"], folder)[-1]
    with newest.open(encoding="utf-8", newline="") as fh:
        listed = {r["NIP BARU"] for r in csv.DictReader(fh, delimiter="|")}
    pemberhentian = files_for(load_contracts()["riwayat_pemberhentian"], folder)[-1]
    with pemberhentian.open(encoding="utf-8", newline="") as fh:
        left = {
            r["nipBaru"]
            for r in csv.DictReader(fh, delimiter="|")
            if date(*reversed([int(x) for x in r["tmtPemberhentian"].split("-")])) <= AS_OF
        }
    return sorted(listed & left)


def _differences(a: Counter, b: Counter) -> tuple[int, int, int]:
    """Rows only in a, rows only in b, rows in a."""
    return sum((a - b).values()), sum((b - a).values()), sum(a.values())


def test_figures_do_not_depend_on_delivery_order_or_clock(
    monthly_demo: Path, warehouses, at_once, tmp_path: Path
) -> None:
    exports = files_for(load_contracts()["siasn_pns"], monthly_demo)
    assert [p.name for p in exports][:2] == ["siasn_pns_2025-01-31.csv", "siasn_pns_2025-02-28.csv"]
    assert len(exports) == 12
    attendance = {p.stem[-7:]: p for p in files_for(load_contracts()["presensi_harian"], monthly_demo)}
    others = [p for p in _every_file(monthly_demo) if p not in exports and p not in attendance.values()]

    # month by month: the first delivery brings every other source and the attendance before the
    # year; then each month's export and attendance, each followed by a build of what keeps state
    monthly = warehouses("monthly")
    ensure_raw_tables(monthly)
    _extract_simpeg(monthly, monthly_demo)
    _load(monthly, others + [p for month, p in attendance.items() if month < "2025-01"])
    for k, export in enumerate(exports, start=1):
        month = f"2025-{k:02d}"
        _load(monthly, [export, *([attendance[month]] if month in attendance else [])])
        _build(monthly, tmp_path / "monthly", BUILD_STATEFUL if k < len(exports) else ["build"])

    at_once_engine, at_once_figures = at_once
    # the same warehouse built again, the clock a year later
    _build(
        at_once_engine,
        tmp_path / "later",
        ["build", "--vars", "{iku_today: '2026-12-31'}"],
        {"IKU_TODAY": "2026-12-31"},
    )

    for table in FIGURES:
        only_monthly, only_at_once, rows = _differences(_figures(monthly, table), at_once_figures[table])
        assert rows > 0, table
        assert (only_monthly, only_at_once) == (0, 0), f"{table}: month by month vs at once"
        assert _differences(at_once_figures[table], _figures(at_once_engine, table))[:2] == (0, 0), (
            f"{table}: clock"
        )

    # SIASN lags: a leaver the newest export still lists is counted out at their TMT, and the
    # steward is told the NIP (a pemberhentian of November added for one December employee)
    lagging = next(s for s in suites()["raw_siasn_pns"] if s.name == LAGGING)
    url = at_once_engine.url.render_as_string(hide_password=False)
    with at_once_engine.begin() as conn:
        nip = conn.exec_driver_sql(
            "select min(nip_baru) from raw.siasn_pns where _as_of_date = date '2025-12-31'"
        ).scalar()
        conn.exec_driver_sql(
            "insert into raw.riwayat_pemberhentian (id, nip_baru, jenis_pemberhentian, tmt_pemberhentian, "
            "_batch_id, _source_file, _source_line, _as_of_date) "
            "select 'B-LAG', %(nip)s, 'APS', date '2025-11-01', _batch_id, _source_file, 0, _as_of_date "
            "from raw.riwayat_pemberhentian limit 1",
            {"nip": nip},
        )
    assert not run_suite([lagging], url)[LAGGING].success
    assert sample_keys(at_once_engine, lagging) == sorted({nip, *_listed_after_pemberhentian(monthly_demo)})

    # only incremental models keep state between builds: the final build rebuilt everything else
    manifest = json.loads((tmp_path / "monthly" / "manifest.json").read_text())
    kept = {n["config"]["materialized"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert kept <= {"view", "table", "incremental"}, kept

    # the year's leavers are counted until they left, not until the day of a refresh
    with monthly.connect() as conn:
        kinds = conn.exec_driver_sql(
            "select count(distinct p.jenis_pemberhentian) from staging.stg_siasn__riwayat_pemberhentian p "
            "join intermediate.int_pegawai_exports e on e.nip = p.nip "
            "where p.tmt_pemberhentian between date '2025-01-01' and date '2025-12-31'"
        ).scalar()
        counted_after = conn.exec_driver_sql(
            "select count(*) from intermediate.int_pegawai_at_period_end a "
            "join staging.stg_siasn__riwayat_pemberhentian p on p.nip = a.nip "
            "where a.period_id = '2025' and p.tmt_pemberhentian <= a.reference_date"
        ).scalar()
    assert kinds >= 2, "the monthly demo's leavers cover several pemberhentian kinds"
    assert counted_after == 0


def test_cut_off_export_is_held_then_replaced(
    monthly_demo: Path, warehouses, at_once, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(monthly_demo, drop)
    exports = files_for(load_contracts()["siasn_pns"], drop)
    others = [p for p in _every_file(drop) if p not in exports]
    november, december = exports[-2], exports[-1]
    complete = december.read_bytes()
    lines = complete.split(b"\r\n")
    december.write_bytes(b"\r\n".join(lines[: len(lines) // 2]) + b"\r\n")  # cut off half-way

    engine = warehouses("cutoff")
    ensure_raw_tables(engine)
    _extract_simpeg(engine, drop)
    results = _load(engine, [*others, *exports])
    held = [r for r in results if r.file_name == december.name]
    assert held[0].outcome == "held"
    assert held[0].rows_loaded == 0 and held[0].rows_read == held[0].rows_failed > 0
    assert november.name in held[0].message and "held" in held[0].message
    with engine.connect() as conn:
        in_raw = conn.exec_driver_sql(
            "select count(*) from raw.siasn_pns where _source_file = %(f)s", {"f": december.name}
        ).scalar()
    assert in_raw == 0, "nothing of a held export is loaded"

    # the steward is told: the generated check fails with the file as its key
    url = engine.url.render_as_string(hide_password=False)
    assert not _held_check(url).success
    assert sample_keys(engine, next(s for s in suites()["raw_siasn_pns"] if s.name == HELD)) == [
        december.name
    ]

    # the complete export under the same name: loaded, and the figures equal a clean run's
    december.write_bytes(complete)
    again = _load(engine, [december])
    assert again[0].outcome == "loaded"
    assert _held_check(url).success
    _build(engine, tmp_path / "after", BUILD_FIGURES)

    for table in FIGURES:  # the figures of the same files delivered complete at once
        assert _differences(_figures(engine, table), at_once[1][table])[:2] == (0, 0), table


def test_export_without_as_of_date_is_refused(monthly_demo: Path, warehouses, tmp_path: Path) -> None:
    from sources.readers import SourceFileError

    path = tmp_path / "siasn_pns.csv"
    with (monthly_demo / "siasn_pns_2025-01-31.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="|"))[:5]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter="|").writerows(rows)
    engine = warehouses("noname")
    with pytest.raises(SourceFileError, match="no as-of date in the file name"):
        load_file(engine, load_contracts()["siasn_pns"], path)
