"""Render docs/sources.md from the contracts, so the documentation cannot drift from them.

python -m sources.contracts.docs > docs/sources.md
"""

from __future__ import annotations

from sources.contracts import Codes, Column, Contract, links_to, load_contracts
from sources.values import BOOLEAN_FORMS

MAX_LISTED_CODES = 20  # longer code lists (the indicator codes) are named, not listed

INTRO = """# Source contracts

Generated from `sources/contracts/*.yml` by `python -m sources.contracts.docs > docs/sources.md`
(a test fails when this page and the contracts disagree).

## How stewards deliver

Files go into the **drop folder** (`IKU_SOURCES_DIR`), in any sub-folder. Each contract names
the files it claims by a pattern; a date in the file name (`_2025-12-31`, `_2025-12`) is the
file's as-of date. The next refresh picks up what is there:

- `snapshot` sources: the newest file replaces the whole raw table, atomically;
- `per_file` sources (attendance, one file per month; every SIASN PNS export): each file
  replaces the rows an earlier version of the same file loaded, and the other files stay;
- a source whose contract requires the as-of date in the name (SIASN PNS) refuses a file
  without it; one with a hold rule (SIASN PNS: under 90 % of the rows of the export before it)
  holds a cut-off file, loads nothing of it, and reports it (`raw_<source>_delivery_held`):
  deliver it again, complete, under the same name;
- a file whose checksum was already loaded is not loaded again.

Delimited files: delimiter detected among `|` `;` `,` and tab; UTF-8, else Windows-1252 /
Latin-1; title lines above the header are skipped. Workbooks (`.xlsx`): the first sheet, header
found below any title rows. Dates: `dd-mm-yyyy`, `yyyy-mm-dd` or Excel serial numbers.
Date-times (attendance machines' punches, local time WIT, 24-hour clock): `yyyy-mm-dd hh:mm[:ss]`,
`dd-mm-yyyy hh:mm[:ss]`, `dd/mm/yyyy hh:mm` or Excel serials whose fraction is the time. NIPs are
text (18 digits); apostrophes, spaces and `.0` added by spreadsheets are removed, and a NIP that
a spreadsheet turned into `1.96608E+17` is rejected. Yes/no fields (type `boolean`) take
{BOOLEAN_FORMS} in any case, with spaces around; an empty one is "not stated"
(read as no where a rule needs an answer, and said so in the field's note).

## Freshness: a source that stopped arriving

Each contract says how often its source arrives (`cadence`: `daily`, `weekly`, `monthly`,
`quarterly` or `yearly`, with `grace_days` and why: listed per source below). By their meaning:
the SIASN exports (SIASN PNS and the riwayat exports, delivered together after each monthly
SIASN synchronisation), the attendance files and the PIN map, and the registers brought up to
date every month (documents, disciplinary cases, services, finance reports) are monthly; the
targets (target IKU), the external scores, the assessment results, the formasi register, the
peta jabatan and the holiday calendar are yearly; the SIMPEG tables (docs/simpeg.md, not a
contract: `cadence` in `sources/simpeg/simpeg.yml`) are extracted by the warehouse every night,
daily with one day of grace.

After each load, the check `raw_<source>_fresh` (severity WARN: the night still publishes, the
source's previous data stays in force) judges the source's **latest delivery**: the newest of
its loads in `audit.load_batches` (outcome `loaded` or `unchanged`), dated by

1. the as-of date in its file name (`siasn_pns_2025-12-31.csv`), or a SIMPEG table's
   extraction date;
2. else the last day of the month its file name names (`presensi_harian_2025-12.csv`:
   2025-12-31);
3. else the day (WIT) that file's content was loaded (`register_layanan_kp_2025.xlsx`, which
   names only its year): an identical file dropped again is not loaded again and does not
   count as a new delivery.

On today's date (the warehouse's clock, `IKU_TODAY` when set) the source is

- **fresh** while today is no later than the delivery date plus one period (a month, a year,
  a day; 31 January + 1 month = 28 February) plus the grace days;
- **late** after that: `terlambat: tidak ada kiriman sejak 2025-12-31, seharusnya bulanan (late:
  not delivered since 2025-12-31, due by 2026-02-15; ...)`;
- **never delivered** when no load of it was ever recorded: `belum pernah dikirim` (its other
  failing checks, e.g. an empty table, then read `not delivered` as well).

The result is recorded in `dq.check_results` like every quality check, routed to the source's
steward and penanggung jawab, and listed by `iku dq`; a steward may acknowledge it
(`iku dq ack raw_<source>_fresh ...`) while a delivery is known to be late.

A drop folder that does not exist, is not a folder or cannot be read fails the load steps
(`raw_files`, `raw_presensi`) with a message naming the folder: nothing is loaded, the
previous raw data stays, and the run fails, whether started by `iku refresh` (which refuses
before the run) or by the schedule.

## What happens to a bad row

A row that cannot be read (wrong number of fields, an empty mandatory field, a value that is
not of its type, e.g. a yes/no field holding `mungkin`: never read as no, a date marked *past*
that lies after the delivery's as-of date, a duplicate key) is not loaded: it goes to
`audit.quarantine` with the file, the line, the field, the value (withheld for restricted
personal fields) and the reason. Every load is a row of `audit.load_batches` where rows read =
rows loaded + rows quarantined. A file that cannot be read at all (no header, a required column
missing) keeps its source's previous raw data; the other sources still load, then the load step
(`raw_files`, or `raw_presensi` for the attendance sources) fails with a message naming every
failed source, its file and the cause.

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
5. A raw column whose contract changed its type (a yes/no field once loaded as text) is retyped
   at the next load of its source, its kept values typed by the same SQL function (a value it
   refuses becomes empty, and is quarantined when the file is delivered again); the views
   reading the table are dropped first, and the refresh's dbt build re-creates them.

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

## Links between sources and coded fields

A rule that matches a value (a code, or an id naming a row of another source) gets nothing
from a value it does not know: the employee or the position would silently count as "no". So
every such value is declared in its contract, once, and checked after each load:

- **coded fields** (`codes`): the accepted values, from a BKN reference seed in
  `dbt_project/seeds` (the one definition of each code, which the models join to) and/or listed
  in the contract; *any case* where the staging model folds the case. Any other value is
  reported by the source's `raw_<source>_codes_known` check; an empty value is not a code (the
  column's *required* says whether it may be empty).
- **links** (`link`): the column of another source that each value must be found in, reported
  by `raw_<source>_<column>_in_<other source>`. Every NIP column names an employee of the
  SIASN PNS export (`siasn_pns.nip_baru`): where the suite asks, `raw_<source>_nip_in_siasn`
  reports the NIPs it does not hold.

These checks are **WARN**: the night publishes, and each failure is routed to the source's
steward with the keys of the rows (the NIP, or the row's key where it has none; `iku dq`,
docs/quality.md).

## Personal data

Columns marked *personal* (names, NIK, phones, addresses, e-mail, free-text reasons) are never
loaded. Columns marked *restricted* (birth date) are loaded for the rules that need them (NIP
check, retirement age) and never reach the marts or quality reports.

## Sources
"""


