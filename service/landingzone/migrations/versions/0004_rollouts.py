"""Rollouts: a template version rolled out over a class's landing zones in waves, and each
landing zone's place in it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lz_rollouts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("class_id", sa.String(length=32), nullable=False),
        sa.Column("to_version", sa.String(length=32), nullable=False),
        sa.Column("selection", sa.JSON(), nullable=False),
        sa.Column("wave_size", sa.Integer(), nullable=False),
        sa.Column("max_failure_rate", sa.Float(), nullable=False),
        sa.Column("wave_timeout_hours", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column("current_wave", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("lz_rollouts_by_created", "lz_rollouts", ["created_at"])
    op.create_table(
        "lz_rollout_members",
        sa.Column("rollout_id", sa.String(length=40), nullable=False),
        sa.Column("landing_zone_id", sa.String(length=40), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=63), nullable=False),
        sa.Column("from_version", sa.String(length=32), nullable=False),
        sa.Column("update_id", sa.String(length=40), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("rollout_id", "landing_zone_id"),
    )
    op.create_index(
        "lz_rollout_members_by_wave", "lz_rollout_members", ["rollout_id", "wave", "position"]
    )


def downgrade() -> None:
    op.drop_index("lz_rollout_members_by_wave", table_name="lz_rollout_members")
    op.drop_table("lz_rollout_members")
    op.drop_index("lz_rollouts_by_created", table_name="lz_rollouts")
    op.drop_table("lz_rollouts")
