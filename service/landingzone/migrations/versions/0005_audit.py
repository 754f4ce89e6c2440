"""The audit trail: an append-only record of who did what to which landing zone.

Triggers refuse UPDATE and DELETE of `lz_audit` (and TRUNCATE on PostgreSQL), so even the
service's own database account cannot rewrite what happened.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "lz_audit is append-only"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER lz_audit_no_{verb.lower()} BEFORE {verb} ON lz_audit
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"""
    for verb in ("UPDATE", "DELETE")
]
POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION lz_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege'; END $$""",
    """CREATE TRIGGER lz_audit_no_change BEFORE UPDATE OR DELETE ON lz_audit
    FOR EACH ROW EXECUTE FUNCTION lz_audit_append_only()""",
    """CREATE TRIGGER lz_audit_no_truncate BEFORE TRUNCATE ON lz_audit
    FOR EACH STATEMENT EXECUTE FUNCTION lz_audit_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "lz_audit",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("landing_zone_id", sa.String(length=40), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=500), nullable=False),
        sa.Column("credential", sa.String(length=200), nullable=False),
        sa.Column("on_behalf_of", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("landing_zone_id", "action", "dedupe_key", name="lz_audit_once"),
    )
    op.create_index("lz_audit_by_landing_zone", "lz_audit", ["landing_zone_id", "seq"])
    op.create_index("lz_audit_by_at", "lz_audit", ["at"])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRESQL_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS lz_audit_no_truncate ON lz_audit")
        op.execute("DROP TRIGGER IF EXISTS lz_audit_no_change ON lz_audit")
        op.execute("DROP FUNCTION IF EXISTS lz_audit_append_only()")
    op.drop_index("lz_audit_by_at", table_name="lz_audit")
    op.drop_index("lz_audit_by_landing_zone", table_name="lz_audit")
    op.drop_table("lz_audit")
