from datetime import date

import pytest

from sources.values import clean_nip, nip_problems, parse_date, parse_decimal, parse_integer


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
