"""The drop folder: which delivered files belong to which contract, and which to none.

Invariant: nothing outside the drop folder is ever read through it. A symbolic link in the
folder whose target lies outside it (or that leads nowhere: dangling, or a loop) is neither
claimed nor listed as unclaimed: it is refused and reported (`refused_links`). A link whose
target stays inside the folder is read like the file it points to. Linked directories are not
descended into (their files inside the folder are found under their own path).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from sources.contracts import Contract, load_contracts
from sources.load import as_of_date
from sources.simpeg import DEMO_DB_NAME


def folder_problem(folder: Path) -> str | None:
    """Why the drop folder cannot be looked at ("does not exist", "is not a folder", "cannot be
    read (...)"), or None."""
    if not folder.exists():
        return "does not exist"
    if not folder.is_dir():
        return "is not a folder"
    try:
        with os.scandir(folder) as entries:
            next(entries, None)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    return None


def may_read(path: Path, folder: Path) -> bool:
    """`path` (in the drop folder) is no symlink leading out of the folder or nowhere."""
    return not _leads_out(path, folder.resolve())


def _leads_out(path: Path, root: Path) -> bool:
    """`path` is a symlink that dangles, loops, or resolves outside `root` (resolved)."""
    if not path.is_symlink():
        return False
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling, or a loop (RuntimeError before Python 3.13)
        return True
    return not target.is_relative_to(root)


def _files(folder: Path) -> Iterator[Path]:
    """Every file in the folder that may be read: regular files, and links to files inside it."""
    if not folder.exists():
        return
    root = folder.resolve()
    for p in folder.rglob("*"):
        if p.is_file() and not _leads_out(p, root):
            yield p


def refused_links(folder: Path) -> list[Path]:
    """Symlinks in the drop folder that dangle or lead out of it: never read, always reported."""
    if not folder.exists():
        return []
    root = folder.resolve()
    return sorted(p for p in folder.rglob("*") if _leads_out(p, root))


def files_for(contract: Contract, folder: Path) -> list[Path]:
    """The contract's files in the folder, oldest first (by as-of date in the name, then mtime)."""
    found = [p for p in _files(folder) if contract.matches(p)]
    return sorted(found, key=lambda p: (as_of_date(p) or _mtime_date(p), p.stat().st_mtime, p.name))


def _mtime_date(path: Path):
    from datetime import date

    return date.fromtimestamp(path.stat().st_mtime)


def unclaimed_files(folder: Path) -> list[Path]:
    """Files in the drop folder that no contract claims: reported, never ignored silently.

    The demo SIMPEG database (simpeg.sqlite) is claimed by the SIMPEG extraction, not a contract.
    """
    contracts = load_contracts().values()
    return sorted(
        p
        for p in _files(folder)
        if not p.name.startswith(".") and p.name != DEMO_DB_NAME and not any(c.matches(p) for c in contracts)
    )
