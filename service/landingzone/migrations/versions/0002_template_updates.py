"""Template versions and updates: each landing zone's template version and answers, and the
update pull requests opened for it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lz_landing_zones") as table:
        table.add_column(sa.Column("template_version", sa.String(length=32), nullable=True))
        table.add_column(sa.Column("template_answers", sa.JSON(), nullable=True))
    op.create_table(
        "lz_template_updates",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("landing_zone_id", sa.String(length=40), nullable=False),
        sa.Column("from_version", sa.String(length=32), nullable=False),
        sa.Column("to_version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("branch", sa.String(length=200), nullable=True),
        sa.Column("commit_id", sa.String(length=64), nullable=True),
        sa.Column("pull_request_id", sa.Integer(), nullable=True),
        sa.Column("pull_request_url", sa.String(length=500), nullable=True),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("conflicts", sa.JSON(), nullable=False),
        sa.Column("kept_deleted", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "lz_updates_by_landing_zone", "lz_template_updates", ["landing_zone_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("lz_updates_by_landing_zone", table_name="lz_template_updates")
    op.drop_table("lz_template_updates")
    with op.batch_alter_table("lz_landing_zones") as table:
        table.drop_column("template_answers")
        table.drop_column("template_version")
