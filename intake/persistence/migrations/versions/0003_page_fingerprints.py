"""Page fingerprints: one sheet of paper filed by two applicants (reused_scan).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("fingerprint", sa.Text(), nullable=True))
    op.create_table(
        "page_bands",
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["pages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("page_id", "band"),
    )
    op.create_index(op.f("ix_page_bands_band"), "page_bands", ["band"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_page_bands_band"), table_name="page_bands")
    op.drop_table("page_bands")
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("fingerprint")