def _code_list(codes: Codes) -> str:
    accepted = codes.accepted()
    if codes.reference and len(accepted) > MAX_LISTED_CODES:
        seed, _, column = codes.reference.partition(".")
        also = f", and {', '.join(f'`{v}`' for v in codes.values)}" if codes.values else ""
        case = ", any case" if codes.any_case else ""
        return f"the {len(accepted)} codes of seed `{seed}` (column `{column}`{case}){also}"
    names = codes.names()
    listed = " · ".join(f"`{v}` {names[v]}" if v in names else f"`{v}`" for v in accepted)
    notes = [f"seed `{codes.reference.partition('.')[0]}`"] if codes.reference else []
    notes += ["any case"] if codes.any_case else []
    return listed + (f" ({', '.join(notes)})" if notes else "")


def _header(contract: Contract, name: str) -> str:
    return f"`{contract.column(name).header}`"


def _links(contract: Contract) -> list[str]:
    """This contract's links, both ways: its NIP columns, its declared links, those pointing here."""
    pns = load_contracts()["siasn_pns"]
    out = []
    for col in contract.loaded_columns:
        if col.type == "nip" and contract.name != pns.name:
            out.append(f"- `{col.header}` → `siasn_pns` {_header(pns, 'nip_baru')}: the employee.")
        if col.link:
            targets = " or ".join(
                f"`{source}` {_header(load_contracts()[source], name)}"
                for source, _, name in (t.partition(".") for t in col.link.to)
            )
            where = f" (rows where `{col.link.where}`)" if col.link.where else ""
            about = f": {col.link.about.rstrip('.')}" if col.link.about else ""
            check = f"raw_{contract.raw_table}_{col.link.check_suffix(col.name)}"
            out.append(f"- `{col.header}` → {targets}{where}{about}; checked by `{check}`.")
    if contract.name == pns.name:
        out.append(f"- {_header(pns, 'nip_baru')} ← every NIP column of the other sources.")
    for other, col, link in links_to(contract):
        mine = [t.partition(".")[2] for t in link.to if t.partition(".")[0] == contract.name]
        where = f" (its rows where `{link.where}`)" if link.where else ""
        check = f"raw_{other.raw_table}_{link.check_suffix(col.name)}"
        out += [
            f"- {_header(contract, m)} ← `{other.name}` `{col.header}`{where}; checked by `{check}`."
            for m in mine
        ]
    return out


