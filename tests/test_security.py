"""Issue 11: nobody gets in where they do not belong.

- the embedded warehouse authenticates every connection (SCRAM over TCP, no trust line): another
  OS user cannot connect as any role without its password, and only the superuser may run
  `copy … from program`;
- a reader login reads `marts` and `reference` and nothing else (no `marts_build`, no other
  schema, no write), before and after a publish swaps the schemas;
- `eval "$(iku env)"` sets its variables and nothing else, whatever the password holds; no
  command prints a password, a malformed URL included.
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from orchestration import access, passwords
from orchestration.assets.publish import publish_marts
from orchestration.warehouse import (
    PIPELINE_ROLE,
    SUPERUSER,
    EmbeddedWarehouse,
    _pg_bin,
    make_engine,
    make_url,
    parse_url,
)

embedded_only = pytest.mark.skipif(
    bool(os.environ.get("IKU_WAREHOUSE_URL")), reason="the embedded warehouse's own authentication"
)
CLOSED_SCHEMAS = ("marts_build", "raw", "staging", "intermediate", "snapshots", "audit", "dq")
# a password full of shell metacharacters: a command substitution that would leave a trace
METACHAR_PASSWORD = "p'a\"s$(touch {trace})`touch {trace}`;|&<>*?!#~\\ ${{HOME}} \t%@:/x"


def _iku(*args: str) -> list[str]:
    return [sys.executable, "-m", "orchestration.cli", *args]


def _psql(user: str, port: int, database: str, sql: str, as_os_user: str | None = None, password: str = ""):
    """psql from the embedded wheel, never prompting (-w); as another OS user when given."""
    env = {"PATH": "/usr/bin:/bin", "PGCONNECT_TIMEOUT": "5"}
    if password:
        env["PGPASSWORD"] = password
    command = [
        _pg_bin("psql"),
        "-w",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-U",
        user,
        "-d",
        database,
        "-c",
        sql,
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, user=as_os_user, timeout=60)


@pytest.fixture(scope="module")
def fresh_warehouse(tmp_path_factory: pytest.TempPathFactory):
    """A new embedded warehouse of its own (not the session's), as a fresh machine makes it."""
    if os.environ.get("IKU_WAREHOUSE_URL"):
        pytest.skip("the embedded warehouse's own authentication")
    home = tmp_path_factory.mktemp("secure_home")
    if os.geteuid() == 0:
        home.chmod(0o711)
    old = os.environ.get("IKU_EMBEDDED_PORT")
    os.environ["IKU_EMBEDDED_PORT"] = "55442"
    warehouse = EmbeddedWarehouse(home)
    try:
        warehouse.start()
        yield warehouse
    finally:
        warehouse.stop()
        if old is None:
            os.environ.pop("IKU_EMBEDDED_PORT", None)
        else:
            os.environ["IKU_EMBEDDED_PORT"] = old


@embedded_only
def test_embedded_warehouse_has_no_trust_and_private_secrets(fresh_warehouse: EmbeddedWarehouse) -> None:
    hba = [
        line.split()
        for line in (fresh_warehouse.pgdata / "pg_hba.conf").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert hba == [["host", "all", "all", "127.0.0.1/32", "scram-sha-256"]]  # no trust, replication, socket
    secrets = fresh_warehouse.home / passwords.SECRETS_DIR
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    for role in (SUPERUSER, PIPELINE_ROLE):
        assert stat.S_IMODE(passwords.password_file(fresh_warehouse.home, role).stat().st_mode) == 0o600
    # the server's log holds no password, though passwords were set at each start
    log = fresh_warehouse.logfile.read_text(errors="replace")
    for secret in passwords.kept_passwords(fresh_warehouse.home):
        assert secret not in log


@embedded_only
def test_no_role_connects_without_its_password(fresh_warehouse: EmbeddedWarehouse) -> None:
    port = fresh_warehouse.port()
    other_user = "nobody" if os.geteuid() == 0 else None  # as root: truly another OS user
    for role in (SUPERUSER, PIPELINE_ROLE, access.READER_ROLE):
        for database in ("iku", "postgres"):
            refused = _psql(role, port, database, "select 1", as_os_user=other_user)
            assert refused.returncode != 0, (role, database, refused.stdout)
            assert "password" in refused.stderr or "not permitted to log in" in refused.stderr
        wrong = _psql(role, port, "iku", "select 1", password="not-the-password")
        assert wrong.returncode != 0 and "authentication failed" in wrong.stderr
    if other_user:  # nor can that user read the kept passwords
        for path in (fresh_warehouse.home / passwords.SECRETS_DIR).iterdir():
            peek = subprocess.run(["cat", str(path)], capture_output=True, text=True, user=other_user)
            assert peek.returncode != 0 and "Permission denied" in peek.stderr
    # with the password, the pipeline's role gets in, and is no superuser
    ok = _psql(
        PIPELINE_ROLE,
        port,
        "iku",
        "select rolsuper, rolcreaterole, rolcreatedb from pg_roles where rolname = current_user",
        password=passwords.password(fresh_warehouse.home, PIPELINE_ROLE),
    )
    assert ok.returncode == 0 and " f        | f             | f" in ok.stdout, ok.stdout + ok.stderr


@embedded_only
def test_copy_from_program_is_the_superusers_alone(
    fresh_warehouse: EmbeddedWarehouse, tmp_path: Path
) -> None:
    name = f"r_{uuid.uuid4().hex[:8]}"
    admin = make_engine(fresh_warehouse.admin_url("iku"))
    reader_password = passwords.generate()
    try:
        access.add_reader(admin, name, reader_password)
        trace = tmp_path / "ran"
        logins = {
            PIPELINE_ROLE: fresh_warehouse.url(),
            name: make_url(name, reader_password, fresh_warehouse.port(), "iku"),
        }
        for role, url in logins.items():
            engine = make_engine(url)
            try:
                with engine.connect() as conn, pytest.raises(sa.exc.ProgrammingError) as refused:
                    conn.exec_driver_sql(f"copy (select 1) to program 'touch {trace}'")
                assert "permission denied" in str(refused.value).lower(), role
            finally:
                engine.dispose()
        assert not trace.exists()
        # nor may a reader make a temporary table (TEMP is revoked from PUBLIC on database iku)
        assert not _reader_can(logins[name], "create temporary table t (x int)")
        with admin.connect() as conn:  # the superuser still may (it is the only one)
            conn.exec_driver_sql("copy (select 1) to program 'cat > /dev/null'")
    finally:
        access.remove_reader(admin, name)
        admin.dispose()


def _reader_can(url: str, sql: str) -> bool:
    """Whether the login may run `sql`. Refusals must come from privileges (42501), not from the
    login's read-only default, which a session may switch off: it is switched off here."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("set transaction read write")
            conn.exec_driver_sql(sql)
            conn.commit()
        return True
    except sa.exc.DBAPIError as exc:
        assert getattr(exc.orig, "pgcode", None) == "42501", exc  # insufficient_privilege
        return False
    finally:
        engine.dispose()


def _assert_reader_sees_only_published(reader_url: str, admin: sa.Engine, candidate: bool = True) -> None:
    """`candidate`: marts_build holds tables (a build waiting, or the marts a publish swapped out)."""
    with admin.connect() as conn:
        tables = {
            schema: conn.execute(
                sa.text("select table_name from information_schema.tables where table_schema = :s limit 1"),
                {"s": schema},
            ).scalar()
            for schema in ("marts", "reference", *CLOSED_SCHEMAS)
        }
    assert tables["marts"] and tables["reference"]
    for schema in ("marts", "reference"):
        assert _reader_can(reader_url, f"select * from {schema}.{tables[schema]} limit 1"), schema
    closed = [s for s in CLOSED_SCHEMAS if tables[s]]
    assert {"raw", "staging", "intermediate", "audit"} | ({"marts_build"} if candidate else set()) <= set(
        closed
    )
    for schema in closed:
        assert not _reader_can(reader_url, f"select * from {schema}.{tables[schema]} limit 1"), schema
    for write in (
        f"insert into marts.{tables['marts']} select * from marts.{tables['marts']} limit 1",
        f"delete from reference.{tables['reference']}",
        "create table marts.intruder (x int)",
        "create schema intruder",
        "create table public.intruder (x int)",
    ):
        assert not _reader_can(reader_url, write), write


def test_reader_reads_marts_and_reference_only_before_and_after_publish(
    built_demo_url: str, server_url: str
) -> None:
    admin = make_engine(built_demo_url)  # the session's superuser, owner of what the build made
    name = f"r_{uuid.uuid4().hex[:8]}"
    reader_password = passwords.generate()
    p = parse_url(built_demo_url)
    reader_url = make_url(name, reader_password, p.port, p.dbname, host=p.host)
    with admin.connect() as conn:
        tables = list(
            conn.execute(
                sa.text("select table_name from information_schema.tables where table_schema = 'marts_build'")
            ).scalars()
        )
    try:
        assert access.reader_warning(admin) is None  # made when missing
        access.add_reader(admin, name, reader_password)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'grant connect on database "{p.dbname}" to {access.READER_ROLE}')
        assert not _reader_can(reader_url, f"select * from marts_build.{tables[0]} limit 1")

        publish_marts(admin, tables, "run-1")  # the first publish: marts_build becomes marts
        _assert_reader_sees_only_published(reader_url, admin, candidate=False)

        # the next night builds new candidate marts and rebuilds a reference table (as dbt does)
        with admin.begin() as conn:
            conn.exec_driver_sql("create schema marts_build")
            for table in tables:
                conn.exec_driver_sql(f"create table marts_build.{table} as select * from marts.{table}")
            seed = conn.execute(
                sa.text("select table_name from information_schema.tables where table_schema = 'reference'")
            ).scalar()
            conn.exec_driver_sql(f"create table reference.{seed}__new as select * from reference.{seed}")
            conn.exec_driver_sql(f"drop table reference.{seed} cascade")
            conn.exec_driver_sql(f"alter table reference.{seed}__new rename to {seed}")
        _assert_reader_sees_only_published(reader_url, admin)  # before the publish

        publish_marts(admin, tables, "run-2")  # marts_build now holds the marts it could read
        _assert_reader_sees_only_published(reader_url, admin)  # after it
    finally:
        access.remove_reader(admin, name)
        admin.dispose()


def test_reader_names_are_checked_and_only_readers_removed(engine) -> None:
    for bad in ("postgres", "iku_pipeline", "pg_monitor", "Robert'); drop table x;--", "1abc"):
        with pytest.raises(access.AccessError):
            access.check_login_name(bad)
    with pytest.raises(access.AccessError, match="not a reader login"):
        access.remove_reader(engine, "some_other_role")


def test_eval_iku_env_sets_only_its_variables(tmp_path: Path) -> None:
    trace = tmp_path / "command-ran"
    password = METACHAR_PASSWORD.format(trace=trace)
    url = f"postgresql://iku_x:{quote(password, safe='')}@127.0.0.1:5432/iku"
    assert parse_url(url).password == password
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "IKU_HOME": str(tmp_path / "home")}
    env["IKU_WAREHOUSE_URL"] = url
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)

    plain = subprocess.run(_iku("env"), env=env, capture_output=True, text=True, check=True)
    assert "PASSWORD" not in plain.stdout and password not in plain.stdout + plain.stderr

    script = (
        'before=$(env -0 | sort -z | tr "\\0" "\\n"); '
        f'eval "$({shlex.join(_iku("env", "--with-secrets"))})"; '
        'after=$(env -0 | sort -z | tr "\\0" "\\n"); '
        'diff <(echo "$before") <(echo "$after") | grep "^>" | cut -c3- | cut -d= -f1 | sort -u; '
        'printf "%s" "$IKU_PG_PASSWORD" > "$OUT"'
    )
    out = tmp_path / "password-as-set"
    run = subprocess.run(
        ["bash", "-c", script], env={**env, "OUT": str(out)}, capture_output=True, text=True, check=True
    )
    changed = set(run.stdout.split())
    assert changed == {
        "IKU_PG_HOST", "IKU_PG_PORT", "IKU_PG_USER", "IKU_PG_DBNAME", "IKU_PG_PASSWORD",
        "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "DAGSTER_HOME", "DBT_PROFILES_DIR",
    }  # fmt: skip
    assert out.read_text() == password  # exactly, every metacharacter kept
    assert not trace.exists()  # nothing in it ran
    assert password not in run.stderr


def test_no_command_prints_a_password_even_for_a_malformed_url(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "IKU_HOME": str(tmp_path / "home")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    secret = "s3cr@t:p0rt/x"
    cases = {
        # an unquoted @ and : make the port unreadable: the parser's message would quote the password
        "malformed": f"postgresql://iku:{secret}@127.0.0.1:5432/iku",
        "good": f"postgresql://iku:{quote(secret, safe='')}@127.0.0.1:5432/iku",
    }
    for kind, url in cases.items():
        for command in (("warehouse", "url"), ("warehouse", "status"), ("env",)):
            run = subprocess.run(
                _iku(*command), env={**env, "IKU_WAREHOUSE_URL": url}, capture_output=True, text=True
            )
            shown = run.stdout + run.stderr
            for fragment in ("s3cr", "p0rt", quote(secret, safe="")):
                assert fragment not in shown, (kind, command, shown)
            if kind == "malformed" and command == ("env",):
                assert run.returncode != 0 and "not a valid URL" in shown and "***" in shown
    # the SIMPEG URL too
    code = "import sys; from sources.simpeg.source import simpeg_engine; simpeg_engine(sys.argv[1])"
    run = subprocess.run(
        [sys.executable, "-c", code, f"mysql+pymysql://root:{secret}@h:33o6/db"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0 and "s3cr" not in run.stdout + run.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="as root only: the server runs as iku_postgres")
def test_as_root_no_folder_above_iku_home_is_widened(tmp_path: Path, monkeypatch) -> None:
    """IKU_HOME under a folder iku_postgres may not pass (root's home is 0700): the server's
    files go to /var/lib/gudang-iku, and the closed folder stays closed."""
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    home = closed / "home"
    monkeypatch.setenv("IKU_EMBEDDED_PORT", "55452")
    warehouse = EmbeddedWarehouse(home)
    try:
        url = warehouse.start()
        assert warehouse.pgdata.is_relative_to("/var/lib/gudang-iku")
        assert stat.S_IMODE(closed.stat().st_mode) == 0o700
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("select current_user")).scalar() == PIPELINE_ROLE
        engine.dispose()
    finally:
        warehouse.stop()
        shutil.rmtree(warehouse.server_dir, ignore_errors=True)


def test_a_role_that_may_not_create_roles_gets_the_dbas_sql(server_url: str, database_url: str) -> None:
    """On a server where the pipeline's role may not create roles, the run warns with the SQL."""
    role, password = f"iku_lp_{uuid.uuid4().hex[:8]}", passwords.generate()
    missing = f"iku_reader_{uuid.uuid4().hex[:8]}"  # iku_reader itself exists on the session's server
    admin = make_engine(database_url)
    p = parse_url(database_url)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(
                f"create role {role} login nocreaterole password '{passwords.scram_verifier(password)}'"
            )
            conn.exec_driver_sql(f'grant connect on database "{p.dbname}" to {role}')
        limited = make_engine(make_url(role, password, p.port, p.dbname, host=p.host))
        try:
            warning = access.reader_warning(limited, reader=missing)
        finally:
            limited.dispose()
        assert warning is not None and f"create role {missing} nologin;" in warning
        assert f'grant connect on database "{p.dbname}" to {missing};' in warning
        with admin.connect() as conn:
            assert not access.role_exists(conn, missing)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'revoke connect on database "{p.dbname}" from {role}')
            conn.exec_driver_sql(f"drop role {role}")
        admin.dispose()


@embedded_only
def test_a_warehouse_of_an_earlier_version_is_converted(tmp_path: Path, monkeypatch) -> None:
    """A warehouse made before passwords and roles (trust, everything the superuser's) gets a
    superuser password at its next start, and the pipeline's role is handed database iku."""
    monkeypatch.setenv("IKU_EMBEDDED_PORT", "55462")
    warehouse = EmbeddedWarehouse(tmp_path / "home")
    try:
        warehouse.start()
        admin = make_engine(warehouse.admin_url("iku"))
        with admin.begin() as conn:  # what an earlier version left: the superuser's objects
            conn.exec_driver_sql("alter database iku owner to postgres")
            conn.exec_driver_sql("create schema raw; create table raw.kept (x serial primary key, y int)")
            conn.exec_driver_sql(
                "insert into raw.kept (y) values (42); create view raw.v as select y from raw.kept"
            )
        admin.dispose()
        warehouse.stop()
        for role in (SUPERUSER, PIPELINE_ROLE):  # its passwords were never generated
            passwords.password_file(warehouse.home, role).unlink()

        url = warehouse.start()  # new passwords, set while the server was stopped
        pipeline = make_engine(url)
        with pipeline.begin() as conn:
            assert conn.execute(sa.text("select sum(y) from raw.v")).scalar() == 42
            conn.exec_driver_sql("insert into raw.kept (y) values (1)")  # owner of the table and its sequence
            conn.exec_driver_sql("drop schema raw cascade")  # and of the schema
        pipeline.dispose()
        assert _psql(SUPERUSER, warehouse.port(), "iku", "select 1").returncode != 0  # no password, no entry
    finally:
        warehouse.stop()
