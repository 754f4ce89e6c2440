"""Promotions and the promote pipelines' credentials (two new tables; nothing else changes).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lz_promotion_credentials",
        sa.Column("landing_zone_id", sa.String(length=40), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("landing_zone_id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_table(
        "lz_promotions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("landing_zone_id", sa.String(length=40), nullable=False),
        sa.Column("environment", sa.String(length=63), nullable=False),
        sa.Column("digest", sa.String(length=71), nullable=False),
        sa.Column("version", sa.String(length=128), nullable=False),
        sa.Column("build_url", sa.Text(), nullable=False),
        sa.Column("scan", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("change_type", sa.String(length=16), nullable=False),
        sa.Column("change_sys_id", sa.String(length=64), nullable=True),
        sa.Column("change_number", sa.String(length=40), nullable=True),
        sa.Column("change_url", sa.Text(), nullable=True),
        sa.Column("change_state", sa.String(length=16), nullable=True),
        sa.Column("previous_digest", sa.String(length=71), nullable=True),
        sa.Column("commit_id", sa.String(length=64), nullable=True),
        sa.Column("commit_url", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("landing_zone_id", "digest", "environment", name="lz_promotions_once"),
    )
    op.create_index(
        "lz_promotions_by_landing_zone", "lz_promotions", ["landing_zone_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("lz_promotions_by_landing_zone", table_name="lz_promotions")
    op.drop_table("lz_promotions")
    op.drop_table("lz_promotion_credentials")
