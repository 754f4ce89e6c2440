"""Template update records (`lz_template_updates`); every write is safe to repeat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from landingzone.landing_zone.tables import aware, now, template_updates, writing
from landingzone.updates.models import UpdateStatus


@dataclass(frozen=True)
class UpdateRecord:
    id: str
    landing_zone_id: str
    from_version: str
    to_version: str
    status: UpdateStatus
    branch: str | None
    commit_id: str | None
    pull_request_id: int | None
    pull_request_url: str | None
    files: list[str]
    conflicts: list[str]
    kept_deleted: list[str]
    error: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> UpdateRecord:
        return cls(
            id=row.id,
            landing_zone_id=row.landing_zone_id,
            from_version=row.from_version,
            to_version=row.to_version,
            status=UpdateStatus(row.status),
            branch=row.branch,
            commit_id=row.commit_id,
            pull_request_id=row.pull_request_id,
            pull_request_url=row.pull_request_url,
            files=list(row.files),
            conflicts=list(row.conflicts),
            kept_deleted=list(row.kept_deleted),
            error=row.error,
            created_at=aware(row.created_at) or now(),
            updated_at=aware(row.updated_at) or now(),
        )


class UpdateStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def insert(
        self,
        update_id: str,
        landing_zone_id: str,
        from_version: str,
        to_version: str,
        status: UpdateStatus,
    ) -> UpdateRecord:
        stamp = now()
        with writing(self.engine) as tx:
            tx.execute(
                template_updates.insert().values(
                    id=update_id,
                    landing_zone_id=landing_zone_id,
                    from_version=from_version,
                    to_version=to_version,
                    status=status.value,
                    files=[],
                    conflicts=[],
                    kept_deleted=[],
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
        record = self.get(update_id)
        assert record is not None
        return record

    def get(self, update_id: str) -> UpdateRecord | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                template_updates.select().where(template_updates.c.id == update_id)
            ).first()
        return UpdateRecord.from_row(row) if row else None

    def of(self, landing_zone_id: str) -> list[UpdateRecord]:
        """The landing zone's updates, newest first."""
        query = (
            template_updates.select()
            .where(template_updates.c.landing_zone_id == landing_zone_id)
            .order_by(template_updates.c.created_at.desc(), template_updates.c.id.desc())
        )
        with self.engine.connect() as connection:
            return [UpdateRecord.from_row(row) for row in connection.execute(query).all()]

    def update(self, update_id: str, **values: Any) -> None:
        if isinstance(values.get("status"), UpdateStatus):
            values["status"] = values["status"].value
        with writing(self.engine) as tx:
            tx.execute(
                template_updates.update()
                .where(template_updates.c.id == update_id)
                .values(**values, updated_at=now())
            )
