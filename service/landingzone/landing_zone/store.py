"""Landing-zone records (steps live in step_log.py, events in event_log.py).

Every write here is safe to repeat: a workflow replayed after a crash calls them again.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from landingzone import migrations
from landingzone.audit.log import AuditLog, emit
from landingzone.audit.models import AuditEntry
from landingzone.landing_zone.event_log import EventLog
from landingzone.landing_zone.models import STAGES, LandingZoneRequest, Status, StepStatus
from landingzone.landing_zone.step_log import StepLog
from landingzone.landing_zone.tables import aware, landing_zones, now, steps, writing
from landingzone.migrations import Migration
from landingzone.promotion.store import CredentialStore, PromotionStore

ACTIVE_STATUSES = (Status.PENDING_APPROVAL, Status.PROVISIONING)
RELEASES_NAME = (Status.REJECTED, Status.CANCELLED)


@dataclass(frozen=True)
class Record:
    id: str
    request: dict[str, Any]
    status: Status
    links: dict[str, str]
    resources: dict[str, Any]
    error_step: str | None
    error_message: str | None
    run: int
    created_at: datetime
    updated_at: datetime
    template_version: str | None = None
    template_answers: dict[str, Any] | None = None

    def landing_zone_request(self) -> LandingZoneRequest:
        """The request as it was accepted, without the service's own `__` bookkeeping keys."""
        return LandingZoneRequest.model_validate(
            {k: v for k, v in self.request.items() if not k.startswith("__")}
        )

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> Record:
        return cls(
            id=row.id,
            request=dict(row.request),
            status=Status(row.status),
            links=dict(row.links),
            resources=dict(row.resources),
            error_step=row.error_step,
            error_message=row.error_message,
            run=row.run,
            created_at=aware(row.created_at) or now(),
            updated_at=aware(row.updated_at) or now(),
            template_version=row.template_version,
            template_answers=dict(row.template_answers) if row.template_answers else None,
        )


class NameTaken(Exception):
    """Another landing zone holds this tenant and name."""


class DuplicateKey(Exception):
    """The idempotency key is taken; `existing` is the landing zone it named."""

    def __init__(self, existing: Record, request_hash: str) -> None:
        super().__init__(existing.id)
        self.existing = existing
        self.same_request = _stored_hash(existing) == request_hash


