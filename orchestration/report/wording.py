"""How the report says things in Bahasa Indonesia: numbers, units, periods, reasons, categories.

One place for every word the leadership reads, shared by the HTML and the XLSX.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

BULAN = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip
TRIWULAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

SATUAN = {
    "persen": "%",
    "per 1000": "per 1.000 ASN",
    "jumlah": "jumlah",
    "nilai": "nilai",
    "kategori": "kategori",
}
ARAH = {"higher": "semakin tinggi semakin baik", "lower": "semakin rendah semakin baik"}
JENIS = {
    "records": "dihitung dari data kepegawaian",
    "register": "dihitung dari register unit kerja",
    "manual": "nilai hasil penilaian pihak luar, dimasukkan oleh pengelola data",
}

# fct_iku.null_reason (English, for analysts) as the report says it
ALASAN = {
    "no records for this period": "tidak ada data untuk periode ini: sumber datanya belum dikirim",
    "no score entered": "nilai belum dimasukkan oleh pengelola data untuk periode ini",
    "denominator is zero": "penyebut nol: tidak ada yang dapat dihitung untuk periode dan unit ini",
    "no target": "target belum ditetapkan",
}

# fct_iku.status: the kategori capaian (ref_kategori_capaian), or why there is none
WARNA_STATUS = {
    "sangat tinggi": "#1a7f37",
    "tinggi": "#4c9a2a",
    "sedang": "#b58a00",
    "rendah": "#d4631a",
    "sangat rendah": "#c62828",
    "tanpa target": "#6b7280",
    "tidak ada data": "#6b7280",
}


def angka(value: Decimal | float | int | None, digits: int = 2) -> str:
    """`1234.5` -> `1.234,50`; None -> `–` (the Indonesian decimal comma and thousands dot)."""
    if value is None:
        return "–"
    quantum = Decimal(1).scaleb(-digits)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def digits_for(satuan: str, value: Decimal | None) -> int:
    """Counts and scores without decimals when they are whole; ratios with two."""
    if value is not None and value == value.to_integral_value() and satuan in {"jumlah", "nilai", "kategori"}:
        return 0
    return 2


def nilai(value: Decimal | None, satuan: str) -> str:
    return angka(value, digits_for(satuan, value))


def satuan(unit_of_measure: str) -> str:
    return SATUAN.get(unit_of_measure, unit_of_measure)


def periode(period_id: str) -> str:
    """`2025` -> `Tahun 2025`; `2025-Q3` -> `Triwulan III 2025`; `2025-09` -> `September 2025`."""
    if "-Q" in period_id:
        year, quarter = period_id.split("-Q")
        return f"Triwulan {TRIWULAN[int(quarter)]} {year}"
    if "-" in period_id:
        year, month = period_id.split("-")
        return f"{BULAN[int(month) - 1]} {year}"
    return f"Tahun {period_id}"


def periode_singkat(period_id: str) -> str:
    """Chart labels: `2025`, `TW III`."""
    if "-Q" in period_id:
        return f"TW {TRIWULAN[int(period_id.split('-Q')[1])]}"
    return period_id


def alasan(null_reason: str | None) -> str:
    if not null_reason:
        return ""
    for start, words in ALASAN.items():
        if null_reason.startswith(start):
            return words
    return null_reason


def tanggal(value) -> str:
    """A date as `31 Oktober 2026`."""
    if value is None:
        return "–"
    return f"{value.day} {BULAN[value.month - 1]} {value.year}"
