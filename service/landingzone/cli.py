"""The `landingzone` command: serve, sandbox, db, render, openapi."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

# Distributions add subcommands here: each entry point names a `register(commands)` that adds
# its parsers, each with a `run` default taking the parsed arguments and returning the status.
COMMANDS_GROUP = "landingzone.commands"
SANDBOX_DISTRIBUTION = "landingzone-sandbox"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="landingzone", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP API and the workflow engine")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    _add_installed_commands(commands)

    openapi = commands.add_parser("openapi", help="write the OpenAPI document")
    openapi.add_argument("--out", type=Path, default=None)

    from landingzone.migrations.cli import add_db_parser

    add_db_parser(commands)

    try:
        from landingzone.rendering.cli import add_render_parser
    except ImportError:  # pragma: no cover - while the render command is being written
        return parser
    add_render_parser(commands)
    return parser


def _add_installed_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for entry_point in entry_points(group=COMMANDS_GROUP):
        entry_point.load()(commands)
    if "sandbox" not in commands.choices:
        # Whatever follows (`--demo`, `--help`, …) is left to main(): the answer is the same.
        missing = commands.add_parser(
            "sandbox", help=f"the sandbox: needs {SANDBOX_DISTRIBUTION} installed", add_help=False
        )
        missing.set_defaults(run=_sandbox_not_installed)


def _sandbox_not_installed(args: argparse.Namespace) -> int:
    sys.stderr.write(
        f"landingzone sandbox: the sandbox is not installed; install {SANDBOX_DISTRIBUTION}"
        " (`pip install -e ./service` in a checkout, or `make install`)\n"
    )
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, unrecognized = parser.parse_known_args(argv)
    if unrecognized and getattr(args, "run", None) is not _sandbox_not_installed:
        parser.error(f"unrecognized arguments: {' '.join(unrecognized)}")
    if args.command == "serve":
        import logging

        import uvicorn

        from landingzone.main import create_app

        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )

        uvicorn.run(
            create_app(),
            host=args.host,
            port=args.port,
            log_level="info",
            timeout_graceful_shutdown=10,
        )
        return 0
    run: Callable[[argparse.Namespace], int] | None = getattr(args, "run", None)
    if run is not None:
        return run(args)
    if args.command == "db":
        from landingzone.migrations.cli import run_db

        return run_db(args)
    if args.command == "openapi":
        from landingzone.main import create_app

        document = json.dumps(create_app().openapi(), indent=2) + "\n"
        if args.out:
            args.out.write_text(document)
        else:
            sys.stdout.write(document)
        return 0
    from landingzone.rendering.cli import run_render

    return run_render(args)


if __name__ == "__main__":
    sys.exit(main())
