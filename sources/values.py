"""Parsing of single values as Indonesian personnel exports write them.

Every parser returns the canonical text for COPY, or raises ValueError with a reason a
steward can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


# Yes/no fields as stewards type them, in any case, with spaces around: one definition, which the
# SQL twin audit.iku_boolean (below) is generated from. Anything else is not read as "no": the
# row is quarantined naming the field, as for any value that is not of its column's type.
YES = ("1", "y", "ya", "t", "true")
NO = ("0", "n", "tidak", "f", "false")
BOOLEAN_FORMS = "1/0, Y/N, Ya/Tidak, T/F or TRUE/FALSE"
_ASCII_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _fold(value: str) -> str:
    """ASCII lower case only (PostgreSQL's lower() and Python's differ beyond ASCII)."""
    return value.translate(str.maketrans(_ASCII_UPPER, _ASCII_UPPER.lower()))


def parse_boolean(value: str) -> str:
    """A yes/no field → 'true' / 'false'; any other value is refused with the accepted forms."""
    v = _fold(value.strip())
    if v in YES:
        return "true"
    if v in NO:
        return "false"
    raise ValueError(f"not a yes/no value (expected {BOOLEAN_FORMS}): {value!r}")


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
    "boolean": parse_boolean,
}


# --------------------------------------------------------------------------- the same rules in SQL
#
# The loader types values set-based in PostgreSQL (sources.conform.typing_sql): these functions
# ARE its typing rules, one per contract type, each returning (value, error) with the canonical
# text and the reason a steward reads, worded as the Python parsers above word them. The Python
# parsers remain for offline use (the demo generator reads its own sheets back without a
# database); tests/test_values.py runs both over the same cases, so the two cannot drift apart.

SQL_SCHEMA = "audit"
SQL_VERSION = "iku-values-6"  # bump when a function below changes: ensure_audit then re-creates them

# Python's str.strip() removes these (Unicode white space and the ASCII separators).
_STRIP_CHARS = (
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_STRIP_SQL = "E'" + "".join(f"\\u{ord(c):04x}" for c in _STRIP_CHARS) + "'"


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


SQL_FUNCTIONS = rf"""
-- Python's str.strip(); most values start and end with a visible ASCII character: kept as they are
create or replace function {SQL_SCHEMA}.iku_strip(v text) returns text
language sql immutable parallel safe as $f$
    select case when ascii(v) between 33 and 126 and ascii(right(v, 1)) between 33 and 126 then v
                else btrim(v, {_STRIP_SQL}) end
$f$;

