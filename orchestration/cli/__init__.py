"""`iku`: the command line of Gudang IKU (docs/cli.md).

iku refresh [--wait S]           the nightly refresh (extract, load, dbt build, checks, publish);
                                 one at a time per warehouse (exit 3 when another one holds it)
iku show --year 2025             the published IKU of a year (table, csv or json)
iku report --year 2025           the IKU report for leadership (html, xlsx or pdf; Bahasa Indonesia)
iku demo                         write demo sources (deterministic by seed)
iku dq [list|ack|revoke|history|docs]   quality failures by unit, acknowledgements, Data Docs
iku warehouse start|stop|url|status   the embedded warehouse (URLs print with the password masked)
iku env [--with-secrets]         shell exports for running dbt or psql by hand (eval "$(iku env)")
iku reader add|remove|list NAME  logins for analysts and BI tools: read marts and reference only
iku docs [--generate]            the dbt docs of the published marts on http://127.0.0.1:8580/
iku ui                           the Dagster UI on this code location (dagster dev)
iku serve [--host H] [--port P]  the deployment: the Dagster UI and daemon (02:00 WIT schedule) until stopped

One module per command group; each has `register(subparsers)`, which adds its parser(s) and
sets their handler (`func`). A new command group is a module here and one entry in COMMANDS.
A handler returns an exit code (errors.py) or raises `CliError`; `main` turns every error into
one line on stderr, secrets masked.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
import traceback

from orchestration import settings
from orchestration.cli import demo, docs, dq, refresh, report, serve, show, ui, warehouse
from orchestration.cli.arguments import HelpFormatter, Parser
from orchestration.cli.errors import (
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_SOURCES,
    EXIT_USAGE,
    EXIT_WAREHOUSE,
    CliError,
)
from orchestration.warehouse import WarehouseError
from sources.redact import redact

__all__ = [
    "EXIT_BUSY",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_SOURCES",
    "EXIT_USAGE",
    "EXIT_WAREHOUSE",
    "CliError",
    "build_parser",
    "main",
]

# the command groups, in the order `iku --help` lists them
COMMANDS = [refresh, show, report, demo, dq, docs, warehouse, ui, serve]

DISTRIBUTION = "gudang-iku"  # pyproject.toml's [project] name
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports it
DEBUG_ENV = "IKU_DEBUG"  # 1: an unexpected error prints its traceback (secrets masked)

EXAMPLES = """
iku refresh                      the nightly refresh, now
iku show --year 2025             the published IKU of 2025
iku dq                           open quality failures and quarantined rows, by unit
iku <command> --help             a command's options, defaults and examples
"""
EXIT_CODES = (
    "exit codes: 0 ok, 1 failed, 2 usage, 3 busy (another refresh), 4 warehouse, 5 drop folder (docs/cli.md)"
)


def version() -> str:
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="iku",
        description="Gudang IKU: the IKU warehouse of BKD dan SDA Halmahera Utara.",
        epilog="examples:\n"
        + "\n".join(f"  {line}" for line in EXAMPLES.strip().splitlines())
        + f"\n\n{EXIT_CODES}",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    where = f"iku {args.command}"
    try:
        return args.func(args)
    except CliError as exc:
        _say(f"{where}: {exc}")
        return exc.code
    except WarehouseError as exc:
        _say(f"{where}: warehouse: {str(exc).strip()}")  # composed by orchestration.warehouse
        return EXIT_WAREHOUSE
    except KeyboardInterrupt:
        _say(f"{where}: interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:
        if os.environ.get(DEBUG_ENV) == "1":
            _say(traceback.format_exc())
        hint = "" if os.environ.get(DEBUG_ENV) == "1" else f" (run with {DEBUG_ENV}=1 for the traceback)"
        _say(f"{where}: unexpected error: {type(exc).__name__}: {_first_line(str(exc))}{hint}")
        return EXIT_FAILED


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def _say(text: str) -> None:
    """To stderr, with every URL's password and every known secret masked."""
    print(redact(text, _known_secrets()), file=sys.stderr)


def _known_secrets() -> list[str]:
    from orchestration.passwords import kept_passwords

    try:
        return kept_passwords(settings.iku_home())
    except OSError:
        return []
