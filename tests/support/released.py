"""A database as the first release left it: its frozen DDL, and rows as its store wrote them.

The DDL is what that release's `metadata.create_all` emitted (`released_schema/<dialect>.sql`).
The rows are literal values in the formats that release stored: JSON as `json.dumps` text (a
cleared `waiting` as JSON `null`), timestamps as naive UTC text on SQLite and `timestamptz` on
PostgreSQL. Nothing here is derived from today's models, so a migration that loses a table, a
column or a value fails the upgrade test instead of passing against itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

DDL = Path(__file__).parent / "released_schema"
STAGES = ("plan", "approve", "render", "repository", "environment", "pipelines", "record", "notify")
T0 = datetime(2025, 3, 4, 9, 30, 0, 125000, tzinfo=UTC)


@dataclass(frozen=True)
class ReleasedLandingZone:
    id: str
    name: str
    status: str
    name_claim: str | None
    idempotency_key: str | None
    created_at: datetime
    steps: dict[str, str]
    events: list[tuple[str | None, str, str, dict[str, Any]]]  # step, kind, message, data
    links: dict[str, str] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)
    error: tuple[str, str] | None = None
    run: int = 0
    waiting: dict[str, Any] | None = None  # the approve step's, while it waits

    def request(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "class": "java",
            "tenant": "labs",
            "owner": "group:default/payments",
            "description": f"{self.name} of the retail bank.",
            "requester": {"name": "Jane Doe", "email": "jane.doe@example.com"},
            "system": "payments",
            "parameters": {"javaVersion": 17},
            "on_behalf_of": "user:default/jane.doe",
            "submitted_with": "sha256:0123456789abcdef",
            "__hash__": self.request_hash,
        }

    @property
    def request_hash(self) -> str:
        return (self.id.encode().hex() * 4)[:64]


_SERVICENOW_WAIT = {
    "step": "approve",
    "system": "servicenow",
    "error": "ServiceNow answered 503",
    "attempts": 3,
    "since": "2025-03-04T10:00:00Z",
    "next_attempt_at": "2025-03-04T10:02:00Z",
    "workflow_id": "lz_released0waiting000:0",
    "call": "open_request",
}

RELEASED = [
    ReleasedLandingZone(
        id="lz_released0completed0",
        name="payments-api",
        status="completed",
        name_claim="labs/payments-api",
        idempotency_key="backstage-task-0001",
        created_at=T0,
        run=1,
        steps={stage: "skipped" if stage == "approve" else "succeeded" for stage in STAGES},
        links={
            "repository": "http://bitbucket/projects/LABS/repos/payments-api",
            "build": "http://jenkins/job/labs/job/payments-api/job/build/",
        },
        resources={
            "repositories": ["LABS/payments-api", "LABS/payments-api-env"],
            "project_pushed": True,
            "jenkins_folder": "labs/payments-api",
        },
        events=[
            ("plan", "step_started", "plan: started", {}),
            (
                "repository",
                "waiting",
                "repository: waiting for bitbucket (attempt 1)",
                {
                    "system": "bitbucket",
                    "error": "503",
                    "attempts": 1,
                    "call": "create_repository",
                    "next_attempt_at": "2025-03-04T09:31:00Z",
                },
            ),
            (
                "repository",
                "resumed",
                "repository: bitbucket answered again",
                {
                    "system": "bitbucket",
                    "attempts": 1,
                    "waited_seconds": 60.0,
                },
            ),
            (None, "status", "landing zone completed", {"status": "completed"}),
        ],
    ),
    ReleasedLandingZone(
        id="lz_released0waiting000",
        name="ledger",
        status="provisioning",
        name_claim="labs/ledger",
        idempotency_key=None,
        created_at=T0 + timedelta(minutes=5),
        steps={"plan": "succeeded", "approve": "waiting"}
        | {stage: "pending" for stage in STAGES[2:]},
        waiting=_SERVICENOW_WAIT,
        events=[
            ("plan", "step_started", "plan: started", {}),
            ("plan", "step_succeeded", "plan: names are free", {}),
            (
                "approve",
                "waiting",
                "approve: waiting for servicenow (attempt 3)",
                {
                    "system": "servicenow",
                    "error": "ServiceNow answered 503",
                    "attempts": 3,
                    "call": "open_request",
                    "next_attempt_at": "2025-03-04T10:02:00Z",
                },
            ),
        ],
    ),
    ReleasedLandingZone(
        id="lz_released0rejected00",
        name="reports",
        status="rejected",
        name_claim=None,
        idempotency_key="backstage-task-0003",
        created_at=T0 + timedelta(minutes=10),
        steps={"plan": "succeeded", "approve": "failed"}
        | {stage: "skipped" for stage in STAGES[2:]},
        resources={"request_sys_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90"},
        error=("approve", "rejected by the change board: no budget"),
        events=[
            ("approve", "step_failed", "approve: rejected by the change board: no budget", {}),
            (None, "status", "landing zone rejected", {"status": "rejected"}),
        ],
    ),
]


def released_engine(url: str) -> sa.Engine:
    """A plain engine, none of the product's connection set-up."""
    return sa.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://"), poolclass=NullPool
    )


