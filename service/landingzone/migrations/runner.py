"""Bring the service's own tables to the newest revision: once, whichever replica starts first.

DBOS migrates its own tables (schema `dbos` on PostgreSQL, a sibling file on SQLite); nothing
here reads or changes them. Alembic records our revision in a table of its own,
`lz_alembic_version`, so it cannot meet anyone else's `alembic_version`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from landingzone.landing_zone.tables import metadata, writing

MIGRATIONS_DIR = Path(__file__).resolve().parent
VERSION_TABLE = "lz_alembic_version"
RELEASED_REVISION = "0001"
# A PostgreSQL advisory lock held for the migration's transaction: replicas that start together
# migrate one after the other, and the later ones find the schema already at head.
LOCK_KEY = 0x4C5A_0001  # "LZ" + 1; any fixed number no other component of the database uses
# Alembic's `context` and `op` are process-wide proxies: one migration at a time per process.
_IN_PROCESS = threading.Lock()

# What the release before migrations made with metadata.create_all, adopted as revision 0001.
RELEASED_TABLES: Mapping[str, frozenset[str]] = {
    "lz_landing_zones": frozenset(
        {
            "id",
            "idempotency_key",
            "name_claim",
            "request_hash",
            "request",
            "name",
            "class_id",
            "tenant",
            "owner",
            "status",
            "links",
            "resources",
            "error_step",
            "error_message",
            "run",
            "created_at",
            "updated_at",
        }
    ),
    "lz_steps": frozenset(
        {
            "landing_zone_id",
            "name",
            "position",
            "status",
            "started_at",
            "finished_at",
            "attempts",
            "waiting",
        }
    ),
    "lz_events": frozenset(
        {"landing_zone_id", "seq", "dedupe_key", "at", "step", "kind", "message", "data"}
    ),
    "lz_replicas": frozenset({"executor_id", "heartbeat_at", "taken_over_by"}),
}


class SchemaError(RuntimeError):
    """The database holds a schema this version cannot migrate; nothing was changed."""


class SchemaTooNew(SchemaError):
    def __init__(self, revision: str, head: str) -> None:
        super().__init__(
            f"database schema {revision} is newer than this Landing Zone (head {head}); "
            "upgrade the service"
        )
        self.revision = revision
        self.head = head


class UnrecognisedSchema(SchemaError):
    """Landing Zone tables without a revision that are not those of the first release."""


@dataclass(frozen=True)
class SchemaState:
    revision: str | None
    head: str
    known: bool  # no revision yet, or one of this version's
    # Tables of the release before migrations and no revision: the next upgrade adopts them.
    unversioned_release: bool


@dataclass(frozen=True)
class Migration:
    before: str | None
    after: str
    adopted: bool
    seconds: float

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def summary(self) -> str:
        took = f"{self.seconds * 1000:.0f} ms"
        if not self.changed:
            return f"database schema {self.after} is current (checked in {took})"
        before = "the first release (unversioned)" if self.adopted else self.before or "empty"
        return f"database schema migrated from {before} to {self.after} in {took}"


def context_options() -> dict[str, Any]:
    """How Alembic sees our schema, for migrating and for comparing with the models alike."""
    return {
        "target_metadata": metadata,
        "version_table": VERSION_TABLE,
        "include_name": _ours,
        "compare_type": True,
        "compare_server_default": True,
        # SQLite alters a table by copying it; batch operations do that, and run as plain
        # ALTER TABLE on PostgreSQL.
        "render_as_batch": True,
    }


def _ours(name: str | None, kind: str, _parents: Mapping[str, str | None]) -> bool:
    if kind == "schema":
        return name is None  # the default schema; DBOS keeps its tables in "dbos"
    if kind == "table":
        return name is not None and (name in metadata.tables or name.startswith("lz_"))
    return True


def head() -> str:
    return _head(_scripts())


def state(engine: Engine) -> SchemaState:
    scripts = _scripts()
    with engine.connect() as connection:
        revision = _revision(connection)
        unversioned = revision is None and _has_released_tables(connection)
    return SchemaState(revision, _head(scripts), _known(scripts, revision), unversioned)


def upgrade(engine: Engine) -> Migration:
    """Migrate to head: adopt a database of the first release, refuse one newer than this code."""
    started = time.perf_counter()
    scripts = _scripts()
    target = _head(scripts)
    # On SQLite, BEGIN IMMEDIATE already admits one migrator at a time.
    with _IN_PROCESS, writing(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        before = _revision(connection)
        if not _known(scripts, before):
            assert before is not None
            raise SchemaTooNew(before, target)
        alembic = _config(connection)
        adopted = before is None and _has_released_tables(connection)
        if adopted:
            _check_released(connection)
            command.stamp(alembic, RELEASED_REVISION)
        command.upgrade(alembic, "head")
        after = _revision(connection)
    assert after is not None
    return Migration(before, after, adopted, time.perf_counter() - started)


def _config(connection: Connection | None = None) -> Config:
    alembic = Config()
    alembic.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    alembic.attributes["connection"] = connection
    return alembic


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def _head(scripts: ScriptDirectory) -> str:
    target = scripts.get_current_head()  # refuses a history with two heads
    assert target is not None
    return target


def _revision(connection: Connection) -> str | None:
    migration = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    heads = migration.get_current_heads()
    return ",".join(sorted(heads)) if heads else None


def _known(scripts: ScriptDirectory, revision: str | None) -> bool:
    ours = {script.revision for script in scripts.walk_revisions()}
    return revision is None or all(each in ours for each in revision.split(","))


def _has_released_tables(connection: Connection) -> bool:
    return bool(set(sa.inspect(connection).get_table_names()) & RELEASED_TABLES.keys())


def _check_released(connection: Connection) -> None:
    inspector = sa.inspect(connection)
    present = set(inspector.get_table_names())
    missing = [table for table in RELEASED_TABLES if table not in present]
    for table, columns in RELEASED_TABLES.items():
        if table in present:
            found = {column["name"] for column in inspector.get_columns(table)}
            missing += [f"{table}.{column}" for column in sorted(columns - found)]
    if missing:
        raise UnrecognisedSchema(
            "the database has Landing Zone tables but no schema revision, and they are not "
            f"those of the first release (missing {', '.join(missing)}); nothing was changed"
        )
