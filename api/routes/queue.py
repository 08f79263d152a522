"""The queue's routes: its change token (polled by the page), search in the scans' OCR text, and
the summary of the filings chosen on it."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import StringConstraints
from sqlalchemy import select

from api.deps import BureauScope, Filter, Offset, SessionDep
from api.list_json import filing_items, list_response
from api.routes.bureaus import XLSX, attachment
from core.errors import InvalidInput
from core.filing import LIMITS
from intake.persistence.records import FilingRecord
from intake.persistence.text_search import search_terms
from intake.presentation.bureau_summary import SummaryQuery, summary_csv, summary_rows, summary_xlsx
from intake.service import lists
from intake.service.filings import not_found
from intake.service.search import page_hits

router = APIRouter(prefix="/api", tags=["queue"])

MAX_SELECTED = lists.MAX_PAGE_SIZE
FilingId = Annotated[str, StringConstraints(min_length=1, max_length=LIMITS.filing_id)]
FilingIds = Annotated[
    list[FilingId],
    Query(
        alias="id",
        min_length=1,
        max_length=MAX_SELECTED,
        description="the chosen filings' ids, each as id=…",
    ),
]


@router.get("/queue/version")
def queue_version(
    request: Request, session: SessionDep, scope: BureauScope, bureau: Filter = None
) -> Response:
    """A token that changes when a filing in scope is added, or its data, status or flags
    change (`If-None-Match` with the last token: 304 while nothing changed). Read from the
    database, so that any service process answers the same."""
    version = lists.queue_version(session, scope, bureau)
    tag = f'"{version}"'
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag, "Cache-Control": "no-cache"})
    return Response(
        orjson.dumps({"version": version}),
        media_type="application/json",
        headers={"ETag": tag, "Cache-Control": "no-cache"},
    )


@router.get("/search")
def search_pages(
    session: SessionDep,
    scope: BureauScope,
    text: Annotated[str, Query(min_length=1, max_length=LIMITS.query, pattern=r"^[^\x00-\x1f]*$")],
    bureau: Filter = None,
    status: Filter = None,
    campaign: Filter = None,
    limit: Annotated[int, Query(ge=1, le=lists.MAX_PAGE_SIZE)] = 50,
    offset: Offset = 0,
) -> Response:
    """Filings whose scans' OCR text holds every word of `text` (spaces part words; a Chinese
    phrase is found as it is written), by id; each with its first matching pages, the
    passage around the words and the page's address on the review page."""
    terms = search_terms(text)
    if not terms:
        raise InvalidInput("请输入要在扫描件文字中查找的词")
    query = lists.FilingQuery(bureau, status, campaign, limit=limit, offset=offset, text=text)
    rows, count = lists.list_filings(session, scope, query)
    items = filing_items(rows)
    hits = page_hits(session, [r.id for r in rows], terms)
    for item in items:
        found = hits.get(item["filing_id"])
        item["matching_pages"] = found.count if found else 0
        item["pages"] = [
            {
                "document_id": h.document_id,
                "source": h.source,
                "page": h.page,
                "kind": h.kind,
                "snippet": h.snippet.text,
                "url": f"/filings/{item['filing_id']}#page-{h.document_id}-{h.page}",
            }
            for h in (found.pages if found else [])
        ]
    return list_response(items, count)


def _chosen(session, scope, ids: list[str]) -> list[str]:
    """The chosen ids, each a filing in scope (another bureau's is not found, as any id)."""
    wanted = list(dict.fromkeys(i for i in ids if i))
    if not wanted:
        raise InvalidInput("请先勾选要导出的申报")
    bureaus = dict(
        session.execute(
            select(FilingRecord.id, FilingRecord.bureau).where(FilingRecord.id.in_(wanted))
        ).all()
    )
    for filing_id in wanted:
        if filing_id not in bureaus or not scope.allows(bureaus[filing_id]):
            raise not_found("申报", filing_id)
    return wanted


@router.get(
    "/selection/summary.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}}
)
def selection_xlsx(session: SessionDep, scope: BureauScope, ids: FilingIds) -> Response:
    """The 推荐产品汇总表 of just the chosen filings (the bureau summary's columns)."""
    chosen = _chosen(session, scope, ids)
    rows = summary_rows(session, SummaryQuery(None, filing_ids=tuple(chosen)))
    name = f"所选{len(rows)}项申报推荐产品汇总表.xlsx"
    return Response(summary_xlsx(None, rows), media_type=XLSX, headers=attachment(name))


@router.get(
    "/selection/summary.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def selection_csv(session: SessionDep, scope: BureauScope, ids: FilingIds) -> Response:
    """The same table as CSV (UTF-8 with BOM)."""
    chosen = _chosen(session, scope, ids)
    rows = summary_rows(session, SummaryQuery(None, filing_ids=tuple(chosen)))
    name = f"所选{len(rows)}项申报推荐产品汇总表.csv"
    return Response(
        summary_csv(rows), media_type="text/csv; charset=utf-8", headers=attachment(name)
    )
