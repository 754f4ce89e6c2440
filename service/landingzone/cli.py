"""The `landingzone` command: serve, sandbox, db, render, openapi."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="landingzone", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP API and the workflow engine")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    sandbox = commands.add_parser(
        "sandbox", help="run the service with local Bitbucket, Jenkins, ServiceNow and mailbox"
    )
    sandbox.add_argument(
        "--port", type=int, default=8000, help="API port; simulators use the next 5"
    )
    sandbox.add_argument("--data", type=Path, default=Path(".sandbox"), help="state folder")
    sandbox.add_argument("--demo", action="store_true", help="create a landing zone once it is up")

    simulators = commands.add_parser("sandbox-simulators", help=argparse.SUPPRESS)
    simulators.add_argument("--data", type=Path, required=True)

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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
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
    if args.command == "sandbox":
        from landingzone_sandbox.launcher import run_sandbox

        return run_sandbox(args.data, args.port, args.demo)
    if args.command == "sandbox-simulators":
        from landingzone_sandbox.simulators import run_simulators

        run_simulators(args.data)
        return 0
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
