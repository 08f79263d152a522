"""Filings: create, update, list, read, report, history, recommendation, live progress."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.deps import (
    BureauScope,
    DatabaseDep,
    FilingIdPath,
    Filter,
    Offset,
    SessionDep,
    SettingsDep,
    StorageDep,
    on_session,
)
from api.list_json import filing_items, list_response
from api.schemas import (
    AuditPublic,
    DocumentPublic,
    FilingDetail,
    FilingPublic,
    JobPublic,
    ListOf,
    RecommendationIn,
)
from core.states import ACTIVE_JOB_STATES
from intake.persistence.database import Database
from intake.persistence.stored import filing_report, latest_jobs
from intake.presentation.annotated_pdf import annotated_pdf
from intake.service import filings as service
from intake.service import lists
from intake.service.review import filing_jobs
from intake.service.scope import Scope

router = APIRouter(prefix="/api/filings", tags=["filings"])

FilingBody = Annotated[
    dict[str, Any], Body(description="a filing as in the contract's filing.schema.json")
]


def _detail(session, record) -> FilingDetail:
    documents = record.documents
    jobs = latest_jobs(session, [d.id for d in documents])
    return FilingDetail(
        **FilingPublic.of(record).model_dump(),
        filing=record.data,
        documents=[DocumentPublic.of(d, jobs.get(d.id)) for d in documents],
    )


@router.post("", response_model=FilingDetail, status_code=201)
def create_filing(
    body: FilingBody, session: SessionDep, scope: BureauScope, settings: SettingsDep
) -> FilingDetail:
    """Store a filing (the online 征集信息表 entry) and run the checks that need no scans."""
    record = service.create_filing(session, scope, body, settings.campaign_dirs)
    session.commit()
    return _detail(session, record)


@router.put("/{filing_id}", response_model=FilingDetail)
def update_filing(
    filing_id: FilingIdPath,
    body: FilingBody,
    session: SessionDep,
    scope: BureauScope,
    settings: SettingsDep,
) -> FilingDetail:
    """Replace the filing's data and re-check it (and the applicant's other filings); the
    body's `filing_id` may be left out (the path names the filing)."""
    if isinstance(body, dict) and "filing_id" not in body:
        body = {**body, "filing_id": filing_id}
    record, _changed = service.update_filing(
        session, scope, filing_id, body, settings.campaign_dirs
    )
    session.commit()
    return _detail(session, record)


@router.get("", response_model=ListOf[FilingPublic])
async def list_filings(
    session: SessionDep,
    scope: BureauScope,
    bureau: Filter = None,
    status: Annotated[str | None, Query(max_length=16, description="e.g. flagged, clean")] = None,
    campaign: Filter = None,
    q: Annotated[Filter, Query(description="text in the id, names or credit code")] = None,
    flag_code: Annotated[Filter, Query(description="with an open/confirmed flag")] = None,
    limit: Annotated[int, Query(ge=1, le=lists.MAX_PAGE_SIZE)] = 50,
    offset: Offset = 0,
    after: Annotated[
        Filter, Query(description="keyset paging: the last filing_id of the previous page")
    ] = None,
    text: Annotated[Filter, Query(description="words in the scans' OCR text")] = None,
) -> Response:
    """Filings in the caller's scope by id; `count` is every match, `after` (or `offset`) pages."""
    query = lists.FilingQuery(
        bureau, status, campaign, q, flag_code, limit, offset, after=after, text=text
    )
    return await on_session(session, _filings_page, session, scope, query)


def _filings_page(session: Session, scope: Scope, query: lists.FilingQuery) -> Response:
    rows, count = lists.list_filings(session, scope, query)
    return list_response(filing_items(rows), count)


@router.get("/{filing_id}", response_model=FilingDetail)
def get_filing(filing_id: FilingIdPath, session: SessionDep, scope: BureauScope) -> FilingDetail:
    return _detail(session, service.get_filing(session, scope, filing_id))


