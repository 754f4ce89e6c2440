"""The eight steps of each landing zone: status, timings, attempts and what a step waits for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from landingzone.landing_zone.models import StepStatus
from landingzone.landing_zone.tables import aware, now, steps, writing


@dataclass(frozen=True)
class StepRow:
    name: str
    status: StepStatus
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    waiting: dict[str, Any] | None = None


class StepLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def of(self, landing_zone_id: str) -> list[StepRow]:
        return self.of_each([landing_zone_id]).get(landing_zone_id, [])

    def of_each(self, landing_zone_ids: Sequence[str]) -> dict[str, list[StepRow]]:
        """The steps of several landing zones in one query (a page of the list), in order."""
        if not landing_zone_ids:
            return {}
        query = steps.select().where(steps.c.landing_zone_id.in_(landing_zone_ids))
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(steps.c.position)).all()
        found: dict[str, list[StepRow]] = {}
        for row in rows:
            found.setdefault(row.landing_zone_id, []).append(_step_row(row))
        return found

    def interrupted(self, landing_zone_id: str) -> str:
        """Where an interruption belongs: the step in progress, else the first unfinished."""
        rows = self.of(landing_zone_id)
        busy = [r.name for r in rows if r.status in (StepStatus.RUNNING, StepStatus.WAITING)]
        done = (StepStatus.SUCCEEDED, StepStatus.SKIPPED)
        unfinished = [r.name for r in rows if r.status not in done]
        return (busy or unfinished or ["plan"])[0]

    def set_waiting(self, landing_zone_id: str, name: str, wait: Mapping[str, Any]) -> None:
        where = (steps.c.landing_zone_id == landing_zone_id) & (steps.c.name == name)
        with writing(self.engine) as tx:
            tx.execute(
                steps.update()
                .where(where)
                .values(status=StepStatus.WAITING.value, waiting=dict(wait))
            )

    def clear_waiting(self, landing_zone_id: str, name: str) -> str | None:
        """Back to running; returns the system the step was waiting for."""
        where = (steps.c.landing_zone_id == landing_zone_id) & (steps.c.name == name)
        with writing(self.engine) as tx:
            row = tx.execute(sa.select(steps.c.waiting).where(where)).first()
            tx.execute(
                steps.update().where(where).values(status=StepStatus.RUNNING.value, waiting=None)
            )
        wait = row[0] if row else None
        return str(wait["system"]) if isinstance(wait, dict) and "system" in wait else None

    def waiting_by_system(self) -> dict[str, int]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(steps.c.waiting).where(steps.c.status == StepStatus.WAITING.value)
            ).all()
        counts: dict[str, int] = {}
        for (wait,) in rows:
            system = str(wait.get("system", "unknown")) if isinstance(wait, dict) else "unknown"
            counts[system] = counts.get(system, 0) + 1
        return counts

    def skip_pending(self, landing_zone_id: str) -> None:
        self._skip(landing_zone_id, (StepStatus.PENDING,))

    def skip_unfinished(self, landing_zone_id: str) -> None:
        self._skip(landing_zone_id, (StepStatus.PENDING, StepStatus.RUNNING, StepStatus.WAITING))

    def _skip(self, landing_zone_id: str, statuses: tuple[StepStatus, ...]) -> None:
        where = (steps.c.landing_zone_id == landing_zone_id) & steps.c.status.in_(
            [s.value for s in statuses]
        )
        with writing(self.engine) as tx:
            tx.execute(
                steps.update().where(where).values(status=StepStatus.SKIPPED.value, waiting=None)
            )

    def started(self, landing_zone_id: str, name: str) -> None:
        where = (steps.c.landing_zone_id == landing_zone_id) & (steps.c.name == name)
        with writing(self.engine) as tx:
            tx.execute(
                steps.update()
                .where(where)
                .values(
                    status=StepStatus.RUNNING.value,
                    started_at=sa.func.coalesce(steps.c.started_at, now()),
                    finished_at=None,
                )
            )

    def count_attempt(self, landing_zone_id: str, name: str) -> None:
        where = (steps.c.landing_zone_id == landing_zone_id) & (steps.c.name == name)
        with writing(self.engine) as tx:
            tx.execute(steps.update().where(where).values(attempts=steps.c.attempts + 1))

    def finished(self, landing_zone_id: str, name: str, status: StepStatus) -> None:
        where = (steps.c.landing_zone_id == landing_zone_id) & (steps.c.name == name)
        with writing(self.engine) as tx:
            tx.execute(
                steps.update()
                .where(where)
                .values(status=status.value, finished_at=now(), waiting=None)
            )

    def reset(self, landing_zone_id: str, names: list[str]) -> None:
        where = (steps.c.landing_zone_id == landing_zone_id) & steps.c.name.in_(names)
        with writing(self.engine) as tx:
            tx.execute(
                steps.update()
                .where(where)
                .values(
                    status=StepStatus.PENDING.value, started_at=None, finished_at=None, waiting=None
                )
            )


def _step_row(row: sa.Row[Any]) -> StepRow:
    return StepRow(
        name=row.name,
        status=StepStatus(row.status),
        started_at=aware(row.started_at),
        finished_at=aware(row.finished_at),
        attempts=row.attempts,
        waiting=dict(row.waiting) if row.waiting else None,
    )
