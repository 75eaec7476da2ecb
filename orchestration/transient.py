"""Transient connection errors (the warehouse, SIMPEG): retried with backoff; everything else
(bad data above all) is not.

Invariant: only an error that says the *connection* failed (could not connect, connection refused
or reset, timed out, the server closed the connection or went away, the server is starting up or
shutting down, the backend was terminated) is transient, for PostgreSQL and MySQL/MariaDB alike.
A constraint violation, a cast error or a failed check is a fact about the data: it
fails the step at once and is never retried, because running it again gives the same answer.
A Dagster RetryPolicy cannot tell the two apart, so steps retry by raising `RetryRequested` from
`retry_on_transient`, which classifies the exception first.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import sqlalchemy as sa
from dagster import RetryRequested

from sources.redact import redact

T = TypeVar("T")

# the policy, from the environment at the time of the failure (docs/deploy.md)
RETRIES_ENV = "IKU_RETRIES"  # retries after the first attempt (default 4: 2, 4, 8, 16 s)
BASE_SECONDS_ENV = "IKU_RETRY_BASE_SECONDS"  # the first wait; each next one doubles, capped at a minute
MAX_RETRIES = 4
BASE_SECONDS = 2.0
MAX_WAIT_SECONDS = 60.0

# libpq / PostgreSQL wording of a lost or refused connection (SQLSTATE classes 08 and 57P0x)
_TRANSIENT_MESSAGES = (
    "could not connect to server",
    "connection refused",
    "connection to server at",
    "server closed the connection unexpectedly",
    "terminating connection due to administrator command",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "connection already closed",
    "ssl connection has been closed unexpectedly",
    "could not receive data from server",
    "could not send data to server",
    "no connection to the server",
    "timeout expired",
    # MySQL / MariaDB (SIMPEG), as PyMySQL words them
    "can't connect to mysql server",
    "lost connection to mysql server",
    "mysql server has gone away",
    "connection reset by peer",
    "timed out",
)
# a connection refused for a reason that another attempt will not change
_PERMANENT_MESSAGES = (
    "does not exist",
    "password authentication failed",
    "no pg_hba.conf entry",
    "access denied",
    "unknown database",
)
_TRANSIENT_SQLSTATES = {"57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006"}


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__


def is_transient(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) is a lost or refused warehouse connection."""
    for cause in _causes(exc):
        if isinstance(cause, sa.exc.DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, sa.exc.DisconnectionError):
            return True
        if getattr(cause, "pgcode", None) in _TRANSIENT_SQLSTATES:
            return True
        if type(cause).__name__ in {"OperationalError", "InterfaceError"}:
            text = str(cause).lower()
            if any(m in text for m in _PERMANENT_MESSAGES):
                return False
            if any(m in text for m in _TRANSIENT_MESSAGES):
                return True
    return False


def max_retries() -> int:
    """Retries after the first attempt: IKU_RETRIES, default 4 (0: never retry)."""
    return max(int(os.environ.get(RETRIES_ENV, MAX_RETRIES)), 0)


def backoff_seconds(attempt: int) -> float:
    """IKU_RETRY_BASE_SECONDS (default 2) doubled each attempt: 2, 4, 8, 16 … s, capped at a minute."""
    base = float(os.environ.get(BASE_SECONDS_ENV, BASE_SECONDS))
    return min(base * 2**attempt, MAX_WAIT_SECONDS)


def _reason(exc: BaseException) -> str:
    """The driver's own error (the innermost OperationalError or InterfaceError, else `exc`), on
    one line, secrets masked."""
    root = exc
    for cause in _causes(exc):
        if type(cause).__name__ in {"OperationalError", "InterfaceError"}:
            root = cause
    lines = str(root).strip().splitlines()
    return redact(f"{type(root).__name__}: {lines[0][:200] if lines else ''}")


@contextlib.contextmanager
def retry_on_transient(context, what: str) -> Iterator[None]:
    """Inside a Dagster step: a transient connection error asks Dagster to run the step again,
    after a backoff that grows with `context.retry_number`, up to `max_retries()` times; any other
    error propagates, and fails the step at once. Each retry is a warning in the run's log."""
    try:
        yield
    except RetryRequested:
        raise
    except Exception as exc:
        if not is_transient(exc):
            raise
        attempt = getattr(context, "retry_number", 0)
        retries = max_retries()
        if attempt >= retries:
            context.log.error(f"{what}: the connection failed ({_reason(exc)}); no retry left of {retries}")
            raise
        wait = backoff_seconds(attempt)
        context.log.warning(
            f"{what}: the connection failed ({_reason(exc)}); retry {attempt + 1} of {retries} in {wait:g} s"
        )
        raise RetryRequested(max_retries=retries, seconds_to_wait=wait) from exc


def call_with_retry(fn: Callable[[], T], what: str, attempts: int | None = None, log=print) -> T:
    """Outside a step (resource setup, the CLI): call `fn`, retrying transient errors with backoff
    (`attempts`, default `max_retries()` + 1)."""
    attempts = max_retries() + 1 if attempts is None else attempts
    for attempt in range(attempts):
        try:
            return fn()
        except Exception as exc:
            if attempt == attempts - 1 or not is_transient(exc):
                raise
            wait = backoff_seconds(attempt)
            log(f"{what}: connection failed ({type(exc).__name__}); retrying in {wait:g} s")
            time.sleep(wait)
    raise AssertionError("unreachable")