@router.get("/{filing_id}/report")
def get_report(filing_id: FilingIdPath, session: SessionDep, scope: BureauScope) -> dict[str, Any]:
    """The check report (contract: report.schema.json) of everything uploaded so far."""
    record = service.get_filing(session, scope, filing_id)
    return filing_report(session, record, every_bureau=scope.bureau is None)


@router.get("/{filing_id}/history", response_model=ListOf[AuditPublic])
def get_history(
    filing_id: FilingIdPath, session: SessionDep, scope: BureauScope
) -> ListOf[AuditPublic]:
    """The audit log of the filing: who changed, decided or corrected what, and when."""
    entries = service.filing_history(session, scope, filing_id)
    return ListOf[AuditPublic](data=[AuditPublic.of(e) for e in entries], count=len(entries))


@router.get(
    "/{filing_id}/annotated.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def get_annotated_pdf(
    filing_id: FilingIdPath,
    session: SessionDep,
    scope: BureauScope,
    storage: StorageDep,
    settings: SettingsDep,
) -> Response:
    """For the paper file: the key pages with every field's box, and the flag table (PDF)."""
    record = service.get_filing(session, scope, filing_id)
    body = annotated_pdf(session, storage, record, settings.campaign_dirs, scope.user_name)
    name = quote(f"{filing_id}-批注件.pdf", safe="")
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )


@router.post("/{filing_id}/recommendation", response_model=FilingPublic)
def recommend(
    filing_id: FilingIdPath, body: RecommendationIn, session: SessionDep, scope: BureauScope
) -> FilingPublic:
    """The bureau's decision: recommended (only with no open flags) or not_recommended."""
    record = service.set_recommendation(session, scope, filing_id, body.decision, body.reason)
    session.commit()
    return FilingPublic.of(record)


@router.get("/{filing_id}/jobs", response_model=ListOf[JobPublic])
def list_jobs(
    filing_id: FilingIdPath, session: SessionDep, scope: BureauScope
) -> ListOf[JobPublic]:
    service.get_filing(session, scope, filing_id)
    jobs = filing_jobs(session, filing_id)
    return ListOf[JobPublic](data=[JobPublic.of(j) for j in jobs], count=len(jobs))


@router.get(
    "/{filing_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def job_events(
    filing_id: FilingIdPath,
    session: SessionDep,
    scope: BureauScope,
    db: DatabaseDep,
    settings: SettingsDep,
) -> Response:
    """Server-Sent Events: a `job` event whenever a job's state or progress changes; `end`
    when none is queued or running any more (or after the configured timeout)."""
    service.get_filing(session, scope, filing_id)
    session.close()  # the stream polls with short sessions of its own; hold no connection
    stream = _events(
        db, scope, filing_id, settings.events_poll_seconds, settings.events_timeout_seconds
    )
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _snapshot(db: Database, scope: Scope, filing_id: str) -> list[JobPublic]:
    with db.session() as session:
        service.get_filing(session, scope, filing_id)
        return [JobPublic.of(j) for j in filing_jobs(session, filing_id)]


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _events(
    db: Database, scope: Scope, filing_id: str, poll: float, timeout: float
) -> AsyncIterator[str]:
    sent: dict[int, tuple] = {}
    deadline = time.monotonic() + timeout
    reason = "timeout"
    while time.monotonic() < deadline:
        jobs = await run_in_threadpool(_snapshot, db, scope, filing_id)
        for job in jobs:
            key = (job.state, job.pages_done, job.pages_total, job.attempts)
            if sent.get(job.id) != key:
                sent[job.id] = key
                yield _sse("job", job.event())
        if not any(j.state in ACTIVE_JOB_STATES for j in jobs):
            reason = "idle"
            break
        await asyncio.sleep(poll)
    yield _sse("end", {"filing_id": filing_id, "reason": reason})
