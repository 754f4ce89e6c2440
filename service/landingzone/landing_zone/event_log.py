"""The append-only event list of each landing zone: what the API, Backstage and emails narrate."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from landingzone.landing_zone.event_bell import EventBell
from landingzone.landing_zone.tables import aware, events, now, writing

log = logging.getLogger("landingzone.progress")


@dataclass(frozen=True)
class EventRow:
    seq: int
    at: datetime
    step: str | None
    kind: str
    message: str
    data: dict[str, Any]


class EventLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.bell = EventBell()  # rung after each append is committed

    def append(
        self,
        landing_zone_id: str,
        dedupe_key: str,
        *,
        step: str | None,
        kind: str,
        message: str,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """Append once per dedupe key (and log it once); a replayed call is a no-op."""
        for _ in range(5):
            try:
                with writing(self.engine) as tx:
                    exists = tx.execute(
                        sa.select(events.c.seq).where(
                            events.c.landing_zone_id == landing_zone_id,
                            events.c.dedupe_key == dedupe_key,
                        )
                    ).first()
                    if exists:
                        return
                    last = tx.execute(
                        sa.select(sa.func.max(events.c.seq)).where(
                            events.c.landing_zone_id == landing_zone_id
                        )
                    ).scalar()
                    tx.execute(
                        events.insert().values(
                            landing_zone_id=landing_zone_id,
                            seq=(last or 0) + 1,
                            dedupe_key=dedupe_key,
                            at=now(),
                            step=step,
                            kind=kind,
                            message=message,
                            data=dict(data or {}),
                        )
                    )
                log.info("%s %s %s", landing_zone_id, kind, message)
                self.bell.ring(landing_zone_id)
                return
            except sa.exc.IntegrityError:
                continue
        raise RuntimeError("could not append an event after 5 attempts")

    def after(self, landing_zone_id: str, after: int, limit: int = 500) -> list[EventRow]:
        query = (
            events.select()
            .where(events.c.landing_zone_id == landing_zone_id, events.c.seq > after)
            .order_by(events.c.seq)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            EventRow(
                seq=row.seq,
                at=aware(row.at) or now(),
                step=row.step,
                kind=row.kind,
                message=row.message,
                data=dict(row.data),
            )
            for row in rows
        ]
