"""Our tables (landing zones, steps, events, promotions, the audit trail); engines for SQLite and
PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

metadata = sa.MetaData()

landing_zones = sa.Table(
    "lz_landing_zones",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("idempotency_key", sa.String(200), unique=True, nullable=True),
    # "<tenant>/<name>" while the landing zone holds its name; NULL once rejected or cancelled.
    # Unique, so two requests for one name cannot both be accepted (NULLs never collide).
    sa.Column("name_claim", sa.String(130), unique=True, nullable=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("request", sa.JSON, nullable=False),
    sa.Column("name", sa.String(63), nullable=False),
    sa.Column("class_id", sa.String(32), nullable=False),
    sa.Column("tenant", sa.String(63), nullable=False),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("links", sa.JSON, nullable=False),
    sa.Column("resources", sa.JSON, nullable=False),
    sa.Column("error_step", sa.String(32), nullable=True),
    sa.Column("error_message", sa.Text, nullable=True),
    sa.Column("run", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # The template version the project was rendered at, and the answers it was rendered with
    # (its `.landingzone-answers.yml`); NULL for a landing zone not rendered yet.
    sa.Column("template_version", sa.String(32), nullable=True),
    sa.Column("template_answers", sa.JSON, nullable=True),
    sa.Index("lz_by_owner", "owner", "created_at"),
    sa.Index("lz_by_tenant_name", "tenant", "name"),
    sa.Index("lz_by_created", "created_at", "id"),  # the list's order (migration 0006)
)

steps = sa.Table(
    "lz_steps",
    metadata,
    sa.Column("landing_zone_id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("waiting", sa.JSON, nullable=True),
)

events = sa.Table(
    "lz_events",
    metadata,
    sa.Column("landing_zone_id", sa.String(40), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("dedupe_key", sa.String(200), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("step", sa.String(32), nullable=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.UniqueConstraint("landing_zone_id", "dedupe_key", name="lz_events_once"),
)

# One template update of one landing zone: the branch pushed and the pull request opened.
template_updates = sa.Table(
    "lz_template_updates",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("landing_zone_id", sa.String(40), nullable=False),
    sa.Column("from_version", sa.String(32), nullable=False),
    sa.Column("to_version", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("branch", sa.String(200), nullable=True),
    sa.Column("commit_id", sa.String(64), nullable=True),
    sa.Column("pull_request_id", sa.Integer, nullable=True),
    sa.Column("pull_request_url", sa.String(500), nullable=True),
    sa.Column("files", sa.JSON, nullable=False),
    sa.Column("conflicts", sa.JSON, nullable=False),
    sa.Column("kept_deleted", sa.JSON, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("lz_updates_by_landing_zone", "landing_zone_id", "created_at"),
)

# A rollout of a template version over a class's landing zones, in waves.
rollouts = sa.Table(
    "lz_rollouts",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("class_id", sa.String(32), nullable=False),
    sa.Column("to_version", sa.String(32), nullable=False),
    sa.Column("selection", sa.JSON, nullable=False),
    sa.Column("wave_size", sa.Integer, nullable=False),
    sa.Column("max_failure_rate", sa.Float, nullable=False),
    sa.Column("wave_timeout_hours", sa.Float, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("selected", sa.Boolean, nullable=False, default=False),
    sa.Column("current_wave", sa.Integer, nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    # The standard changes that cover its waves, per tenant: {"1": {"labs": {"number": ...}}}.
    sa.Column("changes", sa.JSON, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("lz_rollouts_by_created", "created_at"),
)

# One landing zone of a rollout: its wave, its update and its pull request's last read state.
rollout_members = sa.Table(
    "lz_rollout_members",
    metadata,
    sa.Column("rollout_id", sa.String(40), primary_key=True),
    sa.Column("landing_zone_id", sa.String(40), primary_key=True),
    sa.Column("wave", sa.Integer, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("tenant", sa.String(63), nullable=False),
    sa.Column("from_version", sa.String(32), nullable=False),
    sa.Column("update_id", sa.String(40), nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("lz_rollout_members_by_wave", "rollout_id", "wave", "position"),
)

replicas = sa.Table(
    "lz_replicas",
    metadata,
    sa.Column("executor_id", sa.String(200), primary_key=True),
    sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
    # The live replica that recovered this one's workflows after its lease ran out.
    sa.Column("taken_over_by", sa.String(200), nullable=True),
)

# One row per (landing zone, digest, environment): asking again returns the same promotion.
promotions = sa.Table(
    "lz_promotions",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("landing_zone_id", sa.String(40), nullable=False),
    sa.Column("environment", sa.String(63), nullable=False),
    sa.Column("digest", sa.String(71), nullable=False),
    sa.Column("version", sa.String(128), nullable=False),
    sa.Column("build_url", sa.Text, nullable=False),
    sa.Column("scan", sa.JSON, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    # The change policy asked for: none, standard or normal.
    sa.Column("change_type", sa.String(16), nullable=False),
    sa.Column("change_sys_id", sa.String(64), nullable=True),
    sa.Column("change_number", sa.String(40), nullable=True),
    sa.Column("change_url", sa.Text, nullable=True),
    sa.Column("change_state", sa.String(16), nullable=True),
    sa.Column("previous_digest", sa.String(71), nullable=True),
    sa.Column("commit_id", sa.String(64), nullable=True),
    sa.Column("commit_url", sa.Text, nullable=True),
    sa.Column("decided_by", sa.String(200), nullable=True),
    sa.Column("comment", sa.Text, nullable=True),
    # What the pipeline reported: {"result", "notes", "build_url"}.
    sa.Column("outcome", sa.JSON, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("landing_zone_id", "digest", "environment", name="lz_promotions_once"),
    sa.Index("lz_promotions_by_landing_zone", "landing_zone_id", "created_at"),
)

# The promote pipeline's credential of each landing zone: only its SHA-256 is kept.
promotion_credentials = sa.Table(
    "lz_promotion_credentials",
    metadata,
    sa.Column("landing_zone_id", sa.String(40), primary_key=True),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# The audit trail: who did what to which landing zone, and how it ended. Append-only: triggers
# refuse UPDATE and DELETE (migration 0005). A writer that may run again (a replayed workflow
# step) names its entry with `dedupe_key`, so it is recorded once.
audit = sa.Table(
    "lz_audit",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("landing_zone_id", sa.String(40), nullable=True),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(500), nullable=False),
    sa.Column("credential", sa.String(200), nullable=False),
    sa.Column("on_behalf_of", sa.String(200), nullable=True),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Column("dedupe_key", sa.String(200), nullable=False),
    sa.UniqueConstraint("landing_zone_id", "action", "dedupe_key", name="lz_audit_once"),
    sa.Index("lz_audit_by_landing_zone", "landing_zone_id", "seq"),
    sa.Index("lz_audit_by_at", "at"),
)


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


WRITE_OPTION = "landingzone_write"


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: serialized against other writers on SQLite."""
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            yield connection


def use_write_ahead_log(url: str) -> None:
    """Put a SQLite database (made if missing) in WAL mode, which the file keeps: readers and
    the one writer no longer wait for each other. Other databases are left alone."""
    if not url.startswith("sqlite:///"):
        return
    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=30)) as database:
        database.execute("PRAGMA busy_timeout=30000")
        database.execute("PRAGMA journal_mode=WAL")


def engine_for(url: str, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            # A writing transaction takes the write lock up front, so a read-modify-write cannot
            # race another writer (PostgreSQL gets SELECT ... FOR UPDATE); readers stay lock-free.
            immediate = connection.get_execution_options().get(WRITE_OPTION)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return sa.create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size)
