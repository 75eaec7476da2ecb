"""Headless Chromium for the report: print the HTML to an A4 PDF, or take a screenshot.

Chromium is found as `IKU_CHROMIUM`, else `chromium` / `chromium-browser` / `google-chrome` on
PATH (Debian: `apt-get install chromium`). It runs with a fresh profile in a temporary folder
and with its background services off, so it opens the one local file and asks the network for
nothing; as root it needs --no-sandbox (Chromium refuses to start otherwise).

`devtools_page()` drives one tab of it over the DevTools protocol instead, for pages that draw
themselves with JavaScript (the Dagster UI, in tests/test_ui_browser.py).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

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


def _quiet_flags(profile: str) -> list[str]:
    """A fresh profile, no background services (nothing fetched but the page's own requests),
    and the sandbox off only as root (where Chromium refuses it)."""
    return [
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
    ]


def _run(extra: list[str], page: Path) -> str:
    with tempfile.TemporaryDirectory(prefix="iku-chromium-") as profile:
        command = [
            find_chromium(),
            "--headless",
            *_quiet_flags(profile),
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


# --------------------------------------------------------------------------- a page over DevTools
#
# For a page that renders itself with JavaScript (the Dagster UI): `--dump-dom` may return before
# it has drawn anything. `devtools_page()` drives one tab over the DevTools protocol on a pipe
# (`--remote-debugging-pipe`: no port, no dependency), waits until the texts asked for are in
# the rendered page, and records every URL the page requested.

DEVTOOLS_TIMEOUT_S = 30.0  # one protocol command (a screenshot of a large page included)
POLL_S = 0.25
BODY_TEXT = "document.body ? document.body.innerText : ''"  # the page's text as drawn


class DevToolsPage:
    """One tab of a headless Chromium; use it through `devtools_page()`.

    `requests` lists every URL the tab's documents asked for (pages, scripts, styles, fetches,
    websockets), in order, from the moment the tab was opened; not those of its web workers."""

    def __init__(self, commands: IO[bytes], replies: int) -> None:
        self._commands = commands
        self._replies = replies
        self._next_id = 0
        self._answers: dict[int, dict] = {}
        self._ended: str | None = None
        self._changed = threading.Condition()
        self._session: str | None = None
        self.requests: list[str] = []
        self._reader = threading.Thread(target=self._read, name="chromium-devtools", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._replies, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                with self._changed:
                    if "id" in message:
                        self._answers[message["id"]] = message
                    elif message.get("method") == "Network.requestWillBeSent":
                        self.requests.append(message["params"]["request"]["url"])
                    elif message.get("method") == "Network.webSocketCreated":
                        self.requests.append(message["params"]["url"])
                    self._changed.notify_all()
        with self._changed:
            self._ended = "Chromium closed the DevTools pipe"
            self._changed.notify_all()

    def send(self, method: str, params: dict | None = None, *, browser: bool = False) -> dict:
        """A DevTools command to the tab (or to the browser); its result, or BrowserError."""
        with self._changed:
            self._next_id += 1
            ident = self._next_id
        message: dict = {"id": ident, "method": method, "params": params or {}}
        if not browser and self._session is not None:
            message["sessionId"] = self._session
        try:
            self._commands.write(json.dumps(message).encode() + b"\0")
            self._commands.flush()
        except OSError as exc:
            raise BrowserError(f"Chromium is gone ({method}): {exc}") from None
        deadline = time.monotonic() + DEVTOOLS_TIMEOUT_S
        with self._changed:
            while ident not in self._answers:
                left = deadline - time.monotonic()
                if self._ended or left <= 0:
                    raise BrowserError(f"no answer from Chromium to {method}: {self._ended or 'timed out'}")
                self._changed.wait(left)
            answer = self._answers.pop(ident)
        if "error" in answer:
            raise BrowserError(f"Chromium refused {method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def _open_tab(self, width: int, height: int) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, browser=True)["targetId"]
        self._session = self.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True}, browser=True
        )["sessionId"]
        self.send("Network.enable")
        self.send("Page.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def goto(self, url: str) -> None:
        """Open `url` in the tab (returns when the navigation has started, not when it has drawn)."""
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise BrowserError(f"Chromium could not open {url}: {result['errorText']}")

    def evaluate(self, expression: str) -> object:
        """The value of a JavaScript expression in the page (JSON-like: strings, numbers, lists…)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            reason = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"the page could not evaluate {expression!r}: {reason}")
        return result.get("result", {}).get("value")

    def text(self) -> str:
        """The text of the page as drawn (`document.body.innerText`)."""
        return str(self.evaluate(BODY_TEXT) or "")

    def wait_for_text(
        self, expected: Iterable[str], timeout: float = 60.0, absent: Iterable[str] = ()
    ) -> str:
        """The page's text once every string of `expected` is in it and none of `absent`;
        BrowserError naming what is still missing (or still there) after `timeout` seconds."""
        wanted, unwanted = list(expected), list(absent)
        deadline = time.monotonic() + timeout
        while True:
            value, error = self._poll(BODY_TEXT)
            text = str(value or "")
            missing = [w for w in wanted if w not in text]
            present = [u for u in unwanted if u in text]
            if not missing and not present:
                return text
            if time.monotonic() > deadline:
                shown = error or f"the page shows: {' '.join(text.split())[:800]!r}"
                raise BrowserError(
                    f"after {timeout:g} s, not found in the page: {missing}; still in it: {present}; {shown}"
                )
            time.sleep(POLL_S)

    def wait_until(
        self, expression: str, timeout: float = 60.0, done: Callable[[object], bool] = bool
    ) -> object:
        """The value of `expression` once `done` holds for it (by default: once it is truthy);
        BrowserError with its last value (or error) after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            value, error = self._poll(expression)
            if error is None and done(value):
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"after {timeout:g} s, {expression!r} is still {error or repr(value)}")
            time.sleep(POLL_S)

    def _poll(self, expression: str) -> tuple[object, str | None]:
        """(value, None), or (None, the error) while the page cannot answer yet (a document
        being replaced, a script not yet run)."""
        try:
            return self.evaluate(expression), None
        except BrowserError as exc:
            return None, str(exc)

    def screenshot(self, png: Path, full_page: bool = False) -> Path:
        """A PNG of the tab's viewport (or of the whole page)."""
        params: dict = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", params)["data"]
        png.write_bytes(base64.b64decode(data))
        return png


