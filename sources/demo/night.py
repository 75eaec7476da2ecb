"""The next night's delivery on top of a demo drop folder: what an ordinary night brings.

`deliver_next_night(folder, as_of)` adds, beside the files `generate()` wrote for `as_of`,
the delivery of the night: the working day after the newest attendance day.

- one more working day of attendance, in its monthly file (the month's file is delivered
  again, or a new month starts);
- a new SIASN PNS export dated that day, with about `changed_share` of the PNS promoted
  one golongan (TMT on the first of the export's month);
- the dugaan pelanggaran register delivered again, dated that day, with a few new cases
  (copies of existing rows under new register numbers, reported on the new date).

Everything else stays as delivered, so a refresh afterwards is the incremental night the
benchmark measures. The same folder and arguments always give the same bytes.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from openpyxl import load_workbook

from sources.demo.population import GOLONGAN_LADDER, GOLONGAN_PNS
from sources.demo.sheets import save_sheet, stamp_for

NEW_CASES = 3


@dataclass(frozen=True)
class NightDelivery:
    as_of: date
    files: list[Path]
    attendance_rows: int
    employees_changed: int
    register_rows_added: int


def _next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _attendance(folder: Path) -> tuple[Path, date, int]:
    """Append the next working day to the newest monthly attendance file (or start the next
    month's file): every employee present on the newest day comes to work."""
    newest = sorted(folder.glob("presensi_harian_*.csv"))[-1]
    with newest.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, data = rows[0], rows[1:]
    last_day = max(r[1] for r in data)
    day = _next_working_day(date.fromisoformat(last_day))
    added = [[r[0], day.isoformat(), "H", "07:25", "16:05"] for r in data if r[1] == last_day]
    target = folder / f"presensi_harian_{day:%Y-%m}.csv"
    if target != newest:
        data = []
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([*data, *added])
    return target, day, len(added)


def _siasn(folder: Path, as_of: date, night: date, share: float, rng: random.Random) -> tuple[Path, int]:
    """The SIASN export of `night`: the `as_of` export with a share of PNS promoted."""
    source = folder / f"siasn_pns_{as_of.isoformat()}.csv"
    with source.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="|"))
    header, data = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    promotable = [
        r
        for r in data
        if r[col["JENIS PEGAWAI ID"]] == "1"
        and r[col["GOL AKHIR ID"]] in GOLONGAN_LADDER[:-1]
        and r[col["GOL AKHIR ID"]] not in {"14", "24", "34"}  # a new ruang needs an exam or a degree
    ]
    chosen = rng.sample(promotable, min(len(promotable), max(1, round(len(data) * share))))
    for row in chosen:
        new_id = GOLONGAN_LADDER[GOLONGAN_LADDER.index(row[col["GOL AKHIR ID"]]) + 1]
        row[col["GOL AKHIR ID"]] = new_id
        row[col["GOL AKHIR NAMA"]] = GOLONGAN_PNS[new_id]
        row[col["TMT GOLONGAN"]] = night.replace(day=1).strftime("%d-%m-%Y")
    target = folder / f"siasn_pns_{night.isoformat()}.csv"
    with target.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter="|", lineterminator="\r\n").writerows([header, *data])
    return target, len(chosen)


def _register(folder: Path, as_of: date, night: date) -> tuple[Path, int]:
    """The dugaan pelanggaran register again, with NEW_CASES new cases reported on `night`."""
    source = folder / f"register_dugaan_pelanggaran_{as_of.isoformat()}.xlsx"
    values = list(load_workbook(source, read_only=True).active.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(values) if row and row[0] == "NOMOR REGISTER")
    titles = [str(row[0]) for row in values[: header_at - 1] if row and row[0]]
    header = list(values[header_at])
    data = [list(row) for row in values[header_at + 1 :] if row and row[0]]
    col = {name: i for i, name in enumerate(header)}
    cases = []
    for k, row in enumerate(data[-NEW_CASES:], start=1):
        case = [None] * len(header)
        for name in ("NIP", "NAMA", "ID OPD", "SUMBER LAPORAN", "JENIS DUGAAN PELANGGARAN"):
            case[col[name]] = row[col[name]]
        case[col["NOMOR REGISTER"]] = f"{row[col['NOMOR REGISTER']]}-N{k}"
        case[col["TANGGAL LAPORAN"]] = night
        case[col["STATUS PEMERIKSAAN"]] = "dilaporkan"
        cases.append(case)
    target = folder / f"register_dugaan_pelanggaran_{night.isoformat()}.xlsx"
    save_sheet(target, titles, header, [*data, *cases], stamp_for(night))
    return target, len(cases)


def deliver_next_night(
    folder: Path, as_of: date, changed_share: float = 0.01, seed: int = 2021
) -> NightDelivery:
    """Write the next night's files into `folder`, a demo drop folder generated for `as_of`."""
    rng = random.Random(seed)
    attendance, night, attendance_rows = _attendance(folder)
    siasn, changed = _siasn(folder, as_of, night, changed_share, rng)
    register, added = _register(folder, as_of, night)
    return NightDelivery(night, [attendance, siasn, register], attendance_rows, changed, added)