def _notes(col: Column) -> str:
    if col.personal:
        return "personal: not loaded"
    notes = ["restricted"] if col.restricted else []
    notes += ["past (not after the as-of date)"] if col.past else []
    notes += [col.doc] if col.doc else []
    return "; ".join(notes)


def render() -> str:
    out = [INTRO.replace("{BOOLEAN_FORMS}", BOOLEAN_FORMS)]
    for c in load_contracts().values():
        out.append(f"\n### `{c.name}` → `raw.{c.raw_table}`\n")
        out.append(f"{c.description}\n")
        out.append(
            f"- files: `{c.files}` ({c.format}, mode `{c.mode}`)\n"
            f"- key: {', '.join(f'`{k}`' for k in c.key) or '-'}\n"
            f"- steward: {c.steward}; penanggung jawab: {c.penanggung_jawab}\n"
        )
        if c.cadence is not None:
            why = f": {c.cadence.about}" if c.cadence.about else ""
            out.append(f"- arrives {c.cadence.describe()}{why} (`raw_{c.raw_table}_fresh`)\n")
        if c.as_of_required:
            out.append("- the as-of date in the file name is required: every file is kept by that date\n")
        if c.hold_below_share is not None:
            out.append(
                f"- held (nothing loaded, reported) below {c.hold_below_share:.0%} of the rows of the "
                "export in force with the nearest earlier as-of date\n"
            )
        out.append("\n| header in the file | raw column | type | required | note |\n|---|---|---|---|---|\n")
        for col in c.columns:
            out.append(
                f"| {col.header} | {col.name or '-'} | {'-' if col.personal else col.type} | "
                f"{'yes' if col.required else ''} | {_notes(col)} |\n"
            )
        links = _links(c)
        if links:
            out.append("\nLinks to other sources:\n\n" + "\n".join(links) + "\n")
        coded = [col for col in c.loaded_columns if col.codes]
        if coded:
            out.append(f"\nAccepted values (any other is reported by `raw_{c.raw_table}_codes_known`):\n\n")
            out += [f"- `{col.header}`: {_code_list(col.codes)}\n" for col in coded if col.codes]
        yes_no = [col for col in c.loaded_columns if col.type == "boolean"]
        if yes_no:
            fields = ", ".join(f"`{col.header}`" for col in yes_no)
            out.append(
                f"\nYes/no fields: {fields}: {BOOLEAN_FORMS}, any case; any other value is quarantined.\n"
            )
        pppk = [col for col in c.columns if col.pppk]
        if pppk:
            out.append("\nWhat a PPPK row carries (where it differs from a PNS row):\n\n")
            out.append("| header | PPPK |\n|---|---|\n")
            out += [f"| {col.header} | {col.pppk} |\n" for col in pppk]
    return "".join(out)


if __name__ == "__main__":
    print(render(), end="")
