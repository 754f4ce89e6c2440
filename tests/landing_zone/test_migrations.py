"""Schema migrations of the service's own tables, on SQLite and PostgreSQL.

A database of the first release (frozen DDL, rows as that release wrote them) goes through the
service's start-up and keeps every landing zone; a migrated database matches the models, so a
model change without a revision fails here; a newer database stops start-up untouched.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from landingzone import migrations
from landingzone.cli import main as landingzone_command
from landingzone.config import Settings
from landingzone.landing_zone.models import Status, StepStatus
from landingzone.landing_zone.store import NameTaken, Store
from landingzone.landing_zone.tables import engine_for, metadata
from landingzone.main import build_runtime
from landingzone.migrations.runner import LOCK_KEY, context_options
from tests.support.released import RELEASED, STAGES, create_released_database, released_engine
from tests.support.sandbox import fresh_postgres_database, request_body, wait_for


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return fresh_postgres_database()
    return f"sqlite:///{tmp_path / 'landingzone.sqlite'}"


@pytest.fixture
def engine(url: str) -> Iterator[sa.Engine]:
    engine = engine_for(url, pool_size=1)
    yield engine
    engine.dispose()


def _start_up(url: str) -> Store:
    """What the service does on start: build its runtime, which migrates the database."""
    return build_runtime(Settings(database_url=url, database_pool_size=1)).store


def _differences(engine: sa.Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(
            compare_metadata(
                MigrationContext.configure(connection, opts=context_options()), metadata
            )
        )


def _snapshot(url: str) -> dict[str, Any]:
    """Every table of the default schema with its columns and rows."""
    engine = released_engine(url)
    with engine.connect() as connection:
        inspector = sa.inspect(connection)
        tables = {
            name: ([(c["name"], str(c["type"])) for c in inspector.get_columns(name)],
                   _rows(connection, name))
            for name in sorted(inspector.get_table_names())
        }  # fmt: skip
    engine.dispose()
    return tables


def _rows(connection: sa.Connection, name: str) -> list[str]:
    table = sa.Table(name, sa.MetaData(), autoload_with=connection)
    return sorted(repr(tuple(row)) for row in connection.execute(sa.select(table)))


def _run_sql(url: str, *statements: str) -> None:
    engine = released_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    engine.dispose()


def test_an_empty_database_is_migrated_to_head_and_matches_the_models(
    url: str, engine: sa.Engine
) -> None:
    # DBOS's tables (schema "dbos" on PostgreSQL) and anyone else's are neither ours nor touched.
    foreign = ["CREATE TABLE workflow_status (workflow_uuid VARCHAR(36) PRIMARY KEY)"]
    if url.startswith("postgresql"):
        foreign += ["CREATE SCHEMA dbos", "CREATE TABLE dbos.operation_outputs (id INT)"]
    _run_sql(url, *foreign)

    migration = migrations.upgrade(engine)

    assert migration.before is None and migration.after == migrations.head()
    assert not migration.adopted
    assert _differences(engine) == []
    tables = set(sa.inspect(engine).get_table_names())
    assert {*metadata.tables, migrations.VERSION_TABLE, "workflow_status"} == tables
    if url.startswith("postgresql"):
        assert sa.inspect(engine).get_table_names(schema="dbos") == ["operation_outputs"]


def test_the_first_releases_landing_zones_survive_start_up(url: str) -> None:
    create_released_database(url)

    store = _start_up(url)

    try:
        assert migrations.state(store.engine).revision == migrations.head()
        assert _differences(store.engine) == []
        for released in RELEASED:
            record = store.get(released.id)
            assert record is not None, released.id
            assert record.status == Status(released.status)
            assert record.request == released.request()
            assert (record.links, record.resources) == (released.links, released.resources)
            assert (record.error_step, record.error_message) == (released.error or (None, None))
            assert (record.run, record.created_at) == (released.run, released.created_at)
            steps = store.steps.of(released.id)
            assert [(s.name, s.status.value) for s in steps] == list(released.steps.items())
            assert [s.name for s in steps] == list(STAGES)
            waits = [s.waiting for s in steps if s.status == StepStatus.WAITING]
            assert waits == ([released.waiting] if released.waiting else [])
            events = store.events.after(released.id, 0)
            assert [(e.step, e.kind, e.message, e.data) for e in events] == released.events
            assert [e.seq for e in events] == list(range(1, len(released.events) + 1))

        completed, waiting, rejected = RELEASED
        assert store.by_idempotency_key("backstage-task-0001") == store.get(completed.id)
        assert [r.id for r in store.unfinished()] == [waiting.id]
        page, _ = store.page(
            owner="group:default/payments", tenant=None, status=None, limit=10, cursor=None
        )
        assert [r.id for r in page] == [rejected.id, waiting.id, completed.id]
        assert store.steps.waiting_by_system() == {"servicenow": 1}
        # The unique name claim still holds; a released name is free again.
        with pytest.raises(NameTaken):
            store.insert("lz_new0000000000000001", request_body("payments-api"), "h", None)
        store.insert("lz_new0000000000000002", request_body("reports"), "h", None)
        store.events.append(
            waiting.id, "0:approve:resumed", step="approve", kind="resumed", message="m"
        )
        assert store.events.after(waiting.id, len(waiting.events))[0].seq == len(waiting.events) + 1
    finally:
        store.engine.dispose()


def test_migrating_twice_changes_nothing(url: str, engine: sa.Engine) -> None:
    create_released_database(url)
    first = migrations.upgrade(engine)
    migrated = _snapshot(url)

    second = migrations.upgrade(engine)

    assert first.adopted and first.after == migrations.head()
    assert (second.before, second.after, second.adopted, second.changed) == (
        migrations.head(), migrations.head(), False, False
    )  # fmt: skip
    assert _snapshot(url) == migrated


def test_a_newer_schema_stops_start_up_and_is_left_untouched(url: str, engine: sa.Engine) -> None:
    create_released_database(url)
    migrations.upgrade(engine)
    # What a later version of the service would have left: a new table, a new column.
    _run_sql(
        url,
        "CREATE TABLE lz_from_a_later_release (id VARCHAR(40) PRIMARY KEY)",
        "ALTER TABLE lz_landing_zones ADD COLUMN from_a_later_release VARCHAR(20)",
        "UPDATE lz_alembic_version SET version_num = '0099'",
    )
    before = _snapshot(url)

    with pytest.raises(migrations.SchemaTooNew) as refused:
        _start_up(url)

    assert str(refused.value) == (
        f"database schema 0099 is newer than this Landing Zone (head {migrations.head()}); "
        "upgrade the service"
    )
    assert _snapshot(url) == before


def test_tables_without_a_revision_that_are_not_the_first_release_are_refused(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'landingzone.sqlite'}"
    create_released_database(url)
    _run_sql(url, "DROP TABLE lz_replicas")
    before = _snapshot(url)
    engine = engine_for(url, pool_size=1)

    with pytest.raises(migrations.UnrecognisedSchema, match="missing lz_replicas"):
        migrations.upgrade(engine)

    engine.dispose()
    assert _snapshot(url) == before


def test_replicas_starting_together_both_come_up_on_one_schema(url: str) -> None:
    engines = [engine_for(url, pool_size=1) for _ in range(2)]
    try:
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(migrations.upgrade, engines))
    finally:
        for each in engines:
            each.dispose()
    assert sorted(r.changed for r in results) == [False, True]
    assert {r.after for r in results} == {migrations.head()}


def test_a_replica_waits_while_another_migrates() -> None:
    url = fresh_postgres_database()
    engine = engine_for(url, pool_size=1)
    other_replica = released_engine(url).connect()
    other_replica.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
    results: list[migrations.Migration] = []
    replica = threading.Thread(target=lambda: results.append(migrations.upgrade(engine)))
    replica.start()
    try:
        waits = sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        wait_for(
            lambda: not replica.is_alive() or other_replica.execute(waits).scalar(),
            "the replica to wait for the migration lock",
        )
        assert replica.is_alive(), "it migrated while another replica held the lock"
        assert "lz_landing_zones" not in sa.inspect(other_replica).get_table_names()
    finally:
        other_replica.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        other_replica.commit()
        replica.join(timeout=60)
        other_replica.close()
        engine.dispose()
    assert [r.after for r in results] == [migrations.head()]


def test_the_db_command_shows_and_migrates_the_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'landingzone.sqlite'}"
    create_released_database(url)
    db = ["db", "current", "--database-url", url]

    assert landingzone_command(db) == 1
    assert "first release without a revision" in capsys.readouterr().out
    assert landingzone_command(["db", "upgrade", "--database-url", url]) == 0
    migrated = f"from the first release (unversioned) to {migrations.head()}"
    assert migrated in capsys.readouterr().out
    assert landingzone_command(db) == 0
    assert capsys.readouterr().out == f"{migrations.head()} (head)\n"

    _run_sql(url, "UPDATE lz_alembic_version SET version_num = '0099'")
    assert landingzone_command(["db", "upgrade", "--database-url", url]) == 2
    assert "database schema 0099 is newer" in capsys.readouterr().err
