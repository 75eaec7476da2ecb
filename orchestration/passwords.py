"""Passwords: the embedded warehouse's generated ones, kept in files only their owner reads, and
the SCRAM verifiers the server is given instead of a password.

Invariant: a password is written once, to ``<IKU_HOME>/secrets/<role>.password`` (mode 0600 in a
0700 folder), and then only read back: never printed, logged or put in an exception. The server
only ever receives a SCRAM-SHA-256 verifier (``scram_verifier``), so a statement that sets a
password and lands in the server's log or in ``pg_stat_activity`` does not reveal it either.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import unicodedata
from pathlib import Path

SECRETS_DIR = "secrets"
PGPASS_FILE = "pgpass"
SCRAM_ITERATIONS = 4096  # PostgreSQL's default (scram_iterations)


def secrets_dir(home: Path) -> Path:
    """The folder of the passwords, created private to its owner."""
    folder = home / SECRETS_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        folder.chmod(0o700)
    return folder


def password_file(home: Path, role: str) -> Path:
    return home / SECRETS_DIR / f"{role}.password"


def has_password(home: Path, role: str) -> bool:
    return password_file(home, role).is_file()


def generate() -> str:
    """A new random password: 43 URL-safe characters (256 bits), nothing a shell or URL quotes."""
    return secrets.token_urlsafe(32)


def _write_private(path: Path, text: str) -> None:
    """Write `text` to a new file readable only by its owner, atomically; FileExistsError if a
    file is there already (two processes generating at once: the first one wins)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.link(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def password(home: Path, role: str) -> str:
    """The role's password, generated and kept on first use."""
    path = password_file(home, role)
    if not path.is_file():
        secrets_dir(home)
        with contextlib.suppress(FileExistsError):
            _write_private(path, generate() + "\n")
    return path.read_text().strip()


def write_pgpass(home: Path, host: str, port: int, role: str) -> Path:
    """A libpq password file for `role` (``PGPASSFILE``): psql and dbt connect without the
    password being printed or exported."""
    path = secrets_dir(home) / PGPASS_FILE
    line = f"{host}:{port}:*:{role}:{password(home, role)}\n"
    if not path.is_file() or path.read_text() != line:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        _write_private(path, line)
    return path


def scram_verifier(password: str) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 / 7677).

    The server takes it in place of the password (``ALTER ROLE … PASSWORD 'SCRAM-SHA-256$…'``).
    Non-ASCII passwords are NFKC-normalized, as SASLprep does for ordinary characters."""
    if not password.isascii():
        password = unicodedata.normalize("NFKC", password)
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def kept_passwords(home: Path) -> list[str]:
    """The passwords kept under `home` (to mask them in anything printed); none are generated."""
    folder = home / SECRETS_DIR
    if not folder.is_dir():
        return []
    return [p.read_text().strip() for p in folder.glob("*.password")]
