"""The two lists, filings and flags: their statements built once per combination of filters
(the values bound as parameters, run on the session's connection) and read off the indexes that
records.py gives every filter followed by the list's order; pages by `after` (keyset) or
`offset`, and the count of every match.

Every function takes the acting user's `Scope`: rows outside it are never listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select, tuple_
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.states import STANDING_FLAG_STATUSES
from intake.persistence.records import FilingRecord, FlagRecord, as_utc
from intake.persistence.text_search import filing_matches, search_terms
from intake.service.scope import Scope
from intake.service.search import text_condition

MAX_PAGE_SIZE = 500


# --------------------------------------------------------------------------- filings


@dataclass(frozen=True)
class FilingQuery:
    bureau: str | None = None
    status: str | None = None
    campaign: str | None = None
    q: str | None = None
    flag_code: str | None = None
    limit: int = 50
    offset: int = 0
    flag_statuses: tuple[str, ...] = STANDING_FLAG_STATUSES
    """Which flags `flag_code` finds (the queue page adds `dismissed`, for audits)."""
    sort: str = "id"
    """A column of SORTABLE; `-` in front for descending."""
    after: str | None = None
    """Keyset pagination: only filings after this id in the order of `sort` "id" or "-id"
    (the last id of the previous page); `offset` then counts from there."""
    text: str | None = None
    """Words in the scans' OCR text: only filings with a page holding all of them."""


SORTABLE = {
    "id": FilingRecord.id,
    "submitted_at": FilingRecord.submitted_at,
    "updated_at": FilingRecord.updated_at,
    "open_flags": FilingRecord.open_flags,
    "applicant_name": FilingRecord.applicant_name,
    "bureau": FilingRecord.bureau,
    "status": FilingRecord.status,
}


def _ordering(sort: str) -> tuple[Any, ...]:
    column = SORTABLE.get(sort.lstrip("-"), FilingRecord.id)
    ordered = column.desc() if sort.startswith("-") else column.asc()
    return (ordered, FilingRecord.id) if column is not FilingRecord.id else (ordered,)


LIST_COLUMNS = tuple(c for c in FilingRecord.__table__.columns if c.name != "data")
"""What a list shows of a filing: every column but its JSON (rows, not ORM objects: cheaper)."""


def _like_any(pattern) -> ColumnElement[bool]:
    return or_(
        *(
            column.like(pattern, escape="\\")
            for column in (
                FilingRecord.id,
                FilingRecord.applicant_name,
                FilingRecord.product_name,
                FilingRecord.credit_code,
            )
        )
    )


