"""Demo attendance: the holiday calendar and one daily-status file per month."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from sources.demo.population import Employee

# Libur nasional and cuti bersama (SKB 3 Menteri), as published; dates of moving feasts as decided.
HOLIDAYS: dict[int, list[tuple[str, str, str]]] = {
    2024: [
        ("01-01", "libur_nasional", "Tahun Baru Masehi"),
        ("02-08", "libur_nasional", "Isra Mikraj"),
        ("02-10", "libur_nasional", "Tahun Baru Imlek"),
        ("03-11", "libur_nasional", "Hari Suci Nyepi"),
        ("03-29", "libur_nasional", "Wafat Isa Almasih"),
        ("04-10", "libur_nasional", "Idul Fitri"),
        ("04-11", "libur_nasional", "Idul Fitri"),
        ("04-08", "cuti_bersama", "Cuti Bersama Idul Fitri"),
        ("04-09", "cuti_bersama", "Cuti Bersama Idul Fitri"),
        ("04-12", "cuti_bersama", "Cuti Bersama Idul Fitri"),
        ("04-15", "cuti_bersama", "Cuti Bersama Idul Fitri"),
        ("05-01", "libur_nasional", "Hari Buruh"),
        ("05-09", "libur_nasional", "Kenaikan Isa Almasih"),
        ("05-23", "libur_nasional", "Waisak"),
        ("06-17", "libur_nasional", "Idul Adha"),
        ("07-07", "libur_nasional", "Tahun Baru Islam"),
        ("08-17", "libur_nasional", "Hari Kemerdekaan"),
        ("09-16", "libur_nasional", "Maulid Nabi"),
        ("12-25", "libur_nasional", "Natal"),
        ("12-26", "cuti_bersama", "Cuti Bersama Natal"),
    ],
    2025: [
        ("01-01", "libur_nasional", "Tahun Baru Masehi"),
        ("01-27", "libur_nasional", "Isra Mikraj"),
        ("01-29", "libur_nasional", "Tahun Baru Imlek"),
        ("03-28", "cuti_bersama", "Cuti Bersama Nyepi"),
        ("03-31", "libur_nasional", "Idul Fitri"),
        ("04-01", "libur_nasional", "Idul Fitri"),
        ("04-02", "cuti_bersama", "Cuti Bersama Idul Fitri"),
        ("04-03", "cuti_bersama", "Cuti Bersama Idul Fitri"),
        ("04-04", "cuti_bersama", "Cuti Bersama Idul Fitri"),
        ("04-07", "cuti_bersama", "Cuti Bersama Idul Fitri"),
        ("04-18", "libur_nasional", "Wafat Isa Almasih"),
        ("05-01", "libur_nasional", "Hari Buruh"),
        ("05-12", "libur_nasional", "Waisak"),
        ("05-29", "libur_nasional", "Kenaikan Isa Almasih"),
        ("06-06", "libur_nasional", "Idul Adha"),
        ("06-27", "libur_nasional", "Tahun Baru Islam"),
        ("08-18", "cuti_bersama", "Cuti Bersama Kemerdekaan"),
        ("09-05", "libur_nasional", "Maulid Nabi"),
        ("12-25", "libur_nasional", "Natal"),
        ("12-26", "cuti_bersama", "Cuti Bersama Natal"),
    ],
    2026: [
        ("01-01", "libur_nasional", "Tahun Baru Masehi"),
        ("01-16", "libur_nasional", "Isra Mikraj"),
        ("02-17", "libur_nasional", "Tahun Baru Imlek"),
        ("03-19", "libur_nasional", "Hari Suci Nyepi"),
        ("03-20", "libur_nasional", "Idul Fitri"),
        ("03-23", "cuti_bersama", "Cuti Bersama Idul Fitri"),
        ("03-24", "cuti_bersama", "Cuti Bersama Idul Fitri"),
        ("04-03", "libur_nasional", "Wafat Isa Almasih"),
        ("05-01", "libur_nasional", "Hari Buruh"),
        ("05-14", "libur_nasional", "Kenaikan Isa Almasih"),
        ("05-27", "libur_nasional", "Idul Adha"),
        ("06-01", "libur_nasional", "Hari Lahir Pancasila"),
        ("06-16", "libur_nasional", "Tahun Baru Islam"),
        ("08-17", "libur_nasional", "Hari Kemerdekaan"),
        ("08-25", "libur_nasional", "Maulid Nabi"),
        ("12-25", "libur_nasional", "Natal"),
        ("12-24", "cuti_bersama", "Cuti Bersama Natal"),
    ],
}
STATUS_WEIGHTS = {"H": 86.0, "TL": 5.0, "PSW": 1.5, "I": 1.5, "S": 1.8, "C": 2.5, "DL": 1.5, "TK": 0.2}


def holidays(years: range) -> list[tuple[date, str, str]]:
    out = []
    for year in years:
        for md, kind, name in HOLIDAYS.get(year, []):
            out.append((date.fromisoformat(f"{year}-{md}"), kind, name))
    return sorted(out)


def write_calendar(out_dir: Path, years: range, as_of: date) -> Path:
    path = out_dir / f"kalender_libur_{as_of.isoformat()}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(["TANGGAL", "JENIS", "KETERANGAN"])
        for day, kind, name in holidays(years):
            writer.writerow([day.strftime("%d-%m-%Y"), kind, name])
    return path


def write_attendance(out_dir: Path, employees: list[Employee], as_of: date, rng: random.Random) -> list[Path]:
    """Daily status of every employee on every working day, from two full years before as_of."""
    years = range(as_of.year - 2, as_of.year + 1)
    off = {d for d, _, _ in holidays(years)}
    habitual = {e.nip for e in employees if rng.random() < 0.01}  # a few with many TK days
    codes, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    tk_heavy = [w if c != "TK" else 8.0 for c, w in STATUS_WEIGHTS.items()]
    paths = []
    month = date(as_of.year - 2, 1, 1)
    while month <= as_of:
        nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        days = [month + timedelta(days=i) for i in range((nxt - month).days)]
        days = [d for d in days if d.weekday() < 5 and d not in off and d <= as_of]
        path = out_dir / f"presensi_harian_{month:%Y-%m}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            fh.write("NIP,TANGGAL,STATUS,JAM MASUK,JAM PULANG\r\n")
            lines = []
            for e in employees:
                if e.tmt_cpns > month:
                    continue
                statuses = rng.choices(codes, weights=tk_heavy if e.nip in habitual else weights, k=len(days))
                for d, s in zip(days, statuses, strict=True):
                    if s in {"H", "TL", "PSW"}:
                        masuk = f"07:2{rng.randint(0, 9)}" if s != "TL" else f"08:0{rng.randint(0, 9)}"
                        pulang = f"16:0{rng.randint(0, 9)}" if s != "PSW" else "14:30"
                    else:
                        masuk = pulang = ""
                    lines.append(f"{e.nip},{d:%Y-%m-%d},{s},{masuk},{pulang}\r\n")
            fh.writelines(lines)
        paths.append(path)
        month = nxt
    return paths
