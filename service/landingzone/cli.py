"""The `landingzone` command: serve, sandbox, db, render, openapi, hash-token."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

# Distributions add subcommands here: each entry point names a `register(commands)` that adds
# its parsers, each with a `run` default taking the parsed arguments and returning the status.
COMMANDS_GROUP = "landingzone.commands"
SANDBOX_DISTRIBUTION = "landingzone-sandbox"


# How `serve` runs uvicorn. The app writes its own access log (api/hardening.py), without
# query strings; uvicorn's would write them verbatim. No `server` header names the software.
SERVER_OPTIONS: dict[str, Any] = {
    "log_level": "info",
    "access_log": False,
    "server_header": False,
    "timeout_graceful_shutdown": 10,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="landingzone", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP API and the workflow engine")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    _add_installed_commands(commands)

    openapi = commands.add_parser("openapi", help="write the OpenAPI document")
    openapi.add_argument("--out", type=Path, default=None)

    commands.add_parser(
        "hash-token",
        help="read an API token on stdin, print the sha256: hash LZ_API_CALLERS holds",
    ).set_defaults(run=_hash_token)

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


MIN_TOKEN_CHARS = 32  # unsalted SHA-256 is safe for random tokens, not for passwords


def _hash_token(args: argparse.Namespace) -> int:
    from landingzone.api.auth_settings import hash_token

    token = sys.stdin.read().strip()
    if len(token) < MIN_TOKEN_CHARS or any(c.isspace() for c in token):
        sys.stderr.write(
            f"landingzone hash-token: a token is one word of at least {MIN_TOKEN_CHARS} random "
            "characters, such as python3 -c 'import secrets; print(secrets.token_urlsafe(32))'\n"
        )
        return 2
    sys.stdout.write(hash_token(token) + "\n")
    return 0


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

        uvicorn.run(create_app(), host=args.host, port=args.port, **SERVER_OPTIONS)
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
