"""Indexes of the lists: every filter of `GET /api/filings` and `GET /api/flags` followed by
the list's order, so that a page is read off an index in order and a count reads only an index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FLAG_ORDER = ["filing_id", "position", "id"]

# (table, name, columns now, columns before this revision or None for a new index)
INDEXES = [
    ("filings", "ix_filings_bureau_status", ["bureau", "status", "id"], ["bureau", "status"]),
    ("filings", "ix_filings_bureau_id", ["bureau", "id"], None),
    ("filings", "ix_filings_status", ["status", "id"], ["status"]),
    ("flags", "ix_flags_filing_order", FLAG_ORDER, None),
    ("flags", "ix_flags_bureau_order", ["bureau", *FLAG_ORDER], None),
    ("flags", "ix_flags_bureau_status_order", ["bureau", "status", *FLAG_ORDER], None),
    (
        "flags",
        "ix_flags_bureau_status_code",
        ["bureau", "status", "code", *FLAG_ORDER],
        ["bureau", "status", "code"],
    ),
    ("flags", "ix_flags_status_order", ["status", *FLAG_ORDER], None),
    ("flags", "ix_flags_status_code", ["status", "code", *FLAG_ORDER], ["status", "code"]),
]


def upgrade() -> None:
    for table, name, columns, before in INDEXES:
        if before is not None:
            op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, unique=False)
    # ix_flags_filing_order begins with filing_id: it serves what this one did.
    op.drop_index("ix_flags_filing_id", table_name="flags")


def downgrade() -> None:
    op.create_index("ix_flags_filing_id", "flags", ["filing_id"], unique=False)
    for table, name, _columns, before in reversed(INDEXES):
        op.drop_index(name, table_name=table)
        if before is not None:
            op.create_index(name, table, before, unique=False)
