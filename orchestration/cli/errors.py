"""Exit codes of `iku` and the error a command raises to stop with one of them.

A command returns an exit code, or raises `CliError`: `main` prints its message on one line
(secrets masked) and exits with its code. Documented in docs/cli.md.
"""

from __future__ import annotations

EXIT_OK = 0  # done (refresh: the marts were published)
EXIT_FAILED = 1  # the work failed (a blocking check, a step, nothing to show) or an unexpected error
EXIT_USAGE = 2  # a bad command line: unknown option, bad date or year, bad value
EXIT_BUSY = 3  # another refresh held the warehouse for longer than --wait
EXIT_WAREHOUSE = 4  # the warehouse: IKU_WAREHOUSE_URL unparseable, unreachable, or it does not start
EXIT_SOURCES = 5  # the drop folder (IKU_SOURCES_DIR) does not exist or is not a folder


class CliError(Exception):
    """Stop the command: `message` (one line, printed after ``iku <command>:``) and `code`."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code
