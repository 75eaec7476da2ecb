"""Transient warehouse errors: retried with backoff; everything else (bad data above all) is not.

Invariant: only an error that says the *connection* failed (could not connect, the server closed
the connection, the server is starting up or shutting down, the backend was terminated) is
transient. A constraint violation, a cast error or a failed check is a fact about the data: it
fails the step at once and is never retried, because running it again gives the same answer.
A Dagster RetryPolicy cannot tell the two apart, so steps retry by raising `RetryRequested` from
`retry_on_transient`, which classifies the exception first.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import sqlalchemy as sa
from dagster import RetryRequested

T = TypeVar("T")

MAX_RETRIES = 4
BASE_SECONDS = 2.0

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
)
# a connection refused for a reason that another attempt will not change
_PERMANENT_MESSAGES = ("does not exist", "password authentication failed", "no pg_hba.conf entry")
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


def backoff_seconds(attempt: int) -> float:
    """2, 4, 8, 16 … seconds, capped at a minute."""
    return min(BASE_SECONDS * 2**attempt, 60.0)


@contextlib.contextmanager
def retry_on_transient(context, what: str) -> Iterator[None]:
    """Inside a Dagster step: a transient connection error asks Dagster to run the step again,
    after a backoff that grows with `context.retry_number`; any other error propagates."""
    try:
        yield
    except RetryRequested:
        raise
    except Exception as exc:
        if not is_transient(exc):
            raise
        attempt = getattr(context, "retry_number", 0)
        wait = backoff_seconds(attempt)
        context.log.warning(
            f"{what}: the warehouse connection failed ({type(exc).__name__}: "
            f"{str(exc).strip().splitlines()[0][:160]}); retry {attempt + 1} of {MAX_RETRIES} in {wait:.0f} s"
        )
        raise RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=wait) from exc


def call_with_retry(fn: Callable[[], T], what: str, attempts: int = MAX_RETRIES + 1, log=print) -> T:
    """Outside a step (resource setup, the CLI): call `fn`, retrying transient errors with backoff."""
    for attempt in range(attempts):
        try:
            return fn()
        except Exception as exc:
            if attempt == attempts - 1 or not is_transient(exc):
                raise
            wait = backoff_seconds(attempt)
            log(f"{what}: warehouse connection failed ({type(exc).__name__}); retrying in {wait:.0f} s")
            time.sleep(wait)
    raise AssertionError("unreachable")
