"""Who may read what: the reader role, analysts' logins, and the grants every publish makes.

Invariant: role ``iku_reader`` (NOLOGIN; analysts and BI tools log in as its members) may use
schemas ``marts`` and ``reference`` and select from their tables, and nothing else: no other
schema, no write. ``grant_published`` re-establishes this inside the publish transaction, because
the swap of ``marts_build`` and ``marts`` carries each schema's grants along: the old ``marts``,
now ``marts_build``, loses the reader's usage in the same commit that publishes the new one.
``reference`` (dbt's seeds) is rebuilt before the publish, so the pipeline's default privileges
there grant the reader each new table as it is made.

On a server where the pipeline's role may not create roles, nothing fails: ``reader_warning``
says so with the SQL a DBA runs once (``dba_sql``).
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from orchestration import passwords

READER_ROLE = "iku_reader"
READABLE_SCHEMAS = ("marts", "reference")
HIDDEN_SCHEMA = "marts_build"  # the candidate marts: published only by the swap
DEFAULT_GRANT_SCHEMA = "reference"
LOGIN_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# roles a reader login may never be: the warehouse's own, and PostgreSQL's
RESERVED = re.compile(r"^(pg_.*|postgres|iku_pipeline|iku_reader|iku_postgres|public)$")


def create_role_sql(role: str, attributes: str = "nologin") -> str:
    """Create `role` unless it exists (PostgreSQL has no `create role if not exists`)."""
    return f"""
do $$
begin
    if not exists (select from pg_roles where rolname = '{role}') then
        create role {role} {attributes};
    end if;
end $$;
"""


def insufficient_privilege(exc: sa.exc.DBAPIError) -> bool:
    """The server refused for want of a privilege (SQLSTATE 42501)."""
    return getattr(exc.orig, "pgcode", None) == "42501"


class AccessError(RuntimeError):
    """A reader login cannot be made or removed as asked."""


def dba_sql(database: str, pipeline_role: str, reader: str = READER_ROLE) -> str:
    """What a DBA runs once where the pipeline's role may not create roles."""
    return (
        f"create role {reader} nologin;\n"
        f'grant connect on database "{database}" to {reader};\n'
        f"-- optional, to let the pipeline add analysts' logins itself (iku reader add):\n"
        f"-- alter role {pipeline_role} createrole;\n"
        f"-- grant {reader} to {pipeline_role} with admin option;\n"
    )


def role_exists(conn: sa.Connection, role: str = READER_ROLE) -> bool:
    return bool(conn.execute(sa.text("select 1 from pg_roles where rolname = :r"), {"r": role}).scalar())


def reader_warning(engine: sa.Engine, reader: str = READER_ROLE) -> str | None:
    """Create the reader role if it is missing; None when it exists, else a warning for the DBA."""
    with engine.connect() as conn:
        if role_exists(conn, reader):
            return None
        database, role = conn.execute(sa.text("select current_database(), current_user")).one()
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(create_role_sql(reader))
        return None
    except sa.exc.ProgrammingError as exc:
        if not insufficient_privilege(exc):
            raise
    return (
        f"role {reader} does not exist and role {role} may not create it: analysts and BI tools "
        f"cannot read the marts until a DBA runs, once, in database {database}:\n"
        + dba_sql(database, role, reader)
    )


def _schemas(conn: sa.Connection, names: tuple[str, ...]) -> list[str]:
    return list(
        conn.execute(
            sa.text("select nspname from pg_namespace where nspname = any(:n) order by nspname"),
            {"n": list(names)},
        ).scalars()
    )


def grant_published(conn: sa.Connection) -> None:
    """In the publish transaction, after the swap: the reader reads marts and reference, and
    nothing of marts_build. Does nothing where the reader role does not exist."""
    if not role_exists(conn):
        return
    for schema in _schemas(conn, (HIDDEN_SCHEMA,)):
        conn.exec_driver_sql(f"revoke all on schema {schema} from {READER_ROLE}")
        conn.exec_driver_sql(f"revoke all on all tables in schema {schema} from {READER_ROLE}")
    for schema in _schemas(conn, READABLE_SCHEMAS):
        conn.exec_driver_sql(f"grant usage on schema {schema} to {READER_ROLE}")
        conn.exec_driver_sql(f"grant select on all tables in schema {schema} to {READER_ROLE}")
        if schema == DEFAULT_GRANT_SCHEMA:
            conn.exec_driver_sql(
                f"alter default privileges in schema {schema} grant select on tables to {READER_ROLE}"
            )


def check_login_name(name: str) -> None:
    if not LOGIN_NAME.match(name) or RESERVED.match(name):
        raise AccessError(
            f"{name!r} cannot be a reader login: use lower-case letters, digits and _ (at most 63, "
            "not starting with a digit), and none of postgres, pg_*, iku_pipeline, iku_reader"
        )


def add_reader(engine: sa.Engine, name: str, password: str) -> None:
    """A login `name` that reads what iku_reader reads (read-only sessions, marts first on its
    search path). Only the password's SCRAM verifier reaches the server."""
    check_login_name(name)
    with engine.begin() as conn:
        if role_exists(conn, name):
            raise AccessError(f"role {name} exists already (iku reader remove {name} first)")
        verifier = passwords.scram_verifier(password)
        conn.exec_driver_sql(f"create role {name} login password '{verifier}' in role {READER_ROLE}")
        conn.exec_driver_sql(f"alter role {name} set default_transaction_read_only = on")
        conn.exec_driver_sql(f"alter role {name} set search_path = marts, reference")


def readers(engine: sa.Engine) -> list[str]:
    """The logins that are members of the reader role."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "select r.rolname from pg_auth_members as m "
                    "inner join pg_roles as r on m.member = r.oid "
                    "where m.roleid = (select oid from pg_roles where rolname = :reader) and r.rolcanlogin "
                    "order by r.rolname"
                ),
                {"reader": READER_ROLE},
            ).scalars()
        )


def remove_reader(engine: sa.Engine, name: str) -> None:
    """Drop a login made by `add_reader` (and only such a login)."""
    check_login_name(name)
    if name not in readers(engine):
        raise AccessError(f"{name} is not a reader login (iku reader list shows them)")
    with engine.begin() as conn:
        conn.exec_driver_sql(f"drop role {name}")
