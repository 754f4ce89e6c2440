"""The sandbox's commands. `landingzone` finds `register` through its `landingzone.commands`
entry points (service/pyproject.toml) and gains `landingzone sandbox`; `python -m
landingzone_sandbox` runs the same command without them, and the simulators' own process."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sandbox = commands.add_parser(
        "sandbox", help="run the service with local Bitbucket, Jenkins, ServiceNow and mailbox"
    )
    sandbox.add_argument(
        "--port", type=int, default=8000, help="API port; simulators use the next 5"
    )
    sandbox.add_argument("--data", type=Path, default=Path(".sandbox"), help="state folder")
    sandbox.add_argument("--demo", action="store_true", help="create a landing zone once it is up")
    sandbox.set_defaults(run=_run_sandbox)


def _run_sandbox(args: argparse.Namespace) -> int:
    from landingzone_sandbox.launcher import run_sandbox

    return run_sandbox(args.data, args.port, args.demo)


def _run_simulators(args: argparse.Namespace) -> int:
    from landingzone_sandbox.simulators import run_simulators

    run_simulators(args.data)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m landingzone_sandbox sandbox …`, and `… sandbox-simulators --data DIR`: the
    process of the simulators that `landingzone sandbox` starts."""
    parser = argparse.ArgumentParser(
        prog="python -m landingzone_sandbox", description="the sandbox's commands"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    register(commands)
    simulators = commands.add_parser("sandbox-simulators", help="the simulators alone")
    simulators.add_argument("--data", type=Path, required=True, help="the sandbox's folder")
    simulators.set_defaults(run=_run_simulators)
    args = parser.parse_args(argv)
    return int(args.run(args))
