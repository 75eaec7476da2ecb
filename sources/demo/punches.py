"""Demo attendance machines: the raw punches of the last full month and the PIN map.

Three machines (BKD dan SDA, Sekretariat Daerah, Inspektorat), each exporting its scan log in
its own way: delimiter, column order, header case and date-time format differ, as they do
between the machines' software. Machines know users by PIN; only some admins typed the NIP in.
Tenaga honorer punch too, under PINs the PIN map does not hold.

Call after `write_attendance`: the punches then follow the daily statuses of the same demo (a
punch in and out on days hadir, terlambat and pulang sebelum waktunya, at the times the daily
file shows). Without it, the days are drawn with the same weights.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sources.demo.attendance import STATUS_WEIGHTS, holidays
from sources.demo.layanan import former_nip
from sources.demo.population import Employee
from sources.demo.population import _name as person_name
from sources.demo.sheets import read_rows, save_sheet, stamp_for

INSTALLED = date(2022, 1, 3)  # the machines were installed and everyone enrolled that day
PRESENT = {"H", "TL", "PSW"}
VERIFICATION = {"Sidik Jari": 80, "Wajah": 18, "Kartu": 2}


@dataclass(frozen=True)
class Machine:
    label: str  # as the admin names the export file
    serial: str
    opd_code: str
    location: str
    delimiter: str
    header: tuple[str, ...]  # this machine software's column order and spelling
    time_format: str
    nip_share: float  # share of users whose NIP the admin typed into the machine


MACHINES = [
    Machine(
        "BKDSDA",
        "AEYU183960011",
        "BKDSDA",
        "Lobi Kantor BKD dan SDA",
        ";",
        ("PIN", "NIP", "NAMA", "WAKTU", "STATUS", "VERIFIKASI", "SN MESIN"),
        "%Y-%m-%d %H:%M:%S",
        0.85,
    ),
    Machine(
        "SETDA",
        "BJ2G192260045",
        "SETDA",
        "Lobi Kantor Bupati",
        "\t",
        ("Sn Mesin", "Pin", "Nama", "Nip", "Waktu", "Verifikasi", "Status"),
        "%d-%m-%Y %H:%M:%S",
        0.0,
    ),
    Machine(
        "INSP",
        "FIO66208021",
        "INSP",
        "Kantor Inspektorat Daerah",
        ";",
        ("WAKTU", "PIN", "NIP", "NAMA", "STATUS", "VERIFIKASI", "SN MESIN"),
        "%d/%m/%Y %H:%M",
        0.4,
    ),
]


@dataclass
class User:
    pin: str
    nama: str
    nip: str | None  # None: tenaga honorer, not in the PIN map
    since: date
    verification: str
    nip_in_machine: bool


def last_full_month(as_of: date) -> date:
    """The first day of the last month that ends on or before the as-of date."""
    if (as_of + timedelta(days=1)).day == 1:
        return as_of.replace(day=1)
    return (as_of.replace(day=1) - timedelta(days=1)).replace(day=1)


def _users(machine: Machine, employees: list[Employee], rng: random.Random) -> list[User]:
    staff = sorted(
        (e for e in employees if e.opd.code == machine.opd_code), key=lambda e: (e.tmt_cpns, e.nip)
    )
    kinds, weights = list(VERIFICATION), list(VERIFICATION.values())
    users = [
        User(
            str(pin),
            e.nama,
            e.nip,
            max(INSTALLED, e.tmt_cpns),
            rng.choices(kinds, weights=weights)[0],
            rng.random() < machine.nip_share,
        )
        for pin, e in enumerate(staff, start=1)
    ]
    for k in range(rng.randint(4, 8)):
        users.append(User(str(9001 + k), person_name(rng), None, INSTALLED, "Sidik Jari", False))
    return users


def pin_map_rows(machine: Machine, opd_id: str, users: list[User], rng: random.Random) -> list[list[object]]:
    """One row per PIN holder; a PIN given to a newcomer first belonged to someone who left."""
    rows: list[list[object]] = []
    for user in users:
        if user.nip is None:
            continue
        if user.since > INSTALLED and rng.random() < 0.3:
            former = [
                machine.serial,
                machine.location,
                opd_id,
                user.pin,
                former_nip(rng, INSTALLED),
                person_name(rng),
                INSTALLED,
                user.since - timedelta(days=rng.randint(30, 200)),
            ]
            if former[-1] > INSTALLED:  # a PIN held before the machine existed is no PIN at all
                rows.append(former)
        nip = f"'{user.nip}" if rng.random() < 0.2 else user.nip  # pasted from a CSV export
        rows.append([machine.serial, machine.location, opd_id, user.pin, nip, user.nama, user.since, None])
    return rows


def _working_days(month: date) -> list[date]:
    off = {d for d, _, _ in holidays(range(month.year, month.year + 1))}
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    all_days = (month + timedelta(days=i) for i in range((nxt - month).days))
    return [d for d in all_days if d.weekday() < 5 and d not in off]


def _daily(out_dir: Path, month: date) -> dict[tuple[str, str], tuple[str, str | None, str | None]]:
    """(nip, ISO day) -> (status, jam masuk, jam pulang) from the month's presensi_harian file."""
    rows = read_rows(out_dir / f"presensi_harian_{month:%Y-%m}.csv", "presensi_harian")
    return {
        (str(r["nip"]), str(r["tanggal"])): (str(r["status_kode"]), r["jam_masuk"], r["jam_pulang"])
        for r in rows
    }


