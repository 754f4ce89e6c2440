"""`landingzone db upgrade` and `landingzone db current`: the schema of the service's tables.

    landingzone db upgrade    migrate to this version's head (start-up does the same), e.g.
                              as a job before a rollout; a no-op when already there
    landingzone db current    print the revision; exit 0 at head, 1 when an upgrade is due

Both use LZ_DATABASE_URL unless --database-url is given. A database newer than this version,
or Landing Zone tables this version does not recognise, exit 2 and are left untouched.

Public API:
    add_db_parser(subparsers) -> argparse.ArgumentParser   registers `db`
    run_db(args: argparse.Namespace) -> int                runs a parsed command
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy.engine import Engine

from landingzone.landing_zone.tables import engine_for
from landingzone.migrations.runner import (
    RELEASED_REVISION,
    SchemaError,
    SchemaTooNew,
    state,
    upgrade,
)


def add_db_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "db", help="show or migrate the schema of the service's tables", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    actions = parser.add_subparsers(dest="db_command", required=True)
    for name, summary in (
        ("upgrade", "migrate the service's tables to this version's newest revision"),
        ("current", "print the revision the service's tables are at"),
    ):
        action = actions.add_parser(name, help=summary)
        action.add_argument("--database-url", default=None, help="default: LZ_DATABASE_URL")
    return parser


def run_db(args: argparse.Namespace) -> int:
    engine = engine_for(args.database_url or _configured_url(), pool_size=1)
    try:
        return _upgrade(engine) if args.db_command == "upgrade" else _current(engine)
    except SchemaError as refused:
        print(refused, file=sys.stderr)
        return 2
    finally:
        engine.dispose()


def _configured_url() -> str:
    from landingzone.config import Settings

    return Settings().database_url


def _upgrade(engine: Engine) -> int:
    print(upgrade(engine).summary)
    return 0


def _current(engine: Engine) -> int:
    schema = state(engine)
    if not schema.known:
        raise SchemaTooNew(schema.revision or "", schema.head)
    if schema.revision == schema.head:
        print(f"{schema.revision} (head)")
        return 0
    if schema.revision is not None:
        print(f"{schema.revision} (head is {schema.head}: run `landingzone db upgrade`)")
    elif schema.unversioned_release:
        print(
            "none: tables of the first release without a revision; an upgrade adopts them "
            f"as {RELEASED_REVISION} and migrates to {schema.head}"
        )
    else:
        print(f"none: no Landing Zone tables yet (head is {schema.head})")
    return 1
