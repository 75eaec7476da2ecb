"""`iku docs`: the dbt documentation of the published marts, served on 127.0.0.1."""

from __future__ import annotations

import argparse

from orchestration.cli.arguments import add_command
from orchestration.cli.errors import EXIT_OK, CliError

EXAMPLES = """
iku docs                     # http://127.0.0.1:8580/ (the site the last refresh wrote)
iku docs --generate          # rebuild it from the published marts first
iku docs --port 8600
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    from orchestration.dbt_docs import DEFAULT_PORT

    p = add_command(
        subparsers,
        "docs",
        "serve the dbt docs of the published marts ($IKU_HOME/docs/dbt)",
        EXAMPLES,
        description=(
            "Models, columns and types, contracts, tests, lineage, exposures and each indicator's "
            "formula and rumus, as the refresh last wrote them; static_index.html in the same folder "
            "opens without a server."
        ),
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port on 127.0.0.1")
    p.add_argument(
        "--generate", action="store_true", help="run dbt docs generate on the published marts first"
    )
    p.set_defaults(func=cmd_docs)


def cmd_docs(args: argparse.Namespace) -> int:
    from orchestration.cli.environment import warehouse_url
    from orchestration.dbt_docs import DbtDocsError, docs_dir, generate, serve
    from orchestration.warehouse import dbt_env

    if args.generate:
        try:
            site = generate(env=dbt_env(warehouse_url()))
        except DbtDocsError as exc:
            raise CliError(str(exc).splitlines()[0]) from None
        print(f"dbt docs generated in {site.seconds:.1f} s: {site.folder}")
    try:
        serve(docs_dir(), args.port)
    except FileNotFoundError as exc:
        raise CliError(f"{exc} (or iku docs --generate)") from None
    except OSError as exc:
        raise CliError(f"cannot serve on 127.0.0.1:{args.port}: {exc.strerror}") from None
    return EXIT_OK