@lru_cache(maxsize=256)
def _filing_statements(
    bureau: bool, status: bool, campaign: bool, q: bool, flag_code: bool, sort: str, after: bool
) -> tuple[Select, Select, Select]:
    """The count, the page and the matching ids of a filing list with these filters, built
    once: values come as bound parameters (building a statement costs more than running it)."""
    conditions: list[ColumnElement[bool]] = []
    if bureau:
        conditions.append(FilingRecord.bureau == bindparam("bureau"))
    if status:
        conditions.append(FilingRecord.status == bindparam("status"))
    if campaign:
        conditions.append(FilingRecord.campaign == bindparam("campaign"))
    if q:
        conditions.append(_like_any(bindparam("pattern")))
    if flag_code:
        flagged = select(FlagRecord.filing_id).where(
            FlagRecord.code == bindparam("flag_code"),
            FlagRecord.status.in_(bindparam("flag_statuses", expanding=True)),
        )
        conditions.append(FilingRecord.id.in_(flagged))
    keyset = []
    if after:
        cursor = bindparam("after")
        keyset.append(FilingRecord.id < cursor if sort == "-id" else FilingRecord.id > cursor)
    order = _ordering(sort)
    count = select(func.count()).select_from(FilingRecord).where(*conditions)
    page = (
        select(*LIST_COLUMNS)
        .where(*conditions, *keyset)
        .order_by(*order)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    ids = select(FilingRecord.id).where(*conditions)
    return count, page, ids if sort in ("id", "-id") else ids.order_by(*order)


_ROWS_BY_ID = select(*LIST_COLUMNS).where(FilingRecord.id.in_(bindparam("ids", expanding=True)))


def list_filings(session: Session, scope: Scope, query: FilingQuery) -> tuple[list[Row], int]:
    """A page of filings in scope matching `query`, and how many match in all (`after` and
    `offset` choose the page; the count is of every match).

    The rows carry the filings' columns by name (as FilingRecord attributes), without `data`.
    Filters and the order are read off indexes (records.py); `q` and `text` off trigram
    indexes (intake/persistence/text_search.py), a `q` under three characters by a scan.
    """
    if query.after is not None and query.sort not in ("id", "-id"):
        raise InvalidInput("after 只能用于按编号排序的列表")
    bureau = scope.narrowed(query.bureau)
    values: dict[str, Any] = {
        "bureau": bureau,
        "status": query.status,
        "campaign": query.campaign,
        "pattern": f"%{_escape_like(query.q.strip())}%" if query.q else None,
        "flag_code": query.flag_code,
    }
    present = {key: value for key, value in values.items() if value}
    if bureau is not None:
        present["bureau"] = bureau  # even empty: `bureau=` matches no filing, as before
    if query.flag_code:
        present["flag_statuses"] = list(query.flag_statuses)
    connection = session.connection()
    indexed_q = (
        filing_matches(query.q.strip()) if query.q and connection.dialect.name == "sqlite" else None
    )  # SQLite: `q` read off the trigram index; PostgreSQL's LIKE uses its pg_trgm index
    if indexed_q is not None:
        present.pop("pattern")
    count, page, ids = _filing_statements(
        bureau is not None,
        bool(query.status),
        bool(query.campaign),
        bool(query.q) and indexed_q is None,
        bool(query.flag_code),
        query.sort,
        query.after is not None and not query.q,
    )
    limit, offset = min(max(query.limit, 1), MAX_PAGE_SIZE), max(query.offset, 0)
    terms = search_terms(query.text)
    for held in (
        indexed_q,
        text_condition(connection.dialect.name, terms) if terms else None,
    ):
        if held is not None:
            count, page, ids = count.where(held), page.where(held), ids.where(held)
    if query.q:
        # A search by `q` (off the trigram index, or a scan for fewer than three characters):
        # one pass for the matching ids gives both the count and the page, instead of
        # searching once to count and again to page.
        # (Sorted here: the database may then read a narrow covering index in any order.)
        matched = list(connection.execute(ids, present).scalars())
        total = len(matched)
        if query.sort in ("id", "-id"):
            descending = query.sort == "-id"
            matched.sort(reverse=descending)
            if query.after is not None:
                after = query.after
                matched = [i for i in matched if (i < after if descending else i > after)]
        chosen = matched[offset : offset + limit]
        if not chosen:
            return [], total
        by_id = {r.id: r for r in connection.execute(_ROWS_BY_ID, {"ids": chosen})}
        return [by_id[i] for i in chosen], total
    total = connection.execute(count, present).scalar()
    if query.after is not None:
        present["after"] = query.after
    rows = connection.execute(page, {**present, "limit": limit, "offset": offset}).all()
    return rows, int(total or 0)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --------------------------------------------------------------------------- flags


@dataclass(frozen=True)
class FlagQuery:
    bureau: str | None = None
    status: str | None = None
    code: str | None = None
    filing_id: str | None = None
    limit: int = 50
    offset: int = 0
    after: int | None = None
    """Keyset pagination: only flags after this flag (the last id of the previous page) in the
    list's order; `offset` then counts from there."""


FLAG_ORDER = (FlagRecord.filing_id, FlagRecord.position, FlagRecord.id)
"""The order of the flag list: by filing, then as the check raised them (indexed with every
filter, records.py)."""


@lru_cache(maxsize=64)
def _flag_statements(
    bureau: bool, status: bool, code: bool, filing_id: bool, after: bool
) -> tuple[Select, Select]:
    """The count and the page of a flag list with these filters, built once (the values are
    bound parameters)."""
    conditions = [
        getattr(FlagRecord, name) == bindparam(name)
        for name, present in (
            ("bureau", bureau),
            ("status", status),
            ("code", code),
            ("filing_id", filing_id),
        )
        if present
    ]
    count = select(func.count()).select_from(FlagRecord).where(*conditions)
    if after:
        conditions.append(
            tuple_(*FLAG_ORDER)
            > tuple_(bindparam("after_filing"), bindparam("after_position"), bindparam("after_id"))
        )
    page = (
        select(*FlagRecord.__table__.columns)
        .where(*conditions)
        .order_by(*FLAG_ORDER)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return count, page


_PLACE = select(*FLAG_ORDER, FlagRecord.bureau).where(FlagRecord.id == bindparam("id"))


def list_flags(session: Session, scope: Scope, query: FlagQuery) -> tuple[list[Row], int]:
    """A page of flags in scope, as rows carrying FlagRecord's columns by name; and the count
    of every match (`after` and `offset` choose the page)."""
    values = {
        "bureau": scope.narrowed(query.bureau),
        "status": query.status,
        "code": query.code,
        "filing_id": query.filing_id,
    }
    present = {name: value for name, value in values.items() if value}
    if values["bureau"] is not None:
        present["bureau"] = values["bureau"]  # even empty: `bureau=` matches no flag
    count, page = _flag_statements(
        "bureau" in present,
        "status" in present,
        "code" in present,
        "filing_id" in present,
        query.after is not None,
    )
    connection = session.connection()
    total = connection.execute(count, present).scalar()
    if query.after is not None:
        # The cursor flag's place in the order, if the caller may see it; another bureau's
        # flag is refused exactly as one that does not exist (404, as for any id).
        place = connection.execute(_PLACE, {"id": query.after}).first()
        if place is None or not scope.allows(place.bureau):
            raise NotFound(f"after：找不到疑点 {query.after}")
        present.update(
            after_filing=place.filing_id, after_position=place.position, after_id=place.id
        )
    limit, offset = min(max(query.limit, 1), MAX_PAGE_SIZE), max(query.offset, 0)
    rows = connection.execute(page, {**present, "limit": limit, "offset": offset}).all()
    return rows, int(total or 0)


# --------------------------------------------------------------------------- changes


_LATEST = {
    True: select(func.max(FilingRecord.updated_at), func.count()).where(
        FilingRecord.bureau == bindparam("bureau")
    ),
    False: select(func.max(FilingRecord.updated_at), func.count()).select_from(FilingRecord),
}


def queue_version(session: Session, scope: Scope, bureau: str | None = None) -> str:
    """A token that changes whenever a filing in scope (narrowed to `bureau`) is added or
    changes its data, status or flags (`updated_at`, kept by recheck.refresh_status): the
    latest change and the count, read off the indexes of `updated_at` and `bureau`. Stored in
    the database, so every service process answers alike."""
    narrowed = scope.narrowed(bureau)
    statement = _LATEST[narrowed is not None]
    latest, count = session.connection().execute(statement, {"bureau": narrowed}).one()
    moment = as_utc(latest).isoformat() if latest is not None else "-"
    return f"{moment}/{count}"
