"""Delimited text exports (SIASN CSV and friends): delimiter and encoding detected, streamed."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path

from sources.readers import SourceFile, SourceFileError, header_score

DELIMITERS = ["|", ";", "\t", ","]
HEADER_SEARCH_LINES = 20
_CHUNK = 1 << 20


def detect_encoding(path: Path) -> str:
    """UTF-8 if the whole file decodes as UTF-8 (checked in chunks), else Windows-1252/Latin-1."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _best_split(line: str, expected: set[str]) -> tuple[int, str]:
    best = (0, ",")
    for delim in DELIMITERS:
        cells = next(csv.reader([line], delimiter=delim))
        score = header_score(cells, expected)
        if score > best[0]:
            best = (score, delim)
    return best


def read_delimited(path: Path, expected_headers: set[str]) -> SourceFile:
    if not path.exists():
        raise SourceFileError(path, "file does not exist")
    if path.stat().st_size == 0:
        raise SourceFileError(path, "file is empty")
    encoding = detect_encoding(path)
    try:
        with path.open(encoding=encoding, errors="strict", newline="") as fh:
            head = [fh.readline() for _ in range(HEADER_SEARCH_LINES)]
    except UnicodeDecodeError as exc:  # cp1252 leaves five bytes undefined
        raise SourceFileError(path, f"cannot decode text as {encoding}: {exc}") from exc
    found = None
    for index, line in enumerate(head):
        if not line.strip():
            continue
        score, delim = _best_split(line.rstrip("\r\n"), expected_headers)
        if score >= min(2, len(expected_headers)):
            found = (index + 1, delim)
            break
    if found is None:
        raise SourceFileError(
            path,
            f"no header row found in the first {HEADER_SEARCH_LINES} lines "
            f"(expected headers such as {sorted(expected_headers)[:4]}, delimiter one of | ; tab ,)",
        )
    header_line, delimiter = found
    notes = []
    if encoding == "cp1252":
        notes.append("file is not UTF-8; read as Windows-1252/Latin-1")
    if header_line > 1:
        notes.append(f"skipped {header_line - 1} title line(s) above the header")

    with path.open(encoding=encoding, newline="") as fh:
        for _ in range(header_line - 1):
            fh.readline()
        header = next(csv.reader([fh.readline().rstrip("\r\n")], delimiter=delimiter))

    def rows() -> Iterator[tuple[int, list[str]]]:
        with path.open(encoding=encoding, newline="") as fh:
            for _ in range(header_line):
                fh.readline()
            reader = csv.reader(fh, delimiter=delimiter, strict=False)
            try:
                for cells in reader:
                    if not cells or all(not c.strip() for c in cells):
                        continue  # blank lines are not rows
                    yield header_line + reader.line_num, cells
            except csv.Error as exc:
                raise SourceFileError(
                    path, f"malformed CSV near line {header_line + reader.line_num}: {exc}"
                ) from exc

    return SourceFile(
        path=path,
        header=header,
        header_line=header_line,
        rows=rows(),
        encoding=encoding,
        delimiter=delimiter,
        notes=notes,
    )


# One physical line split into cells as Python's csv reader splits it (quote '"', doubled quotes,
# a quote inside an unquoted field kept as written, strict=False), for the loader's per-line path
# (sources.load): used only for lines that hold a quote, the others split with string_to_array.
# A quoted field left open at the end of the line ends there (a record spanning lines is read as
# separate lines, each then rejected for its field count).
SPLIT_SQL = r"""
create or replace function audit.iku_split_csv(line text, delim text) returns text[]
language plpgsql immutable parallel safe as $f$
declare
    cells text[] := '{}';
    cell text := '';
    state int := 0;  -- 0 start of field, 1 in field, 2 in quoted field, 3 quote in quoted field
    c text;
begin
    foreach c in array regexp_split_to_array(line, '') loop
        if state = 0 then
            if c = '"' then state := 2;
            elsif c = delim then cells := cells || cell; cell := '';
            else cell := cell || c; state := 1;
            end if;
        elsif state = 1 then
            if c = delim then cells := cells || cell; cell := ''; state := 0;
            else cell := cell || c;
            end if;
        elsif state = 2 then
            if c = '"' then state := 3; else cell := cell || c; end if;
        else
            if c = '"' then cell := cell || c; state := 2;
            elsif c = delim then cells := cells || cell; cell := ''; state := 0;
            else cell := cell || c; state := 1;
            end if;
        end if;
    end loop;
    return cells || cell;
end $f$;
"""


# The shape of a line: each byte replaced by its class, so that a whole file's lines reduce to a
# few distinct shapes a pattern can judge at once (sources.conform.canonical_file). Digits become
# '9'; the delimiter, the quote, CR and the separators of dates and times ('-', ':', '.') stay as
# they are; other visible ASCII becomes 'a', white space and control characters 's', and every byte
# above ASCII 'u'.
_KEPT = b'-:."\r\n'


def _shape_table(delimiter: bytes) -> bytes:
    table = bytearray(256)
    for b in range(256):
        if b in delimiter or b in _KEPT:
            table[b] = b
        elif 48 <= b <= 57:
            table[b] = ord("9")
        elif 33 <= b <= 126:
            table[b] = ord("a")
        elif b < 128:
            table[b] = ord("s")
        else:
            table[b] = ord("u")
    return bytes(table)


def line_shapes(path: Path, header_line: int, delimiter: str, limit: int = 2000) -> set[bytes] | None:
    """The distinct shapes of the lines after the header (a trailing CR dropped; an empty last
    line, the file's final newline, is no line), or None when there are more than `limit`."""
    data = path.read_bytes()
    start = 0
    for _ in range(header_line):
        start = data.index(b"\n", start) + 1 if b"\n" in data[start:] else len(data)
    lines = data[start:].translate(_shape_table(delimiter.encode())).split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    shapes = set(lines)
    if len(shapes) > limit:
        return None
    return {s[:-1] if s.endswith(b"\r") else s for s in shapes}
