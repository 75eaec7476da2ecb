"""Render docs/sources.md from the contracts, so the documentation cannot drift from them.

python -m sources.contracts.docs > docs/sources.md
"""

from __future__ import annotations

from sources.contracts import load_contracts

INTRO = """# Source contracts

Generated from `sources/contracts/*.yml` by `python -m sources.contracts.docs > docs/sources.md`
(a test fails when this page and the contracts disagree).

## How stewards deliver

Files go into the **drop folder** (`IKU_SOURCES_DIR`), in any sub-folder. Each contract names
the files it claims by a pattern; a date in the file name (`_2025-12-31`, `_2025-12`) is the
file's as-of date. The next refresh picks up what is there:

- `snapshot` sources: the newest file replaces the whole raw table, atomically;
- `per_file` sources (attendance, one file per month): each file replaces the rows an earlier
  version of the same file loaded;
- a file whose checksum was already loaded is not loaded again.

Delimited files: delimiter detected among `|` `;` `,` and tab; UTF-8, else Windows-1252 /
Latin-1; title lines above the header are skipped. Workbooks (`.xlsx`): the first sheet, header
found below any title rows. Dates: `dd-mm-yyyy`, `yyyy-mm-dd` or Excel serial numbers.
Date-times (attendance machines' punches, local time WIT, 24-hour clock): `yyyy-mm-dd hh:mm[:ss]`,
`dd-mm-yyyy hh:mm[:ss]`, `dd/mm/yyyy hh:mm` or Excel serials whose fraction is the time. NIPs are
text (18 digits); apostrophes, spaces and `.0` added by spreadsheets are removed, and a NIP that
a spreadsheet turned into `1.96608E+17` is rejected.

## What happens to a bad row

A row that cannot be read (wrong number of fields, an empty mandatory field, a value that is
not of its type, a date marked *past* that lies after the delivery's as-of date, a duplicate
key) is not loaded: it goes to `audit.quarantine` with the file,
the line, the field, the value (withheld for restricted personal fields) and the reason. Every
load is a row of `audit.load_batches` where rows read = rows loaded + rows quarantined. A file
that cannot be read at all (no header, a required column missing) keeps its source's previous
raw data; the other sources still load, then the load step (`raw_files`) fails with a message
naming every failed source, its file and the cause.

## How a file is loaded

Bulk data moves in bulk, and typing happens in SQL, set-based (`sources/load.py`,
`sources/batch.py`, `sources/raw_tables.py`):

1. A delimited file whose values all pass cheap SQL tests is typed by PostgreSQL `COPY`
   itself, straight into the new raw table. Any other file (or a workbook's text cells) is
   copied as text into a stage, then one statement writes the good rows to `raw` and another
   the rejections to `audit.quarantine`, with the same reasons. The typing rules are written
   once, as SQL functions `audit.iku_<type>` (`sources/values.py` keeps Python twins for the
   demo generator, and a test holds the two equal). Line numbers are the file's physical lines.
2. `per_file` sources are LIST-partitioned by `_source_file`: each load builds the file's new
   partition in its own transaction (a CHECK on the file name, so attaching needs no scan; its
   key index built before the swap) and replaces the old one. With the embedded warehouse's
   `wal_level = minimal` a table filled in the transaction that creates it skips the WAL.
   A contract's files load side by side (three connections).
3. After a load, indexes `<table>__<columns>_idx` on the key and NIP columns, then ANALYZE:
   the quality checks and dbt rely on them.
4. `audit.load_batches` reconciles every finished batch (a CHECK constraint,
   `load_batches_reconciles`): rows read = rows loaded + rows quarantined + rows failed, where a
   failed batch loads nothing and counts every row it read as failed. A load holds an advisory
   lock on its batch; a batch left `running` by a killed process is closed as failed at the
   next refresh. Two loads of the same table queue on a lock and re-check the checksum, so a
   file is never loaded twice.

## Deliberate defects in the demo

`iku demo --defects` spoils the demo files the way real deliveries go wrong, at a rate per
kind (`--defect-rate`, default 0.005 of a file's rows, at least one row; `--defect KIND=RATE`
for one kind), and lists every defect with file, line and field in `.defects.json`:

| kind | where | what the warehouse does |
|---|---|---|
| invalid_nip | SIASN PNS, riwayat golongan | quarantined (NIP must be 18 digits) |
| nip_birth_mismatch | SIASN PNS | loaded; the quality checks flag it |
| duplicate_row | SIASN PNS, riwayat golongan | the copy is quarantined (duplicate key) |
| unknown_code | SIASN PNS, riwayat hukdis | loaded; dbt relationship tests and the checks flag it |
| missing_mandatory | SIASN PNS, riwayat jabatan | quarantined (mandatory field is empty) |
| future_date | SIASN PNS birth date, hukdis SK date | quarantined (a *past* date after the as-of date) |
| two_opds | riwayat jabatan | loaded; the quality checks flag it |
| latin1_file | riwayat diklat | read as Latin-1: every row loads, accents intact |
| excel_title_row | peta jabatan | the header is found below the extra title rows |

## Personal data

Columns marked *personal* (names, NIK, phones, addresses, e-mail, free-text reasons) are never
loaded. Columns marked *restricted* (birth date) are loaded for the rules that need them (NIP
check, retirement age) and never reach the marts or quality reports.

## Sources
"""


def render() -> str:
    out = [INTRO]
    for c in load_contracts().values():
        out.append(f"\n### `{c.name}` → `raw.{c.raw_table}`\n")
        out.append(f"{c.description}\n")
        out.append(
            f"- files: `{c.files}` ({c.format}, mode `{c.mode}`)\n"
            f"- key: {', '.join(f'`{k}`' for k in c.key) or '-'}\n"
            f"- steward: {c.steward}; penanggung jawab: {c.penanggung_jawab}\n"
        )
        out.append("\n| header in the file | raw column | type | required | note |\n|---|---|---|---|---|\n")
        for col in c.columns:
            notes = ["restricted"] if col.restricted else []
            notes += ["past (not after the as-of date)"] if col.past else []
            note = "personal: not loaded" if col.personal else ", ".join(notes)
            out.append(
                f"| {col.header} | {col.name or '-'} | {'-' if col.personal else col.type} | "
                f"{'yes' if col.required else ''} | {note} |\n"
            )
    return "".join(out)


if __name__ == "__main__":
    print(render(), end="")
