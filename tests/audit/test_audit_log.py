"""The audit table on SQLite and PostgreSQL: append-only, once per key, read back in order."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from landingzone.audit.log import AuditFilter, AuditLog
from landingzone.audit.models import Action, Actor, AuditEntry, Outcome
from landingzone.landing_zone.store import Store
from landingzone.landing_zone.tables import engine_for, now
from tests.support.sandbox import fresh_postgres_database

BACKSTAGE = Actor("backstage", "user:default/jane.doe")
OPERATOR = Actor("operator")
APPROVER = Actor("servicenow", name="servicenow:cab.approver")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "postgresql":
        url = fresh_postgres_database()
    else:
        url = f"sqlite:///{tmp_path / 'landingzone.sqlite'}"
    engine = engine_for(url, pool_size=1)
    Store(engine).create_schema()
    yield engine
    engine.dispose()


def entry(
    action: Action, actor: Actor, landing_zone_id: str = "lz_one", key: str = ""
) -> AuditEntry:
    return AuditEntry(action, Outcome.ACCEPTED, actor, landing_zone_id, {"n": 1}, key)


def test_rows_can_be_neither_changed_nor_removed(engine: sa.Engine) -> None:
    AuditLog(engine).append(entry(Action.REQUESTED, BACKSTAGE))
    statements = ["UPDATE lz_audit SET actor = 'someone else'", "DELETE FROM lz_audit"]
    if engine.dialect.name == "postgresql":
        statements.append("TRUNCATE lz_audit")
    for statement in statements:
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as tx:
            tx.execute(sa.text(statement))
    [kept] = AuditLog(engine).page(AuditFilter(), limit=10, cursor=None)[0]
    assert kept.actor == "backstage for user:default/jane.doe"


def test_an_entry_with_a_key_is_recorded_and_logged_once(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="landingzone.audit")
    trail = AuditLog(engine)
    decided = entry(Action.APPROVED, APPROVER, key="ritm-sys-id")
    assert trail.append(decided) is True
    assert trail.append(decided) is False  # a replayed workflow step
    assert trail.append(entry(Action.RETRIED, OPERATOR)) is True
    assert trail.append(entry(Action.RETRIED, OPERATOR)) is True  # no key: each is an action
    items, _ = trail.page(AuditFilter(landing_zone_id="lz_one"), limit=10, cursor=None)
    assert [i.action for i in items] == ["approved", "retried", "retried"]
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "landingzone.audit"]
    assert [line["action"] for line in lines] == ["approved", "retried", "retried"]
    assert lines[0]["actor"] == "servicenow:cab.approver"
    assert "dedupe_key" not in lines[0]


def test_filters_and_the_cursor_read_the_trail_in_order(engine: sa.Engine) -> None:
    trail = AuditLog(engine)
    start = now() - timedelta(seconds=1)
    trail.append(entry(Action.REQUESTED, BACKSTAGE, "lz_a"))
    trail.append(entry(Action.APPROVED, APPROVER, "lz_a", key="k"))
    trail.append(entry(Action.CANCELLED, OPERATOR, "lz_a"))
    trail.append(entry(Action.REQUESTED, BACKSTAGE, "lz_b"))

    def actions(**where: object) -> list[str]:
        items, _ = trail.page(AuditFilter(**where), limit=50, cursor=None)  # type: ignore[arg-type]
        return [f"{i.landing_zone_id}:{i.action}" for i in items]

    assert actions(landing_zone_id="lz_a") == ["lz_a:requested", "lz_a:approved", "lz_a:cancelled"]
    assert actions(actor="user:default/jane.doe") == ["lz_a:requested", "lz_b:requested"]
    assert actions(actor="backstage") == ["lz_a:requested", "lz_b:requested"]
    assert actions(actor="servicenow:cab.approver") == ["lz_a:approved"]
    assert actions(action="requested", landing_zone_id="lz_b") == ["lz_b:requested"]
    assert actions(since=start) == actions()
    assert actions(until=start) == []

    seen: list[int] = []
    cursor: str | None = None
    while True:
        items, cursor = trail.page(AuditFilter(), limit=3, cursor=cursor)
        seen.extend(i.seq for i in items)
        if cursor is None:
            break
    assert len(seen) == 4 and seen == sorted(seen)


@pytest.mark.parametrize("cursor", ["not base64!", "eyJhZnRlciI6ICJ4In0=", "W10="])
def test_a_cursor_it_did_not_make_is_refused(engine: sa.Engine, cursor: str) -> None:
    with pytest.raises(ValueError, match="invalid cursor"):
        AuditLog(engine).page(AuditFilter(), limit=10, cursor=cursor)
