"""The audit trail's table and its JSON log lines: every entry stored once, then logged once."""

from __future__ import annotations

import base64
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from landingzone.audit.models import AuditEntry, AuditView
from landingzone.landing_zone.tables import audit, aware, now, writing

# A dedicated logger: its lines carry who did what (user references, approvers' names), which
# ordinary logs do not. Route it to the audit sink of the deployment.
log = logging.getLogger("landingzone.audit")


@dataclass(frozen=True)
class AuditFilter:
    landing_zone_id: str | None = None
    actor: str | None = None  # the actor's line, its credential or the user it acted for
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def append(self, entry: AuditEntry) -> bool:
        """Record the entry; False when an entry with its dedupe key is there already."""
        try:
            with writing(self.engine) as tx:
                row = self.insert(tx, entry)
        except sa.exc.IntegrityError:
            return False
        emit(row)
        return True

    def insert(self, connection: Connection, entry: AuditEntry) -> dict[str, Any]:
        """Insert in the caller's transaction; the caller emits the returned row once it
        commits (`emit`)."""
        row: dict[str, Any] = {
            "at": now(),
            "landing_zone_id": entry.landing_zone_id,
            "action": entry.action.value,
            "outcome": entry.outcome.value,
            "actor": entry.actor.display,
            "credential": entry.actor.credential,
            "on_behalf_of": entry.actor.on_behalf_of,
            "detail": dict(entry.detail),
            "dedupe_key": entry.dedupe_key or "once:" + secrets.token_hex(12),
        }
        seq = connection.execute(audit.insert().values(**row)).inserted_primary_key
        return {"seq": seq[0] if seq else None, **row}

    def page(
        self, where: AuditFilter, *, limit: int, cursor: str | None
    ) -> tuple[list[AuditView], str | None]:
        """Entries in the order they happened, `limit` at a time."""
        query = audit.select()
        if where.landing_zone_id:
            query = query.where(audit.c.landing_zone_id == where.landing_zone_id)
        if where.actor:
            query = query.where(
                sa.or_(
                    audit.c.actor == where.actor,
                    audit.c.credential == where.actor,
                    audit.c.on_behalf_of == where.actor,
                )
            )
        if where.action:
            query = query.where(audit.c.action == where.action)
        if where.since:
            query = query.where(audit.c.at >= where.since)
        if where.until:
            query = query.where(audit.c.at < where.until)
        if cursor:
            query = query.where(audit.c.seq > _decode_cursor(cursor))
        query = query.order_by(audit.c.seq).limit(limit + 1)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        views = [_view(row) for row in rows[:limit]]
        more = len(rows) > limit and views
        return views, _encode_cursor(views[-1].seq) if more else None


def emit(row: dict[str, Any]) -> None:
    """The entry as one JSON line on the audit logger."""
    line = {k: v for k, v in row.items() if k != "dedupe_key"}
    line["at"] = row["at"].isoformat().replace("+00:00", "Z")
    log.info(json.dumps(line, sort_keys=True, ensure_ascii=False, default=str))


def _view(row: sa.Row[Any]) -> AuditView:
    return AuditView(
        seq=row.seq,
        at=aware(row.at) or now(),
        landing_zone_id=row.landing_zone_id,
        action=row.action,
        outcome=row.outcome,
        actor=row.actor,
        credential=row.credential,
        on_behalf_of=row.on_behalf_of,
        detail=dict(row.detail),
    )


def _encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": seq}).encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        after = json.loads(base64.urlsafe_b64decode(cursor.encode()))["after"]
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError("invalid cursor") from error
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 2**63:
        raise ValueError("invalid cursor")
    return after
