"""Secrets out of everything printed: URLs with their password masked, known passwords replaced.

Invariant: a connection string reaches a message, a log line or a traceback only through
`mask_url` or `redact`; a password is never shown (``***`` stands in for it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

MASK = "***"
# scheme://user:password@ … : the password is everything up to the last @ before a blank
_URL_WITH_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s'\"]*:)[^\s'\"]*@")
# environment variables whose values are secrets
SECRET_ENV = ("IKU_PG_PASSWORD", "PGPASSWORD")


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***: the only form in which a URL is printed, logged
    or put in an error. Works on malformed URLs too (a password holding an unquoted @ or /)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return MASK  # not a URL at all: it may be a bare secret
    userinfo, at, hostpart = rest.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    return f"{scheme}://{userinfo.split(':', 1)[0]}:{MASK}@{hostpart}"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every URL's password masked, and every given secret (and those of SECRET_ENV
    in this process's environment) replaced by ***."""
    text = _URL_WITH_PASSWORD.sub(lambda m: f"{m['head']}{MASK}@", text)
    known = [*secrets, *(os.environ.get(name, "") for name in SECRET_ENV)]
    for secret in sorted({s for s in known if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
