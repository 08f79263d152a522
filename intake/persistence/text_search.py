"""Full-text search in the pages' OCR text: Chinese has no word boundaries, so words are found
as substrings through character trigrams — SQLite's FTS5 `trigram` tokenizer (an external-content
index over `pages.text`, kept by triggers), PostgreSQL's pg_trgm (a GIN index under ILIKE)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, column, select, table

from intake.persistence.records import FilingRecord, PageRecord

FTS_TABLE = "page_text_fts"
"""SQLite: the FTS5 index of `pages.text` (rowid = pages.id)."""
_FTS = table(FTS_TABLE, column("rowid"), column("text"))
PG_INDEX = "ix_pages_text_trgm"
"""PostgreSQL: the GIN trigram index of `pages.text`."""
MIN_INDEXED = 3
"""A trigram index finds substrings of at least three characters; shorter words are scanned."""
MAX_TERMS = 8
MAX_TERM_LENGTH = 64

SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "text, content='pages', content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS pages_text_ai AFTER INSERT ON pages BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text); END",
    f"CREATE TRIGGER IF NOT EXISTS pages_text_ad AFTER DELETE ON pages BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text); END",
    f"CREATE TRIGGER IF NOT EXISTS pages_text_au AFTER UPDATE OF text ON pages BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text); "
    f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text); END",
)
"""The index and the triggers that keep it. SQLite drops a table's triggers with the table: a
migration that rebuilds `pages` (batch mode's copy and move) must run these again and then
`SQLITE_REBUILD`."""
SQLITE_REBUILD = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS pages_text_au",
    "DROP TRIGGER IF EXISTS pages_text_ad",
    "DROP TRIGGER IF EXISTS pages_text_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)
FILING_FTS = "filing_text_fts"
"""SQLite: the FTS5 index of what the filing list's `q` searches (id, names, credit code)."""
FILING_PG_INDEX = "ix_filings_search_trgm"
_FILING_COLUMNS = ("id", "applicant_name", "product_name", "credit_code")
_FILING_ROW = "(filing_id, applicant_name, product_name, credit_code) VALUES ({0}.id, {0}.applicant_name, {0}.product_name, {0}.credit_code)"
_FILING_GONE = (
    f"DELETE FROM {FILING_FTS} WHERE rowid IN (SELECT rowid FROM {FILING_FTS} WHERE {FILING_FTS} "
    "MATCH 'filing_id:\"' || replace(old.id, '\"', '\"\"') || '\"') AND filing_id = old.id; "
    f"DELETE FROM {FILING_FTS} WHERE length(old.id) < {MIN_INDEXED} AND filing_id = old.id;"
)
SQLITE_FILING_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FILING_FTS} USING fts5("
    "filing_id, applicant_name, product_name, credit_code, tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS filings_text_ai AFTER INSERT ON filings BEGIN "
    f"INSERT INTO {FILING_FTS}{_FILING_ROW.format('new')}; END",
    f"CREATE TRIGGER IF NOT EXISTS filings_text_ad AFTER DELETE ON filings BEGIN {_FILING_GONE} END",
    f"CREATE TRIGGER IF NOT EXISTS filings_text_au AFTER UPDATE OF {', '.join(_FILING_COLUMNS)} "
    f"ON filings WHEN {' OR '.join(f'old.{c} IS NOT new.{c}' for c in _FILING_COLUMNS)} "
    f"BEGIN {_FILING_GONE} INSERT INTO {FILING_FTS}{_FILING_ROW.format('new')}; END",
)
"""The filings' index keeps its own copy keyed by the filing's id (a filing has no integer key
that VACUUM leaves alone); a row is found for its removal by the trigram index of that id."""
SQLITE_FILING_FILL = (
    f"INSERT INTO {FILING_FTS}(filing_id, applicant_name, product_name, credit_code) "
    "SELECT id, applicant_name, product_name, credit_code FROM filings"
)
SQLITE_FILING_DROP = (
    "DROP TRIGGER IF EXISTS filings_text_au",
    "DROP TRIGGER IF EXISTS filings_text_ad",
    "DROP TRIGGER IF EXISTS filings_text_ai",
    f"DROP TABLE IF EXISTS {FILING_FTS}",
)
PG_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON pages USING gin (text gin_trgm_ops)",
    f"CREATE INDEX IF NOT EXISTS {FILING_PG_INDEX} ON filings USING gin "
    f"({', '.join(c + ' gin_trgm_ops' for c in _FILING_COLUMNS)})",
)
PG_DROP = (f"DROP INDEX IF EXISTS {FILING_PG_INDEX}", f"DROP INDEX IF EXISTS {PG_INDEX}")


