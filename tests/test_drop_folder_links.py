"""Issue 11: a symlink in the drop folder is never followed out of it. Links that lead outside
the folder, or nowhere, are neither claimed nor read: they are reported, by `iku refresh` and by
the drop_folder asset's check. A link whose target stays inside the folder is read. Real files
and links in a temporary folder."""

from pathlib import Path

import pytest
from dagster import materialize

from orchestration.assets.raw import drop_folder
from orchestration.cli.refresh import report_unclaimed
from orchestration.resources import SourceDropResource
from sources.contracts import load_contracts
from sources.drop_folder import files_for, may_read, refused_links, unclaimed_files

SECRET = "rahasia milik orang lain\n"


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    """A drop folder with one real SIASN export, links of every kind, and, beside it, files
    that are not the drop folder's (another user's, say)."""
    outside = tmp_path / "outside"
    (outside / "arsip").mkdir(parents=True)
    for name in ["siasn_pns_2025-12-31.csv", "laporan_lain.xlsx", "arsip/siasn_pns_2025-07-31.csv"]:
        (outside / name).write_text(SECRET)

    folder = tmp_path / "drop"
    (folder / "sub").mkdir(parents=True)
    (folder / "siasn_pns_2025-11-30.csv").write_text("NIP BARU\n")
    # out of the folder: absolute, relative, to a directory; nowhere: dangling, a loop
    (folder / "siasn_pns_2025-12-31.csv").symlink_to(outside / "siasn_pns_2025-12-31.csv")
    (folder / "siasn_pns_2025-10-31.csv").symlink_to(Path("../outside/siasn_pns_2025-12-31.csv"))
    (folder / "laporan_lain.xlsx").symlink_to(outside / "laporan_lain.xlsx")
    (folder / "arsip").symlink_to(outside / "arsip", target_is_directory=True)
    (folder / "siasn_pns_2025-09-30.csv").symlink_to(tmp_path / "gone.csv")
    (folder / "siasn_pns_2025-06-30.csv").symlink_to(folder / "siasn_pns_2025-06-30.csv")
    # inside: a link to a delivered file, through a relative path out of a subfolder and back
    (folder / "sub" / "siasn_pns_2025-08-31.csv").symlink_to(Path("../siasn_pns_2025-11-30.csv"))
    return folder


INSIDE = ["sub/siasn_pns_2025-08-31.csv", "siasn_pns_2025-11-30.csv"]  # by as-of date
REFUSED = [
    "arsip",
    "laporan_lain.xlsx",
    "siasn_pns_2025-06-30.csv",
    "siasn_pns_2025-09-30.csv",
    "siasn_pns_2025-10-31.csv",
    "siasn_pns_2025-12-31.csv",
]


def _names(paths: list[Path], folder: Path) -> list[str]:
    return [str(p.relative_to(folder)) for p in paths]


def test_links_leading_out_are_not_listed_but_reported(drop: Path) -> None:
    siasn = load_contracts()["siasn_pns"]
    listed = files_for(siasn, drop)
    assert _names(listed, drop) == INSIDE
    assert all(SECRET not in p.read_text() for p in listed)
    assert unclaimed_files(drop) == []  # the link to an outside workbook is not a file of ours
    assert _names(refused_links(drop), drop) == REFUSED
    assert not may_read(drop / "siasn_pns_2025-12-31.csv", drop)
    assert may_read(drop / "sub" / "siasn_pns_2025-08-31.csv", drop)
    assert may_read(drop / "siasn_pns_2025-11-30.csv", drop)

    # every contract: nothing any of them claims is outside the folder
    root = drop.resolve()
    for contract in load_contracts().values():
        assert all(p.resolve().is_relative_to(root) for p in files_for(contract, drop))


def test_a_drop_folder_reached_through_a_link_is_still_itself(drop: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(drop, target_is_directory=True)
    siasn = load_contracts()["siasn_pns"]
    assert _names(files_for(siasn, alias), alias) == [
        "sub/siasn_pns_2025-08-31.csv",
        "siasn_pns_2025-11-30.csv",
    ]
    assert _names(refused_links(alias), alias) == REFUSED


def test_refresh_prints_the_refused_links(drop: Path, capsys: pytest.CaptureFixture) -> None:
    report_unclaimed(drop)
    out = capsys.readouterr().out
    assert f"lead out of it or nowhere ({len(REFUSED)}), not read" in out
    for name in REFUSED:
        assert f"  {name} -> " in out
    assert "siasn_pns_2025-11-30.csv" not in out and SECRET.strip() not in out


def test_drop_folder_check_fails_on_refused_links(drop: Path) -> None:
    result = materialize([drop_folder], resources={"source_drop": SourceDropResource(path=str(drop))})
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed
    assert check.metadata["refused_links"].value == ", ".join(REFUSED)
    assert check.metadata["unclaimed_files"].value == "-"


def test_inside_links_only_pass_the_check(tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "siasn_pns_2025-11-30.csv").write_text("NIP BARU\n")
    (folder / "siasn_pns_2025-12-31.csv").symlink_to(folder / "siasn_pns_2025-11-30.csv")
    assert refused_links(folder) == []
    assert len(files_for(load_contracts()["siasn_pns"], folder)) == 2
    result = materialize([drop_folder], resources={"source_drop": SourceDropResource(path=str(folder))})
    (check,) = result.get_asset_check_evaluations()
    assert check.passed
