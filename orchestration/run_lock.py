"""One refresh at a time, per warehouse: a lock held in the warehouse itself.

Invariant: a run that writes the warehouse (every run of this code location: `iku refresh`, the
schedule, a materialization from the UI) holds the session-level advisory lock `REFRESH_LOCK`
on a connection of its own, from before its first write until it ends. The lock lives in
PostgreSQL, so it also holds between machines sharing one warehouse, and it is released by
PostgreSQL itself when the holding process dies (its session ends): a crash never leaves the
lock behind. Every run that asks for the lock is recorded in `audit.refresh_runs` (run id, host,
pid, times, outcome), so a second run can say which one it waits for.

The lock is per process and re-entrant by design: `iku refresh` takes it before Dagster starts
the run, and the warehouse resource of that run, in the same process, finds it held (`held`).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from orchestration.warehouse import sqlalchemy_url

REFRESH_LOCK = 915_014_009  # one bigint key; load batches lock the two-int key space, never this
DEFAULT_WAIT_SECONDS = 600.0
WAIT_ENV = "IKU_REFRESH_WAIT"
POLL_SECONDS = 1.0
SAY_EVERY_SECONDS = 30.0

AUDIT_DDL = """
create schema if not exists audit;
create table if not exists audit.refresh_runs (
    run_id        text primary key,
    host          text not null,
    pid           integer not null,
    backend_pid   integer,
    requested_at  timestamptz not null default now(),
    started_at    timestamptz,
    finished_at   timestamptz,
    outcome       text not null default 'waiting'
        check (outcome in ('waiting', 'running', 'succeeded', 'failed', 'finished', 'refused', 'abandoned'))
);
"""

HOLDER_SQL = """
select r.run_id, r.host, r.pid, r.started_at
from pg_locks l
join audit.refresh_runs r on r.backend_pid = l.pid and r.outcome = 'running'
where l.locktype = 'advisory' and l.granted and l.classid = 0 and l.objid = :key and l.objsubid = 1
  and l.database = (select oid from pg_database where datname = current_database())