def _stored_hash(record: Record) -> str:
    return str(record.request.get("__hash__", ""))


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.events = EventLog(engine)
        self.steps = StepLog(engine)
        self.promotions = PromotionStore(engine)
        self.credentials = CredentialStore(engine)
        self.audit = AuditLog(engine)

    def create_schema(self) -> Migration:
        """Bring our tables to the newest revision (see landingzone.migrations)."""
        return migrations.upgrade(self.engine)

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with writing(self.engine) as connection:
            yield connection

    # ------------------------------------------------------------ landing zones

    def insert(
        self,
        landing_zone_id: str,
        request: Mapping[str, Any],
        request_hash: str,
        key: str | None,
        audit_entry: AuditEntry | None = None,
    ) -> Record:
        """Store a new landing zone and, in the same transaction, the audit entry of its
        request: one is never kept without the other."""
        stamp = now()
        row = {
            "id": landing_zone_id,
            "idempotency_key": key,
            "request_hash": request_hash,
            "request": {**request, "__hash__": request_hash},
            "name_claim": f"{request['tenant']}/{request['name']}",
            "name": request["name"],
            "class_id": request["class"],
            "tenant": request["tenant"],
            "owner": request["owner"],
            "status": Status.PROVISIONING.value,
            "links": {},
            "resources": {},
            "run": 0,
            "created_at": stamp,
            "updated_at": stamp,
        }
        try:
            with self._tx() as tx:
                tx.execute(landing_zones.insert().values(**row))
                tx.execute(
                    steps.insert(),
                    [
                        {
                            "landing_zone_id": landing_zone_id,
                            "name": stage,
                            "position": position,
                            "status": StepStatus.PENDING.value,
                            "attempts": 0,
                        }
                        for position, stage in enumerate(STAGES)
                    ],
                )
                audited = self.audit.insert(tx, audit_entry) if audit_entry else None
        except sa.exc.IntegrityError:
            existing = self.by_idempotency_key(key) if key else None
            if existing is not None:
                raise DuplicateKey(existing, request_hash) from None
            if self.active_with_name(request["tenant"], request["name"]) is not None:
                raise NameTaken(row["name_claim"]) from None
            raise
        if audited is not None:
            emit(audited)
        record = self.get(landing_zone_id)
        assert record is not None
        return record

    def get(self, landing_zone_id: str) -> Record | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                landing_zones.select().where(landing_zones.c.id == landing_zone_id)
            ).first()
        return Record.from_row(row) if row else None

    def by_idempotency_key(self, key: str) -> Record | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                landing_zones.select().where(landing_zones.c.idempotency_key == key)
            ).first()
        return Record.from_row(row) if row else None

    def active_with_name(self, tenant: str, name: str) -> Record | None:
        """The landing zone holding this name, if one does."""
        query = landing_zones.select().where(landing_zones.c.name_claim == f"{tenant}/{name}")
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return Record.from_row(row) if row else None

    def page(
        self,
        *,
        owner: str | None,
        tenant: str | None,
        status: Status | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Record], str | None]:
        query = landing_zones.select()
        if owner:
            query = query.where(landing_zones.c.owner == owner)
        if tenant:
            query = query.where(landing_zones.c.tenant == tenant)
        if status:
            query = query.where(landing_zones.c.status == status.value)
        if cursor:
            created_at, last_id = _decode_cursor(cursor)
            query = query.where(
                sa.or_(
                    landing_zones.c.created_at < created_at,
                    sa.and_(landing_zones.c.created_at == created_at, landing_zones.c.id < last_id),
                )
            )
        query = query.order_by(landing_zones.c.created_at.desc(), landing_zones.c.id.desc())
        with self.engine.connect() as connection:
            rows = connection.execute(query.limit(limit + 1)).all()
        records = [Record.from_row(row) for row in rows[:limit]]
        more = len(rows) > limit
        return records, _encode_cursor(records[-1]) if more and records else None

    def update(self, landing_zone_id: str, **values: Any) -> None:
        with self._tx() as tx:
            tx.execute(
                landing_zones.update()
                .where(landing_zones.c.id == landing_zone_id)
                .values(**values, updated_at=now())
            )

    def set_status(
        self, landing_zone_id: str, status: Status, *, error: tuple[str, str] | None = None
    ) -> None:
        values: dict[str, Any] = {"status": status.value}
        values["error_step"], values["error_message"] = error if error else (None, None)
        if status in RELEASES_NAME:
            values["name_claim"] = None
        self.update(landing_zone_id, **values)

    def unfinished(self, limit: int = 500) -> list[Record]:
        """Landing zones that have not reached a terminal status, oldest first."""
        query = (
            landing_zones.select()
            .where(landing_zones.c.status.in_([s.value for s in ACTIVE_STATUSES]))
            .order_by(landing_zones.c.created_at)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [Record.from_row(row) for row in connection.execute(query).all()]

    def merge(self, landing_zone_id: str, column: str, values: Mapping[str, Any]) -> None:
        """Add keys to the `links` or `resources` map (or drop them with a None value)."""
        self._change(landing_zone_id, column, lambda current: _merged(current, values))

    def add_to_list(self, landing_zone_id: str, column: str, key: str, item: str) -> None:
        """Add `item` to the list under `key`, once; safe against concurrent writers."""

        def added(current: dict[str, Any]) -> dict[str, Any]:
            items = list(current.get(key, []))
            return {**current, key: items if item in items else [*items, item]}

        self._change(landing_zone_id, column, added)

    def remove_from_list(self, landing_zone_id: str, column: str, key: str, item: str) -> None:
        self._change(
            landing_zone_id,
            column,
            lambda current: {**current, key: [i for i in current.get(key, []) if i != item]},
        )

    def _change(
        self,
        landing_zone_id: str,
        column: str,
        change: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> None:
        with self._tx() as tx:
            row = tx.execute(
                sa.select(landing_zones.c[column])
                .where(landing_zones.c.id == landing_zone_id)
                .with_for_update()
            ).first()
            current = change(dict(row[0]) if row else {})
            tx.execute(
                landing_zones.update()
                .where(landing_zones.c.id == landing_zone_id)
                .values({column: current, "updated_at": now()})
            )


def _merged(current: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(current)
    for key, value in values.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _encode_cursor(record: Record) -> str:
    raw = json.dumps([record.created_at.isoformat(), record.id])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        created_at, last_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(created_at), str(last_id)
    except (ValueError, TypeError) as error:
        raise ValueError("invalid cursor") from error
