"""Issue 10, item 4: no silent misses. Every value a rule matches on is validated when it is
loaded, and an unknown or unmatched value is reported to the source's steward with its key,
never read as "no":

- a yes/no field reads every yes and no stewards type (riwayat diklat `isSertifikatKompetensi`
  = `TRUE` or `Ya` was read as "no"); any other value quarantines its row (file, line, field),
  reported by `raw_riwayat_diklat_nothing_quarantined` with the key `file#line`;
- a structural position SIASN holds under a `JABATAN ID` the peta jabatan does not hold
  (BKD-1.4 counted the position vacant, silently): `raw_siasn_pns_jabatan_id_in_peta_jabatan`;
- a `latihanStrukturalId` that is no code of ref_diklat_kepemimpinan (the diklat counted as no
  diklat kepemimpinan): `raw_riwayat_diklat_codes_known`;
- a `statusJabatan` that is not definitif / plt / plh (a Plt read as definitif):
  `raw_riwayat_jabatan_codes_known`;
- a kedudukan hukum or jenis pegawai that is no code of its ref_* seed (an active employee read
  as not active, a PPPK as PNS): `raw_siasn_pns_codes_known`.

Each case is a small delivery written here, loaded by the loader into a real PostgreSQL, and
the checks run as the Dagster asset checks run them (gx_runner.run_suite, then
dq_store.evaluate_suite: sample keys and routing). The checks are WARN: they never block.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from orchestration.checks.dq_store import Evaluation, evaluate_suite
from orchestration.checks.gx_runner import run_suite, suites
from orchestration.warehouse import dbt_env, drop_database, ensure_database, make_engine
from sources.contracts import load_contracts
from sources.load import load_file
from sources.raw_tables import ensure_raw_table, ensure_raw_tables
from tests.helpers import run_dbt

pytestmark = pytest.mark.warehouse

AS_OF = "2025-12-31"
HELD = "197211101994031001"  # holds J-01, numbered alike in SIASN and the peta
RENUMBERED = "198503152010012002"  # holds X-77, which the peta numbered P-02
KEDUDUKAN_1 = "199001012015031003"  # kedudukan hukum '1': a spreadsheet dropped the 0 of '01'
PPPK_BY_NAME = "198001012021012004"  # jenis pegawai 'PPPK', the name where the id belongs

SIASN = [
    "NIP BARU,TANGGAL LAHIR,JENIS PEGAWAI ID,KEDUDUKAN HUKUM ID,SATUAN KERJA KERJA ID,JABATAN ID,ESELON ID",
    f"{HELD},10-11-1972,1,01,OPD1,J-01,31",
    f"{RENUMBERED},15-03-1985,1,01,OPD1,X-77,41",
    f"{KEDUDUKAN_1},01-01-1990,1,1,OPD1,F-123,99",
    f"{PPPK_BY_NAME},01-01-1980,PPPK,71,OPD1,F-124,99",
]
PETA = [  # ID JABATAN, ID OPD, NAMA JABATAN, JENIS JABATAN, ESELON
    ("J-01", "OPD1", "Kepala Bidang Mutasi", "struktural", "31"),
    ("P-02", "OPD1", "Kepala Sub Bidang Mutasi", "struktural", "41"),
    ("J-03", "OPD1", "Kepala Sub Bagian Umum", "struktural", "42"),  # vacant: nobody to check
]
DIKLAT = [
    "id,nipBaru,jenisDiklat,latihanStrukturalId,tahun,isSertifikatKompetensi",
    f"D1,{HELD},struktural,PKA,2020,",
    f"D2,{RENUMBERED},struktural,PIM IV,2021,0",  # not a code: ref_diklat_kepemimpinan has PIM_IV
    f"D3,{KEDUDUKAN_1},sertifikasi,,2024,TRUE",
    f"D4,{PPPK_BY_NAME},sertifikasi,,2024, Ya ",
    f"D5,{HELD},teknis,,2023,Tidak",
    f"D6,{HELD},sertifikasi,,2024,mungkin",  # line 7: neither yes nor no
    f"D7,{RENUMBERED},struktural,pkp,2019,n",  # the code in lower case: read (any case)
]
MUNGKIN_LINE = 7
JABATAN = [
    "id,nipBaru,jenisJabatanId,jabatanId,eselonId,satuanKerjaId,statusJabatan,tmtJabatan",
    f"R1,{HELD},1,J-01,31,OPD1,definitif,01-01-2022",
    f"R2,{RENUMBERED},1,X-77,41,OPD1,Pelaksana Tugas,01-06-2024",  # neither plt nor plh
    f"R3,{KEDUDUKAN_1},4,F-123,,OPD1,PLT,01-01-2023",  # plt in capitals: read (any case)
]


def _write(folder: Path) -> dict[str, Path]:
    files = {
        "siasn_pns": folder / f"siasn_pns_{AS_OF}.csv",
        "riwayat_diklat": folder / f"riwayat_diklat_{AS_OF}.csv",
        "riwayat_jabatan": folder / f"riwayat_jabatan_{AS_OF}.csv",
        "peta_jabatan": folder / f"peta_jabatan_{AS_OF}.xlsx",
    }
    for name, lines in (("siasn_pns", SIASN), ("riwayat_diklat", DIKLAT), ("riwayat_jabatan", JABATAN)):
        files[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    book = Workbook()
    sheet = book.active
    sheet.append(["ID JABATAN", "ID OPD", "NAMA JABATAN", "JENIS JABATAN", "ESELON"])
    for row in PETA:
        sheet.append(list(row))
    book.save(files["peta_jabatan"])
    return files


@pytest.fixture(scope="module")
def delivered(server_url: str, tmp_path_factory: pytest.TempPathFactory):
    """The deliveries above loaded into a database of this module: (engine, url, load results)."""
    name = f"iku_misses_{uuid.uuid4().hex[:8]}"
    ensure_database(server_url, name)
    url = f"{server_url.rsplit('/', 1)[0]}/{name}"
    engine = make_engine(url)
    ensure_raw_tables(engine)
    contracts = load_contracts()
    results = {
        source: load_file(engine, contracts[source], path)
        for source, path in _write(tmp_path_factory.mktemp("misses")).items()
    }
    assert all(r.outcome == "loaded" for r in results.values()), results
    yield engine, url, results
    engine.dispose()
    drop_database(server_url, name)


def _evaluate(engine: sa.Engine, url: str, source: str, check: str) -> Evaluation:
    """The check as its Dagster asset check runs it: its suite validated, then the failure's
    sample keys and route, as recorded in dq.check_results."""
    specs = suites()[f"raw_{load_contracts()[source].raw_table}"]
    outcomes = run_suite(specs, url)
    spec = next(s for s in specs if s.name == check)
    assert outcomes[check].error is None, outcomes[check].error
    return evaluate_suite(engine, [(spec, outcomes[check])], f"test-{uuid.uuid4().hex[:6]}")[0]


def _assert_flags(evaluation: Evaluation, source: str, keys: set[str]) -> None:
    """Failed, WARN (never blocking), its sample keys exactly `keys`, routed to the steward
    of the source."""
    contract = load_contracts()[source]
    assert evaluation.outcome == "failed", evaluation
    assert evaluation.spec.severity == "WARN" and not evaluation.blocking
    assert set(evaluation.sample_keys) == keys
    assert [(r.steward, r.penanggung_jawab, set(r.keys)) for r in evaluation.routes] == [
        (contract.steward, contract.penanggung_jawab, keys)
    ]


def _rows(engine: sa.Engine, sql: str) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(sql)).tuples().all())


def _measures(url: str, evaluation: Evaluation) -> dict[str, int | None]:
    """Per measure of the evaluated check, the rows it flags (the check run again)."""
    outcome = run_suite([evaluation.spec], url)[evaluation.spec.name]
    return {e.kwargs["column"]: e.unexpected_count for e in outcome.expectations}


# --------------------------------------------------------------------------- yes/no fields


def test_a_certificate_flagged_true_or_ya_reads_as_yes(delivered, tmp_path: Path) -> None:
    """`TRUE` and ` Ya ` load as yes, `Tidak`, `0` and `n` as no, an empty flag as not stated;
    the staging model that feeds the certificate indicators reads yes for both."""
    engine, url, _ = delivered
    raw = _rows(engine, "select id, is_sertifikat_kompetensi from raw.riwayat_diklat")
    assert raw == {"D1": None, "D2": False, "D3": True, "D4": True, "D5": False, "D7": False}
    build = run_dbt(["run", "--select", "stg_siasn__riwayat_diklat"], tmp_path / "target", env=dbt_env(url))
    assert build.returncode == 0, build.stdout[-3000:]
    staged = _rows(
        engine, "select riwayat_diklat_id, is_sertifikat_kompetensi from staging.stg_siasn__riwayat_diklat"
    )
    assert staged == {"D1": False, "D2": False, "D3": True, "D4": True, "D5": False, "D7": False}


def test_a_yes_no_field_holding_anything_else_is_quarantined_and_reported(delivered) -> None:
    """`mungkin` is not read as no: the row is quarantined naming file, line, field and value,
    and the quarantine check reports it to the steward of riwayat diklat by `file#line`."""
    engine, url, results = delivered
    result = results["riwayat_diklat"]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (7, 6, 1)
    with engine.connect() as conn:
        quarantined = conn.execute(
            sa.text(
                "select file_name, line_number, field, value, reason from audit.quarantine "
                "where batch_id = :b"
            ),
            {"b": result.batch_id},
        ).one()
    file_name = f"riwayat_diklat_{AS_OF}.csv"
    assert quarantined[:4] == (file_name, MUNGKIN_LINE, "isSertifikatKompetensi", "mungkin")
    assert quarantined.reason.startswith(
        "not a yes/no value (expected 1/0, Y/N, Ya/Tidak, T/F or TRUE/FALSE)"
    )
    evaluation = _evaluate(engine, url, "riwayat_diklat", "raw_riwayat_diklat_nothing_quarantined")
    _assert_flags(evaluation, "riwayat_diklat", {f"{file_name}#{MUNGKIN_LINE}"})


# --------------------------------------------------------------------------- matched values


def test_a_structural_position_the_peta_jabatan_numbers_otherwise_is_reported(delivered) -> None:
    """SIASN's X-77 is the peta's P-02: BKD-1.4 would count P-02 vacant and its holder nowhere.
    The holder's NIP is reported; a vacant position (J-03) and non-structural rows (eselon 99)
    are not."""
    engine, url, _ = delivered
    evaluation = _evaluate(engine, url, "siasn_pns", "raw_siasn_pns_jabatan_id_in_peta_jabatan")
    _assert_flags(evaluation, "siasn_pns", {RENUMBERED})
    assert evaluation.unexpected_count == 1
    with engine.begin() as conn:  # the steward renumbers the peta as SIASN: nothing to report
        conn.execute(sa.text("update raw.peta_jabatan set jabatan_id = 'X-77' where jabatan_id = 'P-02'"))
    try:
        assert (
            _evaluate(engine, url, "siasn_pns", "raw_siasn_pns_jabatan_id_in_peta_jabatan").outcome
            == "passed"
        )
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("update raw.peta_jabatan set jabatan_id = 'P-02' where jabatan_id = 'X-77'"))


def test_a_diklat_kepemimpinan_code_not_in_the_seed_is_reported(delivered) -> None:
    """`PIM IV` (the seed's code is PIM_IV) matches no diklat kepemimpinan: reported with the
    NIP; `pkp` in lower case is the seed's PKP and passes."""
    engine, url, _ = delivered
    evaluation = _evaluate(engine, url, "riwayat_diklat", "raw_riwayat_diklat_codes_known")
    _assert_flags(evaluation, "riwayat_diklat", {RENUMBERED})
    measures = _measures(url, evaluation)
    assert measures == {"unknown__jenis_diklat": 0, "unknown__latihan_struktural_id": 1}


def test_a_status_jabatan_other_than_definitif_plt_plh_is_reported(delivered) -> None:
    """`Pelaksana Tugas` was read as definitif (the position filled); reported with the NIP.
    `PLT` in capitals is plt and passes."""
    engine, url, _ = delivered
    evaluation = _evaluate(engine, url, "riwayat_jabatan", "raw_riwayat_jabatan_codes_known")
    _assert_flags(evaluation, "riwayat_jabatan", {RENUMBERED})
    measures = _measures(url, evaluation)
    assert measures["unknown__status_jabatan"] == 1


def test_a_kedudukan_hukum_or_jenis_pegawai_not_in_its_seed_is_reported(delivered) -> None:
    """Kedudukan hukum `1` (not `01`) is no active service and jenis pegawai `PPPK` (not its
    id) no PPPK: both employees would silently drop out or change kind. Reported with the NIPs."""
    engine, url, _ = delivered
    evaluation = _evaluate(engine, url, "siasn_pns", "raw_siasn_pns_codes_known")
    _assert_flags(evaluation, "siasn_pns", {KEDUDUKAN_1, PPPK_BY_NAME})
    measures = _measures(url, evaluation)
    assert measures["unknown__kedudukan_hukum_id"] == 1 and measures["unknown__jenis_pegawai_id"] == 1


# --------------------------------------------------------------------------- an older warehouse


def test_a_yes_no_field_loaded_as_text_before_is_retyped_in_place(engine) -> None:
    """A warehouse that loaded riwayat diklat before the field became yes/no holds its text.
    The next load's ensure_raw_table types the kept values with the loader's own rules (so an
    unchanged file, never loaded again, reads as the contract says) and drops the views that
    read the table (dbt re-creates them)."""
    contract = load_contracts()["riwayat_diklat"]
    ensure_raw_tables(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("drop table raw.riwayat_diklat"))
        old = [
            f"{c.name} text" if c.type == "boolean" else f"{c.name} {c.sql_type}"
            for c in contract.loaded_columns
        ]
        conn.execute(
            sa.text(
                "create table raw.riwayat_diklat (_batch_id bigint not null, _source_file text not null, "
                f"_source_line integer not null, _as_of_date date, {', '.join(old)})"
            )
        )
        conn.execute(
            sa.text(
                "insert into raw.riwayat_diklat (_batch_id, _source_file, _source_line, id, nip_baru, "
                "jenis_diklat, tahun, is_sertifikat_kompetensi) "
                f"select 1, 'riwayat_diklat.csv', n + 1, 'D' || n, '{HELD}', 'sertifikasi', 2024, v "
                "from unnest(array['Ya', 'TRUE', '0', 'mungkin', '']) with ordinality as u(v, n)"
            )
        )
        conn.execute(sa.text("create schema staging"))
        conn.execute(
            sa.text("create view staging.v as select is_sertifikat_kompetensi from raw.riwayat_diklat")
        )
    ensure_raw_table(engine, contract)
    with engine.connect() as conn:
        kind = conn.execute(
            sa.text(
                "select data_type from information_schema.columns "
                "where table_schema = 'raw' and table_name = 'riwayat_diklat' "
                "and column_name = 'is_sertifikat_kompetensi'"
            )
        ).scalar_one()
        assert kind == "boolean"
        assert _rows(engine, "select id, is_sertifikat_kompetensi from raw.riwayat_diklat") == {
            "D1": True,
            "D2": True,
            "D3": False,
            "D4": None,  # refused: quarantined when the file is delivered again
            "D5": None,
        }
        assert conn.execute(sa.text("select to_regclass('staging.v')")).scalar() is None
    ensure_raw_table(engine, contract)  # nothing left to retype: a no-op