order by r.started_at desc
limit 1
"""


def default_wait() -> float:
    return float(os.environ.get(WAIT_ENV, DEFAULT_WAIT_SECONDS))


@dataclass(frozen=True)
class Holder:
    """The run that holds the lock."""

    run_id: str
    host: str
    pid: int
    started_at: datetime | None

    def describe(self) -> str:
        since = f", started {self.started_at:%Y-%m-%d %H:%M:%S %Z}" if self.started_at else ""
        return f"run {self.run_id} (host {self.host}, pid {self.pid}{since})"


class RefreshBusy(RuntimeError):
    """Another refresh holds the warehouse and did not finish within the wait."""

    def __init__(self, holder: Holder | None, waited: float):
        self.holder = holder
        who = holder.describe() if holder else "another session (not recorded in audit.refresh_runs)"
        super().__init__(
            f"another refresh is running on this warehouse: {who}; waited {waited:.0f} s. "
            f"Let it finish, or raise the wait (iku refresh --wait SECONDS, or {WAIT_ENV})."
        )


def _ddl(conn: sa.Connection) -> None:
    for attempt in range(3):  # two first runs may create the table at once
        try:
            conn.exec_driver_sql(AUDIT_DDL)
            return
        except sa.exc.IntegrityError:
            if attempt == 2:
                raise
            time.sleep(0.2)


class RefreshLock:
    """The refresh lock of one warehouse, for one run, on a dedicated connection."""

    def __init__(self, url: str, run_id: str):
        self.url = url
        self.run_id = run_id
        self._engine = sa.create_engine(sqlalchemy_url(url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self._conn: sa.Connection | None = None

    @property
    def is_held(self) -> bool:
        return self._conn is not None and _HELD.get(_key(self.url)) is self

    def holder(self) -> Holder | None:
        conn = self._conn or self._engine.connect()
        try:
            row = conn.execute(sa.text(HOLDER_SQL), {"key": REFRESH_LOCK}).first()
        finally:
            if conn is not self._conn:
                conn.close()
        return Holder(row.run_id, row.host, row.pid, row.started_at) if row else None

    def acquire(self, wait_seconds: float | None = None, say: Callable[[str], None] = print) -> None:
        """Take the lock, waiting up to `wait_seconds` (0: do not wait) and saying who holds it;
        raise RefreshBusy when it stays taken."""
        wait = default_wait() if wait_seconds is None else wait_seconds
        conn = self._engine.connect()
        try:
            _ddl(conn)
            conn.execute(
                sa.text(
                    "insert into audit.refresh_runs (run_id, host, pid, backend_pid) "
                    "values (:r, :h, :p, pg_backend_pid()) on conflict (run_id) do update set "
                    "host = excluded.host, pid = excluded.pid, backend_pid = excluded.backend_pid, "
                    "requested_at = now(), outcome = 'waiting', started_at = null, finished_at = null"
                ),
                {"r": self.run_id, "h": socket.gethostname(), "p": os.getpid()},
            )
            start = time.monotonic()
            said_at: float | None = None
            while not conn.execute(sa.text("select pg_try_advisory_lock(:k)"), {"k": REFRESH_LOCK}).scalar():
                waited = time.monotonic() - start
                if waited >= wait:
                    holder = self.holder_on(conn)
                    self._finish(conn, "refused")
                    raise RefreshBusy(holder, waited)
                if said_at is None or time.monotonic() - said_at >= SAY_EVERY_SECONDS:
                    holder = self.holder_on(conn)
                    who = holder.describe() if holder else "another session"
                    say(f"Waiting for the refresh lock: {who} is running ({waited:.0f} of {wait:.0f} s)")
                    said_at = time.monotonic()
                time.sleep(min(POLL_SECONDS, max(wait - waited, 0.05)))
            conn.execute(
                sa.text(
                    "update audit.refresh_runs set outcome = 'running', started_at = now() where run_id = :r"
                ),
                {"r": self.run_id},
            )
            # runs recorded as waiting or running whose session is gone ended without a word
            conn.execute(
                sa.text(
                    "update audit.refresh_runs set outcome = 'abandoned', finished_at = now() "
                    "where outcome in ('waiting', 'running') and run_id <> :r "
                    "and backend_pid not in (select pid from pg_stat_activity where pid is not null)"
                ),
                {"r": self.run_id},
            )
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        _HELD[_key(self.url)] = self

    def holder_on(self, conn: sa.Connection) -> Holder | None:
        row = conn.execute(sa.text(HOLDER_SQL), {"key": REFRESH_LOCK}).first()
        return Holder(row.run_id, row.host, row.pid, row.started_at) if row else None

    def adopt(self, run_id: str) -> None:
        """The run that takes over a lock taken before its run id was known."""
        if self._conn is None or run_id == self.run_id:
            return
        self._conn.execute(
            sa.text("update audit.refresh_runs set run_id = :new where run_id = :old"),
            {"new": run_id, "old": self.run_id},
        )
        self.run_id = run_id

    def release(self, outcome: str = "finished") -> None:
        """Record the outcome and let the next run in (idempotent)."""
        conn, self._conn = self._conn, None
        if _HELD.get(_key(self.url)) is self:
            del _HELD[_key(self.url)]
        if conn is None:
            return
        try:
            self._finish(conn, outcome)
            conn.execute(sa.text("select pg_advisory_unlock(:k)"), {"k": REFRESH_LOCK})
        except sa.exc.DBAPIError:
            pass  # the session is gone, and the lock with it
        finally:
            conn.close()
            self._engine.dispose()

    def _finish(self, conn: sa.Connection, outcome: str) -> None:
        conn.execute(
            sa.text("update audit.refresh_runs set outcome = :o, finished_at = now() where run_id = :r"),
            {"o": outcome, "r": self.run_id},
        )


_HELD: dict[str, RefreshLock] = {}


def _key(url: str) -> str:
    return sqlalchemy_url(url)


def held(url: str) -> RefreshLock | None:
    """The lock this process holds on the warehouse at `url`, if any."""
    return _HELD.get(_key(url))