def include_name(name: str | None, type_: str, _parents: dict) -> bool:
    """For Alembic's comparisons: the search indexes are not among the models' tables."""
    if type_ == "table" and name and name.startswith((FTS_TABLE, FILING_FTS)):
        return False
    return not (type_ == "index" and name in (PG_INDEX, FILING_PG_INDEX))


_FILING_INDEX = table(FILING_FTS, column("filing_id"), column(FILING_FTS))


def filing_matches(text: str) -> ColumnElement[bool] | None:
    """SQLite: the filings whose id, names or credit code hold `text` (case aside), read off
    the trigram index; None where the index cannot answer (under three characters)."""
    if len(text) < MIN_INDEXED:
        return None
    phrase = '"' + text.replace('"', '""') + '"'
    found = select(_FILING_INDEX.c.filing_id).where(_FILING_INDEX.c[FILING_FTS].op("MATCH")(phrase))
    return FilingRecord.id.in_(found)


def page_text(lines: Iterable[str]) -> str | None:
    """A page's stored text: its lines read, one a line (None when nothing was read)."""
    text = "\n".join(t.strip() for t in lines if t and t.strip())
    return text or None


def search_terms(text: str | None) -> list[str]:
    """The words of a search, split at spaces (a Chinese phrase is one word), each at most
    MAX_TERM_LENGTH characters, at most MAX_TERMS of them, duplicates left out."""
    terms: list[str] = []
    for term in re.split(r"\s+", (text or "").strip()):
        term = term[:MAX_TERM_LENGTH]
        if term and term.casefold() not in {t.casefold() for t in terms}:
            terms.append(term)
    return terms[:MAX_TERMS]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def page_matches(dialect: str, terms: Sequence[str]) -> ColumnElement[bool]:
    """Pages whose text holds every term (case aside), through the trigram index where a term
    is long enough for it."""
    conditions: list[ColumnElement[bool]] = []
    if dialect == "sqlite":
        indexed = [t for t in terms if len(t) >= MIN_INDEXED]
        if indexed:
            phrase = " ".join('"' + t.replace('"', '""') + '"' for t in indexed)
            matching = select(_FTS.c.rowid).where(_FTS.c.text.op("MATCH")(phrase))
            conditions.append(PageRecord.id.in_(matching))
        for term in terms:
            if len(term) < MIN_INDEXED:  # FTS5's trigram LIKE misses short CJK terms: scan
                conditions.append(PageRecord.text.like(f"%{_escape_like(term)}%", escape="\\"))
    else:
        for term in terms:
            conditions.append(PageRecord.text.ilike(f"%{_escape_like(term)}%", escape="\\"))
    return and_(*conditions)


@dataclass(frozen=True)
class Snippet:
    """The words around the first match, as pieces: (text, is_match)."""

    pieces: tuple[tuple[str, bool], ...]

    @property
    def text(self) -> str:
        return "".join(p for p, _ in self.pieces)


def snippet(text: str, terms: Sequence[str], around: int = 24) -> Snippet:
    """The passage of `text` around its first match of any term, the terms marked."""
    flat = re.sub(r"\s+", " ", text)
    folded = flat.casefold()
    spots = [(folded.find(t.casefold()), t) for t in terms]
    spots = [(at, t) for at, t in spots if at >= 0]
    at = min(spots)[0] if spots else 0
    start, end = max(0, at - around), min(len(flat), at + around + max(map(len, terms), default=0))
    passage = flat[start:end]
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.I)
    pieces: list[tuple[str, bool]] = [("…", False)] if start else []
    last = 0
    for found in pattern.finditer(passage) if terms else ():
        if found.start() > last:
            pieces.append((passage[last : found.start()], False))
        pieces.append((found.group(0), True))
        last = found.end()
    if last < len(passage):
        pieces.append((passage[last:], False))
    if end < len(flat):
        pieces.append(("…", False))
    return Snippet(tuple(pieces))
