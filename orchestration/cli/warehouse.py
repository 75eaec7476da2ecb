"""`iku warehouse`, `iku env` and `iku reader`: the embedded warehouse, shell exports for dbt
and psql, and the read-only logins of analysts and BI tools."""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from orchestration import settings
from orchestration.cli.arguments import add_command
from orchestration.cli.environment import prepare_environment, warehouse_url
from orchestration.cli.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from orchestration.warehouse import (
    EMBEDDED_DATABASE,
    dbt_env,
    embedded,
    ensure_warehouse,
    is_external,
    make_engine,
    parse_url,
)
from sources.redact import mask_url

WAREHOUSE_EXAMPLES = """
iku warehouse start          # start the embedded PostgreSQL (prints its URL, password masked)
iku warehouse status         # exit 1 when stopped
iku warehouse stop
"""
ENV_EXAMPLES = """
eval "$(iku env)" && psql
eval "$(iku env)" && dbt build --project-dir dbt_project --target-path /tmp/my-target
"""
READER_EXAMPLES = """
iku reader add analis_bappeda                  # asks for the password (empty: generated)
iku reader add bi_tool --generate              # generated, shown once
printf '%s\\n' "$PW" | iku reader add bi_tool --password-stdin
iku reader list
iku reader remove analis_bappeda
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(subparsers, "warehouse", "manage the embedded warehouse", WAREHOUSE_EXAMPLES)
    p.add_argument("action", choices=["start", "stop", "url", "status"], help="what to do")
    p.set_defaults(func=cmd_warehouse)

    p = add_command(
        subparsers, "env", 'print shell exports for dbt and psql: eval "$(iku env)"', ENV_EXAMPLES
    )
    p.add_argument(
        "--with-secrets",
        action="store_true",
        help="add the password (IKU_PG_PASSWORD, PGPASSWORD); without it psql and dbt read PGPASSFILE",
    )
    p.set_defaults(func=cmd_env)

    p = add_command(
        subparsers,
        "reader",
        "logins for analysts and BI tools (read marts and reference only)",
        READER_EXAMPLES,
    )
    readers = p.add_subparsers(dest="reader_action", required=True)
    q = add_command(
        readers,
        "add",
        "a new login; its password is prompted for, read or generated",
        "iku reader add analis_bappeda --generate",
    )
    q.add_argument("name", help="the login (lower-case letters, digits, _)")
    how = q.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    how.add_argument("--generate", action="store_true", help="generate one and show it once")
    q = add_command(
        readers, "remove", "drop a login made by iku reader add", "iku reader remove analis_bappeda"
    )
    q.add_argument("name", help="the login")
    add_command(readers, "list", "the reader logins", "iku reader list")
    p.set_defaults(func=cmd_reader)


def cmd_warehouse(args: argparse.Namespace) -> int:
    if is_external():
        url = os.environ["IKU_WAREHOUSE_URL"]
        if args.action in {"url", "status", "start"}:
            print(mask_url(url) if args.action == "url" else f"external warehouse: {mask_url(url)}")
            return EXIT_OK
        print(
            "IKU_WAREHOUSE_URL is set: the external warehouse is not managed by iku.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    wh = embedded()
    if args.action == "start":
        print(mask_url(wh.start()))
    elif args.action == "stop":
        print("stopped" if wh.stop() else "not running")
    elif args.action == "url":
        print(mask_url(wh.url()))
    else:
        running = wh.is_running()
        print(f"{'running' if running else 'stopped'}: {mask_url(wh.url())} (data in {wh.pgdata})")
        return EXIT_OK if running else EXIT_FAILED
    return EXIT_OK


def cmd_env(args: argparse.Namespace) -> int:
    """Shell exports, each value quoted for the shell (shlex.quote), so `eval "$(iku env)"` sets
    these variables and does nothing else. The password only with --with-secrets: without it,
    psql and dbt read the embedded warehouse's from PGPASSFILE (a file only its owner reads)."""
    prepare_environment()
    url = ensure_warehouse()
    p = parse_url(url)
    values = {
        **{k: v for k, v in dbt_env(url).items() if k != "IKU_PG_PASSWORD"},
        "PGHOST": p.host,
        "PGPORT": str(p.port),
        "PGUSER": p.user,
        "PGDATABASE": p.dbname,
        "DAGSTER_HOME": os.environ["DAGSTER_HOME"],
        "DBT_PROFILES_DIR": str(settings.DBT_PROFILES_DIR),
    }
    if not is_external():
        values["PGPASSFILE"] = str(embedded().pgpass())
    if args.with_secrets:
        values |= {"IKU_PG_PASSWORD": p.password, "PGPASSWORD": p.password}
    for key, value in values.items():
        print(f"export {key}={shlex.quote(value)}")
    if not args.with_secrets:
        where = "PGPASSFILE" if not is_external() else "~/.pgpass (or PGPASSFILE)"
        print(f"# no password printed: psql and dbt read it from {where}; iku env --with-secrets adds it")
    print(f"# psql {shlex.quote(mask_url(url))}")
    return EXIT_OK


def _admin_engine():
    """A connection that may create roles: the embedded superuser, or the external URL's role."""
    if is_external():
        return make_engine(warehouse_url())
    wh = embedded()
    wh.start()
    return make_engine(wh.admin_url(EMBEDDED_DATABASE))


def _reader_password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, generated): read from stdin, prompted for, or generated."""
    from getpass import getpass

    from orchestration.passwords import generate

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise ValueError("--password-stdin: stdin holds no password")
        return password, False
    if args.generate or not sys.stdin.isatty():
        return generate(), True
    password = getpass(f"Password for {args.name} (empty: generate one): ")
    if not password:
        return generate(), True
    if getpass("Again: ") != password:
        raise ValueError("the two passwords differ")
    return password, False


def cmd_reader(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from orchestration import access

    engine = _admin_engine()
    try:
        if args.reader_action == "list":
            names = access.readers(engine)
            print("\n".join(names) if names else f"No reader logins (members of {access.READER_ROLE}).")
            return EXIT_OK
        if args.reader_action == "remove":
            access.remove_reader(engine, args.name)
            print(f"Removed reader login {args.name}.")
            return EXIT_OK
        access.check_login_name(args.name)
        password, generated = _reader_password(args)
        warning = access.reader_warning(engine)
        if warning:
            print(f"iku reader add: {warning}", file=sys.stderr)
            return EXIT_FAILED
        access.add_reader(engine, args.name, password)
    except (access.AccessError, ValueError) as exc:
        print(f"iku reader {args.reader_action}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except sa.exc.ProgrammingError as exc:
        if not access.insufficient_privilege(exc):
            raise
        print(
            f"iku reader {args.reader_action}: the warehouse's role may not manage roles here. A DBA runs:\n"
            + (
                f"create role {args.name} login password '...' in role {access.READER_ROLE};"
                if args.reader_action == "add"
                else f"drop role {args.name};"
            ),
            file=sys.stderr,
        )
        return EXIT_FAILED
    finally:
        engine.dispose()
    where = engine.url  # the server and database the login was made on
    print(
        f"Reader login {args.name} added: reads schemas {' and '.join(access.READABLE_SCHEMAS)} of "
        f"database {where.database} on {where.host}:{where.port}, read-only."
    )
    if generated:
        print(f"Password (shown this once, kept nowhere): {password}")
    print(f"Connect: postgresql://{args.name}:***@{where.host}:{where.port}/{where.database}")
    return EXIT_OK