@contextmanager
def devtools_page(width: int = 1440, height: int = 900) -> Iterator[DevToolsPage]:
    """A new headless Chromium (fresh profile, background services off) with one tab to drive.

    The protocol runs on fds 3 (commands) and 4 (replies) of Chromium: a small `sh` maps the
    pipes given as its stdin and stdout there, so nothing but those two is passed on."""
    with tempfile.TemporaryDirectory(prefix="iku-chromium-") as profile:
        commands_read, commands_write = os.pipe()
        replies_read, replies_write = os.pipe()
        log = Path(profile) / "chromium.log"
        command = [
            "sh",
            "-c",
            'exec 3<&0 4>&1 0</dev/null 1>&2; exec "$@"',
            "sh",
            find_chromium(),
            "--headless",
            "--remote-debugging-pipe",
            f"--window-size={width},{height}",
            *_quiet_flags(profile),
            "about:blank",
        ]
        with log.open("wb") as stderr:
            process = subprocess.Popen(command, stdin=commands_read, stdout=replies_write, stderr=stderr)
        os.close(commands_read)
        os.close(replies_write)
        commands = os.fdopen(commands_write, "wb")
        page = DevToolsPage(commands, replies_read)
        try:
            try:
                page._open_tab(width, height)
            except BrowserError as exc:
                lines = log.read_text(errors="replace").strip().splitlines()
                raise BrowserError(f"{exc} (Chromium: {lines[-1] if lines else 'no message'})") from None
            yield page
        finally:
            with suppress(BrokenPipeError, OSError, BrowserError):
                if process.poll() is None:
                    page.send("Browser.close", browser=True)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            page._reader.join(timeout=5)  # Chromium gone: its end of the pipe is closed
            with suppress(OSError):
                commands.close()
            os.close(replies_read)
