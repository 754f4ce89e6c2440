"""Promotion records and the promote pipelines' credentials (their SHA-256 only).

Every write is safe to repeat: a workflow replayed after a crash makes it again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from landingzone.landing_zone.tables import aware, now, promotion_credentials, promotions, writing
from landingzone.promotion.models import Status

# Columns a workflow step may set besides the status.
DETAILS = frozenset(
    {
        "change_sys_id",
        "change_number",
        "change_url",
        "change_state",
        "previous_digest",
        "commit_id",
        "commit_url",
        "decided_by",
        "comment",
    }
)


@dataclass(frozen=True)
class NewPromotion:
    id: str
    landing_zone_id: str
    environment: str
    digest: str
    version: str
    build_url: str
    scan: Mapping[str, int]
    change_type: str


@dataclass(frozen=True)
class PromotionRecord(NewPromotion):
    """A stored promotion: what was asked for, and how far it has come."""

    scan: dict[str, int]
    status: Status
    change_sys_id: str | None
    change_number: str | None
    change_url: str | None
    change_state: str | None
    previous_digest: str | None
    commit_id: str | None
    commit_url: str | None
    decided_by: str | None
    comment: str | None
    outcome: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> PromotionRecord:
        values = dict(row._mapping)
        values["status"] = Status(values["status"])
        values["scan"] = dict(values["scan"])
        values["outcome"] = dict(values["outcome"]) if values["outcome"] else None
        values["created_at"] = aware(values["created_at"]) or now()
        values["updated_at"] = aware(values["updated_at"]) or now()
        return cls(**values)


_NEWEST_FIRST = (promotions.c.created_at.desc(), promotions.c.id.desc())


class PromotionStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def insert(self, promotion: NewPromotion) -> tuple[PromotionRecord, bool]:
        """Store it, or return the promotion already asked for; True when it is new."""
        stamp = now()
        asked = {f.name: getattr(promotion, f.name) for f in fields(NewPromotion)}
        values = asked | {
            "scan": dict(promotion.scan),
            "status": Status.REQUESTED.value,
            "created_at": stamp,
            "updated_at": stamp,
        }
        try:
            with writing(self.engine) as tx:
                tx.execute(promotions.insert().values(values))
        except sa.exc.IntegrityError:
            existing = self.find(promotion.landing_zone_id, promotion.digest, promotion.environment)
            if existing is None:
                raise
            return existing, False
        record = self.get(promotion.id)
        assert record is not None
        return record, True

    def get(self, promotion_id: str) -> PromotionRecord | None:
        return self._one(promotions.c.id == promotion_id)

    def find(self, landing_zone_id: str, digest: str, environment: str) -> PromotionRecord | None:
        """The promotion of this digest into this environment, if it was asked for."""
        return self._one(
            (promotions.c.landing_zone_id == landing_zone_id)
            & (promotions.c.digest == digest)
            & (promotions.c.environment == environment)
        )

    def of(self, landing_zone_id: str, limit: int = 200) -> list[PromotionRecord]:
        """The landing zone's promotions, newest first."""
        query = (
            promotions.select()
            .where(promotions.c.landing_zone_id == landing_zone_id)
            .order_by(*_NEWEST_FIRST)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [PromotionRecord.from_row(row) for row in connection.execute(query).all()]

    def of_each(
        self, landing_zone_ids: Sequence[str], limit: int = 200
    ) -> dict[str, list[PromotionRecord]]:
        """The newest `limit` promotions of each of several landing zones, in one query."""
        if len(landing_zone_ids) <= 1:  # one view: the plain query is cheaper to build
            return {i: rows for i in landing_zone_ids if (rows := self.of(i, limit))}
        ranked = (
            sa.select(
                *promotions.c,
                sa.func.row_number()
                .over(partition_by=promotions.c.landing_zone_id, order_by=_NEWEST_FIRST)
                .label("rank"),
            )
            .where(promotions.c.landing_zone_id.in_(landing_zone_ids))
            .subquery()
        )
        query = (
            sa.select(*(ranked.c[column.name] for column in promotions.c))
            .where(ranked.c.rank <= limit)
            .order_by(ranked.c.created_at.desc(), ranked.c.id.desc())
        )
        found: dict[str, list[PromotionRecord]] = {}
        with self.engine.connect() as connection:
            for row in connection.execute(query).all():
                found.setdefault(row.landing_zone_id, []).append(PromotionRecord.from_row(row))
        return found

    def unfinished(self, limit: int = 500) -> list[PromotionRecord]:
        """Promotions without a final status, oldest first: each should have a live workflow."""
        final = [s.value for s in Status if s.final]
        query = (
            promotions.select()
            .where(promotions.c.status.not_in(final))
            .order_by(promotions.c.created_at)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [PromotionRecord.from_row(row) for row in connection.execute(query).all()]

    def update(self, promotion_id: str, status: Status | None = None, **details: Any) -> None:
        unknown = set(details) - DETAILS
        if unknown:
            raise ValueError(f"not a promotion detail: {', '.join(sorted(unknown))}")
        values = dict(details)
        if status is not None:
            values["status"] = status.value
        with writing(self.engine) as tx:
            tx.execute(
                promotions.update()
                .where(promotions.c.id == promotion_id)
                .values(**values, updated_at=now())
            )

    def report_outcome(self, promotion_id: str, outcome: Mapping[str, Any]) -> bool:
        """Record the pipeline's outcome once, on a deployed promotion; True if recorded now."""
        with writing(self.engine) as tx:
            changed = tx.execute(
                promotions.update()
                .where(
                    (promotions.c.id == promotion_id)
                    & (promotions.c.status == Status.DEPLOYED.value)
                    & promotions.c.outcome.is_(None)
                )
                .values(outcome=dict(outcome), updated_at=now())
            ).rowcount
        return bool(changed)

    def _one(self, where: sa.ColumnElement[bool]) -> PromotionRecord | None:
        with self.engine.connect() as connection:
            row = connection.execute(promotions.select().where(where)).first()
        return PromotionRecord.from_row(row) if row else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CredentialStore:
    """Each landing zone's promotion credential, by its SHA-256; never the token."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def replace(self, landing_zone_id: str, token_sha256: str) -> None:
        with writing(self.engine) as tx:
            tx.execute(
                promotion_credentials.delete().where(
                    promotion_credentials.c.landing_zone_id == landing_zone_id
                )
            )
            tx.execute(
                promotion_credentials.insert().values(
                    landing_zone_id=landing_zone_id, token_sha256=token_sha256, created_at=now()
                )
            )

    def matches(self, landing_zone_id: str, token: str) -> bool:
        """Whether `token` is the landing zone's credential (compared in constant time)."""
        query = sa.select(promotion_credentials.c.token_sha256).where(
            promotion_credentials.c.landing_zone_id == landing_zone_id
        )
        with self.engine.connect() as connection:
            stored = connection.execute(query).scalar()
        return stored is not None and hmac.compare_digest(str(stored), token_hash(token))

    def holder(self, token: str) -> str | None:
        """The landing zone whose credential `token` is, or None."""
        query = sa.select(promotion_credentials.c.landing_zone_id).where(
            promotion_credentials.c.token_sha256 == token_hash(token)
        )
        with self.engine.connect() as connection:
            holder = connection.execute(query).scalar()
        return None if holder is None else str(holder)

    def issued(self, landing_zone_id: str) -> bool:
        query = sa.select(promotion_credentials.c.landing_zone_id).where(
            promotion_credentials.c.landing_zone_id == landing_zone_id
        )
        with self.engine.connect() as connection:
            return connection.execute(query).first() is not None
