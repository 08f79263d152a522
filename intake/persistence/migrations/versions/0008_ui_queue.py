"""Pages keep their OCR text, searched by character trigrams (SQLite FTS5 `trigram`, PostgreSQL
pg_trgm), and the filing list's `q` (id, names, credit code) reads a trigram index too; the
queue's change token and 最近更新 order read an index of `filings.updated_at`.

Pages stored before this revision kept no OCR lines: their text is filled from what they did
keep — the fields' readings and the seals' lettering — so they are found by those words.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 15:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from intake.persistence.text_search import (
    PG_DDL,
    PG_DROP,
    SQLITE_DDL,
    SQLITE_DROP,
    SQLITE_FILING_DDL,
    SQLITE_FILING_DROP,
    SQLITE_FILING_FILL,
    SQLITE_REBUILD,
    page_text,
)

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 500


def _loaded(value):
    return json.loads(value) if isinstance(value, str) else value


def _stored_words(fields, seals) -> list[str]:
    """What a page stored before 0007 holds of its text: readings and seal lettering."""
    words = []
    for reading in (_loaded(fields) or {}).values():
        if isinstance(reading, dict):
            raw = reading.get("raw")
            value = raw if isinstance(raw, str) and raw else reading.get("value")
            if value not in (None, "", [], {}):
                words.append(
                    value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                )
    for seal in _loaded(seals) or []:
        if isinstance(seal, dict):
            words += [seal.get(k) or "" for k in ("text", "centre_text", "code")]
    return words


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("text", sa.Text(), nullable=True))
    op.create_index("ix_filings_updated", "filings", ["updated_at", "id"], unique=False)
    op.create_index(
        "ix_filings_bureau_updated", "filings", ["bureau", "updated_at", "id"], unique=False
    )
    connection = op.get_bind()
    pages = sa.table(
        "pages", sa.column("id"), sa.column("fields"), sa.column("seals"), sa.column("text")
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(pages.c.id, pages.c.fields, pages.c.seals)
            .where(pages.c.id > last)
            .order_by(pages.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for page_id, fields, seals in rows:
            text = page_text(_stored_words(fields, seals))
            if text:
                connection.execute(sa.update(pages).where(pages.c.id == page_id).values(text=text))
        last = rows[-1][0]
    if connection.dialect.name == "sqlite":
        for statement in (*SQLITE_DDL, SQLITE_REBUILD, *SQLITE_FILING_DDL, SQLITE_FILING_FILL):
            op.execute(statement)
    elif connection.dialect.name == "postgresql":
        for statement in PG_DDL:
            op.execute(statement)


def downgrade() -> None:
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    for statement in (*SQLITE_FILING_DROP, *SQLITE_DROP) if sqlite else PG_DROP:
        op.execute(statement)
    op.drop_index("ix_filings_bureau_updated", table_name="filings")
    op.drop_index("ix_filings_updated", table_name="filings")
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("text")
