"""Readers turn a delivered file into a header and a stream of (line number, cells).

They know formats (delimiters, encodings, title rows above the header), not contracts:
`sources.conform` applies the contract to what they yield.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sources.contracts import normalize_header


class SourceFileError(Exception):
    """A file that cannot be read at all. The message names the file and the cause."""

    def __init__(self, path: Path, cause: str):
        super().__init__(f"{path.name}: {cause}")
        self.path = path
        self.cause = cause


@dataclass
class SourceFile:
    path: Path
    header: list[str]
    header_line: int
    rows: Iterator[tuple[int, list[str]]]
    encoding: str = "utf-8"
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)


def header_score(cells: list[str], expected: set[str]) -> int:
    return sum(1 for c in cells if normalize_header(str(c)) in expected)


def read_file(path: Path, expected_headers: set[str]) -> SourceFile:
    """Pick the reader by the file's extension."""
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt", ".tsv"}:
        from sources.readers.delimited import read_delimited

        return read_delimited(path, expected_headers)
    if suffix == ".xlsx":
        from sources.readers.xlsx import read_xlsx

        return read_xlsx(path, expected_headers)
    raise SourceFileError(path, f"no reader for files ending in {suffix!r}")
