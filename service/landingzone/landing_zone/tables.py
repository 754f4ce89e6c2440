"""Tables of landing zones, their steps and their events; engines for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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
    sa.Index("lz_by_owner", "owner", "created_at"),
    sa.Index("lz_by_tenant_name", "tenant", "name"),
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


replicas = sa.Table(
    "lz_replicas",
    metadata,
    sa.Column("executor_id", sa.String(200), primary_key=True),
    sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
    # The live replica that recovered this one's workflows after its lease ran out.
    sa.Column("taken_over_by", sa.String(200), nullable=True),
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
