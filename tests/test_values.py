from datetime import date

import pytest

from sources.values import (
    clean_nip,
    nip_problems,
    parse_boolean,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_timestamp,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01-08-1966", "1966-08-01"),
        ("1/8/1966", "1966-08-01"),
        ("1966-08-01", "1966-08-01"),
        ("1966-08-01 00:00:00", "1966-08-01"),
        ("24320", "1966-08-01"),  # Excel serial number
        ("24320.0", "1966-08-01"),
    ],
)
def test_parse_date_accepts_siasn_and_excel_formats(raw: str, expected: str) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["31-02-1980", "1980/13/01", "kemarin", "01-01-1850"])
def test_parse_date_rejects_impossible_dates(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_date(raw)


def test_clean_nip_strips_spreadsheet_damage() -> None:
    assert clean_nip("'196608011988031001") == "196608011988031001"
    assert clean_nip(" 19660801 198803 1 001 ") == "196608011988031001"
    assert clean_nip("196608011988031001.0") == "196608011988031001"


@pytest.mark.parametrize("raw", ["1.96608E+17", "19660801198803100", "19660801198803100A"])
def test_clean_nip_rejects_broken_nips(raw: str) -> None:
    with pytest.raises(ValueError):
        clean_nip(raw)


def test_nip_consistency_with_birth_date_and_tmt_cpns() -> None:
    nip = "196608011988031001"
    assert nip_problems(nip, date(1966, 8, 1), date(1988, 3, 1), pppk=False) == []
    assert "birth date" in nip_problems(nip, date(1966, 8, 2), None, pppk=False)[0]
    assert "TMT CPNS" in nip_problems(nip, None, date(1989, 3, 1), pppk=False)[0]
    assert nip_problems(nip, None, date(1989, 3, 1), pppk=True) == []


def test_numbers() -> None:
    assert parse_integer("12") == "12"
    assert parse_integer("12.0") == "12"
    assert parse_decimal("1.234,50") == "1234.50"
    assert parse_decimal("1234.5") == "1234.5"
    with pytest.raises(ValueError):
        parse_integer("dua")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-12-01 07:21:33", "2025-12-01 07:21:33"),
        ("2025-12-01 7:21", "2025-12-01 07:21:00"),
        ("2025-12-01T07:21:33.500000", "2025-12-01 07:21:33"),  # xlsx reader, fractions dropped
        ("01-12-2025 07:21:33", "2025-12-01 07:21:33"),
        ("1-12-2025 07:21", "2025-12-01 07:21:00"),
        ("01/12/2025 07:21", "2025-12-01 07:21:00"),
        ("01.12.2025 07.21.33", "2025-12-01 07:21:33"),  # Indonesian Windows locale
        ("45992.30663194", "2025-12-01 07:21:33"),  # Excel serial, the time as fraction
        ("45992.999999", "2025-12-02 00:00:00"),  # rounded to the nearest second
        ("45992", "2025-12-01 00:00:00"),
    ],
)
def test_parse_timestamp_accepts_machine_and_excel_formats(raw: str, expected: str) -> None:
    assert parse_timestamp(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2025-12-01", "no time of day"),
        ("01-12-2025", "no time of day"),
        ("31-02-2025 07:00", "impossible date"),
        ("2025-12-01 24:00", "impossible time"),
        ("2025-12-01 07:60:00", "impossible time"),
        ("12/01/2025 7:21:33 AM", "24-hour clock"),
        ("01-12-2025 07:21 pm", "24-hour clock"),
        ("kemarin jam 7", "not a date and time"),
        ("2025", "not a date and time"),
        ("99999.5", "outside"),
    ],
)
def test_parse_timestamp_rejects_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_timestamp(raw)


YES_FORMS = ["1", "Y", "y", "Ya", "YA", "ya", "T", "t", "TRUE", "True", "true", " Ya ", "\u00a0TRUE\t"]
NO_FORMS = ["0", "N", "n", "Tidak", "TIDAK", "tidak", "F", "f", "FALSE", "False", "false", " tidak "]
NOT_YES_NO = ["2", "Yes", "No", "YA TIDAK", "benar", "-", "1.0", "x", "Y A", "TİDAK", "ok'"]


@pytest.mark.parametrize("raw", YES_FORMS)
def test_yes_no_fields_read_every_yes_stewards_type(raw: str) -> None:
    """riwayat diklat `isSertifikatKompetensi` = `TRUE` or `Ya` was read as "no" (issue 10)."""
    assert parse_boolean(raw) == "true"


@pytest.mark.parametrize("raw", NO_FORMS)
def test_yes_no_fields_read_every_no_stewards_type(raw: str) -> None:
    assert parse_boolean(raw) == "false"


