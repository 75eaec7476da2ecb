"""Headless Chromium for the report: print the HTML to an A4 PDF, or take a screenshot.

Chromium is found as `IKU_CHROMIUM`, else `chromium` / `chromium-browser` / `google-chrome` on
PATH (Debian: `apt-get install chromium`). It runs with a fresh profile in a temporary folder
and with its background services off, so it opens the one local file and asks the network for
nothing; as root it needs --no-sandbox (Chromium refuses to start otherwise).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_S = 120


class BrowserError(Exception):
    """No Chromium, or it failed: a one-line reason."""


def find_chromium() -> str:
    configured = os.environ.get("IKU_CHROMIUM")
    if configured:
        if not Path(configured).exists():
            raise BrowserError(f"IKU_CHROMIUM={configured} does not exist")
        return configured
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserError(
        "no Chromium found for the PDF: install it (Debian: apt-get install chromium) or set IKU_CHROMIUM"
    )


def _run(extra: list[str], page: Path) -> str:
    with tempfile.TemporaryDirectory(prefix="iku-chromium-") as profile:
        command = [
            find_chromium(),
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-quic",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            *(["--no-sandbox"] if os.geteuid() == 0 else []),
            *extra,
            page.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise BrowserError(f"Chromium did not finish in {TIMEOUT_S} s") from exc
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise BrowserError(f"Chromium failed (exit {done.returncode}): {last}")
        return done.stdout


def print_pdf(page: Path, pdf: Path) -> Path:
    """`page` (a local HTML file) printed to `pdf` on A4, as its @page rule asks."""
    _run(["--no-pdf-header-footer", f"--print-to-pdf={pdf.resolve()}"], page)
    if not pdf.exists() or pdf.stat().st_size == 0:
        raise BrowserError(f"Chromium wrote no PDF to {pdf}")
    return pdf


def screenshot(page: Path, png: Path, width: int = 1240, height: int = 1754) -> Path:
    """A PNG of the top of `page`."""
    _run([f"--screenshot={png.resolve()}", f"--window-size={width},{height}"], page)
    return png


def dump_dom(page: Path, net_log: Path | None = None) -> str:
    """The document Chromium made of `page` (serialized DOM); with `net_log`, its network log."""
    extra = ["--dump-dom"] + ([f"--log-net-log={net_log.resolve()}"] if net_log is not None else [])
    return _run(extra, page)
