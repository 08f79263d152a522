"""Guards on the record: token expiry, sign-in throttle, correction reasons and approvals,
reviewer-only flag detail.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True))
    users = sa.table("users", sa.column("token_expires_at", sa.DateTime(timezone=True)))
    # Tokens handed out before expiry existed run for the default term from the upgrade on.
    op.execute(users.update().values(token_expires_at=datetime.now(UTC) + timedelta(days=90)))
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("corrections") as batch:
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("state", sa.String(length=16), nullable=False, server_default="applied")
        )
        batch.add_column(sa.Column("reviewed_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reviewed_by_name", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("review_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("flags") as batch:
        batch.add_column(sa.Column("detail", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("flags") as batch:
        batch.drop_column("detail")
    with op.batch_alter_table("corrections") as batch:
        for name in ("review_reason", "reviewed_at", "reviewed_by_name", "reviewed_by", "state"):
            batch.drop_column(name)
        batch.drop_column("reason")
    op.drop_table("login_throttle")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_expires_at")