@pytest.mark.parametrize("raw", NOT_YES_NO)
def test_any_other_yes_no_value_is_refused_not_read_as_no(raw: str) -> None:
    with pytest.raises(
        ValueError, match=r"not a yes/no value \(expected 1/0, Y/N, Ya/Tidak, T/F or TRUE/FALSE\)"
    ):
        parse_boolean(raw)


def test_every_yes_no_field_of_the_contracts_is_typed_by_the_one_parser() -> None:
    """The yes/no fields (`is...` flags) are typed `boolean`, so the loader reads them with
    parse_boolean (and its SQL twin) and nothing else: no model compares their text."""
    from sources.contracts import load_contracts
    from sources.values import PARSERS

    flags = {
        (c.name, col.header): col.type
        for c in load_contracts().values()
        for col in c.loaded_columns
        if col.header.lower().startswith("is")
    }
    assert flags == {
        ("riwayat_diklat", "isSertifikatKompetensi"): "boolean",
        ("riwayat_pendidikan", "isPendidikanPertama"): "boolean",
    }
    assert PARSERS["boolean"] is parse_boolean


SAME_RULES_CORPUS = {
    "date": [
        "01-08-1966",
        "1/8/1966",
        "1966-08-01",
        "1966-08-01 00:00:00",
        "24320",
        "24320.0",
        "31-02-1980",
        "1980/13/01",
        "kemarin",
        "01-01-1850",
        " 01.08.1966 ",
        "0000-01-01",
        "29-02-2024",
        "29-02-2023",
        "2101-01-01",
        "1966-8-1T07:21",
        "999999",
        "01-08-66",
        "it's",
        "",
    ],
    "nip": [
        "'196608011988031001",
        " 19660801 198803 1 001 ",
        "196608011988031001.0",
        "1.96608E+17",
        "19660801198803100",
        "19660801198803100A",
        "196608011988031001\u00a0",
        "1966080119880310011",
    ],
    "timestamp": [
        "2025-12-01 07:21:33",
        "2025-12-01 7:21",
        "2025-12-01T07:21:33.500000",
        "01-12-2025 07:21:33",
        "1-12-2025 07:21",
        "01/12/2025 07:21",
        "01.12.2025 07.21.33",
        "45992.30663194",
        "45992.999999",
        "45992",
        "2025-12-01",
        "01-12-2025",
        "31-02-2025 07:00",
        "2025-12-01 24:00",
        "2025-12-01 07:60:00",
        "12/01/2025 7:21:33 AM",
        "01-12-2025 07:21 pm",
        "kemarin jam 7",
        "2025",
        "99999.5",
    ],
    "integer": ["12", "12.0", "+7", "-0", "007", "dua", "1.5", "1\u00a0000", " 42 "],
    "decimal": ["1.234,50", "1234.5", "-3,5", "1e3", ".5", "abc", "1.2.3", "12 345,6", "nan"],
    "text": ["  a b  ", "\u00a0x\t", "plain"],
    "boolean": YES_FORMS + NO_FORMS + NOT_YES_NO,
}


@pytest.mark.warehouse
def test_sql_functions_apply_the_same_rules(engine) -> None:
    """The loader types in SQL (sources.values.SQL_FUNCTIONS): same values, same reasons."""
    import sqlalchemy as sa

    from sources.batch import ensure_audit
    from sources.values import PARSERS, sql_parser

    ensure_audit(engine)
    with engine.connect() as conn:
        for kind, cases in SAME_RULES_CORPUS.items():
            for raw in cases:
                try:
                    expected = (PARSERS[kind](raw), None)
                except ValueError as exc:
                    expected = (None, str(exc))
                got = conn.execute(
                    sa.text(f"select value, error from {sql_parser(kind)}(:v)"), {"v": raw}
                ).one()
                assert tuple(got) == expected, (kind, raw)


@pytest.mark.warehouse
def test_canonical_yes_no_cells_read_as_the_parser_reads_them(engine) -> None:
    """The loader's canonical shortcut (sources.values.canonical_sql) casts a few yes/no cells
    straight to boolean: PostgreSQL must read each exactly as parse_boolean does."""
    import re

    import sqlalchemy as sa

    from sources.values import canonical_sql

    canon = canonical_sql("boolean", "v", "k", "boolean", None)
    cells = re.findall(r"'([^']*)'", canon.ok)
    assert cells
    with engine.connect() as conn:
        for cell in cells:
            got = conn.execute(sa.text(f"select {canon.value}::text from (select :v as v) as s"), {"v": cell})
            assert got.scalar_one() == parse_boolean(cell), cell
