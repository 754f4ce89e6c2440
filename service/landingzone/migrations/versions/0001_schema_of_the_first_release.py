"""The schema of the first release, as its metadata.create_all made it.

A database made by that release (these tables, no revision) is stamped 0001 rather than
created again: see landingzone.migrations.runner.RELEASED_TABLES.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lz_landing_zones",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("name_claim", sa.String(length=130), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("class_id", sa.String(length=32), nullable=False),
        sa.Column("tenant", sa.String(length=63), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("resources", sa.JSON(), nullable=False),
        sa.Column("error_step", sa.String(length=32), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("run", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("name_claim"),
    )
    op.create_index("lz_by_tenant_name", "lz_landing_zones", ["tenant", "name"])
    op.create_index("lz_by_owner", "lz_landing_zones", ["owner", "created_at"])
    op.create_table(
        "lz_steps",
        sa.Column("landing_zone_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("waiting", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("landing_zone_id", "name"),
    )
    op.create_table(
        "lz_events",
        sa.Column("landing_zone_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("landing_zone_id", "seq"),
        sa.UniqueConstraint("landing_zone_id", "dedupe_key", name="lz_events_once"),
    )
    op.create_table(
        "lz_replicas",
        sa.Column("executor_id", sa.String(length=200), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_over_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("executor_id"),
    )


def downgrade() -> None:
    op.drop_table("lz_replicas")
    op.drop_table("lz_events")
    op.drop_table("lz_steps")
    op.drop_index("lz_by_owner", table_name="lz_landing_zones")
    op.drop_index("lz_by_tenant_name", table_name="lz_landing_zones")
    op.drop_table("lz_landing_zones")