def _drawn_day(rng: random.Random) -> tuple[str, str | None, str | None]:
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    if status not in PRESENT:
        return status, None, None
    masuk = f"07:2{rng.randint(0, 9)}" if status != "TL" else f"08:0{rng.randint(0, 9)}"
    return status, masuk, f"16:0{rng.randint(0, 9)}" if status != "PSW" else "14:30"


def _at(day: date, hhmm: str, rng: random.Random) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, rng.randint(0, 59))


def punches(
    users: list[User],
    days: list[date],
    daily: dict[tuple[str, str], tuple[str, str | None, str | None]],
    rng: random.Random,
) -> list[tuple[datetime, User, str]]:
    """(time, user, state) of every scan: 0 masuk, 1 pulang. Now and then a second scan in, a
    forgotten scan out."""
    out = []
    for user in users:
        for day in days:
            if day < user.since:
                continue
            if user.nip is None:  # honorer: present most days
                status, masuk, pulang = ("H", f"07:1{rng.randint(0, 9)}", f"16:1{rng.randint(0, 9)}")
                if rng.random() < 0.1:
                    continue
            elif daily:
                status, masuk, pulang = daily.get((user.nip, day.isoformat()), ("", None, None))
            else:
                status, masuk, pulang = _drawn_day(rng)
            if status not in PRESENT or not masuk:
                continue
            scan_in = _at(day, masuk, rng)
            out.append((scan_in, user, "0"))
            if rng.random() < 0.04:
                out.append(
                    (scan_in + timedelta(minutes=rng.randint(1, 2), seconds=rng.randint(0, 30)), user, "0")
                )
            if pulang and rng.random() >= 0.03:
                out.append((_at(day, pulang, rng), user, "1"))
    return sorted(out, key=lambda p: (p[0], int(p[1].pin)))


def _write_scan_log(path: Path, machine: Machine, scans: list[tuple[datetime, User, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=machine.delimiter, lineterminator="\r\n")
        writer.writerow(machine.header)
        for when, user, state in scans:
            cells = {
                "PIN": user.pin,
                "NIP": user.nip if user.nip and user.nip_in_machine else "",
                "NAMA": user.nama,
                "WAKTU": when.strftime(machine.time_format),
                "STATUS": state,
                "VERIFIKASI": user.verification,
                "SN MESIN": machine.serial,
            }
            writer.writerow([cells[h.upper()] for h in machine.header])
    return path


def write_punches(out_dir: Path, employees: list[Employee], as_of: date, rng: random.Random) -> list[Path]:
    """presensi_mesin_<machine>_<yyyy-mm>.csv for the last full month, and pin_mesin_<as-of>.xlsx."""
    month = last_full_month(as_of)
    days = _working_days(month)
    daily = _daily(out_dir, month)
    opd_ids = {e.opd.code: e.opd.id for e in employees}
    paths, pin_rows = [], []
    for machine in MACHINES:
        if machine.opd_code not in opd_ids:
            continue
        users = _users(machine, employees, rng)
        pin_rows += pin_map_rows(machine, opd_ids[machine.opd_code], users, rng)
        scans = punches(users, days, daily, rng)
        paths.append(
            _write_scan_log(out_dir / f"presensi_mesin_{machine.label}_{month:%Y-%m}.csv", machine, scans)
        )
    paths.append(
        save_sheet(
            out_dir / f"pin_mesin_{as_of.isoformat()}.xlsx",
            ["DAFTAR PIN PEGAWAI PADA MESIN PRESENSI", "PEMERINTAH KABUPATEN HALMAHERA UTARA"],
            ["SN MESIN", "LOKASI MESIN", "ID OPD", "PIN", "NIP", "NAMA", "BERLAKU MULAI", "BERLAKU SAMPAI"],
            pin_rows,
            stamp_for(as_of),
        )
    )
    return paths
