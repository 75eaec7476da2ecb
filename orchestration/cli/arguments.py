"""The parser's shared parts: help that shows defaults and examples, one-line usage errors, and
the argument types every command parses the same way (a date, a year)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import NoReturn

from orchestration.cli.errors import EXIT_USAGE

YEARS = range(2000, 2101)  # a year iku accepts (--year)


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Every option's default in its help (unless it has none: None, False, []); descriptions
    and the Examples epilog printed as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False, []) or action.default is argparse.SUPPRESS:
            return action.help
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """A usage error is one line (and a hint), not the whole usage: exit code 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message}\n(see: {self.prog} --help)", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def add_command(
    subparsers: argparse._SubParsersAction, name: str, help: str, examples: str = "", description: str = ""
) -> Parser:
    """A (sub)command's parser: its help line, a description, and an Examples epilog."""
    epilog = (
        "examples:\n" + "\n".join(f"  {line}" for line in examples.strip().splitlines()) if examples else None
    )
    return subparsers.add_parser(
        name, help=help, description=description or help, epilog=epilog, formatter_class=HelpFormatter
    )


def iso_date(text: str) -> date:
    """A YYYY-MM-DD date (argparse type)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def attendance_month(text: str) -> str:
    """A month YYYY-MM of the attendance partitions (argparse type)."""
    from orchestration.partitions import ATTENDANCE_MONTHS

    keys = ATTENDANCE_MONTHS.get_partition_keys()
    if text not in keys:
        raise argparse.ArgumentTypeError(f"not a month YYYY-MM from {keys[0]} to {keys[-1]}: {text!r}")
    return text


def year_number(text: str) -> int:
    """A year of YEARS (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a year: {text!r}") from None
    if value not in YEARS:
        raise argparse.ArgumentTypeError(f"year {value} out of range {YEARS.start}-{YEARS.stop - 1}")
    return value
