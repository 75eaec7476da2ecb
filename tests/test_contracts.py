"""Contracts are consistent, documented, and claim the files the demo writes."""

from pathlib import Path

from orchestration.settings import REPO_ROOT
from sources.contracts import load_contracts
from sources.contracts.docs import render
from sources.drop_folder import files_for, unclaimed_files
from sources.simpeg import DEMO_DB_NAME


def test_docs_match_contracts() -> None:
    assert (REPO_ROOT / "docs" / "sources.md").read_text(encoding="utf-8") == render(), (
        "docs/sources.md is stale: python -m sources.contracts.docs > docs/sources.md"
    )


def test_every_demo_file_is_claimed_and_strangers_are_reported(demo_dir: Path, tmp_path: Path) -> None:
    assert unclaimed_files(demo_dir) == []
    claimed = [p for c in load_contracts().values() for p in files_for(c, demo_dir)]
    # every file has exactly one contract, except the SIMPEG database (read by the extraction)
    assert sorted(claimed) == sorted(p for p in demo_dir.iterdir() if p.name != DEMO_DB_NAME)
    assert (demo_dir / DEMO_DB_NAME).exists()
    stranger = tmp_path / "laporan_lain.xlsx"
    stranger.write_bytes(b"x")
    assert unclaimed_files(tmp_path) == [stranger]


def test_personal_columns_are_never_loaded() -> None:
    contracts = load_contracts()
    pns = {c.header: c for c in contracts["siasn_pns"].columns}
    for header in ["NAMA", "NIK", "NOMOR HP", "ALAMAT", "EMAIL", "EMAIL GOV", "NPWP NOMOR", "BPJS"]:
        assert not pns[header].loaded, header
    assert pns["TANGGAL LAHIR"].restricted
    hukdis = {c.header: c for c in contracts["riwayat_hukdis"].columns}
    assert not hukdis["alasanHukumanDisiplin"].loaded
