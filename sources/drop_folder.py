"""The drop folder: which delivered files belong to which contract, and which to none."""

from __future__ import annotations

from pathlib import Path

from sources.contracts import Contract, load_contracts
from sources.load import as_of_date
from sources.simpeg import DEMO_DB_NAME


def files_for(contract: Contract, folder: Path) -> list[Path]:
    """The contract's files in the folder, oldest first (by as-of date in the name, then mtime)."""
    if not folder.exists():
        return []
    found = [p for p in folder.rglob("*") if p.is_file() and contract.matches(p)]
    return sorted(found, key=lambda p: (as_of_date(p) or _mtime_date(p), p.stat().st_mtime, p.name))


def _mtime_date(path: Path):
    from datetime import date

    return date.fromtimestamp(path.stat().st_mtime)


def unclaimed_files(folder: Path) -> list[Path]:
    """Files in the drop folder that no contract claims: reported, never ignored silently.

    The demo SIMPEG database (simpeg.sqlite) is claimed by the SIMPEG extraction, not a contract.
    """
    if not folder.exists():
        return []
    contracts = load_contracts().values()
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and not p.name.startswith(".")
        and p.name != DEMO_DB_NAME
        and not any(c.matches(p) for c in contracts)
    )
