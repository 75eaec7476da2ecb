"""Parsing of single values as Indonesian personnel exports write them.

Every parser returns the canonical text for COPY, or raises ValueError with a reason a
steward can act on.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_EXCEL_EPOCH = date(1899, 12, 30)
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_SERIAL = re.compile(r"^\d{4,6}(?:\.0+)?$")
_INT = re.compile(r"^[+-]?\d+(?:\.0+)?$")
# A time of day as machines and spreadsheets write it: 07:21, 07:21:33, 07.21.33 (Indonesian
# Windows locale), optionally with fractions of a second (dropped).
_TIME = r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,]\d+)?)?"
_YMD_TIME = re.compile(rf"^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}})(?:[ T]+{_TIME})?$")
_DMY_TIME = re.compile(rf"^(\d{{1,2}})[-/.](\d{{1,2}})[-/.](\d{{4}})(?:[ T]+{_TIME})?$")
_SERIAL_TIME = re.compile(r"^\d{5}(?:\.\d+)?$")
_TWELVE_HOUR = re.compile(r"\s*[AaPp]\.?[Mm]\.?$")
_TIMESTAMP_FORMATS = "yyyy-mm-dd hh:mm[:ss], dd-mm-yyyy hh:mm[:ss], dd/mm/yyyy hh:mm or an Excel serial"

# Dates outside this window are typing errors, not personnel events.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)


def parse_date(value: str) -> str:
    """dd-mm-yyyy, yyyy-mm-dd (optionally with a time) or an Excel serial number → ISO date."""
    v = value.strip()
    if m := _DMY.match(v):
        d, mth, y = (int(x) for x in m.groups())
        parsed = _make_date(y, mth, d, value)
    elif m := _YMD.match(v):
        y, mth, d = (int(x) for x in m.groups())
        parsed = _make_date(y, mth, d, value)
    elif _SERIAL.match(v):
        parsed = _EXCEL_EPOCH + timedelta(days=int(float(v)))
    else:
        raise ValueError(f"not a date (expected dd-mm-yyyy, yyyy-mm-dd or an Excel serial): {value!r}")
    if not MIN_DATE <= parsed <= MAX_DATE:
        raise ValueError(f"date {parsed.isoformat()} is outside {MIN_DATE.year}-{MAX_DATE.year}")
    return parsed.isoformat()


def _make_date(y: int, m: int, d: int, original: str) -> date:
    try:
        return date(y, m, d)
    except ValueError as exc:
        raise ValueError(f"impossible date {original!r}: {exc}") from None


def parse_timestamp(value: str) -> str:
    """A date and a time of day, as written (machine local time) → `yyyy-mm-dd hh:mm:ss`.

    yyyy-mm-dd hh:mm[:ss], dd-mm-yyyy hh:mm[:ss] (separators - / .), or an Excel serial
    number whose fraction is the time of day. A 12-hour clock (AM/PM) is refused: exports that
    write one usually also write the month first, so the date could be silently wrong.
    """
    v = value.strip()
    if _TWELVE_HOUR.search(v):
        raise ValueError(
            f"12-hour clock (AM/PM) is not accepted, the day/month order is ambiguous: {value!r}; "
            "export with a 24-hour clock"
        )
    if _SERIAL_TIME.match(v):
        days, _, fraction = v.partition(".")
        seconds = round(float(f"0.{fraction or 0}") * 86400)
        parsed = datetime(1899, 12, 30) + timedelta(days=int(days), seconds=seconds)
    elif (m := _YMD_TIME.match(v)) or (m := _DMY_TIME.match(v)):
        first, second, third, hour, minute, sec = m.groups()
        if hour is None:
            raise ValueError(f"no time of day in {value!r} (expected {_TIMESTAMP_FORMATS})")
        y, mth, d = (first, second, third) if len(first) == 4 else (third, second, first)
        day = _make_date(int(y), int(mth), int(d), value)
        h, mi, s = int(hour), int(minute), int(sec or 0)
        if h > 23 or mi > 59 or s > 59:
            raise ValueError(f"impossible time of day {hour}:{minute}{':' + sec if sec else ''} in {value!r}")
        parsed = datetime(day.year, day.month, day.day, h, mi, s)
    else:
        raise ValueError(f"not a date and time (expected {_TIMESTAMP_FORMATS}): {value!r}")
    if not MIN_DATE <= parsed.date() <= MAX_DATE:
        raise ValueError(f"date {parsed.date().isoformat()} is outside {MIN_DATE.year}-{MAX_DATE.year}")
    return parsed.strftime("%Y-%m-%d %H:%M:%S")


def clean_nip(value: str) -> str:
    """A NIP as text: strips the apostrophes, spaces and '.0' that spreadsheets add."""
    v = value.strip().lstrip("'").replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"\d+\.0+", v):
        v = v.split(".")[0]
    if re.fullmatch(r"\d(?:\.\d+)?[eE]\+?\d+", v):
        raise ValueError(f"NIP was turned into a number by a spreadsheet (precision lost): {value!r}")
    if not re.fullmatch(r"\d{18}", v):
        raise ValueError(f"NIP must be 18 digits: {value!r}")
    return v


def nip_problems(nip: str, birth_date: date | None, tmt_cpns: date | None, pppk: bool) -> list[str]:
    """Consistency of a NIP with birth date and TMT CPNS (Perka BKN 22/2007)."""
    problems = []
    try:
        born = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return [f"NIP digits 1-8 are not a date: {nip[:8]}"]
    if birth_date and born != birth_date:
        problems.append("NIP digits 1-8 do not match the birth date")
    if nip[14] not in "12":
        problems.append("NIP digit 15 (gender) must be 1 or 2")
    if not pppk and tmt_cpns and nip[8:14] != f"{tmt_cpns.year:04d}{tmt_cpns.month:02d}":
        problems.append("NIP digits 9-14 do not match TMT CPNS")
    return problems


def parse_integer(value: str) -> str:
    v = value.strip().replace("\u00a0", "")
    if not _INT.match(v):
        raise ValueError(f"not a whole number: {value!r}")
    return str(int(float(v)))


def parse_decimal(value: str) -> str:
    v = value.strip().replace("\u00a0", "").replace(" ", "")
    # Indonesian spreadsheets write 1.234,56; plain exports write 1234.56
    if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?", v) or re.fullmatch(r"[+-]?\d+,\d+", v):
        v = v.replace(".", "").replace(",", ".")
    try:
        float(v)
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None
    return v


PARSERS = {
    "text": lambda v: v.strip(),
    "nip": clean_nip,
    "date": parse_date,
    "timestamp": parse_timestamp,
    "integer": parse_integer,
    "decimal": parse_decimal,
}
