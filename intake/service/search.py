"""Search in the scans' OCR text: the filings whose pages hold the words, and on which pages,
with the passage around the match (the index: intake/persistence/text_search.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from intake.persistence.records import DocumentRecord, FilingRecord, PageRecord
from intake.persistence.text_search import Snippet, page_matches, snippet

PAGES_PER_FILING = 3
"""How many matching pages a filing shows (the rest are counted)."""


@dataclass(frozen=True)
class PageHit:
    document_id: int
    source: str
    page: int
    """The page's index in its file (0 for the first)."""
    kind: str
    snippet: Snippet


@dataclass(frozen=True)
class FilingHits:
    pages: list[PageHit]
    """The first PAGES_PER_FILING matching pages, in upload and page order."""
    count: int
    """How many of the filing's pages match."""


def matching_filings(dialect: str, terms: Sequence[str]) -> Select:
    """The ids of filings with a page holding every term."""
    return (
        select(DocumentRecord.filing_id)
        .join(PageRecord, PageRecord.document_id == DocumentRecord.id)
        .where(page_matches(dialect, terms))
    )


def text_condition(dialect: str, terms: Sequence[str]) -> ColumnElement[bool]:
    """A filter of the filing list: filings with a page holding every term."""
    return FilingRecord.id.in_(matching_filings(dialect, terms))


def page_hits(
    session: Session, filing_ids: Sequence[str], terms: Sequence[str]
) -> dict[str, FilingHits]:
    """For each of `filing_ids` (already in the caller's scope) with a matching page: its first
    matching pages with the passage around the words, and how many pages match."""
    if not filing_ids or not terms:
        return {}
    dialect = session.get_bind().dialect.name
    rows = session.execute(
        select(
            DocumentRecord.filing_id,
            DocumentRecord.id,
            DocumentRecord.source,
            PageRecord.index,
            PageRecord.kind,
            PageRecord.text,
        )
        .join(PageRecord, PageRecord.document_id == DocumentRecord.id)
        .where(DocumentRecord.filing_id.in_(list(filing_ids)), page_matches(dialect, terms))
        .order_by(DocumentRecord.filing_id, DocumentRecord.id, PageRecord.index)
    )
    found: dict[str, list[PageHit]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for filing_id, document_id, source, index, kind, text in rows:
        counts[filing_id] += 1
        if len(found[filing_id]) < PAGES_PER_FILING:
            hit = PageHit(document_id, source, index, kind, snippet(text or "", terms))
            found[filing_id].append(hit)
    return {f: FilingHits(found[f], counts[f]) for f in counts}
