"""The delimited reader on real-format fixtures: delimiters, encodings, title rows."""

from pathlib import Path

import pytest

from sources.conform import Rejection, conform, map_header
from sources.contracts import load_contracts, normalize_header
from sources.readers import SourceFileError, read_file

CONTRACT = load_contracts()["siasn_pns"]
EXPECTED = {normalize_header(c.header) for c in CONTRACT.columns}
HEADER = [
    "PNS ID",
    "NIP BARU",
    "NAMA",
    "TANGGAL LAHIR",
    "JENIS PEGAWAI ID",
    "KEDUDUKAN HUKUM ID",
    "SATUAN KERJA KERJA ID",
    "TINGKAT PENDIDIKAN ID",
]
ROW = ["a-1", "196608011988031001", "Budi Ganteng", "01-08-1966", "1", "01", "82030001", "40"]


def _write(path: Path, lines: list[list[str]], delimiter: str, encoding: str = "utf-8") -> Path:
    path.write_text("\n".join(delimiter.join(cells) for cells in lines) + "\n", encoding=encoding)
    return path


@pytest.mark.parametrize("delimiter", ["|", ";", ",", "\t"])
def test_detects_each_delimiter(tmp_path: Path, delimiter: str) -> None:
    path = _write(tmp_path / "siasn_pns.csv", [HEADER, ROW], delimiter)
    source = read_file(path, EXPECTED)
    assert source.delimiter == delimiter
    rows = list(conform(CONTRACT, source, map_header(CONTRACT, source)))
    assert len(rows) == 1 and not isinstance(rows[0], Rejection)


def test_reads_latin1_file(tmp_path: Path) -> None:
    row = [*ROW]
    row[2] = "Réné Müller"
    path = _write(tmp_path / "siasn_pns.csv", [HEADER, row], "|", encoding="latin-1")
    source = read_file(path, EXPECTED)
    assert source.encoding == "cp1252"
    assert any("not UTF-8" in n for n in source.notes)
    assert len(list(source.rows)) == 1


def test_skips_title_rows_above_header(tmp_path: Path) -> None:
    path = _write(tmp_path / "siasn_pns.csv", [["DATA PNS KAB. HALMAHERA UTARA"], [""], HEADER, ROW], ";")
    source = read_file(path, EXPECTED)
    assert source.header_line == 3
    rows = list(source.rows)
    assert rows[0][0] == 4  # line numbers are the file's own


def test_missing_required_column_fails_the_file(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "NIP BARU"]
    path = _write(tmp_path / "siasn_pns.csv", [header, ROW[:1] + ROW[2:]], "|")
    source = read_file(path, EXPECTED)
    with pytest.raises(SourceFileError, match="NIP BARU"):
        map_header(CONTRACT, source)


def test_unparseable_file_names_file_and_cause(tmp_path: Path) -> None:
    path = tmp_path / "siasn_pns_garbage.csv"
    path.write_text("this is not\nan export at all\n")
    with pytest.raises(SourceFileError, match=r"siasn_pns_garbage\.csv: no header row"):
        read_file(path, EXPECTED)


def test_bad_rows_are_rejected_with_line_field_and_reason(tmp_path: Path) -> None:
    bad_nip = [*ROW]
    bad_nip[1] = "1.96608E+17"
    no_opd = [*ROW]
    no_opd[1] = "196608011988031002"
    no_opd[6] = ""
    bad_date = [*ROW]
    bad_date[1] = "196608011988031003"
    bad_date[3] = "31-02-1966"
    path = _write(tmp_path / "siasn_pns.csv", [HEADER, ROW, bad_nip, no_opd, bad_date, ROW], "|")
    source = read_file(path, EXPECTED)
    out = list(conform(CONTRACT, source, map_header(CONTRACT, source)))
    rejected = [r for r in out if isinstance(r, Rejection)]
    assert [(r.line, r.field) for r in rejected] == [
        (3, "NIP BARU"),
        (4, "SATUAN KERJA KERJA ID"),
        (5, "TANGGAL LAHIR"),
        (6, "NIP BARU"),
    ]
    assert "duplicate key" in rejected[3].reason and "line 2" in rejected[3].reason
    # a birth date is personal: its value is withheld from the quarantine
    assert rejected[2].value == "<withheld: personal data>"
    assert len(out) - len(rejected) == 1
