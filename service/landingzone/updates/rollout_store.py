"""Rollout records (`lz_rollouts`) and their landing zones (`lz_rollout_members`).

Every write is safe to repeat: the rollout workflow replays them after a crash. A status moves
only forward from running or paused, so a cancel the API wrote is never overwritten by the
workflow's own ending, and an ending is never undone by a late pause.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from landingzone.landing_zone.tables import aware, now, rollout_members, rollouts, writing
from landingzone.updates.rollout_models import (
    ACTIVE_ROLLOUT,
    MemberState,
    RolloutRequest,
    RolloutStatus,
)


@dataclass(frozen=True)
class RolloutRecord:
    id: str
    class_id: str
    to_version: str
    selection: dict[str, list[str]]
    wave_size: int
    max_failure_rate: float
    wave_timeout_hours: float
    status: RolloutStatus
    selected: bool
    current_wave: int | None
    reason: str | None
    changes: dict[str, dict[str, dict[str, str]]]  # wave number (from 1) -> tenant -> change
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> RolloutRecord:
        return cls(
            id=row.id,
            class_id=row.class_id,
            to_version=row.to_version,
            selection=dict(row.selection),
            wave_size=row.wave_size,
            max_failure_rate=row.max_failure_rate,
            wave_timeout_hours=row.wave_timeout_hours,
            status=RolloutStatus(row.status),
            selected=bool(row.selected),
            current_wave=row.current_wave,
            reason=row.reason,
            changes=dict(row.changes or {}),
            created_at=aware(row.created_at) or now(),
            updated_at=aware(row.updated_at) or now(),
        )


@dataclass(frozen=True)
class Member:
    rollout_id: str
    landing_zone_id: str
    wave: int
    position: int
    tenant: str
    from_version: str
    update_id: str | None
    state: MemberState
    error: str | None
    checked_at: datetime | None

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> Member:
        return cls(
            rollout_id=row.rollout_id,
            landing_zone_id=row.landing_zone_id,
            wave=row.wave,
            position=row.position,
            tenant=row.tenant,
            from_version=row.from_version,
            update_id=row.update_id,
            state=MemberState(row.state),
            error=row.error,
            checked_at=aware(row.checked_at),
        )


@dataclass(frozen=True)
class Candidate:
    landing_zone_id: str
    tenant: str
    from_version: str


class RolloutStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def ensure(
        self, rollout_id: str, class_id: str, to_version: str, request: RolloutRequest
    ) -> RolloutRecord:
        """The rollout, inserted unless it is there already."""
        found = self.get(rollout_id)
        if found is not None:
            return found
        stamp = now()
        try:
            with writing(self.engine) as tx:
                tx.execute(
                    rollouts.insert().values(
                        id=rollout_id,
                        class_id=class_id,
                        to_version=to_version,
                        selection=request.selection.model_dump(),
                        wave_size=request.wave_size,
                        max_failure_rate=request.max_failure_rate,
                        wave_timeout_hours=request.wave_timeout_hours,
                        status=RolloutStatus.RUNNING.value,
                        selected=False,
                        created_at=stamp,
                        updated_at=stamp,
                    )
                )
        except IntegrityError:
            pass  # inserted by the other of the route and the workflow
        record = self.get(rollout_id)
        assert record is not None
        return record

    def get(self, rollout_id: str) -> RolloutRecord | None:
        with self.engine.connect() as connection:
            row = connection.execute(rollouts.select().where(rollouts.c.id == rollout_id)).first()
        return RolloutRecord.from_row(row) if row else None

    def newest(self, limit: int) -> list[RolloutRecord]:
        query = rollouts.select().order_by(rollouts.c.created_at.desc(), rollouts.c.id.desc())
        with self.engine.connect() as connection:
            rows = connection.execute(query.limit(limit)).all()
        return [RolloutRecord.from_row(row) for row in rows]

    def select(self, rollout_id: str, wave_size: int, chosen: Sequence[Candidate]) -> None:
        """Place the chosen landing zones in waves, once: a replay keeps the first placement."""
        with writing(self.engine) as tx:
            done = tx.execute(
                sa.select(rollouts.c.selected).where(rollouts.c.id == rollout_id)
            ).scalar()
            if done:
                return
            if chosen:
                tx.execute(
                    rollout_members.insert(),
                    [
                        {
                            "rollout_id": rollout_id,
                            "landing_zone_id": c.landing_zone_id,
                            "wave": index // wave_size,
                            "position": index,
                            "tenant": c.tenant,
                            "from_version": c.from_version,
                            "state": MemberState.WAITING.value,
                        }
                        for index, c in enumerate(chosen)
                    ],
                )
            tx.execute(
                rollouts.update()
                .where(rollouts.c.id == rollout_id)
                .values(selected=True, updated_at=now())
            )

    def members(self, rollout_id: str, wave: int | None = None) -> list[Member]:
        query = rollout_members.select().where(rollout_members.c.rollout_id == rollout_id)
        if wave is not None:
            query = query.where(rollout_members.c.wave == wave)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(rollout_members.c.position)).all()
        return [Member.from_row(row) for row in rows]

    def update_member(self, rollout_id: str, landing_zone_id: str, **values: Any) -> None:
        if isinstance(values.get("state"), MemberState):
            values["state"] = values["state"].value
        with writing(self.engine) as tx:
            tx.execute(
                rollout_members.update()
                .where(
                    rollout_members.c.rollout_id == rollout_id,
                    rollout_members.c.landing_zone_id == landing_zone_id,
                )
                .values(**values)
            )

    def skip_waiting(self, rollout_id: str) -> None:
        with writing(self.engine) as tx:
            tx.execute(
                rollout_members.update()
                .where(
                    rollout_members.c.rollout_id == rollout_id,
                    rollout_members.c.state == MemberState.WAITING.value,
                )
                .values(state=MemberState.SKIPPED.value)
            )

    def note_change(self, rollout_id: str, wave: int, tenant: str, values: dict[str, str]) -> None:
        """Record (or update) the change that covers the wave's landing zones of `tenant`."""
        with writing(self.engine) as tx:
            current = tx.execute(
                sa.select(rollouts.c.changes).where(rollouts.c.id == rollout_id)
            ).scalar()
            changes = dict(current or {})
            shown = str(wave + 1)
            by_tenant = dict(changes.get(shown, {}))
            by_tenant[tenant] = {**by_tenant.get(tenant, {}), **values}
            changes[shown] = by_tenant
            tx.execute(
                rollouts.update()
                .where(rollouts.c.id == rollout_id)
                .values(changes=changes, updated_at=now())
            )

    def set_wave(self, rollout_id: str, wave: int) -> None:
        with writing(self.engine) as tx:
            tx.execute(
                rollouts.update()
                .where(rollouts.c.id == rollout_id)
                .values(current_wave=wave, updated_at=now())
            )

    def move(
        self,
        rollout_id: str,
        to: RolloutStatus,
        when: Sequence[RolloutStatus] = ACTIVE_ROLLOUT,
        reason: str | None = None,
    ) -> bool:
        """Set the status if it is one of `when`; True if it moved (or already was `to`)."""
        values: dict[str, Any] = {"status": to.value, "updated_at": now()}
        if reason is not None:
            values["reason"] = reason
        with writing(self.engine) as tx:
            moved = tx.execute(
                rollouts.update()
                .where(rollouts.c.id == rollout_id, rollouts.c.status.in_([s.value for s in when]))
                .values(**values)
            ).rowcount
        if moved:
            return True
        record = self.get(rollout_id)
        return record is not None and record.status == to