def create_released_database(url: str) -> None:
    """The first release's tables with its landing zones in them, and no schema revision."""
    engine = released_engine(url)
    with engine.begin() as connection:
        for statement in _statements((DDL / f"{engine.dialect.name}.sql").read_text()):
            connection.exec_driver_sql(statement)
        for landing_zone in RELEASED:
            _insert(connection, landing_zone, engine.dialect.name)
    engine.dispose()


def _statements(ddl: str) -> list[str]:
    lines = [line for line in ddl.splitlines() if not line.startswith("--")]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]


def _insert(connection: sa.Connection, lz: ReleasedLandingZone, dialect: str) -> None:
    def stamp(at: datetime | None) -> str | None:
        if at is None:
            return None
        # SQLite kept SQLAlchemy's naive text; PostgreSQL a timestamptz.
        return at.strftime("%Y-%m-%d %H:%M:%S.%f") + ("" if dialect == "sqlite" else "+00")

    updated = lz.created_at + timedelta(minutes=2)
    error_step, error_message = lz.error or (None, None)
    connection.execute(
        sa.text(
            "INSERT INTO lz_landing_zones (id, idempotency_key, name_claim, request_hash, request,"
            " name, class_id, tenant, owner, status, links, resources, error_step, error_message,"
            " run, created_at, updated_at) VALUES (:id, :key, :claim, :hash, :request, :name,"
            " 'java', 'labs', 'group:default/payments', :status, :links, :resources, :error_step,"
            " :error_message, :run, :created_at, :updated_at)"
        ),
        {
            "id": lz.id, "key": lz.idempotency_key, "claim": lz.name_claim,
            "hash": lz.request_hash, "request": json.dumps(lz.request()), "name": lz.name,
            "status": lz.status, "links": json.dumps(lz.links),
            "resources": json.dumps(lz.resources), "error_step": error_step,
            "error_message": error_message, "run": lz.run,
            "created_at": stamp(lz.created_at), "updated_at": stamp(updated),
        },
    )  # fmt: skip
    for position, (stage, status) in enumerate(lz.steps.items()):
        began = lz.created_at + timedelta(seconds=position) if status != "pending" else None
        ended = began if status in ("succeeded", "failed", "skipped") else None
        # A step that waited and resumed was left with JSON null; one never waiting, SQL NULL.
        waiting = json.dumps(lz.waiting) if status == "waiting" else None
        connection.execute(
            sa.text(
                "INSERT INTO lz_steps (landing_zone_id, name, position, status, started_at,"
                " finished_at, attempts, waiting) VALUES (:id, :name, :position, :status,"
                " :started_at, :finished_at, :attempts, :waiting)"
            ),
            {
                "id": lz.id, "name": stage, "position": position, "status": status,
                "started_at": stamp(began), "finished_at": stamp(ended),
                "attempts": 0 if status == "pending" else 1 + position % 2,
                "waiting": "null" if stage == "repository" and status == "succeeded" else waiting,
            },
        )  # fmt: skip
    for seq, (step, kind, message, data) in enumerate(lz.events, start=1):
        connection.execute(
            sa.text(
                "INSERT INTO lz_events (landing_zone_id, seq, dedupe_key, at, step, kind,"
                " message, data) VALUES (:id, :seq, :key, :at, :step, :kind, :message, :data)"
            ),
            {
                "id": lz.id, "seq": seq, "key": f"{lz.run}:{step}:{kind}:{seq}",
                "at": stamp(lz.created_at + timedelta(seconds=seq)), "step": step,
                "kind": kind, "message": message, "data": json.dumps(data),
            },
        )  # fmt: skip
