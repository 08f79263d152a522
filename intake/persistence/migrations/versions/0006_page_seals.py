"""Pages keep the seals read on them and, for `other` pages, the part of a bound report they are.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("seals", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("part", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("part")
        batch.drop_column("seals")