-- Python's repr() of a str, for the reasons: 'x', or "x" when x holds a ' and no ".
create or replace function {SQL_SCHEMA}.iku_repr(v text) returns text
language sql immutable parallel safe as $f$
    select case when strpos(v, '''') > 0 and strpos(v, '"') = 0
                then '"' || replace(v, '\', '\\') || '"'
                else '''' || replace(replace(v, '\', '\\'), '''', '\''') || '''' end
$f$;

-- Why y-m-d is not a date, as Python's date() says it; null when it is one.
create or replace function {SQL_SCHEMA}.iku_bad_ymd(y int, m int, d int) returns text
language sql immutable parallel safe as $f$
    select case when y < 1 or y > 9999 then 'year ' || y || ' is out of range'
                when m < 1 or m > 12 then 'month must be in 1..12'
                when d < 1 or d > extract(day from (make_date(y, m, 1) + interval '1 month - 1 day'))
                    then 'day is out of range for month' end
$f$;

create or replace function {SQL_SCHEMA}.iku_text(raw text, out value text, out error text)
language sql immutable parallel safe as $f$ select {SQL_SCHEMA}.iku_strip(raw), null::text $f$;

create or replace function {SQL_SCHEMA}.iku_nip(raw text, out value text, out error text)
language plpgsql immutable parallel safe as $f$
declare v text := replace(replace(ltrim({SQL_SCHEMA}.iku_strip(raw), ''''), ' ', ''), E'\u00a0', '');
begin
    if v ~ '^\d+\.0+$' then v := split_part(v, '.', 1); end if;
    if v ~ '^\d(\.\d+)?[eE]\+?\d+$' then
        error := 'NIP was turned into a number by a spreadsheet (precision lost): '
                 || {SQL_SCHEMA}.iku_repr(raw);
    elsif v !~ '^\d{{18}}$' then
        error := 'NIP must be 18 digits: ' || {SQL_SCHEMA}.iku_repr(raw);
    else
        value := v;
    end if;
end $f$;

create or replace function {SQL_SCHEMA}.iku_date(raw text, out value text, out error text)
language plpgsql immutable parallel safe as $f$
declare
    v text := {SQL_SCHEMA}.iku_strip(raw);
    m text[];
    parsed date;
begin
    m := regexp_match(v, '^(\d{{1,2}})[-/.](\d{{1,2}})[-/.](\d{{4}})$');
    if m is not null then
        m := array[m[3], m[2], m[1]];
    else
        m := regexp_match(v, '^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}})'
                                || '(?:[ T]\d{{1,2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?)?$');
    end if;
    if m is not null then
        error := {SQL_SCHEMA}.iku_bad_ymd(m[1]::int, m[2]::int, m[3]::int);
        if error is not null then
            error := 'impossible date ' || {SQL_SCHEMA}.iku_repr(raw) || ': ' || error;
            return;
        end if;
        parsed := make_date(m[1]::int, m[2]::int, m[3]::int);
    elsif v ~ '^\d{{4,6}}(?:\.0+)?$' then
        parsed := date '1899-12-30' + split_part(v, '.', 1)::int;
    else
        error := 'not a date (expected dd-mm-yyyy, yyyy-mm-dd or an Excel serial): '
                 || {SQL_SCHEMA}.iku_repr(raw);
        return;
    end if;
    if parsed < date '{MIN_DATE}' or parsed > date '{MAX_DATE}' then
        error := 'date ' || to_char(parsed, 'YYYY-MM-DD') || ' is outside {MIN_DATE.year}-{MAX_DATE.year}';
        return;
    end if;
    value := to_char(parsed, 'YYYY-MM-DD');
end $f$;

create or replace function {SQL_SCHEMA}.iku_timestamp(raw text, out value text, out error text)
language plpgsql immutable parallel safe as $f$
declare
    v text := {SQL_SCHEMA}.iku_strip(raw);
    formats constant text := '{_TIMESTAMP_FORMATS}';
    time_re constant text := '(\d{{1,2}})[:.](\d{{2}})(?:[:.](\d{{2}})(?:[.,]\d+)?)?';
    m text[];
    ymd text[];
    parsed timestamp;
begin
    if v ~ '\s*[AaPp]\.?[Mm]\.?$' then
        error := '12-hour clock (AM/PM) is not accepted, the day/month order is ambiguous: '
                 || {SQL_SCHEMA}.iku_repr(raw) || '; export with a 24-hour clock';
        return;
    end if;
    if v ~ '^\d{{5}}(?:\.\d+)?$' then
        parsed := timestamp '1899-12-30' + make_interval(days => split_part(v, '.', 1)::int)
            + make_interval(secs => round(('0.' || coalesce(nullif(split_part(v, '.', 2), ''), '0'))::float8
                                          * 86400));
    else
        m := regexp_match(v, '^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}})(?:[ T]+' || time_re || ')?$');
        if m is null then
            m := regexp_match(v, '^(\d{{1,2}})[-/.](\d{{1,2}})[-/.](\d{{4}})(?:[ T]+' || time_re || ')?$');
        end if;
        if m is null then
            error := 'not a date and time (expected ' || formats || '): ' || {SQL_SCHEMA}.iku_repr(raw);
            return;
        end if;
        if m[4] is null then
            error := 'no time of day in ' || {SQL_SCHEMA}.iku_repr(raw) || ' (expected ' || formats || ')';
            return;
        end if;
        ymd := case when length(m[1]) = 4 then array[m[1], m[2], m[3]] else array[m[3], m[2], m[1]] end;
        error := {SQL_SCHEMA}.iku_bad_ymd(ymd[1]::int, ymd[2]::int, ymd[3]::int);
        if error is not null then
            error := 'impossible date ' || {SQL_SCHEMA}.iku_repr(raw) || ': ' || error;
            return;
        end if;
        if m[4]::int > 23 or m[5]::int > 59 or coalesce(m[6]::int, 0) > 59 then
            error := 'impossible time of day ' || m[4] || ':' || m[5] || coalesce(':' || nullif(m[6], ''), '')
                     || ' in ' || {SQL_SCHEMA}.iku_repr(raw);
            return;
        end if;
        parsed := make_timestamp(ymd[1]::int, ymd[2]::int, ymd[3]::int, m[4]::int, m[5]::int,
                                 coalesce(m[6]::int, 0));
    end if;
    if parsed::date < date '{MIN_DATE}' or parsed::date > date '{MAX_DATE}' then
        error := 'date ' || to_char(parsed, 'YYYY-MM-DD') || ' is outside {MIN_DATE.year}-{MAX_DATE.year}';
        return;
    end if;
    value := to_char(parsed, 'YYYY-MM-DD HH24:MI:SS');
end $f$;

create or replace function {SQL_SCHEMA}.iku_integer(raw text, out value text, out error text)
language plpgsql immutable parallel safe as $f$
declare v text := replace({SQL_SCHEMA}.iku_strip(raw), E'\u00a0', '');
begin
    if v !~ '^[+-]?\d+(?:\.0+)?$' then
        error := 'not a whole number: ' || {SQL_SCHEMA}.iku_repr(raw);
        return;
    end if;
    v := split_part(v, '.', 1);
    if length(ltrim(v, '+-0')) > 10 or ltrim(v, '+')::numeric not between -2147483648 and 2147483647 then
        error := 'whole number out of range: ' || {SQL_SCHEMA}.iku_repr(raw);
        return;
    end if;
    value := ltrim(v, '+')::int::text;
end $f$;

create or replace function {SQL_SCHEMA}.iku_decimal(raw text, out value text, out error text)
language plpgsql immutable parallel safe as $f$
declare v text := replace(replace({SQL_SCHEMA}.iku_strip(raw), E'\u00a0', ''), ' ', '');
begin
    -- Indonesian spreadsheets write 1.234,56; plain exports write 1234.56
    if v ~ '^[+-]?\d{{1,3}}(\.\d{{3}})+(,\d+)?$' or v ~ '^[+-]?\d+,\d+$' then
        v := replace(replace(v, '.', ''), ',', '.');
    end if;
    if v ~ '^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$' or v ~* '^[+-]?(inf|infinity|nan)$' then
        value := v;
    else
        error := 'not a number: ' || {SQL_SCHEMA}.iku_repr(raw);
    end if;
end $f$;

-- A yes/no field (sources.values.YES / NO): 'true' or 'false', else the reason
create or replace function {SQL_SCHEMA}.iku_boolean(raw text, out value text, out error text)
language sql immutable parallel safe as $f$
    select case when v in ({_sql_list(YES)}) then 'true' when v in ({_sql_list(NO)}) then 'false' end,
           case when v in ({_sql_list(YES + NO)}) then null
                else 'not a yes/no value (expected {BOOLEAN_FORMS}): ' || {SQL_SCHEMA}.iku_repr(raw) end
    from (select translate({SQL_SCHEMA}.iku_strip(raw), '{_ASCII_UPPER}', '{_ASCII_UPPER.lower()}') as v) as s
$f$;

-- Every date the parsers accept, written as the canonical text: typing a canonical date is a join.
create table if not exists {SQL_SCHEMA}.iku_calendar (v text primary key, d date not null);
insert into {SQL_SCHEMA}.iku_calendar
select to_char(d, 'YYYY-MM-DD'), d::date
from generate_series(date '{MIN_DATE}', date '{MAX_DATE}', interval '1 day') d
where not exists (select 1 from {SQL_SCHEMA}.iku_calendar);
analyze {SQL_SCHEMA}.iku_calendar;

comment on schema {SQL_SCHEMA} is '{SQL_VERSION}';
"""


def sql_parser(column_type: str) -> str:
    """The SQL function that types a contract type: `<fn>(text) -> (value text, error text)`."""
    if column_type not in PARSERS:
        raise ValueError(f"unknown column type {column_type!r}")
    return f"{SQL_SCHEMA}.iku_{column_type}"


# --------------------------------------------------------------------------- canonical values, at once
#
# Most cells are already written as the parsers would write them (an 18-digit NIP, an ISO date):
# such a cell is its own typed value, and a test of a few string functions (no regular expression,
# no function call per value) proves it. `canonical_sql` gives, per type, that test and the typed
# value; a cell that fails the test is not wrong, only not proven right: the loader sends its row
# through the typing functions above (sources.conform.typing_sql). The test is sufficient, never
# necessary: a cell that passes it gets exactly the value its parser gives.

DIGITS = "0123456789"
CALENDAR = f"{SQL_SCHEMA}.iku_calendar"


@dataclass(frozen=True)
class Canonical:
    """For one cell: `ok` (SQL, true only if the cell is canonical and valid; null counts as
    false), `value` (its typed value when ok), and a calendar join it needs (or None)."""

    ok: str
    value: str
    join: str | None = None


def canonical_sql(column_type: str, cell: str, alias: str, sql_type: str, latest: str | None) -> Canonical:
    """The canonical test of `cell` (an SQL expression over a text cell, null when blank) for a
    column type; `alias` names its calendar join; `latest` (ISO date) bounds a `past` date."""
    if column_type == "text":  # no white space to strip at either end, not empty
        ok = f"(ascii({cell}) between 33 and 126 and ascii(right({cell}, 1)) between 33 and 126)"
        return Canonical(ok, cell)
    if column_type == "nip":
        return Canonical(f"(octet_length({cell}) = 18 and ltrim({cell}, '{DIGITS}') = '')", cell)
    if column_type == "integer":  # at most 9 digits: always within integer
        ok = f"(octet_length({cell}) between 1 and 9 and ltrim({cell}, '{DIGITS}') = '')"
        return Canonical(ok, f"{cell}::{sql_type}")
    if column_type == "decimal":
        ok = f"(octet_length({cell}) between 1 and 15 and ltrim({cell}, '{DIGITS}') = '')"
        return Canonical(ok, f"{cell}::{sql_type}")
    if column_type == "boolean":  # forms PostgreSQL's boolean input reads as the parser does
        return Canonical(f"({cell} in ('0', '1', 'true', 'false'))", f"{cell}::{sql_type}")
    if column_type == "date":
        join = f"left join {CALENDAR} {alias} on {alias}.v = {cell}"
        bound = f" and {alias}.d <= date '{latest}'" if latest else ""
        return Canonical(f"({alias}.d is not null{bound})", f"{alias}.d", join)
    if column_type == "timestamp":  # yyyy-mm-dd hh:mm:ss
        join = f"left join {CALENDAR} {alias} on {alias}.v = left({cell}, 10)"
        ok = (
            f"(octet_length({cell}) = 19 and {alias}.d is not null "
            f"and translate(substr({cell}, 11), '{DIGITS}', '##########') = ' ##:##:##' "
            f"and substr({cell}, 12, 2) <= '23' and substr({cell}, 15, 1) <= '5' "
            f"and substr({cell}, 18, 1) <= '5')"
        )
        return Canonical(ok, f"{cell}::{sql_type}", join)
    raise ValueError(f"unknown column type {column_type!r}")


# The same canonical forms as patterns over line shapes (sources.readers.delimited.line_shapes):
# a file all of whose lines match is typed by COPY itself, the checks it cannot make (a date's
# day within its month, its range, a `past` bound) made by COPY's date input and by CHECK
# constraints (sources.load). Types absent here (timestamp) are never taken that way.
_VISIBLE = "[9a\\-:.]"
SHAPES = {
    "nip": "9{18}",
    "date": "9999-99-99",
    "integer": "9{1,9}",
    "decimal": "9{1,15}",
    "text": f'{_VISIBLE}(?:[^\\r"{{d}}]*{_VISIBLE})?',  # {d}: the delimiter, escaped
}
