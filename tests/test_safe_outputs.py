"""Issue 11: what the project writes for people is safe to open.

- CSV and XLSX: no text cell starts with `=`, `+`, `-`, `@`, tab or carriage return (OWASP's
  CSV-injection rule): such a value gets a `'` before it. A unit name delivered as a formula
  reaches `iku show --format csv` neutralised.
- HTML: the Data Docs escape every value that comes from the data, whichever page shows it.
"""

import csv
import io
import os
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from orchestration.assets.publish import publish_marts
from orchestration.checks.data_docs import build_data_docs
from orchestration.checks.dq_store import evaluate
from orchestration.checks.gx_runner import CheckSpec, ExpectationSpec, run_check
from orchestration.exports import FORMULA_LEADS, spreadsheet_safe, write_csv, write_xlsx
from orchestration.warehouse import dbt_env, make_engine, sqlalchemy_url
from sources.contracts import load_contracts
from sources.load import load_file
from tests.helpers import run_dbt

EVIL = '=HYPERLINK("http://evil.example/x","klik")'


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_lead_is_neutralised(lead: str) -> None:
    assert lead in FORMULA_LEADS
    assert spreadsheet_safe(f"{lead}1+1") == f"'{lead}1+1"
    assert spreadsheet_safe(lead) == f"'{lead}"


def test_numbers_dates_empty_and_plain_text_are_untouched() -> None:
    for value in [-5, -0.25, Decimal("-1.5"), 0, date(2025, 12, 31), None, True]:
        assert spreadsheet_safe(value) is value
    for text in ["Dinas Kesehatan", "BKD-1.3", "2025-12-31", "", " =1+1", "a=b", "'=already"]:
        assert spreadsheet_safe(text) == text


def test_write_csv_neutralises_every_cell_and_keeps_numbers() -> None:
    out = io.StringIO()
    rows = [
        {"opd_nama": EVIL, "value": -12.5, "note": "@SUM(A1)", "period": date(2025, 12, 31)},
        {"opd_nama": "Dinas Kesehatan", "value": 3, "note": "\tcmd", "period": None},
    ]
    write_csv(out, rows, ["opd_nama", "value", "note", "period"])
    assert "\r" not in out.getvalue()
    got = list(csv.reader(io.StringIO(out.getvalue())))
    assert got == [
        ["opd_nama", "value", "note", "period"],
        [f"'{EVIL}", "-12.5", "'@SUM(A1)", "2025-12-31"],
        ["Dinas Kesehatan", "3", "'\tcmd", ""],
    ]


def test_write_xlsx_stores_formulas_as_text(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "iku.xlsx",
        [{"opd_nama": EVIL, "value": -12.5, "period": date(2025, 12, 31)}],
        ["opd_nama", "value", "period"],
    )
    sheet = load_workbook(path).active
    header, row = list(sheet.iter_rows(min_row=1, max_row=2))
    assert [c.value for c in header] == ["opd_nama", "value", "period"]
    assert row[0].value == f"'{EVIL}" and row[0].data_type == "s"
    assert row[1].value == -12.5 and row[1].data_type == "n"
    assert row[2].value.date() == date(2025, 12, 31)
    assert not any(c.data_type == "f" for r in sheet.iter_rows() for c in r)


# --------------------------------------------------------------------------- iku show --format csv


def _deliver_opd_name(demo_dir: Path, drop: Path, name: str) -> tuple[Path, str]:
    """The demo's SIASN export delivered again (same name: a corrected export) with one
    perangkat daerah renamed `name`; (the file, the OPD's id)."""
    source = next(demo_dir.glob("siasn_pns_*.csv"))
    with source.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="|")
        header, rows = reader.fieldnames, list(reader)
    opd_id = rows[0]["SATUAN KERJA KERJA ID"]
    for row in rows:
        if row["SATUAN KERJA KERJA ID"] == opd_id:
            row["SATUAN KERJA KERJA NAMA"] = name
    drop.mkdir()
    delivered = drop / source.name
    with delivered.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, delimiter="|", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return delivered, opd_id


def _values(engine: sa.Engine, sql: str, opd_id: str) -> list:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), {"i": opd_id}).scalars())


def test_a_delivered_formula_reaches_iku_show_csv_neutralised(
    built_demo_url: str, demo_dir: Path, dbt_target_path: Path, tmp_path: Path
) -> None:
    delivered, opd_id = _deliver_opd_name(demo_dir, tmp_path / "drop", EVIL)
    engine = make_engine(built_demo_url)
    try:
        load_file(engine, load_contracts()["siasn_pns"], delivered)
        raw = "select distinct satuan_kerja_kerja_nama from raw.siasn_pns where satuan_kerja_kerja_id = :i"
        assert _values(engine, raw, opd_id) == [EVIL]  # loaded as delivered: the exports neutralise it
        # only dim_opd and what reads it change: the rest of the clone is the session's build
        built = run_dbt(["run", "--select", "dim_opd+"], dbt_target_path, env=dbt_env(built_demo_url))
        assert built.returncode == 0, built.stdout[-4000:]
        publish_marts(engine, ["fct_iku"], None)  # `iku show` reads the published marts
        shown_name = "select distinct opd_nama from marts.fct_iku where opd_id = :i"
        assert _values(engine, shown_name, opd_id) == [EVIL]
    finally:
        engine.dispose()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("IKU_", "DAGSTER_"))}
    env.update(IKU_WAREHOUSE_URL=built_demo_url, IKU_HOME=str(tmp_path / "iku_home"))
    shown = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "show", "--year", "2025", "--format", "csv"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = list(csv.reader(io.StringIO(shown.stdout, newline="")))
    header, body = rows[0], rows[1:]
    opd = [r[header.index("opd_nama")] for r in body if r[header.index("opd_id")] == opd_id]
    assert opd and set(opd) == {f"'{EVIL}"}
    assert not [cell for r in rows for cell in r if cell.startswith(FORMULA_LEADS)]


# --------------------------------------------------------------------------- Data Docs


def _marker(where: str) -> str:
    return f"<script>alert('{where}')</script>"


# a table of values delivered by someone else: an invalid NIP, a code
EVIL_CHECK = CheckSpec(
    name="test_evil_values",
    asset=("raw", "evil"),
    severity="ERROR",
    description=_marker("description"),
    query="select * from raw.evil where jumlah < 5 or '<script>alert(''query'')</script>' = ''",
    expectations=(
        ExpectationSpec(
            "expect_column_values_to_match_regex",
            {"column": "nip_baru", "regex": "^[0-9]{18}$|" + _marker("regex")},
        ),
        ExpectationSpec(
            "expect_column_values_to_be_in_set", {"column": "kode", "value_set": ["A", _marker("value_set")]}
        ),
        ExpectationSpec(
            "expect_column_most_common_value_to_be_in_set", {"column": "kode", "value_set": ["Z"]}
        ),
    ),
    steward=_marker("steward"),
    penanggung_jawab=_marker("penanggung_jawab"),
    sample_keys="select nip_baru as key from raw.evil",
)
# a check whose query fails, with the value in PostgreSQL's message
BROKEN_CHECK = CheckSpec(
    name="test_evil_query_fails",
    asset=("raw", "evil"),
    severity="WARN",
    description="A table that is not there.",
    query=f'select * from raw."{_marker("exception")}"',
    expectations=(ExpectationSpec("expect_table_row_count_to_be_between", {"min_value": 1}),),
)


@pytest.mark.warehouse
def test_data_docs_escape_every_value(engine, database_url: str, tmp_path: Path) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("create schema raw")
        conn.exec_driver_sql("create table raw.evil (nip_baru text, kode text, jumlah int)")
        conn.execute(
            sa.text("insert into raw.evil values (:n, :k, 1)"),
            [{"n": _marker("nip"), "k": _marker("kode")}, {"n": "198001012005011001", "k": "A"}],
        )
    for spec in (EVIL_CHECK, BROKEN_CHECK):
        outcome = run_check(spec, sqlalchemy_url(database_url))
        assert not outcome.success
        evaluate(engine, spec, outcome, "run-evil")
    with engine.begin() as conn:  # a traceback, should one ever be kept
        conn.execute(
            sa.text(
                "update dq.check_results set gx_result = jsonb_set(gx_result, "
                "'{results,0,exception_info,exception_traceback}', to_jsonb(cast(:t as text))) "
                "where check_name = :c"
            ),
            {"t": _marker("traceback"), "c": BROKEN_CHECK.name},
        )

    index = build_data_docs(engine, tmp_path / "docs")
    pages = {p.relative_to(index.parent).parts[:2]: p.read_text() for p in index.parent.rglob("*.html")}
    assert set(pages) == {
        ("index.html",),
        ("stewards.html",),
        ("validations", EVIL_CHECK.name),
        ("validations", BROKEN_CHECK.name),  # a failed query has its page too
    }
    every = "\n".join(pages.values())
    assert "<script>alert" not in every
    raw = re.compile(r"<\s*script[^>]*>\s*alert", re.IGNORECASE)
    assert not raw.search(every)

    def shown(page: str) -> set[str]:
        """The markers a page shows escaped once (as text a browser displays)."""
        return set(re.findall(r"&lt;script&gt;alert\((?:'|&#x27;|'')(\w+)", page))

    def twice(page: str) -> set[str]:
        return set(re.findall(r"&amp;lt;script&amp;gt;alert\((?:'|&amp;#x27;|'')(\w+)", page))

    # escaped once: a reader sees the value as delivered; but for the check's query in the
    # "Batch Spec" table of a validation page, which GX escapes again (see data_docs._for_gx)
    assert twice(every) <= {"query"}
    assert "&lt;script&gt;alert(\\'\\'query" in pages[("index.html",)]  # in a script, as a string
    assert shown(pages[("validations", EVIL_CHECK.name)]) >= {"nip", "kode", "regex", "value_set"}
    assert shown(pages[("validations", BROKEN_CHECK.name)]) >= {"exception", "traceback"}
    assert shown(pages[("stewards.html",)]) >= {"description", "steward", "penanggung_jawab", "kode"}


def test_terminal_output_shows_control_characters_escaped() -> None:
    from orchestration.exports import terminal_safe

    delivered = "Dinas\x1b]0;pwned\x07 Kesehatan\x1b[2J\r\n\x9b"
    shown = terminal_safe(delivered)
    assert shown == "Dinas\\x1b]0;pwned\\x07 Kesehatan\\x1b[2J\\x0d\\x0a\\x9b"
    assert terminal_safe(["a\x1b", 3]) == ["a\\x1b", 3] and terminal_safe(-5) == -5
    assert terminal_safe("Badan Kepegawaian — Tobelo") == "Badan Kepegawaian — Tobelo"  # printable kept
